"""The shape every language recipe has: detect the toolchain, prepare an app, start it."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, ContextManager

from runner.errors import JobError, read_input
from runner.formats.shellwords import starts_with
from runner.cache import build_once, cache_root, files_digest, is_built
from runner.services.groups import check_interrupted
from runner.services.shell import ShellCommand
from runner.services.timeline import BUILD, phase
from runner.transcript.causes import cause
from runner.transcript.normalize import strip_ansi
from runner.workspace import BUILD_OUTPUTS


_POLL_S = 0.1


class PrepareError(JobError):
    prefix = "prepare failed: "
    output = ""  # what the failed command printed


@dataclass(frozen=True)
class Toolchain:
    language: str
    version: str | None  # None when missing
    missing: str | None = None  # why it cannot run here, e.g. "dotnet: not found"
    runtimes: tuple[str, ...] = ()  # the runtimes it can run apps on, where it has several (.NET's)

    @property
    def available(self) -> bool:
        return self.missing is None


@dataclass(frozen=True)
class SdkPin:
    """Where a quickstart pins a Dapr SDK: the line a bump changes."""

    file: Path
    line: int
    coordinate: str  # io.dapr:dapr-sdk, dapr, @dapr/dapr, github.com/dapr/go-sdk
    version: str  # as written: 1.17.0, >=1.17.0, ^3.6.1, v1.14.1


@dataclass(frozen=True)
class Prepared:
    command: list[str]  # argv that starts the app, run in the app dir
    env: dict[str, str] = field(default_factory=dict)  # added to the app's environment
    cache_dir: Path | None = None
    reused: bool = False  # True when the cache was already complete: no install or build ran
    notes: tuple[str, ...] = ()  # what the build chose that a person should know (the SDK version it resolved)


def tool_version(argv: list[str], pick: Callable[[str], str] = lambda out: out.strip().splitlines()[0]) -> str | None:
    if shutil.which(argv[0]) is None:
        return None
    try:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    out = strip_ansi(result.stdout + result.stderr).strip()  # mvn colours even its version
    return pick(out) if result.returncode == 0 and out else None


def run_logged(argv: list[str], cwd: Path, log: Path, env: dict[str, str] | None = None) -> None:
    """Run one preparation command in a process group of its own, stopped with all it started when
    the run is interrupted (a cold restore takes a minute) and when it ends (a build server it
    left); on failure, raise with the last line it printed."""
    with open(log, "a") as out:
        out.write(f"$ {' '.join(argv)}\n")
    process = ShellCommand(argv, cwd, {**os.environ, **(env or {})}, log=log)
    process.start()
    try:
        while process.running():
            check_interrupted()
            time.sleep(_POLL_S)
    finally:
        returncode = process.stop(grace=2.0)
    if returncode != 0:
        said = log.read_text(errors="replace")
        lines = [strip_ansi(line).strip() for line in said.splitlines() if strip_ansi(line).strip()]
        error = PrepareError(f"`{' '.join(argv)}` exited with {returncode}: "
                             f"{cause(said) or (lines[-1] if lines else 'no output')}")
        error.output = said  # a recipe may say more of it (a package no source serves)
        raise error


class Recipe(ABC):
    name: str
    aliases: tuple[str, ...] = ()
    # Commands that build or install (a README step running one takes a build slot), as word
    # prefixes: ("npm", "install") is `npm install ...`, flags between the words allowed.
    build_commands: tuple[tuple[str, ...], ...] = ()
    programs: tuple[str, ...] = ()  # what a README of this language calls (a tutorial of several is "multi")
    # Commands that start an app and run until stopped (`npm start`, `mvn spring-boot:run`), as
    # word prefixes like `build_commands`: a README's reader leaves them running in a terminal.
    start_commands: tuple[tuple[str, ...], ...] = ()
    # Builds that cost the cores next to nothing (under 2 CPU-seconds: bench/bench_prepare.py
    # measures them): they take no turn for the cores. The rest keep both of a 2-core machine's
    # cores busy while they run (pip 8 CPU-s, npm install 4, mvn 6, a cold go build 46).
    light_builds: tuple[tuple[str, ...], ...] = ()
    # Starts that load the cores as a build does (a JVM: 1.9 cores for 2 s; a compile before the app
    # runs): an app started so takes a turn for the cores until it came up, so it starts as on a
    # reader's machine, whatever else runs beside it.
    heavy_starts: tuple[tuple[str, ...], ...] = ()
    # Where an app of this language says plainly which port it listens on: (file glob, pattern whose
    # group 1 is the port), a literal the app listens on whatever `--app-port` says (a port taken
    # from APP_PORT follows it: the CLI sets it).
    listen_patterns: tuple[tuple[str, str], ...] = ()

    @abstractmethod
    def detect(self) -> Toolchain:
        """Which toolchain is here, with its version, or why it is missing."""

    @abstractmethod
    def cache_inputs(self, app_dir: Path) -> list[Path]:
        """The files whose contents decide whether a prepared app is still good."""

    @abstractmethod
    def prepare_commands(self, app_dir: Path, cache_dir: Path) -> list[list[str]]:
        """The install/build commands, in order, run in `app_dir`."""

    @abstractmethod
    def start(self, app_dir: Path, cache_dir: Path, command: list[str]) -> Prepared:
        """How to start the app once prepared (`command` is what the quickstart asks for)."""

    def _cache_dir(self, app_dir: Path, toolchain: Toolchain) -> Path:
        key = files_digest(self.cache_inputs(app_dir), app_dir, extra=[self.name, toolchain.version or ""])
        return cache_root() / "apps" / self.name / key

    def is_prepared(self, app_dir: Path, toolchain: Toolchain) -> bool:
        """Whether preparing the app would only reuse the cache (nothing to build)."""
        return is_built(self._cache_dir(app_dir, toolchain))

    def prepare(self, app_dir: Path, command: list[str], toolchain: Toolchain,
                slot: Callable[[], ContextManager[None]] = contextlib.nullcontext) -> Prepared:
        """The app prepared once for its inputs (cached); a build that runs holds a `slot`."""
        target = self._cache_dir(app_dir, toolchain)

        def build(cache_dir: Path) -> None:
            commands = self.prepare_commands(app_dir, cache_dir)
            turn = slot() if any(self.needs_cores(tuple(argv)) for argv in commands) else contextlib.nullcontext()
            said = " && ".join(" ".join([Path(argv[0]).name, *argv[1:3]]) for argv in commands)
            with turn, phase(BUILD, f"{app_dir.name}: {said}"):
                for argv in commands:
                    run_logged(argv, app_dir, cache_dir / "prepare.log", self.prepare_env(cache_dir))

        _, built_now = build_once(target, build)
        prepared = self.start(app_dir, target, command)
        return Prepared(prepared.command, prepared.env, target, reused=not built_now)

    def starts_app(self, words: tuple[str, ...]) -> bool:
        """Whether a command starts an app of this language (one of `start_commands`)."""
        return any(starts_with(words, prefix) for prefix in self.start_commands)

    def starts_heavily(self, words: tuple[str, ...]) -> bool:
        """Whether an app's command loads the cores while it starts (one of `heavy_starts`)."""
        return any(starts_with(words, prefix) for prefix in self.heavy_starts)

    def runs_here(self, folder: Path, toolchain: Toolchain) -> tuple[str | None, tuple[str, ...]]:
        """Whether the apps under `folder` can run on this toolchain: why not (a skip's reason),
        else None with what a person should know of how they will run (a runtime rolled forward)."""
        return None, ()

    def needs_cores(self, words: tuple[str, ...]) -> bool:
        """Whether a command is a build of this language that keeps the cores busy (not one of
        `light_builds`)."""
        return any(starts_with(words, prefix) for prefix in self.build_commands) and \
            not any(starts_with(words, prefix) for prefix in self.light_builds)

    def build_reads(self, words: tuple[str, ...]) -> str | None:
        """The file a build command of this language (one of `build_commands`) reads in the folder
        it runs in, as named there (`requirements.txt`, `package.json`); None: none it needs."""
        return None

    def listening_port(self, app_dir: Path) -> tuple[int, str] | None:
        """The one port the app's sources say it listens on, and where (`app.go:32`); None when they
        name none, or several."""
        found: dict[int, str] = {}
        for glob, pattern in self.listen_patterns:
            for path in manifests(app_dir, glob):
                text = path.read_text(errors="replace")
                for match in re.finditer(pattern, text):
                    found.setdefault(int(match.group(1)), f"{path.relative_to(app_dir)}:{text.count(chr(10), 0, match.start()) + 1}")
        return next(iter(found.items())) if len(found) == 1 else None

    def command_problem(self, argv: list[str], folder: Path) -> str | None:
        """What keeps `argv`, an app command of this language, from running in `folder` (a
        script or module that is not there), or None (also for another language's command)."""
        return None

    def sdk_pins(self, folder: Path) -> list[SdkPin]:
        """The Dapr SDK pins of the apps under `folder`."""
        return []

    def pin_sdk(self, folder: Path, version: str) -> list[str]:
        """Rewrite the Dapr SDK pins under `folder` (a copy of a quickstart) to `version`; what
        changed, a line each (`pom.xml:20: io.dapr:dapr-sdk 1.17.0 -> 1.17.1`)."""
        return []

    def sdk_served(self, coordinate: str, version: str) -> bool | None:
        """Whether this machine's registry serves `coordinate` at `version` (None: cannot tell)."""
        return None

    def prepare_env(self, cache_dir: Path) -> dict[str, str]:
        return {}

    def output_notes(self, output: str) -> list[str]:
        """What a build a page ran printed that a person should know of how the job ran (a pinned
        package its registry does not serve, replaced by another version)."""
        return []

    def steps_env(self, workdir: Path) -> dict[str, str]:
        """The environment a README's own install and run commands get, so what they install
        stays the job's (made in `workdir`, which the job removes); {} where the
        toolchain keeps installs local already (node_modules, a build dir)."""
        return {}


