"""Python: a venv per requirements.txt (cached by its hash), the app started inside it."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from runner.recipes.base import Prepared, Recipe, Toolchain, tool_version


class PythonRecipe(Recipe):
    name = "python"
    aliases = ("py", "python3")
    build_commands = (("pip", "install"), ("pip3", "install"), ("python", "pip", "install"),
                      ("python3", "pip", "install"), ("uv", "pip", "install"), ("poetry", "install"))

    def detect(self) -> Toolchain:
        version = tool_version(["python3", "--version"], lambda out: out.split()[-1])
        if version is None:
            return Toolchain(self.name, None, "python3: not found")
        return Toolchain(self.name, version)

    def cache_inputs(self, app_dir: Path) -> list[Path]:
        return [app_dir / "requirements.txt"]

    def prepare_commands(self, app_dir: Path, cache_dir: Path) -> list[list[str]]:
        venv = cache_dir / "venv"
        commands = [["python3", "-m", "venv", str(venv)]]
        if (app_dir / "requirements.txt").exists():
            commands.append([str(venv / "bin" / "pip"), "install", "--disable-pip-version-check", "-q",
                             "-r", "requirements.txt"])
        return commands

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
        # Python, which parallel jobs share: each README job gets a venv of its own instead.
        venv = workdir / "venv"
        subprocess.run(["python3", "-m", "venv", str(venv)], check=True, capture_output=True,
                       stdin=subprocess.DEVNULL)
        return {"PATH": f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}", "VIRTUAL_ENV": str(venv),
                "PIP_DISABLE_PIP_VERSION_CHECK": "1"}


recipe = PythonRecipe()
