"""Where the runner keeps what outlives a run, and how jobs share it safely."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
from pathlib import Path
from typing import Callable, Iterable, Iterator


def cache_root() -> Path:
    root = os.environ.get("QUICKSTART_RUNNER_CACHE")
    if root:
        return Path(root)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "quickstart-runner"


def digest(parts: Iterable[bytes | str]) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode() if isinstance(part, str) else part)
        h.update(b"\0")
    return h.hexdigest()[:16]


def files_digest(paths: Iterable[Path], root: Path, extra: Iterable[str] = ()) -> str:
    """A key over file names (from `root`, so a tree keeps its key wherever it lies; a file
    above it as `../`) and contents: what decides whether a prepared app is stale."""
    parts: list[bytes | str] = list(extra)
    base = root.resolve()
    for path in sorted(paths):
        parts.append(Path(os.path.relpath(path.resolve(), base)).as_posix())
        parts.append(path.read_bytes() if path.is_file() else b"<missing>")
    return digest(parts)


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """An exclusive lock beside `path`, held across processes (several runs may share a cache).
    Its file is removed on release, so nothing is left behind: a waiter that then gets the lock
    of the removed file sees it is no longer the one at that path, and locks the new one."""
    lock = path.with_name(path.name + ".lock")
    lock.parent.mkdir(parents=True, exist_ok=True)
    while True:
        handle = open(lock, "a")
        fcntl.flock(handle, fcntl.LOCK_EX)
        if _still_there(handle, lock):
            break
        handle.close()
    try:
        yield
    finally:
        lock.unlink(missing_ok=True)
        handle.close()


def _still_there(handle, path: Path) -> bool:
    try:
        return os.stat(path).st_ino == os.fstat(handle.fileno()).st_ino
    except FileNotFoundError:
        return False


def try_lock(path: Path):
    """The open file of `path` exclusively locked (closing it releases the lock), or None when
    another process holds it. The file stays: it names a resource (a slot, a port), not a job."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle


def is_built(target: Path) -> bool:
    """Whether `build_once` has completed `target`."""
    return (target / ".complete").exists()


def build_once(target: Path, build: Callable[[Path], None]) -> tuple[Path, bool]:
    """Make the directory `target` exist, complete: built in place, then marked done.

    Built in place (venvs and build outputs hold absolute paths, so no build-then-rename);
    a build that fails or was interrupted has no marker and is wiped and redone, and two
    jobs asking for the same target build it once. Returns (target, built_now).
    """
    marker = target / ".complete"
    if is_built(target):
        return target, False
    with locked(target):
        if is_built(target):
            return target, False
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        try:
            build(target)
        except BaseException:
            shutil.rmtree(target, ignore_errors=True)
            raise
        marker.touch()
    return target, True
