"""The real dapr CLI, built from github.com/dapr/cli with a small main of ours, laid out slim.

The slim install lives in a directory the runner owns (the user's ~/.dapr is left alone):
`bin/dapr`, and per daprd a runtime dir `runtime-<key>/.dapr/` with `bin/daprd` (our
provisioned daprd), `config.yaml` and an empty `components/`, which the CLI finds through
DAPR_RUNTIME_PATH (so a rebuilt daprd needs no rebuilt CLI). No Docker: Redis and the
control plane are the runner's, one per job.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from runner.cache import build_once, cache_root, digest, is_built
from runner.errors import ProvisionError
from runner.provision.daprd import Daprd, ensure_daprd
from runner.provision.releases import ReleaseRefused, Releases, fetch_program
from runner.provision.versions import resolve_cli
from runner.provision.gobuild import go, last_error, module_dir, module_overrides

_MAIN = """package main

import "github.com/dapr/cli/cmd"

// The version the CLI reports is the module version it was built from.
func main() {{ cmd.Execute("{version}", "1.0") }}
"""
_CONFIG = """apiVersion: dapr.io/v1alpha1
kind: Configuration
metadata:
  name: daprConfig
spec: {}
"""


@dataclass(frozen=True)
class DaprCli:
    path: Path
    version: str
    runtime_path: Path | None  # DAPR_RUNTIME_PATH for a slim install of ours; None: the user's own ~/.dapr
    origin: str  # "path", "release" or "built"

    def env(self) -> dict[str, str]:
        return {"DAPR_RUNTIME_PATH": str(self.runtime_path)} if self.runtime_path else {}


def reported_versions(path: Path, env: dict[str, str] | None = None) -> tuple[str | None, str | None]:
    """(CLI version, runtime version) as `dapr --version` prints them; None where missing."""
    try:
        out = subprocess.run([str(path), "--version"], capture_output=True, text=True, timeout=20,
                             env={**os.environ, **(env or {})}).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None, None
    fields = dict(line.split(":", 1) for line in out.splitlines() if ":" in line)
    cli = fields.get("CLI version", "").strip() or None
    runtime = fields.get("Runtime version", "").strip()
    return cli, (runtime if runtime and runtime != "n/a" else None)


def installed_cli() -> DaprCli | None:
    """The user's `dapr` on PATH, when it is initialised (it has a daprd to run)."""
    found = shutil.which("dapr")
    if found is None:
        return None
    version, runtime = reported_versions(Path(found))
    if version is None or runtime is None:
        return None
    return DaprCli(Path(found), version, None, "path")


def _root(version: str) -> Path:
    return cache_root() / "dapr-cli" / version


def _runtime(root: Path, daprd: Daprd) -> Path:
    return root / f"runtime-{digest([str(daprd.path), daprd.version])}"


def find_cli(version: str, daprd: Daprd) -> DaprCli | None:
    """The CLI `version` built here, if it is, with its runtime dir for `daprd` (None while that
    one is not laid out)."""
    root = _root(version)
    if not (root / ".complete").exists():
        return None
    info = json.loads((root / "build.json").read_text())
    runtime = _runtime(root, daprd)
    return DaprCli(root / "bin" / "dapr", info["cli_module"].lstrip("v"),
                   runtime if (runtime / ".complete").exists() else None, info.get("origin", "built"))


def built_clis() -> list[DaprCli]:
    """Every CLI built here (without a runtime dir: what `doctor` lists)."""
    found = []
    for build in sorted((cache_root() / "dapr-cli").glob("*/build.json")):
        if (build.parent / ".complete").exists():
            info = json.loads(build.read_text())
            found.append(DaprCli(build.parent / "bin" / "dapr", info["cli_module"].lstrip("v"), None,
                                 info.get("origin", "built")))
    return found


def _lay_runtime(root: Path, daprd: Daprd) -> Path:
    def lay(runtime: Path) -> None:
        slim = runtime / ".dapr"
        (slim / "bin").mkdir(parents=True)
        (slim / "components").mkdir()
        shutil.copy2(daprd.path, slim / "bin" / "daprd")
        (slim / "config.yaml").write_text(_CONFIG)

    return build_once(_runtime(root, daprd), lay)[0]


