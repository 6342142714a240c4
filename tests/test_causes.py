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


def test_a_build_error_is_a_build_tool_s_own_line():
    from runner.transcript.causes import build_error, says_why

    mvn = "[\x1b[1;34mINFO\x1b[m] Building\n[\x1b[1;31mERROR\x1b[m] Failed to execute goal on project \x1b[36mX\x1b[m: boom\n"
    assert build_error(mvn) == "[ERROR] Failed to execute goal on project X: boom"
    assert build_error("Error: something an app said\n") is None  # an app's words are not a build's
    assert says_why("\x1b[31mModuleNotFoundError: No module named 'a'\x1b[0m") and not says_why("INFO all good")


def test_the_file_a_tool_could_not_find():
    from runner.transcript.causes import missing_file

    assert missing_file("FileNotFoundError: [Errno 2] No such file or directory: 'desert.jpg'") == "desert.jpg"
    assert missing_file("Failed to open plaintext file: open liu.jpg: no such file or directory") == "liu.jpg"
    assert missing_file("Error: ENOENT: no such file or directory, open 'img/a.png'") == "img/a.png"
    assert missing_file("Error: Unable to access jarfile target/App-0.0.1.jar") == "target/App-0.0.1.jar"
    assert missing_file("all fine") is None
