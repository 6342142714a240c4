"""The real Dapr runtime at a pinned version: daprd, and the placement and scheduler
services of the same dapr module; an installed daprd, or all three built from
github.com/dapr/dapr.

dapr's go.mod carries replace directives, which only the main module may apply, so
`go install github.com/dapr/dapr/cmd/daprd@vX` cannot work: we build a module of our own
that requires dapr, copies its replace directives, and has small mains (daprd_main/): daprd
registering only the components listed in components.go, placement and scheduler as their
own cmd starts them but with /healthz on loopback. The build is cached by version and by
the digest of those sources, so a changed component list builds anew.
"""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from runner.cache import build_once, cache_root, digest
from runner.errors import ProvisionError
from runner.provision import DEFAULT_VERSION
from runner.services.controlplane import ControlPlaneBinaries
from runner.provision.gobuild import CONTRIB, go, last_error, module_dir, module_overrides, replace_blocks, required

MAIN_SOURCES = Path(__file__).parent / "daprd_main"
PROGRAMS = {"daprd": ".", "placement": "./placement", "scheduler": "./scheduler"}


@dataclass(frozen=True)
class Daprd:
    path: Path
    version: str
    origin: str  # "path", "~/.dapr/bin" or "built"


def binary_version(path: Path) -> str | None:
    try:
        result = subprocess.run([str(path), "--version"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return None
    out = result.stdout.strip().splitlines()
    return out[0].strip() if result.returncode == 0 and out else None


def component_types(daprd: Path) -> frozenset[str] | None:
    """The component types a daprd of ours carries (`--component-types`); None for another
    daprd (a full one carries them all, as far as the runner can tell)."""
    try:
        result = subprocess.run([str(daprd), "--component-types"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return None
    types = result.stdout.split()
    return frozenset(types) if result.returncode == 0 and types and all("." in t for t in types) else None


@functools.lru_cache(maxsize=None)
def _sources_key() -> tuple[bytes | str, ...]:
    """Our sources' names within the package and contents (read once a process): the same build
    wherever the checkout is, a new one when a source changes."""
    sources = sorted(MAIN_SOURCES.rglob("*.go"))
    return tuple(part for path in sources for part in (str(path.relative_to(MAIN_SOURCES)), path.read_bytes()))


def build_dir(version: str) -> Path:
    return cache_root() / "dapr" / f"{version}-{digest([version, *_sources_key()])[:10]}"


def cached_path(version: str) -> Path:
    return build_dir(version) / "daprd"


def find_daprd(version: str = DEFAULT_VERSION) -> Daprd | None:
    """An existing daprd at `version`, without building anything."""
    candidates = []
    on_path = shutil.which("daprd")
    if on_path:
        candidates.append((Path(on_path), "path"))
    candidates.append((Path.home() / ".dapr" / "bin" / "daprd", "~/.dapr/bin"))
    for path, origin in candidates:
        if path.is_file() and binary_version(path) == version:
            return Daprd(path, version, origin)
    built = cached_path(version)
    if (built.parent / ".complete").exists() and built.is_file():
        return Daprd(built, version, "built")
    return None


def build_dapr(version: str = DEFAULT_VERSION, progress=print) -> Path:
    """daprd, placement and scheduler of dapr `version`, built once into their cache dir."""
    if shutil.which("go") is None:
        raise ProvisionError("go: not found; a Go toolchain is needed to build daprd (or install daprd on PATH)")
    target = build_dir(version)
    target.parent.mkdir(parents=True, exist_ok=True)

    def build(workdir: Path) -> None:
        log = workdir / "build.log"
        started = time.monotonic()
        src = workdir / "src"
        src.mkdir()
        dapr_dir = module_dir("github.com/dapr/dapr", f"v{version}", src, log)
        if dapr_dir is None:
            raise ProvisionError(f"github.com/dapr/dapr@v{version} is not available: {last_error(log)}")
        upstream_mod = (dapr_dir / "go.mod").read_text()
        try:
            overrides = module_overrides(upstream_mod, src, log, progress)
        except RuntimeError as exc:
            raise ProvisionError(str(exc)) from None
        go_mod = [f"module quickstart-runner/daprd\n\ngo 1.24\n\nrequire github.com/dapr/dapr v{version}\n",
                  replace_blocks(upstream_mod), *overrides]
        (src / "go.mod").write_text("\n".join(go_mod) + "\n")
        for source in MAIN_SOURCES.rglob("*.go"):
            (src / source.relative_to(MAIN_SOURCES)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, src / source.relative_to(MAIN_SOURCES))
        progress(f"building daprd, placement and scheduler {version} (cold builds take a few minutes; log: {log})")
        if go(["mod", "tidy"], src, log).returncode != 0:
            raise ProvisionError(f"go mod tidy failed: {last_error(log)}")
        ldflags = f"-s -w -X github.com/dapr/dapr/pkg/buildinfo.version={version}"
        sizes = {}
        for program, package in PROGRAMS.items():
            if go(["build", "-trimpath", "-ldflags", ldflags, "-o", str(workdir / program), package], src, log).returncode:
                raise ProvisionError(f"go build of {program} failed: {last_error(log)}")
            sizes[program] = (workdir / program).stat().st_size
        contrib = next((line.split()[-1] for line in overrides if CONTRIB in line), required(upstream_mod, CONTRIB))
        (workdir / "build.json").write_text(json.dumps({
            "version": version, "components_contrib": contrib, "overrides": overrides,
            "build_seconds": round(time.monotonic() - started, 1), "binary_bytes": sizes,
        }, indent=2))
        shutil.rmtree(src)

    build_once(target, build)
    return target


def ensure_daprd(version: str = DEFAULT_VERSION, progress=print) -> Daprd:
    found = find_daprd(version)
    if found is not None:
        return found
    return Daprd(build_dapr(version, progress) / "daprd", version, "built")


def find_control_plane(version: str = DEFAULT_VERSION) -> ControlPlaneBinaries | None:
    """Placement and scheduler of ours at `version`, without building anything."""
    folder = build_dir(version)
    if (folder / ".complete").exists() and (folder / "placement").is_file() and (folder / "scheduler").is_file():
        return ControlPlaneBinaries(folder / "placement", folder / "scheduler")
    return None


def missing_runtime(version: str = DEFAULT_VERSION) -> str | None:
    """Why daprd, placement or scheduler at `version` can be neither found nor built here, or None."""
    if shutil.which("go") is not None or (find_daprd(version) and find_control_plane(version)):
        return None
    return (f"daprd, placement and scheduler {version} are not built here, and go (which builds them) "
            "is not on PATH")


def ensure_control_plane(version: str = DEFAULT_VERSION, progress=print, beside: Path | None = None) -> ControlPlaneBinaries:
    """Placement and scheduler of ours (whatever daprd is used: theirs listen beyond loopback):
    those of the build `beside` comes from (a daprd of ours given by path), else our build."""
    folder = beside.parent if beside is not None and (beside.parent / "build.json").is_file() else None
    if folder is None or not (folder / "placement").is_file() or not (folder / "scheduler").is_file():
        try:
            folder = build_dapr(version, progress)
        except OSError as exc:  # e.g. the cache dir cannot be made
            raise ProvisionError(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": ")) from None
    return ControlPlaneBinaries(folder / "placement", folder / "scheduler")