def manifest_lines(path: Path) -> list[str]:
    """A manifest's lines (one that cannot be read is an input error naming it)."""
    return read_input(path, path.name).splitlines()


def manifests(folder: Path, name: str) -> list[Path]:
    """The files called `name` under `folder`, build outputs left out."""
    return sorted(path for path in folder.rglob(name) if not set(path.relative_to(folder).parts) & set(BUILD_OUTPUTS))


def rewrite_lines(path: Path, edit: Callable[[int, str], str | None]) -> list[tuple[int, str, str]]:
    """Apply `edit` to each line of `path` (None: unchanged); the changed lines (number, old, new)."""
    lines = read_input(path, path.name).splitlines(keepends=True)
    changed = []
    for number, line in enumerate(lines, start=1):
        new = edit(number, line)
        if new is not None and new != line:
            changed.append((number, line.strip(), new.strip()))
            lines[number - 1] = new
    if changed:
        path.write_text("".join(lines))
    return changed


def registry_page(url: str, timeout: float = 10.0) -> str | bool | None:
    """What a registry answers at `url`: its text (200), False (404), None (no answer)."""
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.read().decode(errors="replace")
    except urllib.error.HTTPError as exc:
        return False if exc.code == 404 else None
    except (urllib.error.URLError, OSError):
        return None


def registry_answers(url: str) -> bool | None:
    """Whether a registry serves `url` (None: it did not answer)."""
    page = registry_page(url)
    return page if page is None or page is False else True
