"""An example's own `requirements.txt` on top of the environment its tests run in.

What that environment already meets is kept: `dapr[grpc] >= 1.19.0.dev` in an SDK's example is
met by the SDK checkout under test, and installing the registry's release over it would test
the release instead. Only what it lacks is installed, into a venv of its own (cached by what
it installs and for which interpreter, built once for the machine) that sees the environment's
packages after its own.
"""

from __future__ import annotations

import site
import subprocess
import sys
import sysconfig
from importlib import metadata
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement

from runner.cache import build_once, cache_root, digest


class ExampleEnvError(Exception):
    """The example's requirements could not be installed; the message says why."""


def unmet_requirements(requirements: Path) -> list[str]:
    """The lines of a requirements file this environment does not meet (options, such as
    `--no-index`, and lines that name no single package are kept as they are)."""
    unmet = []
    for raw in requirements.read_text().splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("-"):
            unmet.append(_anchored(line, requirements.parent))
            continue
        try:
            met = meets(line, metadata.version(Requirement(line).name))
        except (InvalidRequirement, metadata.PackageNotFoundError):
            met = False
        if not met:
            unmet.append(line)
    return unmet


def _anchored(option: str, folder: Path) -> str:
    """`-r base.txt` and `-c pins.txt` with their file's path from the example's folder: the
    lines are installed from a file elsewhere."""
    flag, _, value = option.partition(" ")
    if flag in ("-r", "-c", "--requirement", "--constraint") and value.strip():
        return f"{flag} {folder / value.strip()}"
    return option


def meets(requirement: str, version: str) -> bool:
    """Whether an installed version meets a requirement line; a prerelease counts (an SDK checkout
    is `1.19.0.dev` until it is released)."""
    return Requirement(requirement).specifier.contains(version, prereleases=True)


def example_venv(example: Path) -> Path | None:
    """The venv an example's apps run in for its requirements; None when it has none, or this
    environment meets them all."""
    requirements = example / "requirements.txt"
    unmet = unmet_requirements(requirements) if requirements.is_file() else []
    if not any(not line.startswith("-") for line in unmet):
        return None
    ours = [path for path in site.getsitepackages() if Path(path).is_dir()]
    key = digest([sys.executable, sys.version, *ours, *unmet])

    def build(venv: Path) -> None:
        _run([sys.executable, "-m", "venv", str(venv)], requirements)
        own = Path(sysconfig.get_path("purelib", vars={"base": str(venv), "platbase": str(venv)}))
        # addsitedir, not a bare path: the environment's own .pth files (an editable SDK) count too.
        (own / "_tests_environment.pth").write_text(
            "".join(f"import site; site.addsitedir({path!r})\n" for path in ours))
        listed = venv / "requirements.txt"
        listed.write_text("\n".join(unmet) + "\n")
        _run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check",
              "-r", str(listed)], requirements)

    return build_once(cache_root() / "example-envs" / key, build)[0]


def _run(argv: list[str], requirements: Path) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, cwd=requirements.parent)
    if done.returncode:
        said = (done.stderr.strip() or done.stdout.strip()).splitlines()
        raise ExampleEnvError(f"{requirements}: `{' '.join(argv[-4:])}` failed: {said[-1] if said else done.returncode}")
