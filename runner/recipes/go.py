"""Go: one `go build` per go.mod, go.sum and sources; `go run ...` becomes the cached binary."""

from __future__ import annotations

import re
from pathlib import Path

from runner.recipes.base import (Prepared, Recipe, SdkPin, Toolchain, manifest_lines, manifests, registry_answers, rewrite_lines,
                                 run_logged, tool_version)


GO_SDK = "github.com/dapr/go-sdk"
_GO_SDK_REQUIRE = re.compile(r"^\s*(?:require\s+)?github\.com/dapr/go-sdk\s+(v\S+)")


class GoRecipe(Recipe):
    name = "go"
    aliases = ("golang",)
    programs = ("go",)
    build_commands = (("go", "build"), ("go", "mod"), ("go", "install"), ("go", "get"))
    listen_patterns = (("*.go", r"Listen(?:AndServe)?(?:TLS)?\(\s*\"[\w.]*:(\d{2,5})\""),)
    start_commands = (("go", "run"),)
    light_builds = (("go", "mod"), ("go", "get"))
    heavy_starts = (("go", "run"),)

    def detect(self) -> Toolchain:
        version = tool_version(["go", "version"], lambda out: out.split()[2].removeprefix("go"))
        if version is None:
            return Toolchain(self.name, None, "go: not found")
        return Toolchain(self.name, version)

    def cache_inputs(self, app_dir: Path) -> list[Path]:
        return [app_dir / "go.mod", app_dir / "go.sum", *sorted(app_dir.rglob("*.go"))]

    def prepare_commands(self, app_dir: Path, cache_dir: Path) -> list[list[str]]:
        return [["go", "build", "-o", str(cache_dir / "app"), "."]]

    def sdk_pins(self, folder: Path) -> list[SdkPin]:
        return [SdkPin(path, number, GO_SDK, found.group(1)) for path in manifests(folder, "go.mod")
                for number, line in enumerate(manifest_lines(path), start=1)
                if (found := _GO_SDK_REQUIRE.search(line))]

    def pin_sdk(self, folder: Path, version: str) -> list[str]:
        wanted = version if version.startswith("v") else f"v{version}"
        changes = []
        for path in manifests(folder, "go.mod"):
            changed = rewrite_lines(path, lambda number, line: _GO_SDK_REQUIRE.sub(
                lambda found: found.group(0).replace(found.group(1), wanted), line))
            if not changed:
                continue
            changes += [f"{path.relative_to(folder)}:{number}: {old} -> {new}" for number, old, new in changed]
            # go.sum and the go-sdk's own requirements follow the new version.
            run_logged(["go", "mod", "tidy"], path.parent, path.parent / ".go-mod-tidy.log", self.prepare_env(path.parent))
        return changes

    def sdk_served(self, coordinate: str, version: str) -> bool | None:
        return registry_answers(f"https://proxy.golang.org/{coordinate}/@v/{version}.info")

    def prepare_env(self, cache_dir: Path) -> dict[str, str]:
        return {"GOFLAGS": "-mod=mod"}

    def build_reads(self, words: tuple[str, ...]) -> str | None:
        return "go.mod" if words[1:2] in (("build",), ("mod",)) else None

    def command_problem(self, argv: list[str], folder: Path) -> str | None:
        if argv[:2] != ["go", "run"]:
            return None
        target = next((arg for arg in argv[2:] if not arg.startswith("-")), ".")
        where = folder / target
        if where.suffix == ".go":
            return None if where.is_file() else f"there is no {target} there"
        if where.is_dir() and any(where.glob("*.go")):
            return None
        return f"there is no Go package there (`go run {target}` needs .go files in {target})"

    def start(self, app_dir: Path, cache_dir: Path, command: list[str]) -> Prepared:
        if not command or command[:2] == ["go", "run"]:
            return Prepared(command=[str(cache_dir / "app")])
        return Prepared(command=command)


recipe = GoRecipe()
