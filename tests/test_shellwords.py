"""README command blocks read the one way every part of the runner reads them."""

from pathlib import PurePosixPath

from runner.formats.shellwords import shell_calls, starts_with
from runner.recipes import is_build


def test_calls_follow_cds_and_split_at_operators():
    block = "cd ./order-processor\nmvn clean install && cd ..\nFOO=1 dapr run \\\n  -f . # comment\necho a | grep a"
    calls = list(shell_calls(block))
    assert [call.words for call in calls] == [("cd", "./order-processor"), ("mvn", "clean", "install"), ("cd", ".."),
                                              ("dapr", "run", "-f", "."), ("echo", "a"), ("grep", "a")]
    assert [str(call.cwd) for call in calls] == ["order-processor", "order-processor", ".", ".", ".", "."]


def test_an_unsplittable_line_is_left_to_the_shell():
    assert [call.words for call in shell_calls("echo 'open\nls")] == [("ls",)]


def test_build_commands_of_every_language():
    for line in ("pip3 install -r requirements.txt", "python -m pip install x", "npm install", "npm ci",
                 "mvn clean install", "./mvnw package", "go build .", "dotnet build"):
        assert is_build(next(shell_calls(line)).words), line
    for line in ("python3 app.py", "npm run start", "go run .", "dapr run -f .", "java -jar x.jar", "pip list"):
        assert not is_build(next(shell_calls(line)).words), line
    assert starts_with(("/usr/bin/pip3", "install", "x"), ("pip3", "install"))
    assert not starts_with((), ("pip3",))
    assert PurePosixPath(".") == next(shell_calls("ls")).cwd


def test_separators_inside_quotes_do_not_split_a_command():
    from runner.formats.shellwords import shell_calls

    block = 'dapr run --app-id a -- python3 -c "import time; print(1) | 2 && 3" && echo \'x;y\' # a; comment'
    assert [call.words for call in shell_calls(block)] == [
        ("dapr", "run", "--app-id", "a", "--", "python3", "-c", "import time; print(1) | 2 && 3"), ("echo", "x;y")]
