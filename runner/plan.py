"""From discovered quickstarts and a selection to the jobs to run: what, with which expectation."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from runner.catalog import Quickstart
from runner.mdsteps import load_annotated
from runner.recipes import RECIPES
from runner.recipes.base import Toolchain
from runner.runtemplate import AppSpec
from runner.transcript.expected import Expectation, load_expected

DEFAULT_TIMEOUT_S = 180.0


@dataclass(frozen=True)
class JobPlan:
    quickstart: Quickstart
    toolchain: Toolchain
    apps: tuple[AppSpec, ...]
    resources: tuple[Path, ...]
    expectation: Expectation | None
    timeout_s: float
    skip_reason: str | None = None
    setup_commands: tuple[str, ...] = ()  # shell commands run in the app dir before it starts
    as_written: bool = False  # start the app with its command as given, not the recipe's cached form
    prepare: bool = True  # False: the app is already prepared (a README's own steps did it)
    app_ids_in_output: bool = False  # `== APP - <app-id> == ` as `dapr run -f` prints, even for one app
    readme: Path | None = None  # validate by running this README's steps (no expected file)

    @property
    def name(self) -> str:
        return self.quickstart.name

    @property
    def app_ids_shown(self) -> bool:
        """Output lines carry the app id (`== APP - <id> == `): a multi-app run, or `dapr run -f`."""
        return self.app_ids_in_output or len(self.apps) > 1


def select(quickstarts: list[Quickstart], building_blocks: list[str], languages: list[str],
           variants: list[str]) -> list[Quickstart]:
    return [
        qs for qs in quickstarts
        if (not building_blocks or qs.building_block in building_blocks)
        and (not languages or qs.language in languages)
        and (not variants or qs.variant in variants)
    ]


def detect_toolchains(quickstarts: list[Quickstart]) -> dict[str, Toolchain]:
    """Each language's toolchain, looked for once however many quickstarts use it."""
    return {language: RECIPES[language].detect() for language in {qs.language for qs in quickstarts}}


def plan_job(quickstart: Quickstart, toolchains: dict[str, Toolchain], timeout_s: float | None = None) -> JobPlan:
    toolchain = toolchains.get(quickstart.language) or RECIPES[quickstart.language].detect()
    template = quickstart.template
    apps = template.apps if template else ()
    resources = (template.resources if template and template.resources else
                 (quickstart.resources,) if quickstart.resources else ())
    expectation = load_expected(quickstart.expected) if quickstart.expected else None
    readme = None
    if expectation is None and quickstart.readme is not None:
        steps = load_annotated(quickstart.readme).steps
        if any(step.expected_stdout_lines or step.expected_stderr_lines for step in steps):
            readme = quickstart.readme
    skip = None
    if not toolchain.available:
        skip = toolchain.missing
    elif readme is not None:
        skip = None
    elif not apps:
        skip = "no dapr.yaml run template to start the app from"
    elif expectation is None:
        skip = "no expected transcript, and the README has no STEP expectations"
    timeout = timeout_s or (expectation.timeout_s if expectation and expectation.timeout_s else DEFAULT_TIMEOUT_S)
    return JobPlan(quickstart, toolchain, apps, resources, expectation, timeout, skip, readme=readme)
