"""The real daprd at a pinned version: an installed one, or built from github.com/dapr/dapr.

dapr's go.mod carries replace directives, which only the main module may apply, so
`go install github.com/dapr/dapr/cmd/daprd@vX` cannot work: we build a module of our own
that requires dapr, copies its replace directives, and has a small main that registers
only the components listed in daprd_main/components.go.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from runner.cache import build_once, cache_root

DEFAULT_VERSION = "1.17.0"
MAIN_SOURCES = Path(__file__).parent / "daprd_main"
# components-contrib versions to fall back to, per dapr minor version, when the Go module
# proxy does not serve the exact one dapr's go.mod requires (here, v1.17.0 is refused).
CONTRIB_FALLBACKS = {"1.17": ["v1.17.3", "v1.17.5", "v1.17.4", "v1.17.2", "v1.17.1"]}


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


def _go(args: list[str], cwd: Path, log: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, GOFLAGS="-mod=mod", CGO_ENABLED="0")
    with open(log, "a") as out:
        out.write(f"$ go {' '.join(args)}\n")
        out.flush()
        return subprocess.run(["go", *args], cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)


def _last_error(log: Path) -> str:
    lines = [line for line in log.read_text(errors="replace").splitlines()
             if line.strip() and not line.startswith(("go: downloading", "$ "))]
    return lines[-1].strip() if lines else "no output"


def _module_dir(module: str, version: str, workdir: Path, log: Path) -> Path | None:
    result = subprocess.run(["go", "mod", "download", "-json", f"{module}@{version}"],
                            cwd=workdir, capture_output=True, text=True)
    info = json.loads(result.stdout or "{}") if result.stdout.strip().startswith("{") else {}
    if result.returncode != 0 or "Dir" not in info:
        with open(log, "a") as out:
            out.write(f"{module}@{version}: {info.get('Error', result.stderr.strip())}\n")
        return None
    return Path(info["Dir"])


def _replace_blocks(go_mod: str) -> str:
    """dapr's replace directives, as text our go.mod can carry."""
    lines = []
    inside = False
    for line in go_mod.splitlines():
        stripped = line.split("//")[0].strip()
        if stripped.startswith("replace ("):
            inside = True
            continue
        if inside and stripped == ")":
            inside = False
            continue
        if inside and stripped:
            lines.append(f"replace {stripped}")
        elif not inside and stripped.startswith("replace "):
            lines.append(stripped)
    return "\n".join(lines)


def _required(go_mod: str, module: str) -> str | None:
    match = re.search(rf"^\s*(?:require\s+)?{re.escape(module)}\s+(v\S+)", go_mod, re.M)
    return match.group(1) if match else None


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
        dapr_dir = _module_dir("github.com/dapr/dapr", f"v{version}", src, log)
        if dapr_dir is None:
            raise ProvisionError(f"github.com/dapr/dapr@v{version} is not available: {_last_error(log)}")
        upstream_mod = (dapr_dir / "go.mod").read_text()
        go_mod = [f"module quickstart-runner/daprd\n\ngo 1.24\n\nrequire github.com/dapr/dapr v{version}\n",
                  _replace_blocks(upstream_mod)]
        contrib = _required(upstream_mod, "github.com/dapr/components-contrib")
        minor = ".".join(version.split(".")[:2])
        chosen = next((v for v in [contrib, *CONTRIB_FALLBACKS.get(minor, [])]
                       if v and _module_dir("github.com/dapr/components-contrib", v, src, log)), None)
        if chosen is None:
            raise ProvisionError(f"no github.com/dapr/components-contrib for dapr {version} is available: {_last_error(log)}")
        if chosen != contrib:
            progress(f"components-contrib {contrib} is not served here; using {chosen}")
            go_mod.append(f"replace github.com/dapr/components-contrib => github.com/dapr/components-contrib {chosen}")
        (src / "go.mod").write_text("\n".join(go_mod) + "\n")
        for source in MAIN_SOURCES.glob("*.go"):
            shutil.copy(source, src / source.name)
        progress(f"building daprd {version} (cold builds take a few minutes; log: {log})")
        if _go(["mod", "tidy"], src, log).returncode != 0:
            raise ProvisionError(f"go mod tidy failed: {_last_error(log)}")
        ldflags = f"-s -w -X github.com/dapr/dapr/pkg/buildinfo.version={version}"
        if _go(["build", "-trimpath", "-ldflags", ldflags, "-o", str(workdir / "daprd"), "."], src, log).returncode != 0:
            raise ProvisionError(f"go build failed: {_last_error(log)}")
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
