"""The real daprd at a pinned version: an installed one, or built from github.com/dapr/dapr.

dapr's go.mod carries replace directives, which only the main module may apply, so
`go install github.com/dapr/dapr/cmd/daprd@vX` cannot work: we build a module of our own
that requires dapr, copies its replace directives, and has a small main that registers
only the components listed in daprd_main/components.go.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from runner.cache import build_once, cache_root
from runner.provision.gobuild import CONTRIB, contrib_override, go, last_error, module_dir, replace_blocks, required

DEFAULT_VERSION = "1.17.0"
MAIN_SOURCES = Path(__file__).parent / "daprd_main"


class ProvisionError(RuntimeError):
    pass


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


def cached_path(version: str) -> Path:
    return cache_root() / "daprd" / version / "daprd"


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


def build_daprd(version: str = DEFAULT_VERSION, progress=print) -> Daprd:
    if shutil.which("go") is None:
        raise ProvisionError("go: not found; a Go toolchain is needed to build daprd (or install daprd on PATH)")
    target = cached_path(version).parent
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
        go_mod = [f"module quickstart-runner/daprd\n\ngo 1.24\n\nrequire github.com/dapr/dapr v{version}\n",
                  replace_blocks(upstream_mod)]
        try:
            override = contrib_override(upstream_mod, src, log, progress)
        except RuntimeError as exc:
            raise ProvisionError(str(exc)) from None
        chosen = override.split()[-1] if override else required(upstream_mod, CONTRIB)
        if override:
            go_mod.append(override)
        (src / "go.mod").write_text("\n".join(go_mod) + "\n")
        for source in MAIN_SOURCES.glob("*.go"):
            shutil.copy(source, src / source.name)
        progress(f"building daprd {version} (cold builds take a few minutes; log: {log})")
        if go(["mod", "tidy"], src, log).returncode != 0:
            raise ProvisionError(f"go mod tidy failed: {last_error(log)}")
        ldflags = f"-s -w -X github.com/dapr/dapr/pkg/buildinfo.version={version}"
        if go(["build", "-trimpath", "-ldflags", ldflags, "-o", str(workdir / "daprd"), "."], src, log).returncode != 0:
            raise ProvisionError(f"go build failed: {last_error(log)}")
        (workdir / "build.json").write_text(json.dumps({
            "version": version, "components_contrib": chosen,
            "build_seconds": round(time.monotonic() - started, 1),
            "binary_bytes": (workdir / "daprd").stat().st_size,
        }, indent=2))
        shutil.rmtree(src)

    build_once(target, build)
    return Daprd(cached_path(version), version, "built")


def ensure_daprd(version: str = DEFAULT_VERSION, progress=print) -> Daprd:
    return find_daprd(version) or build_daprd(version, progress)
