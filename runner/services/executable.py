"""Executables the runner writes (shims, wrappers, binaries from a release), written so that none
can be refused with "Text file busy" when run.

Linux refuses to exec a file while any process holds it open for writing. A file this process
writes is open here for a moment; a child another thread forks in that moment inherits the
descriptor and holds it until its own exec, however briefly: an exec of the file meanwhile fails
(ETXTBSY), whatever the file's state. So the file is written by a child of its own, whose
descriptors no other process inherits: once that child has exited, nothing holds it open.
"""

from __future__ import annotations

import subprocess
from pathlib import Path


def write_executable(path: Path, data: bytes | str) -> None:
    """`path` holds `data`, mode 755, and no process holds it open for writing."""
    content = data.encode() if isinstance(data, str) else data
    result = subprocess.run(["sh", "-c", 'cat > "$1" && chmod 755 "$1"', "sh", str(path)], input=content,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if result.returncode != 0:
        raise OSError(f"{path}: cannot be written: {result.stderr.decode(errors='replace').strip()}")
