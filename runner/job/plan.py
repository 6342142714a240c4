"""What a job is given: a plain plan (what to run, against which expectation). How it runs
(which sidecar, which Redis) is the run's settings (job/settings.py). A plan runs its apps beside
sidecars, or a README's steps (`readme`), or a docs tab's commands (`script`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from runner.formats.compose import ComposeService
from runner.formats.expected import Expectation
from runner.formats.runtemplate import AppSpec
from runner.formats.steps import Annotated
from runner.page.model import PagePlan
from runner.recipes.base import Toolchain
from runner.services.redis import RedisEndpoint


@dataclass(frozen=True)
class JobPlan:
    name: str  # building_block/language/variant, or what a shim or docs tab runs
    building_block: str
    language: str
    variant: str
    apps: tuple[AppSpec, ...]
    resources: tuple[Path, ...]
    expectation: Expectation | None  # None: the apps' exit codes decide (or the README's steps)
    timeout_s: float
    toolchain: Toolchain | None = None  # None: nothing to prepare with a recipe
    expected_source: str = ""  # expected file | README | docs page | none
    skip_reason: str | None = None
    setup_commands: tuple[tuple[Path, str], ...] = ()  # (folder, shell command) run, in order, before the apps start
    services: tuple[ComposeService, ...] = ()  # compose services (PostgreSQL) started for its apps
    as_written: bool = False  # start the app with its command as given, not the recipe's cached form
    app_ids_in_output: bool = False  # `== APP - <app-id> == ` as `dapr run -f` prints, even for one app
    readme: Annotated | None = None  # validate by running this README's steps (no expected file)
    page: PagePlan | None = None  # what its README's reader runs and sees beyond the STEPs (validate's way)
    weak: str | None = None  # why a pass would prove little (its README expects only the CLI's own lines)
    redis_port: int | None = None  # its Redis listens here (6379: its files reach `dapr init`'s Redis themselves)
    redis: RedisEndpoint | None = None  # a Redis already answering there, which it uses instead of starting one
    notes: tuple[str, ...] = ()  # what a person should know of how it ran (which port turn it took, and why)
    fixed_ports: frozenset[int] = frozenset()  # ports its apps or steps name: no other job may use them meanwhile
    tree: Path | None = None  # the quickstarts tree: its results name its files relative to it
    settle_s: float | None = None  # once an app has exited, stop after this long without output (servers run on)
    folder: Path | None = None  # the quickstart's own folder (its SDK pins are under it)
    sdk_version: str | None = None  # run with the SDK pins of its language rewritten to this version
    runtime: str | None = None  # the Dapr runtime version of the run's matrix it runs with (None: the run's one)
    languages: tuple[str, ...] = ()  # every language its README steps prepare (a tutorial's several)
    tags: tuple[str, ...] = ()  # only the README steps of these tags run (as `mm.py -t`)
    unrunnable: tuple[int, str] | None = None  # the first README step this machine cannot run (its line), and why

    @property
    def app_ids_shown(self) -> bool:
        """Output lines carry the app id (`== APP - <id> == `): a multi-app run, or `dapr run -f`."""
        return self.app_ids_in_output or len(self.apps) > 1
