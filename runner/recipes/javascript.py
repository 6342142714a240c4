"""JavaScript: node_modules installed once per package-lock.json (npm ci) in the cache, linked in."""

from __future__ import annotations

import os
import re
from pathlib import Path

from runner.recipes.base import Prepared, Recipe, SdkPin, Toolchain, manifest_lines, manifests, registry_answers, rewrite_lines, tool_version


_DAPR_DEPENDENCY = re.compile(r'"(@dapr/[\w.-]+)"\s*:\s*"([^"]+)"')


class JavaScriptRecipe(Recipe):
    name = "javascript"
    aliases = ("js", "node", "nodejs")
    programs = ("node", "npm", "npx", "yarn")
    build_commands = (("npm", "install"), ("npm", "i"), ("npm", "ci"), ("npm", "run", "build"), ("yarn",),
                      ("pnpm", "install"))
    listen_patterns = (("*.js", r"\.listen\(\s*(\d{2,5})\b"), ("*.ts", r"\.listen\(\s*(\d{2,5})\b"))
    start_commands = (("npm", "start"), ("npm", "run", "start"), ("node",))


    def detect(self) -> Toolchain:
        node = tool_version(["node", "--version"])
        if node is None:
            return Toolchain(self.name, None, "node: not found")
        npm = tool_version(["npm", "--version"])
        if npm is None:
            return Toolchain(self.name, None, "npm: not found")
        return Toolchain(self.name, f"node {node.lstrip('v')}, npm {npm}")

    def cache_inputs(self, app_dir: Path) -> list[Path]:
        return [app_dir / "package.json", app_dir / "package-lock.json"]

    def prepare_commands(self, app_dir: Path, cache_dir: Path) -> list[list[str]]:
        manifests = [str(path) for path in self.cache_inputs(app_dir) if path.exists()]
        # npm ci when there is a lock file: exactly what it pins, and faster.
        install = "ci" if (app_dir / "package-lock.json").exists() else "install"
        return [["cp", *manifests, str(cache_dir)],
                ["npm", install, "--prefix", str(cache_dir), "--no-audit", "--no-fund", "--loglevel=error"]]

    def build_reads(self, words: tuple[str, ...]) -> str | None:
        return "package.json"

    def command_problem(self, argv: list[str], folder: Path) -> str | None:
        if argv[:1] == ["node"]:
            script = next((arg for arg in argv[1:] if not arg.startswith("-")), None)
            if script is None:
                return "`node` is given no script to run"
            return None if (folder / script).is_file() else f"there is no {script} there"
        if argv[:1] == ["npm"] and not (folder / "package.json").is_file():
            return "there is no package.json there"
        return None

    def sdk_pins(self, folder: Path) -> list[SdkPin]:
        return [SdkPin(path, number, found.group(1), found.group(2)) for path in manifests(folder, "package.json")
                for number, line in enumerate(manifest_lines(path), start=1)
                if (found := _DAPR_DEPENDENCY.search(line))]

    def pin_sdk(self, folder: Path, version: str) -> list[str]:
        changes = []
        for path in manifests(folder, "package.json"):
            changed = rewrite_lines(path, lambda number, line: _DAPR_DEPENDENCY.sub(
                lambda found: found.group(0).replace(f'"{found.group(2)}"', f'"{version}"'), line))
            changes += [f"{path.relative_to(folder)}:{number}: {old} -> {new}" for number, old, new in changed]
            lock = path.with_name("package-lock.json")
            if changed and lock.is_file():  # it pins the old version: npm resolves anew without it
                lock.unlink()
                changes.append(f"{lock.relative_to(folder)}: removed (it locks the pinned version)")
        return changes

    def sdk_served(self, coordinate: str, version: str) -> bool | None:
        return registry_answers(f"https://registry.npmjs.org/{coordinate}/{version.lstrip('^~=')}")

    def start(self, app_dir: Path, cache_dir: Path, command: list[str]) -> Prepared:
        link = app_dir / "node_modules"
        # A node_modules the user installed stays theirs; otherwise point it at the cache.
        if link.is_symlink() and os.readlink(link) != str(cache_dir / "node_modules"):
            link.unlink()
        if not link.exists() and not link.is_symlink():
            link.symlink_to(cache_dir / "node_modules", target_is_directory=True)
        return Prepared(command=command or ["npm", "run", "start"])


recipe = JavaScriptRecipe()
