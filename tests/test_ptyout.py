"""The terminal an app gets inside the real CLI's run (services/ptyout.py): its two streams as one,
in the order written; its end passed on; it never outlives the wrapper the CLI kills."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from runner.services.ptyout import with_wrappers, wrap_command, wrapped

INTERLEAVED = "import sys\nfor i in range(200):\n    print('out', i)\n    print('err', i, file=sys.stderr)\n"


def test_stdout_and_stderr_arrive_in_the_order_written():
    # Read back through two pipes (as the CLI reads an app), the order is a race; through ours, never.
    result = subprocess.run(wrapped([sys.executable, "-c", INTERLEAVED]), capture_output=True, text=True, timeout=60)
    expected = [line for i in range(200) for line in (f"out {i}", f"err {i}")]
    assert result.returncode == 0 and result.stdout.splitlines() == expected and result.stderr == ""


def test_its_end_is_passed_on():
    assert subprocess.run(wrapped(["sh", "-c", "exit 3"]), timeout=30).returncode == 3
    assert subprocess.run(wrapped(["sh", "-c", "kill -SEGV $$"]), timeout=30).returncode == -signal.SIGSEGV
    missing = subprocess.run(wrapped(["no-such-program-here"]), capture_output=True, text=True, timeout=30)
    assert missing.returncode == 127 and "no-such-program-here" in missing.stderr


def _alive(pid: int) -> bool:
    try:
        state = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def test_the_app_dies_with_the_wrapper_the_cli_kills():
    wrapper = subprocess.Popen(wrapped([sys.executable, "-c", "import os, time; print(os.getpid(), flush=True); "
                                                              "time.sleep(300)"]), stdout=subprocess.PIPE, text=True)
    app = int(wrapper.stdout.readline())
    assert _alive(app)
    wrapper.kill()  # the CLI's Process.Kill(): SIGKILL, which the wrapper cannot pass on
    wrapper.wait(timeout=10)
    deadline = time.monotonic() + 10
    while _alive(app) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(app)


def test_a_bare_program_keeps_its_command_and_finds_the_real_one(tmp_path):
    folder = tmp_path / "wrappers"
    argv = wrap_command(["python3", "-c", "import os, sys; print(sys.stdout.isatty()); print(os.environ['PATH'])"],
                        folder)
    assert argv[0] == "python3"  # what the CLI records and `dapr list` shows
    env = with_wrappers(dict(os.environ), folder)
    result = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=60)
    isatty, path = result.stdout.splitlines()
    assert isatty == "True" and str(folder) not in path.split(os.pathsep)
    assert wrap_command(["./app", "x"], folder) == wrapped(["./app", "x"])  # a path: no name to stand in for


def test_a_line_is_what_a_terminal_shows_of_it():
    from runner.services.terminal import shown

    assert shown("\u2819\x1b[1G\x1b[0KOrder passed: 1") == "Order passed: 1"  # npm's spinner frame, overwritten
    assert shown("== APP - checkout == \u2819\x1b[1G\x1b[0KOrder passed") == "== APP - checkout == Order passed"
    assert shown("downloading 10%\rdownloading 100%") == "downloading 100%"
    assert shown("abcdef\rXY") == "XYcdef"  # written over, not erased
    assert shown("plain \x1b[32mgreen\x1b[0m") == "plain \x1b[32mgreen\x1b[0m"  # nothing moved back: as it came
