"""Go: one `go build` per go.mod, go.sum and sources; `go run ...` becomes the cached binary."""

from __future__ import annotations

from pathlib import Path

from runner.recipes.base import Prepared, Recipe, Toolchain, tool_version


class GoRecipe(Recipe):
    name = "go"
    aliases = ("golang",)
    build_commands = (("go", "build"), ("go", "mod"), ("go", "install"), ("go", "get"))

    def detect(self) -> Toolchain:
        version = tool_version(["go", "version"], lambda out: out.split()[2].removeprefix("go"))
        if version is None:
            return Toolchain(self.name, None, "go: not found")
        return Toolchain(self.name, version)

    def cache_inputs(self, app_dir: Path) -> list[Path]:
        return [app_dir / "go.mod", app_dir / "go.sum", *sorted(app_dir.rglob("*.go"))]

    def prepare_commands(self, app_dir: Path, cache_dir: Path) -> list[list[str]]:
        return [["go", "build", "-o", str(cache_dir / "app"), "."]]

    def prepare_env(self, cache_dir: Path) -> dict[str, str]:
        return {"GOFLAGS": "-mod=mod"}

    def start(self, app_dir: Path, cache_dir: Path, command: list[str]) -> Prepared:
        if not command or command[:2] == ["go", "run"]:
            return Prepared(command=[str(cache_dir / "app")])
        return Prepared(command=command)


recipe = GoRecipe()
