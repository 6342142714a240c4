"""Building Go programs of ours against pinned upstream modules from the Go module proxy."""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from pathlib import Path

CONTRIB = "github.com/dapr/components-contrib"
# Versions to fall back to, per module and minor version, when the Go module proxy does not
# serve the exact one a dapr module requires (here components-contrib v1.17.0 and v1.16.3,
# and go-etcd-cron v0.12.2 to v0.12.5, which dapr v1.17.0's scheduler needs, are refused).
FALLBACKS = {
    CONTRIB: {"1.18": ["v1.18.1", "v1.18.0", "v1.18.2"], "1.17": ["v1.17.3", "v1.17.5", "v1.17.4", "v1.17.2", "v1.17.1"],
              "1.16": ["v1.16.1"]},
    "github.com/diagridio/go-etcd-cron": {"0.12": ["v0.12.6", "v0.12.7"]},
}


# The compiler collects garbage less often (GOGC 400, not 100), for more memory per compile: a
# cold build of daprd 1.18.1 took 165 s, not 188 s, here. A GOGC of the user's wins.
COMPILER_GOGC = "400"


def go(args: list[str], cwd: Path, log: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, GOFLAGS="-mod=mod", CGO_ENABLED="0")
    env.setdefault("GOGC", COMPILER_GOGC)
    with open(log, "a") as out:
        out.write(f"$ go {' '.join(args)}\n")
        out.flush()
        started = time.monotonic()
        result = subprocess.run(["go", *args], cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        out.write(f"# exit {result.returncode} after {time.monotonic() - started:.1f} s\n")
        return result


def last_error(log: Path) -> str:
    lines = [line for line in log.read_text(errors="replace").splitlines()
             if line.strip() and not line.startswith(("go: downloading", "$ ", "# exit "))]
    return lines[-1].strip() if lines else "no output"


def module_dir(module: str, version: str, workdir: Path, log: Path) -> Path | None:
    result = subprocess.run(["go", "mod", "download", "-json", f"{module}@{version}"],
                            cwd=workdir, capture_output=True, text=True)
    info = json.loads(result.stdout or "{}") if result.stdout.strip().startswith("{") else {}
    if result.returncode != 0 or "Dir" not in info:
        with open(log, "a") as out:
            out.write(f"{module}@{version}: {info.get('Error', result.stderr.strip())}\n")
        return None
    return Path(info["Dir"])


def replace_blocks(go_mod: str) -> str:
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


def required(go_mod: str, module: str) -> str | None:
    match = re.search(rf"^\s*(?:require\s+)?{re.escape(module)}\s+(v\S+)", go_mod, re.M)
    return match.group(1) if match else None


def module_overrides(dapr_go_mod: str, src: Path, log: Path, progress) -> list[str]:
    """`replace` lines for the modules dapr requires at a version the proxy does not serve,
    each to the nearest served one of the same minor. components-contrib must be found; for
    the others, a module that has no fallback is left to `go mod tidy` to report."""
    lines = []
    for module, by_minor in FALLBACKS.items():
        wanted = required(dapr_go_mod, module)
        if wanted is None:
            continue
        minor = ".".join(wanted.lstrip("v").split(".")[:2])
        chosen = next((v for v in [wanted, *by_minor.get(minor, [])] if module_dir(module, v, src, log)), None)
        if chosen is None and module == CONTRIB:
            raise RuntimeError(f"no {CONTRIB} for {wanted} is available: {last_error(log)}")
        if chosen not in (None, wanted):
            progress(f"{module.rsplit('/', 1)[-1]} {wanted} is not served here; using {chosen}")
            lines.append(f"replace {module} => {module} {chosen}")
    return lines
