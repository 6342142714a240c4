"""Java: `mvn package` once per pom.xml and sources; the jar kept in the cache and run from there."""

from __future__ import annotations

import re
from pathlib import Path

from runner.recipes.base import Prepared, Recipe, SdkPin, Toolchain, manifest_lines, manifests, registry_answers, rewrite_lines, tool_version


_TAG = re.compile(r"<(groupId|artifactId|version)>\s*([^<]+?)\s*</\1>")
_PROPERTY = re.compile(r"^\$\{(.+)\}$")
# Maven's word for a pin its repositories do not serve (`io.dapr:dapr-sdk:jar:1.17.0 was not found in URL`).
_UNSERVED = re.compile(r"\b([\w.-]+):([\w.-]+):jar:([\w.-]+) was not found in (\S+)")


def _pom_pins(pom: Path) -> list[tuple[SdkPin, str]]:
    """The Dapr artifacts (groupId io.dapr...) a pom pins, each with the `>text<` on its line that
    holds the version: the dependency's own `<version>`, or the property it names."""
    lines = manifest_lines(pom)
    properties = {}
    for number, line in enumerate(lines, start=1):
        found = re.search(r"<([\w.-]+)>\s*([^<$]+?)\s*</\1>", line)
        if found and found.group(1) not in ("groupId", "artifactId", "version", "scope", "type"):
            properties[found.group(1)] = (number, found.group(2))
    pins, current = [], {}
    for number, line in enumerate(lines, start=1):
        if "<dependency>" in line:
            current = {}
        for tag, value in _TAG.findall(line):
            current[tag] = (number, value)
        if "</dependency>" in line and current.get("groupId", (0, ""))[1].startswith("io.dapr") and "version" in current:
            at, value = current["version"]
            named = _PROPERTY.match(value)
            if named and named.group(1) in properties:
                at, value = properties[named.group(1)]
            coordinate = f"{current['groupId'][1]}:{current.get('artifactId', (0, '?'))[1]}"
            pins.append((SdkPin(pom, at, coordinate, value), f">{value}<"))
    taken = {pin.line for pin, _ in pins}
    for name, (number, value) in properties.items():  # `dapr.version`-style properties, used or not
        if "dapr" in name and "version" in name and number not in taken:
            pins.append((SdkPin(pom, number, f"property {name}", value), f">{value}<"))
    return sorted(pins, key=lambda pin: pin[0].line)


class JavaRecipe(Recipe):
    name = "java"
    aliases = ("jdk",)
    programs = ("java", "mvn", "mvnw", "gradle")
    build_commands = (("mvn",), ("mvnw",), ("gradle",), ("gradlew",))
    start_commands = (("java",), ("gradle", "bootRun"), ("gradlew", "bootRun"))
    heavy_starts = (("java",), ("mvn",), ("mvnw",), ("gradle",), ("gradlew",))
    _RUN_GOALS = {"spring-boot:run", "spring-boot:test-run", "exec:java", "quarkus:dev"}

    def starts_app(self, words: tuple[str, ...]) -> bool:
        # Maven takes several goals at once: `mvn clean spring-boot:test-run` runs the app last.
        if words and Path(words[0]).name in ("mvn", "mvnw"):
            return bool(self._RUN_GOALS & set(words[1:]))
        return super().starts_app(words)
    listen_patterns = (("application.properties", r"server\.port\s*=\s*(?:\$\{[^:}]+:)?(\d{2,5})"),
                       ("application.yml", r"\bport:\s*(?:\$\{[^:}]+:)?(\d{2,5})"))

    def detect(self) -> Toolchain:
        java = tool_version(["java", "-version"], lambda out: re.search(r'version "([^"]+)"', out).group(1)
                            if re.search(r'version "([^"]+)"', out) else out.splitlines()[0])
        if java is None:
            return Toolchain(self.name, None, "java: not found")
        mvn = tool_version(["mvn", "-B", "-v"], lambda out: out.splitlines()[0].split()[2] if len(out.split()) > 2 else out)
        if mvn is None:
            return Toolchain(self.name, None, "mvn: not found")
        return Toolchain(self.name, f"java {java}, maven {mvn}")

    def cache_inputs(self, app_dir: Path) -> list[Path]:
        return [app_dir / "pom.xml", *(p for p in (app_dir / "src").rglob("*") if p.is_file())]

    def prepare_commands(self, app_dir: Path, cache_dir: Path) -> list[list[str]]:
        return [["mvn", "-q", "-B", "package", "-DskipTests"],
                ["sh", "-c", f'cp target/*.jar "{cache_dir}"/']]

    def build_reads(self, words: tuple[str, ...]) -> str | None:
        return "pom.xml" if Path(words[0]).name in ("mvn", "mvnw") else None

    def command_problem(self, argv: list[str], folder: Path) -> str | None:
        if argv[:1] == ["mvn"] and not (folder / "pom.xml").is_file():
            return "there is no pom.xml there"
        return None

    def sdk_pins(self, folder: Path) -> list[SdkPin]:
        return [pin for path in manifests(folder, "pom.xml") for pin, _ in _pom_pins(path)]

    def pin_sdk(self, folder: Path, version: str) -> list[str]:
        changes = []
        for path in manifests(folder, "pom.xml"):
            lines = {pin.line: old for pin, old in _pom_pins(path)}  # the line of each pin, and the text to replace
            changed = rewrite_lines(path, lambda number, line: line.replace(lines[number], f">{version}<", 1)
                                    if number in lines else None)
            changes += [f"{path.relative_to(folder)}:{number}: {old} -> {new}" for number, old, new in changed]
        return changes

    def output_notes(self, output: str) -> list[str]:
        return list(dict.fromkeys(
            f"{group}:{artifact} {version}, which a pom.xml pins, is not served by {where}: the way out is "
            f"`--sdk java=VERSION` with a version it serves" for group, artifact, version, where in _UNSERVED.findall(output)
            if group.startswith("io.dapr")))

    def sdk_served(self, coordinate: str, version: str) -> bool | None:
        group, _, artifact = coordinate.partition(":") if ":" in coordinate else ("io.dapr", ":", "dapr-sdk")
        return registry_answers(f"https://repo.maven.apache.org/maven2/{group.replace('.', '/')}/{artifact}/{version}/"
                                f"{artifact}-{version}.pom")

    def start(self, app_dir: Path, cache_dir: Path, command: list[str]) -> Prepared:
        # `java -jar target/x.jar` runs the jar built for these sources, kept in the cache.
        argv = [str(cache_dir / Path(arg).name) if arg.startswith("target/") and arg.endswith(".jar") else arg
                for arg in command]
        return Prepared(command=argv)


recipe = JavaRecipe()
