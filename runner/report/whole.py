"""Report files replaced whole: written beside their place under a name of the writer's own, then
renamed over it, so a reader never sees half a file and two writers never share a scratch file."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Callable


def write_whole(path: Path, write: Callable[[Path], None]) -> None:
    """`write(scratch)` then rename the scratch file to `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_name(f".{path.name}.{os.getpid()}-{threading.get_ident()}.tmp")
    try:
        write(scratch)
        scratch.replace(path)
    finally:
        scratch.unlink(missing_ok=True)
