"""C#: `dotnet build` once per project and sources (its project references included), into the
cache (`--artifacts-path`, so nothing is written beside the sources); `dotnet run --no-build`
then starts that build as `dotnet run` does (launch profile, working folder), without building again."""

from __future__ import annotations

import contextlib
import json
import re
from pathlib import Path
from typing import Callable, ContextManager

from runner.recipes.base import Prepared, PrepareError, Recipe, SdkPin, Toolchain, manifest_lines, manifests, registry_page, tool_version
from runner.workspace import BUILD_OUTPUTS

# What a build reads besides a project's own folder: MSBuild and NuGet look for these in every
# folder above a project.
_ANCESTOR_FILES = ("Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props",
                   "NuGet.Config", "nuget.config", "global.json")
_SOURCES = (".csproj", ".cs", ".json", ".props", ".targets", ".resx", ".cshtml", ".razor", ".proto", ".config")
_PACKAGE = re.compile(r"<PackageReference\s+Include=\"(Dapr\.[\w.]+)\"\s+Version=\"([^\"]+)\"")
_REFERENCE = re.compile(r"<ProjectReference\s+Include=\"([^\"]+)\"")
_FRAMEWORKS = re.compile(r"<TargetFrameworks?>\s*([^<]+?)\s*</TargetFrameworks?>")
# Our own file in a job's copy: it moves every Dapr package to one version, the project files untouched.
PIN_FILE = "Directory.Build.targets"

# No MSBuild node and no compiler server outlives a build (both stay up for minutes unless told):
# the runner leaves no process behind, and never has to stop a `dotnet` it did not start. A
# project targeting a runtime this machine lacks runs on a newer one (`Major` changes nothing
# where the runtime it targets is present). An app's build prints plain lines, as to the dapr
# CLI's pipe, not the live view it draws on a terminal.
ENV = {"DOTNET_CLI_TELEMETRY_OPTOUT": "1", "DOTNET_NOLOGO": "1", "DOTNET_SKIP_FIRST_TIME_EXPERIENCE": "1",
       "DOTNET_CLI_WORKLOAD_UPDATE_NOTIFY_DISABLE": "1", "MSBUILDDISABLENODEREUSE": "1",
       "DOTNET_CLI_USE_MSBUILD_SERVER": "0", "UseSharedCompilation": "false", "DOTNET_ROLL_FORWARD": "Major",
       "MSBUILDTERMINALLOGGER": "off"}


