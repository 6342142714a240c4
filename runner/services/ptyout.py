"""An app's stdout and stderr as one stream, in the order the app wrote them.

The dapr CLI reads its app's stdout and stderr on two goroutines, so a line written to one just
after a line written to the other can reach the CLI's output first (a Go app that logs to
stderr and prints to stdout, say): the order the runner matches is then a race. Handed to
the real CLI as `python -m runner.services.ptyout -- APP ARGS...`, this runs the app with a
pseudo-terminal as both its stdout and stderr (line-buffered, as in a person's terminal, as
in daprd mode) and copies what arrives there to its own stdout, in order.

The app stays in our process group (a stop of the group reaches it), dies with us (the CLI
ends its app with SIGKILL, which cannot be passed on: PR_SET_PDEATHSIG does it), hears the
signals we get, and we end as it ended: its exit status, or the same signal.

Where the app's program is a bare name (`python3 app.py`), the CLI is handed the command as
written and finds a wrapper of that name first on its PATH (`wrap_command`): what it records
and shows (`dapr list`, `Updating metadata for app command`) is the app's own command.
"""

from __future__ import annotations

import ctypes
import fcntl
import os
import pty
import shlex
import signal
import struct
import subprocess
import sys
import termios
from pathlib import Path

from runner.services.executable import write_executable

_PR_SET_PDEATHSIG = 1
_FORWARDED = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


def wrapped(argv: list[str] | tuple[str, ...]) -> list[str]:
    """`argv` run through this module by this Python."""
    return [sys.executable, "-m", "runner.services.ptyout", "--", *argv]


def wrap_command(argv: list[str] | tuple[str, ...], folder: Path) -> list[str]:
    """The app command to hand the CLI, whose PATH starts with `folder`: as written, with a
    wrapper of its program's name in `folder`, when the program is a bare name; else `wrapped`."""
    if not argv or "/" in argv[0]:
        return wrapped(argv)
    folder.mkdir(parents=True, exist_ok=True)
    wrapper = folder / argv[0]
    if not wrapper.exists():
        write_executable(wrapper, f"#!/bin/sh\nexec {shlex.quote(sys.executable)} -m runner.services.ptyout "
                                  f"--path-without {shlex.quote(str(folder))} -- {shlex.quote(argv[0])} \"$@\"\n")
    return list(argv)


def with_wrappers(env: dict[str, str], folder: Path) -> dict[str, str]:
    """`env` with the wrappers of `wrap_command` first on its PATH."""
    return {**env, "PATH": f"{folder}{os.pathsep}{env.get('PATH', os.environ.get('PATH', ''))}"}


def _die_with_parent() -> None:
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _copy(master: int) -> None:
    out = sys.stdout.buffer
    carried = b""  # a "\r" that may start the next chunk's "\r\n"
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: every writer of the terminal has closed it
            break
        if not chunk:
            break
        chunk = carried + chunk
        carried = b"\r" if chunk.endswith(b"\r") else b""
        out.write(chunk[:len(chunk) - len(carried)].replace(b"\r\n", b"\n"))
        out.flush()
    if carried:
        out.write(carried)
        out.flush()


def main(argv: list[str]) -> int:
    if argv[:1] == ["--path-without"] and len(argv) > 1:  # a wrapper's: the app finds the real program
        os.environ["PATH"] = os.pathsep.join(part for part in os.environ.get("PATH", "").split(os.pathsep)
                                             if part != argv[1])
        argv = argv[2:]
    if argv[:1] == ["--"]:
        argv = argv[1:]
    if not argv:
        print("usage: python -m runner.services.ptyout -- APP [ARGS...]", file=sys.stderr)
        return 2
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 2000, 0, 0))  # no wrapping of long lines
    try:
        child = subprocess.Popen(argv, stdout=slave, stderr=slave, preexec_fn=_die_with_parent)
    except OSError as exc:
        print(f"{argv[0]}: {exc.strerror or exc}", file=sys.stderr)
        return 127
    finally:
        os.close(slave)
    for number in _FORWARDED:
        signal.signal(number, lambda received, frame: child.send_signal(received))
    _copy(master)
    code = child.wait()
    if code < 0:  # ended by a signal: so do we, so whoever waits for us hears the same
        signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
