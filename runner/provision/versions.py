"""Which Dapr runtime and CLI versions a run uses, and which of them can be had here: a version the
Go module proxy serves whole (a listed version may still refuse its zip), else the nearest one of
the same minor that it does, else (the CLI) the newest of an older minor; and the versions a tree
declares for itself (`.github/env/global.env` in the quickstarts layout)."""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

RUNTIME = "github.com/dapr/dapr"
CLI = "github.com/dapr/cli"
DECLARED_IN = Path(".github/env/global.env")
PATCHES = 12  # patch releases of a minor looked for


@dataclass(frozen=True)
class Resolved:
    wanted: str
    version: str  # what is used
    why: str = ""  # why it is not `wanted`

    @property
    def note(self) -> str:
        return f"{self.wanted} -> {self.version} ({self.why})" if self.why else self.version


def _parts(version: str) -> tuple[int, int, int]:
    found = re.match(r"v?(\d+)\.(\d+)\.(\d+)", version)
    if not found:
        raise ValueError(f"not a version: {version!r}")
    major, minor, patch = map(int, found.groups())
    return major, minor, patch


@functools.lru_cache(maxsize=None)
def servable(module: str, version: str) -> bool:
    """Whether the proxy serves `module` at `version` whole (its zip, not only its listing); False
    where there is no go to ask it."""
    if shutil.which("go") is None:
        return False
    with tempfile.TemporaryDirectory() as scratch:
        done = subprocess.run(["go", "mod", "download", "-json", f"{module}@v{version.lstrip('v')}"], cwd=scratch,
                              capture_output=True, text=True, env=_go_env())
    return done.returncode == 0 and '"Dir"' in done.stdout


def _go_env() -> dict[str, str]:
    import os

    # The checksum database does not know every version the proxy serves (dapr/cli's): the proxy's own word counts.
    return {**os.environ, "GONOSUMDB": "github.com/dapr", "GOFLAGS": "-mod=mod"}


def resolve_runtime(wanted: str) -> Resolved:
    """`wanted`, or the nearest patch of its minor the proxy serves (unchanged when none is: the
    build then says what is missing)."""
    return _nearest(RUNTIME, wanted) or Resolved(wanted, wanted)


def resolve_cli(runtime: str, wanted: str | None = None) -> Resolved:
    """The dapr CLI for `runtime`: `wanted` when served, else the served one of its minor nearest to
    it; with none (or none wanted), the newest served CLI not newer than the runtime's minor."""
    if wanted and (near := _nearest(CLI, wanted)):
        return near
    major, minor, _ = _parts(runtime)
    label = wanted or f"{major}.{minor}.x"
    for older in range(minor, max(minor - 4, -1), -1):
        for patch in range(PATCHES, -1, -1):
            version = f"{major}.{older}.{patch}"
            if servable(CLI, version):
                late = wanted is not None or older != minor
                return Resolved(label, version, f"no {major}.{minor}.x of the CLI served here" if late else "")
    return Resolved(label, wanted or f"{major}.{minor}.0", "no CLI of that minor or the few before served here")


def _nearest(module: str, wanted: str) -> Resolved | None:
    """`wanted` when served, else the served patch of its minor nearest to it (newer first)."""
    major, minor, patch = _parts(wanted)
    if servable(module, wanted):
        return Resolved(wanted, wanted.lstrip("v"))
    order = sorted(range(PATCHES + 1), key=lambda candidate: (abs(candidate - patch), -candidate))
    for candidate in order:
        if candidate != patch and servable(module, f"{major}.{minor}.{candidate}"):
            return Resolved(wanted, f"{major}.{minor}.{candidate}", "not served here")
    return None


def declared(tree: Path) -> dict[str, str]:
    """The versions a quickstarts tree declares for its CI: `DAPR_RUNTIME_VERSION`, `DAPR_CLI_VERSION`
    (as `KEY: value` or `KEY=value` lines)."""
    path = tree / DECLARED_IN
    if not path.is_file():
        return {}
    found = {}
    for line in path.read_text(errors="replace").splitlines():
        match = re.match(r"^\s*(DAPR_RUNTIME_VERSION|DAPR_CLI_VERSION)\s*[:=]\s*['\"]?([0-9][\w.\-]*)", line)
        if match:
            found[match.group(1)] = match.group(2)
    return found
