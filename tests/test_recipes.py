"""Recipes in isolation: the command lines they would run, the caches they key on."""

from pathlib import Path

import pytest

from runner.recipes import LANGUAGES, RECIPES, resolve_language
from runner.recipes.base import Recipe
from conftest import QUICKSTARTS

APPS = QUICKSTARTS / "state_management"


def test_five_languages_with_aliases():
    assert LANGUAGES == ("csharp", "go", "java", "javascript", "python")
    assert [resolve_language(a) for a in ("js", "node", "dotnet", ".NET", "golang", "py")] == [
        "javascript", "javascript", "csharp", "csharp", "go", "python"]
    assert resolve_language("cobol") is None
    assert all(isinstance(recipe, Recipe) for recipe in RECIPES.values())


def test_csharp_restores_builds_into_the_cache_and_runs_that_build(tmp_path):
    recipe = RECIPES["csharp"]
    app = APPS / "csharp/sdk/order-processor"
    assert recipe.prepare_commands(app, tmp_path) == [
        ["dotnet", "restore"],
        ["dotnet", "build", "--no-restore", "-c", "Release", "-o", str(tmp_path / "bin")],
    ]
    started = recipe.start(app, tmp_path, ["dotnet", "run"])
    assert started.command == ["dotnet", str(tmp_path / "bin" / "order-processor.dll")]
    assert started.env["DOTNET_CLI_TELEMETRY_OPTOUT"] == "1"
    assert [p.name for p in recipe.cache_inputs(app)] == ["Program.cs", "order-processor.csproj"]


def test_csharp_missing_toolchain_reason(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    toolchain = RECIPES["csharp"].detect()
    assert not toolchain.available and toolchain.missing == "dotnet: not found"


def test_java_runs_the_cached_jar(tmp_path):
    started = RECIPES["java"].start(APPS / "java/sdk/order-processor", tmp_path,
                                    ["java", "-jar", "target/order-processor-0.0.1-SNAPSHOT.jar"])
    assert started.command == ["java", "-jar", str(tmp_path / "order-processor-0.0.1-SNAPSHOT.jar")]


def test_go_run_becomes_the_built_binary(tmp_path):
    recipe = RECIPES["go"]
    assert recipe.start(Path("."), tmp_path, ["go", "run", "."]).command == [str(tmp_path / "app")]
    assert recipe.prepare_commands(Path("."), tmp_path) == [["go", "build", "-o", str(tmp_path / "app"), "."]]


def test_python_puts_the_venv_first_on_path(tmp_path):
    started = RECIPES["python"].start(Path("."), tmp_path, ["python3", "app.py"])
    assert started.env["PATH"].startswith(str(tmp_path / "venv" / "bin"))
    assert started.command == ["python3", "app.py"]


@pytest.mark.parametrize("language", ["python", "javascript", "java", "go", "csharp"])
def test_cache_inputs_exist_in_the_bundled_app(language):
    app = APPS / language / "sdk" / "order-processor"
    inputs = RECIPES[language].cache_inputs(app)
    assert inputs and any(path.is_file() for path in inputs)