def projects(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.csproj"))


def _references(project: Path, seen: set[Path] | None = None) -> list[Path]:
    """The project and every project it references, transitively."""
    seen = seen if seen is not None else set()
    project = project.resolve()
    if project in seen or not project.is_file():
        return []
    seen.add(project)
    found = [project]
    for include in _REFERENCE.findall(project.read_text(errors="replace")):
        found += _references(project.parent / include.replace("\\", "/"), seen)
    return found


def frameworks(project: Path) -> list[str]:
    """The target frameworks a project names (`net8.0`)."""
    found = _FRAMEWORKS.search(project.read_text(errors="replace"))
    return [name.strip() for name in found.group(1).split(";") if name.strip()] if found else []


def _major(framework: str) -> int | None:
    found = re.fullmatch(r"net(\d+)\.\d+(?:-[\w.]+)?", framework)
    return int(found.group(1)) if found else None


def _version_key(version: str) -> tuple:
    return tuple(int(part) if part.isdigit() else 0 for part in re.split(r"[.-]", version))


def dapr_packages(artifacts: Path) -> tuple[dict[str, str], dict[str, str]]:
    """What a restore into `artifacts` did with the Dapr packages: the lowest version each
    project asked for (its pin, or what an override moved it to), and the version resolved."""
    asked, resolved = {}, {}
    for assets in sorted(artifacts.glob("obj/*/project.assets.json")):
        try:
            data = json.loads(assets.read_text())
        except (OSError, ValueError):
            continue
        for key in data.get("libraries", {}):
            name, _, version = key.partition("/")
            if name.startswith("Dapr."):
                resolved[name] = version
        for framework in data.get("project", {}).get("frameworks", {}).values():
            for name, dependency in framework.get("dependencies", {}).items():
                lowest = re.match(r"\[([^,\]]+)", dependency.get("version", ""))
                if name.startswith("Dapr.") and lowest:
                    asked[name] = lowest.group(1).strip()
    return asked, resolved


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
        listed = tool_version(["dotnet", "--list-runtimes"], lambda out: out) or ""
        runtimes = tuple(sorted({found.group(1) for found in re.finditer(r"^Microsoft\.NETCore\.App (\S+)", listed, re.M)},
                                key=_version_key))
        if not runtimes:
            return Toolchain(self.name, None, f"dotnet: SDK {version} has no .NET runtime (`dotnet --list-runtimes`)")
        return Toolchain(self.name, f"SDK {version}, runtime {', '.join(runtimes)}", runtimes=runtimes)

    def runs_here(self, folder: Path, toolchain: Toolchain) -> tuple[str | None, tuple[str, ...]]:
        """A project whose runtime is missing runs rolled forward on a newer one (said), or not at all."""
        notes = []
        majors = {int(runtime.split(".")[0]): runtime for runtime in toolchain.runtimes}  # the newest of each major
        for project in manifests(folder, "*.csproj"):
            for framework in frameworks(project):
                wanted = _major(framework)
                if wanted is None or wanted in majors:
                    continue
                newer = sorted((major for major in majors if major > wanted))
                where = project.relative_to(folder)
                if not newer:
                    return (f"{where} targets {framework}: no .NET runtime {wanted} or newer here "
                            f"(runtimes: {', '.join(toolchain.runtimes) or 'none'})"), ()
                notes.append(f"{where}: {framework} app on runtime {majors[newer[0]]}, rolled forward "
                             f"(no runtime {wanted} here)")
        return None, tuple(dict.fromkeys(notes))

    def command_problem(self, argv: list[str], folder: Path) -> str | None:
        if argv[:2] != ["dotnet", "run"]:
            return None
        project = next((argv[i + 1] for i, arg in enumerate(argv[:-1]) if arg in ("--project", "-p")), None)
        if project is not None:
            return None if (folder / project).exists() else f"there is no {project} there"
        return None if projects(folder) else "there is no .csproj there"

    def cache_inputs(self, app_dir: Path) -> list[Path]:
        inputs = set()
        for project in (found for own in projects(app_dir) for found in _references(own)):
            inputs |= {path for path in project.parent.rglob("*") if path.is_file() and path.suffix in _SOURCES
                       and not set(path.relative_to(project.parent).parts) & set(BUILD_OUTPUTS)}
        for folder in (app_dir.resolve(), *app_dir.resolve().parents):
            inputs |= {folder / name for name in _ANCESTOR_FILES if (folder / name).is_file()}
        return sorted(inputs)

    def prepare_commands(self, app_dir: Path, cache_dir: Path) -> list[list[str]]:
        own = projects(app_dir)
        return [["dotnet", "build", *(own[:1] and [own[0].name]), "--artifacts-path", str(cache_dir / "artifacts")]]

    def prepare_env(self, cache_dir: Path) -> dict[str, str]:
        return dict(ENV)

    def steps_env(self, workdir: Path) -> dict[str, str]:
        return dict(ENV)

    def starts_heavily(self, words: tuple[str, ...]) -> bool:
        return super().starts_heavily(words) and "--no-build" not in words

    def prepare(self, app_dir: Path, command: list[str], toolchain: Toolchain,
                slot: Callable[[], ContextManager[None]] = contextlib.nullcontext) -> Prepared:
        try:
            prepared = super().prepare(app_dir, command, toolchain, slot)
        except PrepareError as error:
            unserved = self.unserved(app_dir, error.output)
            if unserved is None:
                raise
            raise PrepareError(unserved) from None
        notes = self.sdk_notes(prepared.cache_dir / "artifacts") if prepared.cache_dir else ()
        return Prepared(prepared.command, prepared.env, prepared.cache_dir, prepared.reused, notes)

    def start(self, app_dir: Path, cache_dir: Path, command: list[str]) -> Prepared:
        if not command or command[:2] == ["dotnet", "run"]:
            # `dotnet run` itself applies the launch profile (or says why it cannot) and picks the
            # working folder; only the build it would make again is the cached one.
            return Prepared(command=["dotnet", "run", "--no-build", "--artifacts-path", str(cache_dir / "artifacts"),
                                     *command[2:]], env=dict(ENV))
        return Prepared(command=command, env=dict(ENV))

    def sdk_pins(self, folder: Path) -> list[SdkPin]:
        return [SdkPin(path, number, found.group(1), found.group(2)) for path in manifests(folder, "*.csproj")
                for number, line in enumerate(manifest_lines(path), start=1) if (found := _PACKAGE.search(line))]

    def pin_sdk(self, folder: Path, version: str) -> list[str]:
        pins = self.sdk_pins(folder)
        if not pins:
            return []
        packages = sorted({pin.coordinate for pin in pins})
        updates = "".join(f'    <PackageReference Update="{name}" Version="{version}" />\n' for name in packages)
        group = f"  <ItemGroup>\n{updates}  </ItemGroup>\n"
        target = folder / PIN_FILE
        if target.is_file():  # the quickstart's own: ours goes inside it, last
            text = target.read_text()
            at = text.rindex("</Project>")
            target.write_text(text[:at] + group + text[at:])
        else:
            target.write_text(f"<Project>\n  <!-- quickstart-runner, SDK override: every Dapr package at {version} -->\n{group}</Project>\n")
        return [f"{pin.file.relative_to(folder)}:{pin.line}: {pin.coordinate} {pin.version} -> {version} "
                f"(by {PIN_FILE}, the project unchanged)" for pin in pins]

    def sdk_served(self, coordinate: str, version: str) -> bool | None:
        versions = served_versions(coordinate)
        return None if versions is None else version in versions

    def sdk_notes(self, artifacts: Path) -> tuple[str, ...]:
        """Which Dapr .NET SDK ran: the version NuGet resolved, and the one asked for that it
        replaced (NU1603: no configured source serves it)."""
        asked, resolved = dapr_packages(artifacts)
        if not resolved:
            return ()
        replaced = sorted(f"{name} {version}" for name, version in asked.items() if resolved.get(name, version) != version)
        versions = ", ".join(sorted(set(resolved.values()), key=_version_key))
        if replaced:
            return (f"Dapr .NET SDK {versions}, not the pinned {', '.join(replaced)}: no configured source serves "
                    f"that version, NuGet resolved {versions} instead",)
        return (f"Dapr .NET SDK {versions} ({', '.join(sorted(resolved))})",)

    def output_notes(self, output: str) -> list[str]:
        return list(dict.fromkeys(f"Dapr .NET SDK: {found.group(2)} {found.group(3)} resolved in place of the pinned "
                                  f"{found.group(1)}, which no configured source serves"
                                  for found in _NU1603.finditer(output) if found.group(2).startswith("Dapr.")))

    def unserved(self, app_dir: Path, output: str) -> str | None:
        """A restore that failed for a package no source serves, in one line: the package, the
        version asked for and where, and the versions the configured sources serve."""
        found = _UNSERVED.search(output)
        if found is None:
            return None
        name = found.group("name")
        asked = found.group("range") or next((f"{version} ({where})" for where, version in _package_pins(app_dir, name)), "?")
        served = _SERVED.search(output, found.end())
        sources = found.group("sources")
        if served:
            offer = f"{served.group('count')} version(s) served in {served.group('source')}, nearest {served.group('nearest')}"
        else:
            offer = f"no version served by {sources.strip() if sources else 'the configured sources'}"
        return f"no configured source serves {name} {asked}: {offer}"


_UNSERVED = re.compile(r"error NU110[12]: Unable to find package (?P<name>[\w-]+(?:\.[\w-]+)*)"
                       r"(?: with version \((?P<range>[^)]+)\))?\.?(?: No packages exist with this id in source\(s\): "
                       r"(?P<sources>[^\r\n]+))?")
_NU1603 = re.compile(r"NU1603: .*? but [\w.-]+ (\S+) was not found\. ([\w.-]+) (\S+) was resolved instead")
_SERVED = re.compile(r"- Found (?P<count>\d+) version\(s\) in (?P<source>\S+) \[ Nearest version: (?P<nearest>[^\]\s]+) \]")


def _package_pins(folder: Path, name: str) -> list[tuple[str, str]]:
    """Where the projects under `folder` ask for package `name`, and the version they ask."""
    pattern = re.compile(rf"<PackageReference\s+Include=\"{re.escape(name)}\"\s+Version=\"([^\"]+)\"", re.I)
    return [(f"{path.relative_to(folder)}:{number}", found.group(1)) for path in manifests(folder, "*.csproj")
            for number, line in enumerate(manifest_lines(path), start=1) if (found := pattern.search(line))]


def served_versions(package: str) -> list[str] | None:
    """The versions nuget.org serves of `package` (None: it did not answer)."""
    page = registry_page(f"https://api.nuget.org/v3-flatcontainer/{package.lower()}/index.json")
    if page is None:
        return None
    if page is False:
        return []
    try:
        return list(json.loads(page).get("versions", []))
    except ValueError:
        return None


recipe = CSharpRecipe()
