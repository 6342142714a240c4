"""Recipes in isolation: the command lines they would run, the caches they key on."""

from pathlib import Path

import pytest

from runner.recipes import LANGUAGES, RECIPES, resolve_language
from runner.recipes.base import Recipe, Toolchain
from conftest import QUICKSTARTS

APPS = QUICKSTARTS / "state_management"


def test_five_languages_with_aliases():
    assert LANGUAGES == ("csharp", "go", "java", "javascript", "python")
    assert [resolve_language(a) for a in ("js", "node", "dotnet", ".NET", "golang", "py")] == [
        "javascript", "javascript", "csharp", "csharp", "go", "python"]
    assert resolve_language("cobol") is None
    assert all(isinstance(recipe, Recipe) for recipe in RECIPES.values())


def test_csharp_builds_into_the_cache_and_dotnet_run_starts_that_build(tmp_path):
    recipe = RECIPES["csharp"]
    app = APPS / "csharp/sdk/order-processor"
    artifacts = str(tmp_path / "artifacts")
    assert recipe.prepare_commands(app, tmp_path) == [["dotnet", "build", "order-processor.csproj", "--artifacts-path", artifacts]]
    started = recipe.start(app, tmp_path, ["dotnet", "run", "--urls=http://localhost:5001/"])
    assert started.command == ["dotnet", "run", "--no-build", "--artifacts-path", artifacts, "--urls=http://localhost:5001/"]
    # Nothing outlives a build (node reuse, the compiler server), and an app of an older runtime rolls forward.
    assert started.env["MSBUILDDISABLENODEREUSE"] == "1" and started.env["UseSharedCompilation"] == "false"
    assert started.env["DOTNET_ROLL_FORWARD"] == "Major"
    assert not recipe.starts_heavily(tuple(started.command)) and recipe.starts_heavily(("dotnet", "run"))
    assert [p.name for p in recipe.cache_inputs(app)] == ["Program.cs", "order-processor.csproj"]


def test_csharp_cache_inputs_follow_project_references(tmp_path):
    for name, reference in (("client", "..\\shared\\Shared.csproj"), ("shared", None)):
        (tmp_path / name).mkdir()
        refs = f'<ItemGroup><ProjectReference Include="{reference}" /></ItemGroup>' if reference else ""
        (tmp_path / name / f"{name.title()}.csproj").write_text(f"<Project>{refs}</Project>")
        (tmp_path / name / "Program.cs").write_text("// code")
    (tmp_path / "Directory.Build.props").write_text("<Project />")
    inputs = RECIPES["csharp"].cache_inputs(tmp_path / "client")
    assert {str(p.relative_to(tmp_path)) for p in inputs} == {
        "client/Client.csproj", "client/Program.cs", "shared/Shared.csproj", "shared/Program.cs", "Directory.Build.props"}


def test_csharp_runtime_rolls_forward_or_skips(tmp_path):
    recipe = RECIPES["csharp"]
    (tmp_path / "App.csproj").write_text("<Project><PropertyGroup><TargetFramework>net8.0</TargetFramework></PropertyGroup></Project>")
    newer = Toolchain("csharp", "SDK 10.0.401", runtimes=("9.0.1", "10.0.12"))
    assert recipe.runs_here(tmp_path, newer) == (None, ("App.csproj: net8.0 app on runtime 9.0.1, rolled forward (no runtime 8 here)",))
    assert recipe.runs_here(tmp_path, Toolchain("csharp", "SDK 8", runtimes=("8.0.5",))) == (None, ())
    skip, _ = recipe.runs_here(tmp_path, Toolchain("csharp", "SDK 6", runtimes=("6.0.1",)))
    assert skip == "App.csproj targets net8.0: no .NET runtime 8 or newer here (runtimes: 6.0.1)"


def test_csharp_pins_every_dapr_package_by_msbuild_without_editing_projects(tmp_path):
    recipe = RECIPES["csharp"]
    project = tmp_path / "app" / "App.csproj"
    project.parent.mkdir()
    text = '<Project>\n  <ItemGroup>\n    <PackageReference Include="Dapr.AspNetCore" Version="1.17.0" />\n  </ItemGroup>\n</Project>\n'
    project.write_text(text)
    assert [(p.coordinate, p.version, p.line) for p in recipe.sdk_pins(tmp_path)] == [("Dapr.AspNetCore", "1.17.0", 3)]
    changes = recipe.pin_sdk(tmp_path, "1.18.7")
    assert changes == ["app/App.csproj:3: Dapr.AspNetCore 1.17.0 -> 1.18.7 (by Directory.Build.targets, the project unchanged)"]
    assert project.read_text() == text
    assert '<PackageReference Update="Dapr.AspNetCore" Version="1.18.7" />' in (tmp_path / "Directory.Build.targets").read_text()


def test_csharp_says_which_package_no_source_serves(tmp_path):
    recipe = RECIPES["csharp"]
    (tmp_path / "jobs.csproj").write_text('<Project>\n<PackageReference Include="Dapr.Jobs" Version="1.17.0" />\n</Project>\n')
    none = "/x/jobs.csproj : error NU1101: Unable to find package Dapr.Jobs. No packages exist with this id in source(s): feed\n"
    assert recipe.unserved(tmp_path, none) == "no configured source serves Dapr.Jobs 1.17.0 (jobs.csproj:2): no version served by feed"
    other = ("/x/a.csproj : error NU1102: Unable to find package Dapr.Client with version (>= 9.0.0)\n"
             "/x/a.csproj : error NU1102:   - Found 2 version(s) in feed [ Nearest version: 1.19.1 ]\n")
    assert recipe.unserved(tmp_path, other) == ("no configured source serves Dapr.Client >= 9.0.0: "
                                                "2 version(s) served in feed, nearest 1.19.1")
    assert recipe.unserved(tmp_path, "Program.cs(3,1): error CS0246: ...") is None
    warned = ("x.csproj : warning NU1603: x depends on Dapr.Client (>= 1.17.0) but Dapr.Client 1.17.0 was not found. "
              "Dapr.Client 1.18.7 was resolved instead.\n") * 2
    assert recipe.output_notes(warned) == [
        "Dapr .NET SDK: Dapr.Client 1.18.7 resolved in place of the pinned 1.17.0, which no configured source serves"]


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


def test_an_unserved_java_sdk_pin_says_the_way_out():
    from runner.recipes.java import recipe

    said = ("[ERROR] Failed to execute goal on project OrderProcessingService: Could not resolve dependencies for project "
            "com.service:OrderProcessingService:jar:0.0.1-SNAPSHOT: io.dapr:dapr-sdk:jar:1.17.0 was not found in "
            "https://repo.maven.apache.org/maven2 during a previous attempt.")
    assert recipe.output_notes(said) == ["io.dapr:dapr-sdk 1.17.0, which a pom.xml pins, is not served by "
                                         "https://repo.maven.apache.org/maven2: the way out is `--sdk java=VERSION` with a "
                                         "version it serves"]
    assert recipe.output_notes("[INFO] BUILD SUCCESS") == []