def fetch_cli(version: str, releases: Releases, progress=print) -> None:
    """The CLI at `version` from dapr/cli's official release (verified), laid out as a build is."""
    def fetch(root: Path) -> None:
        url = fetch_program(releases, "cli", version, "dapr", root / "bin", progress)
        (root / "build.json").write_text(json.dumps({"version": version, "cli_module": f"v{version.lstrip('v')}",
                                                     "origin": "release", "url": url}, indent=2))

    build_once(_root(version), fetch)


def build_cli(version: str, progress=print, why: str = "") -> None:
    """The CLI at `version` (one the proxy serves: provision.versions.resolve_cli), built once."""
    if shutil.which("go") is None:
        raise ProvisionError(f"the dapr CLI {version} can be neither found nor built here: " + (f"{why}; " if why else "")
                             + "go (which builds it) is not on PATH")

    def build(root: Path) -> None:
        log = root / "build.log"
        started = time.monotonic()
        src = root / "src"
        src.mkdir()
        module = f"v{version.lstrip('v')}"
        found = module_dir("github.com/dapr/cli", module, src, log)
        if found is None:
            raise ProvisionError(f"github.com/dapr/cli@{module} is not available: {last_error(log)}")
        cli_mod = (found / "go.mod").read_text()
        go_mod = [f"module quickstart-runner/dapr-cli\n\ngo 1.24\n\nrequire github.com/dapr/cli {module}\n"]
        dapr_version = next((line.split()[-1] for line in cli_mod.splitlines()
                             if line.strip().startswith("github.com/dapr/dapr ")), None)
        dapr_dir = module_dir("github.com/dapr/dapr", dapr_version, src, log) if dapr_version else None
        if dapr_dir is not None:
            try:
                go_mod += module_overrides((dapr_dir / "go.mod").read_text(), src, log, progress)
            except RuntimeError as exc:
                raise ProvisionError(str(exc)) from None
        else:  # dapr's own go.mod is not served either: take the contrib of the same minor
            go_mod.append("replace github.com/dapr/components-contrib => github.com/dapr/components-contrib "
                          f"v{'.'.join(module.lstrip('v').split('.')[:2])}.1")
        (src / "go.mod").write_text("\n".join(go_mod) + "\n")
        (src / "main.go").write_text(_MAIN.format(version=module.lstrip("v")))
        progress(f"building the dapr CLI {module} (cold builds take a few minutes; log: {log})")
        if go(["mod", "tidy"], src, log).returncode != 0:
            raise ProvisionError(f"go mod tidy failed: {last_error(log)}")
        (root / "bin").mkdir()
        if go(["build", "-trimpath", "-ldflags", "-s -w", "-o", str(root / "bin" / "dapr"), "."], src, log).returncode != 0:
            raise ProvisionError(f"go build failed: {last_error(log)}")
        (root / "build.json").write_text(json.dumps({
            "version": version, "cli_module": module,
            "build_seconds": round(time.monotonic() - started, 1),
            "binary_bytes": (root / "bin" / "dapr").stat().st_size}, indent=2))
        shutil.rmtree(src)

    build_once(_root(version), build)


def ensure_cli(version: str | None = None, daprd: Daprd | None = None, progress=print,
               releases: Releases | None = None) -> DaprCli:
    """The CLI (fetched from its release, else built, once) and its runtime dir for `daprd` (laid once
    per daprd): the CLI runs the daprd of the version asked for. `version` None: the one for daprd's
    runtime (the newest the module proxy serves for its minor; without go, its minor's first)."""
    releases = releases or Releases()
    daprd = daprd or ensure_daprd(progress=progress, releases=releases)
    if version is None:
        if shutil.which("go") is None:
            version = ".".join(daprd.version.split(".")[:2]) + ".0"
        else:
            resolved = resolve_cli(daprd.version)
            if resolved.why:
                progress(f"dapr CLI for runtime {daprd.version}: {resolved.note}")
            version = resolved.version
    if not is_built(_root(version)):
        try:
            fetch_cli(version, releases, progress)
        except ReleaseRefused as exc:
            progress(f"dapr CLI {version}: no official release to take ({exc}); building it from github.com/dapr/cli")
            build_cli(version, progress, why=f"release: {exc}")
    _lay_runtime(_root(version), daprd)
    return find_cli(version, daprd)
