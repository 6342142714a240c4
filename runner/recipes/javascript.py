"""JavaScript: node_modules installed once per package-lock.json (npm ci) in the cache, linked in."""

from __future__ import annotations

import os
from pathlib import Path

from runner.recipes.base import Prepared, Recipe, Toolchain, tool_version


class JavaScriptRecipe(Recipe):
    name = "javascript"
    aliases = ("js", "node", "nodejs")
    build_commands = (("npm", "install"), ("npm", "i"), ("npm", "ci"), ("npm", "run", "build"), ("yarn",),
                      ("pnpm", "install"))

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

    def start(self, app_dir: Path, cache_dir: Path, command: list[str]) -> Prepared:
        link = app_dir / "node_modules"
        # A node_modules the user installed stays theirs; otherwise point it at the cache.
        if link.is_symlink() and os.readlink(link) != str(cache_dir / "node_modules"):
            link.unlink()
        if not link.exists() and not link.is_symlink():
            link.symlink_to(cache_dir / "node_modules", target_is_directory=True)
        return Prepared(command=command or ["npm", "run", "start"])


recipe = JavaScriptRecipe()
