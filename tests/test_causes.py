from runner.transcript.causes import cause


def test_the_line_that_names_the_cause():
    mvn = ("\x1b[0m\x1b[0m[INFO] Scanning\n[ERROR] Failed to execute goal on project x: Could not resolve dependencies: "
           "io.dapr:dapr-sdk:jar:1.17.0 was not found in https://repo.maven.apache.org/maven2\n[ERROR] -> [Help 1]\n\x1b[0m")
    assert cause(mvn).startswith("[ERROR] Failed to execute goal on project x: Could not resolve dependencies")
    assert cause("npm ERR! code E404\nnpm ERR! 404 Not Found") == "npm ERR! code E404"
    assert cause("Collecting x\nERROR: No matching distribution found for x==9") == "ERROR: No matching distribution found for x==9"
    assert cause("# app\n./main.go:12:3: undefined: foo\n") == "./main.go:12:3: undefined: foo"
    assert cause("Traceback (most recent call last):\n  File x\nModuleNotFoundError: No module named 'a'") == (
        "ModuleNotFoundError: No module named 'a'")
    assert cause("2026/11/28 15:32:08 Failed to open plaintext file: open x.jpg: no such file or directory\nexit status 1") == (
        "2026/11/28 15:32:08 Failed to open plaintext file: open x.jpg: no such file or directory")
    assert cause("all fine\n") is None
