"""Python: a venv per requirements.txt (cached by its hash), the app started inside it."""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from runner.formats.shellwords import starts_with
from runner.recipes.base import Prepared, Recipe, SdkPin, Toolchain, manifest_lines, manifests, registry_page, rewrite_lines, tool_version
from runner.services.executable import write_executable


# A requirement on the Dapr SDK or one of its extensions: `dapr>=1.17.0`, `dapr-ext-workflow`.
_DAPR_REQUIREMENT = re.compile(r"^\s*(dapr(?:-ext-[\w-]+)?)\s*((?:[=<>!~]=?|===)[^;#\s]*)?\s*(?:[;#].*)?$")


class PythonRecipe(Recipe):
    name = "python"
    aliases = ("py", "python3")
    programs = ("python", "python3", "pip", "pip3", "flask", "uvicorn")
    build_commands = (("pip", "install"), ("pip3", "install"), ("python", "pip", "install"),
                      ("python3", "pip", "install"), ("uv", "pip", "install"), ("poetry", "install"))
    listen_patterns = (("*.py", r"\b(?:run|uvicorn\.run)\([^)]*\bport\s*=\s*(\d{2,5})\b"),)
    start_commands = (("python",), ("python3",), ("uvicorn",), ("flask", "run"), ("fastapi", "run"))
    _SERVED_BY_UV = (("pip", "install"), ("pip3", "install"), ("uv", "pip", "install"))

    _TOOL_MODULES = ("venv", "pip", "ensurepip", "json.tool", "compileall", "py_compile", "base64")

    def needs_cores(self, words: tuple[str, ...]) -> bool:
        # An install uv serves costs under a CPU-second; pip's own, eight.
        if uv_binary() is not None and any(starts_with(words, prefix) for prefix in self._SERVED_BY_UV):
            return False
        return super().needs_cores(words)

    def starts_app(self, words: tuple[str, ...]) -> bool:
        # `python3 app.py`, `python3 -m uvicorn ...`; not `python3 -m venv`, `python3 -c ...`, `python3 --version`,
        # nor the standard library's tools that do their work and exit (`curl ... | python3 -m json.tool`)
        if not super().starts_app(words):
            return False
        if Path(words[0]).name not in ("python", "python3"):
            return True
        module = words[words.index("-m") + 1] if "-m" in words[:-1] else None
        return module not in self._TOOL_MODULES if module else any(w.endswith(".py") for w in words[1:])

    def detect(self) -> Toolchain:
        version = tool_version(["python3", "--version"], lambda out: out.split()[-1])
        if version is None:
            return Toolchain(self.name, None, "python3: not found")
        return Toolchain(self.name, version)

    def cache_inputs(self, app_dir: Path) -> list[Path]:
        return [app_dir / "requirements.txt"]

    def prepare_commands(self, app_dir: Path, cache_dir: Path) -> list[list[str]]:
        venv = cache_dir / "venv"
        uv = uv_binary()
        if uv is not None:  # the same requirements, from the machine's one uv cache
            commands = [[uv, "venv", "-q", "--seed", "--python", "python3", str(venv)]]
            install = [uv, "pip", "install", "-q", "--python", str(venv / "bin" / "python")]
        else:
            commands = [["python3", "-m", "venv", str(venv)]]
            install = [str(venv / "bin" / "pip"), "install", "--disable-pip-version-check", "-q"]
        if (app_dir / "requirements.txt").exists():
            commands.append([*install, "-r", "requirements.txt"])
        return commands

    def build_reads(self, words: tuple[str, ...]) -> str | None:
        for flag, value in zip(words, words[1:]):
            if flag in ("-r", "--requirement"):
                return value
        found = next((word.split("=", 1)[1] for word in words if word.startswith("--requirement=")), None)
        return found or ("pyproject.toml" if words[0] == "poetry" else None)

    def command_problem(self, argv: list[str], folder: Path) -> str | None:
        if not argv or Path(argv[0]).name not in ("python", "python3"):
            return None
        args = argv[1:]
        if "-m" in args or "-c" in args:
            return None
        script = next((arg for arg in args if not arg.startswith("-")), None)
        if script is None:
            return f"`{argv[0]}` is given no script to run"
        return None if (folder / script).is_file() else f"there is no {script} there"

    def sdk_pins(self, folder: Path) -> list[SdkPin]:
        pins = []
        for path in manifests(folder, "requirements.txt"):
            for number, line in enumerate(manifest_lines(path), start=1):
                found = _DAPR_REQUIREMENT.match(line)
                if found:
                    pins.append(SdkPin(path, number, found.group(1), (found.group(2) or "").strip() or "(any)"))
        return pins

    def pin_sdk(self, folder: Path, version: str) -> list[str]:
        # From 1.19 the dapr package carries its extensions (dapr.ext.workflow, ...) and they are
        # no longer released apart: an extension the registry says has no such version is dropped.
        published: dict[str, bool] = {"dapr": True}  # asked of the registry once per name

        def edit(number: int, line: str) -> str | None:
            found = _DAPR_REQUIREMENT.match(line)
            if not found:
                return None
            name = found.group(1)
            if name not in published:
                published[name] = self.sdk_served(name, version) is not False
            return f"{name}=={version}\n" if published[name] else ""

        said = []
        for path in manifests(folder, "requirements.txt"):
            for number, old, new in rewrite_lines(path, edit):
                where = f"{path.relative_to(folder)}:{number}"
                said.append(f"{where}: {old} -> {new}" if new else f"{where}: {old} dropped: no "
                            f"{_DAPR_REQUIREMENT.match(old).group(1)} {version} is published (dapr {version} carries it)")
        return said

    def sdk_served(self, coordinate: str, version: str) -> bool | None:
        page = registry_page(f"https://pypi.org/simple/{coordinate}/")  # the index pip reads
        if not isinstance(page, str):
            return page
        wanted = version.lstrip("=<>!~")
        if version == "(any)":  # a requirement with no version: any release the index lists serves it
            return "href=" in page
        return f"{coordinate.replace('-', '_')}-{wanted}-" in page or f"{coordinate}-{wanted}.tar.gz" in page

    def start(self, app_dir: Path, cache_dir: Path, command: list[str]) -> Prepared:
        venv = cache_dir / "venv"
        # The venv's bin first on PATH: `python3 app.py`, as the docs write it, runs inside it.
        return Prepared(
            command=command or ["python3", "app.py"],
            env={"PATH": f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
                 "VIRTUAL_ENV": str(venv), "PYTHONUNBUFFERED": "1"},
        )
    def steps_env(self, workdir: Path) -> dict[str, str]:
        # `pip3 install -r requirements.txt` in a README would install into the machine's own
        # Python, which parallel jobs share: each README job gets a venv of its own instead. Where
        # uv is here, the venv is made by it, and its `pip install` served by it: the same
        # requirements, from one cache the machine's jobs share (seconds, not a minute, each).
        venv = workdir / "venv"
        uv = uv_binary()
        if uv is not None and subprocess.run([uv, "venv", "-q", "--seed", "--python", "python3", str(venv)],
                                             capture_output=True, stdin=subprocess.DEVNULL).returncode == 0:
            serve_pip_with_uv(venv, uv)
        else:
            subprocess.run(["python3", "-m", "venv", str(venv)], check=True, capture_output=True,
                           stdin=subprocess.DEVNULL)
        return {"PATH": f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}", "VIRTUAL_ENV": str(venv),
                "PIP_DISABLE_PIP_VERSION_CHECK": "1"}


@functools.lru_cache(maxsize=1)
def uv_binary() -> str | None:
    """uv, where it is here: the one installed beside the runner's Python, else on PATH."""
    beside = Path(sys.executable).with_name("uv")
    return str(beside) if beside.is_file() and os.access(beside, os.X_OK) else shutil.which("uv")


# `pip install ...` in a job's venv, served by uv; anything else (and what uv cannot serve, said
# so) by the venv's own pip.
_PIP = """#!/bin/sh
if [ "$1" = "install" ]; then
  shift
  "{uv}" pip install --python "{venv}/bin/python" "$@" && exit 0
  echo "quickstart-runner: uv could not serve pip install $*: pip installs it" >&2
  exec "{venv}/bin/python" -m pip install "$@"
fi
exec "{venv}/bin/python" -m pip "$@"
"""


def serve_pip_with_uv(venv: Path, uv: str) -> None:
    """The venv's `pip`, `pip3` and `pip3.X` as scripts that hand `install` to uv."""
    for script in (venv / "bin").glob("pip*"):
        script.unlink()
        write_executable(script, _PIP.format(uv=uv, venv=venv))


recipe = PythonRecipe()
