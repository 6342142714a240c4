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
    return Path(root) if root else Path.home() / ".cache" / "quickstart-runner"


def digest(parts: Iterable[bytes | str]) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode() if isinstance(part, str) else part)
        h.update(b"\0")
    return h.hexdigest()[:16]


def files_digest(paths: Iterable[Path], extra: Iterable[str] = ()) -> str:
    """A key over file names and contents: what decides whether a prepared app is stale."""
    parts: list[bytes | str] = list(extra)
    for path in sorted(paths):
        parts.append(str(path))
        parts.append(path.read_bytes() if path.is_file() else b"<missing>")
    return digest(parts)


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """An exclusive lock beside `path`, held across processes (several runs may share a cache)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def build_once(target: Path, build: Callable[[Path], None]) -> tuple[Path, bool]:
    """Make the directory `target` exist, complete: built in place, then marked done.

    Built in place (venvs and build outputs hold absolute paths, so no build-then-rename);
    a build that fails or was interrupted has no marker and is wiped and redone, and two
    jobs asking for the same target build it once. Returns (target, built_now).
    """
    marker = target / ".complete"
    if marker.exists():
        return target, False
    with locked(target):
        if marker.exists():
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
