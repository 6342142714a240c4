"""C#: `dotnet build` once per project file and sources, into the cache; `dotnet run` runs that build."""

from __future__ import annotations

from pathlib import Path

from runner.recipes.base import Prepared, Recipe, Toolchain, tool_version


def _project(app_dir: Path) -> Path | None:
    return next(iter(sorted(app_dir.glob("*.csproj"))), None)


class CSharpRecipe(Recipe):
    name = "csharp"
    aliases = ("dotnet", ".net", "c#", "cs")
    programs = ("dotnet",)
    build_commands = (("dotnet", "build"), ("dotnet", "restore"), ("dotnet", "publish"))
    start_commands = (("dotnet", "run"),)
    light_builds = (("dotnet", "restore"),)
    heavy_starts = (("dotnet", "run"),)
    listen_patterns = (("launchSettings.json", r"\"applicationUrl\"\s*:\s*\"https?://[^:\"]+:(\d{2,5})"),
                       ("*.cs", r"UseUrls\(\s*\"https?://[^:\"]+:(\d{2,5})"))

    def detect(self) -> Toolchain:
        version = tool_version(["dotnet", "--version"])
        if version is None:
            return Toolchain(self.name, None, "dotnet: not found")
        return Toolchain(self.name, version)

    def command_problem(self, argv: list[str], folder: Path) -> str | None:
        if argv[:2] != ["dotnet", "run"]:
            return None
        project = next((argv[i + 1] for i, arg in enumerate(argv[:-1]) if arg in ("--project", "-p")), None)
        if project is not None:
            return None if (folder / project).exists() else f"there is no {project} there"
        return None if _project(folder) else "there is no .csproj there"

    def cache_inputs(self, app_dir: Path) -> list[Path]:
        return sorted(p for p in app_dir.rglob("*")
                      if p.is_file() and p.suffix in (".csproj", ".cs", ".json") and not {"bin", "obj"} & set(p.relative_to(app_dir).parts))

    def prepare_commands(self, app_dir: Path, cache_dir: Path) -> list[list[str]]:
        out = str(cache_dir / "bin")
        return [["dotnet", "restore"],
                ["dotnet", "build", "--no-restore", "-c", "Release", "-o", out]]

    def prepare_env(self, cache_dir: Path) -> dict[str, str]:
        return {"DOTNET_CLI_TELEMETRY_OPTOUT": "1", "DOTNET_NOLOGO": "1"}

    def start(self, app_dir: Path, cache_dir: Path, command: list[str]) -> Prepared:
        project = _project(app_dir)
        if (not command or command[:2] == ["dotnet", "run"]) and project is not None:
            # `dotnet run` would build again; run the assembly that prepare built.
            return Prepared(command=["dotnet", str(cache_dir / "bin" / f"{project.stem}.dll")],
                            env=self.prepare_env(cache_dir))
        return Prepared(command=command, env=self.prepare_env(cache_dir))


recipe = CSharpRecipe()
