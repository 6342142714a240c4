"""Java: `mvn package` once per pom.xml and sources; the jar kept in the cache and run from there."""

from __future__ import annotations

import re
from pathlib import Path

from runner.recipes.base import Prepared, Recipe, Toolchain, tool_version


class JavaRecipe(Recipe):
    name = "java"
    aliases = ("jdk",)
    build_commands = (("mvn",), ("mvnw",), ("gradle",), ("gradlew",))

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

    def start(self, app_dir: Path, cache_dir: Path, command: list[str]) -> Prepared:
        # `java -jar target/x.jar` runs the jar built for these sources, kept in the cache.
        argv = [str(cache_dir / Path(arg).name) if arg.startswith("target/") and arg.endswith(".jar") else arg
                for arg in command]
        return Prepared(command=argv)


recipe = JavaRecipe()
