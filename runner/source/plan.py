"""From discovered quickstarts and a selection to the jobs to run: what, with which expectation.
Only what is selected is read (its dapr.yaml, expected file, README)."""

from __future__ import annotations

import shlex
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from runner.errors import InputError
from runner.formats.cli_lines import is_run_line
from runner.formats.daprrun import DaprRunError, parse_dapr_run
from runner.formats.expected import load_expected
from runner.formats.runtemplate import AppSpec, RunTemplate
from runner.formats.shellwords import shell_calls
from runner.formats.steps import Annotated, load_annotated, step_selected
from runner.job.plan import JobPlan
from runner.recipes import RECIPES
from runner.recipes.base import Toolchain
from runner.source.catalog import Quickstart
from runner.services.zipkin import ZIPKIN_PORT, reads_traces
from runner.source.needs import (REDIS_PORT, first_unrunnable, missing_service, reaches_init_redis, readme_services,
                                 unreachable_model, unrunnable_page)
from runner.page.model import PagePlan
from runner.source.readerblocks import page_plan, starts_in

DEFAULT_TIMEOUT_S = 180.0


def select(quickstarts: list[Quickstart], building_blocks: list[str], languages: list[str],
           variants: list[str]) -> list[Quickstart]:
    """`building_blocks` names building blocks (`pub_sub`) or quickstarts (`pub_sub/python/sdk`)."""
    return [
        qs for qs in quickstarts
        if (not building_blocks or any(qs.building_block == name or qs.name == name or qs.name.startswith(name + "/")
                                       for name in building_blocks))
        and (not languages or any(language in languages for language in qs.languages_needed))
        and (not variants or qs.variant in variants)
    ]


def detect_toolchains(quickstarts: list[Quickstart]) -> dict[str, Toolchain]:
    """Each language's toolchain, looked for once however many quickstarts use it; all at once
    (each asks its tools their versions, `java -version` alone a fifth of a second)."""
    languages = sorted({lang for qs in quickstarts for lang in qs.languages_needed})
    with ThreadPoolExecutor(max_workers=max(1, len(languages))) as pool:
        return dict(zip(languages, pool.map(lambda language: RECIPES[language].detect(), languages)))


def plan_job(quickstart: Quickstart, toolchains: dict[str, Toolchain], timeout_s: float | None = None,
             runtime: str | None = None, sdk_version: str | None = None, suffix: str = "",
             tags: tuple[str, ...] = ()) -> JobPlan:
    """The job of one quickstart; of a matrix, at `runtime` with its SDK at `sdk_version`, its name
    with `suffix` (`@1.18.1`) so that every job of the run has its own; README steps of `tags` only
    (as `mm.py -t`). One whose toolchain is missing is skipped before its files are read (a file
    it cannot run with does not stop the others)."""
    toolchain = _toolchain(quickstart, toolchains)
    if not toolchain.available:
        return JobPlan(name=quickstart.name + suffix, building_block=quickstart.building_block,
                       language=quickstart.language, variant=quickstart.variant, apps=(), resources=(),
                       expectation=None, timeout_s=timeout_s or DEFAULT_TIMEOUT_S, toolchain=toolchain,
                       expected_source=quickstart.expected_source, skip_reason=toolchain.missing, tree=quickstart.tree,
                       folder=quickstart.path, runtime=runtime, sdk_version=sdk_version,
                       languages=quickstart.languages_needed, tags=tags)
    template = _template(quickstart)
    apps = template.apps if template else ()
    resources = (template.resources if template and template.resources else
                 (quickstart.resources,) if quickstart.resources else ())
    expectation = load_expected(quickstart.expected) if quickstart.expected else None
    annotated, readme, page = None, None, None
    if expectation is None and quickstart.readme is not None:
        annotated = load_annotated(quickstart.readme)
        unrunnable = first_unrunnable(annotated, list(tags))
        page = page_plan(annotated, quickstart.tree, list(tags), unrunnable[0] if unrunnable else None)
        if any((step.expected_stdout_lines or step.expected_stderr_lines) and step_selected(step, list(tags))
               for step in annotated.steps) or page.checked or (not annotated.steps and starts_in(annotated)):
            readme = annotated
    skip, notes = _runs_here(quickstart, toolchains)
    skip = skip or _why_not_run(quickstart, resources, annotated, readme, page, expectation, apps, tags)
    timeout = timeout_s or (expectation.timeout_s if expectation and expectation.timeout_s else DEFAULT_TIMEOUT_S)
    redis_by_itself = reaches_init_redis(quickstart.path, readme)
    redis = {REDIS_PORT} if redis_by_itself else set()
    return JobPlan(
        redis_port=REDIS_PORT if redis_by_itself else None,
        notes=notes + ((f"its Redis on {REDIS_PORT}, where `dapr init` puts it: "
                        f"{Path(redis_by_itself).relative_to(quickstart.tree) if quickstart.tree else redis_by_itself} "
                        f"reaches Redis there itself",) if redis_by_itself else ()),
        fixed_ports=fixed_ports(apps, readme, page) | redis, tree=quickstart.tree, folder=quickstart.path, runtime=runtime,
        sdk_version=sdk_version, name=quickstart.name + suffix, building_block=quickstart.building_block,
        language=quickstart.language, languages=quickstart.languages_needed, tags=tags,
        unrunnable=first_unrunnable(readme, list(tags)) if readme else None,
        variant=quickstart.variant, apps=apps, resources=resources, expectation=expectation, timeout_s=timeout,
        toolchain=toolchain, expected_source=quickstart.expected_source, skip_reason=skip, readme=readme,
        page=page if readme else None, weak=weakness(readme, page, list(tags)) if readme else None,
    )


def _why_not_run(quickstart: Quickstart, resources, annotated, readme, page, expectation, apps,
                 tags: tuple[str, ...]) -> str | None:
    """Why a quickstart whose toolchain is here still cannot be run here, or run to any purpose."""
    if (model := unreachable_model(quickstart.path, resources)) is not None:
        return model
    if readme is not None and not readme.steps:  # the page alone: what its reader runs must run here
        return unrunnable_page(quickstart.path, page)
    if readme is not None:
        skip = next(filter(None, map(missing_service, readme_services(readme))), None)
        unrunnable = first_unrunnable(readme, list(tags))
        if skip is None and unrunnable and not any(step_selected(step, list(tags)) and step.line < unrunnable[0]
                                                   for step in readme.steps):
            skip = f"{unrunnable[1]} (line {unrunnable[0]})"  # its first step already cannot run here
        return skip
    if expectation is None and page is not None and not starts_in(annotated):
        return "its README starts no app: nothing for its reader to run (code to read)"
    if not apps:
        return "no dapr.yaml run template to start the app from"
    if expectation is None:
        return "no expected transcript, and the README has no STEP expectations"
    return None


WEAK = "checks only that Dapr started"
WEAK_PAGE = "checks only that its apps came up: its page shows no output"


def weakness(readme: Annotated, page: PagePlan, tags: list[str]) -> str | None:
    """Why a README's pass would prove little: every line its steps expect is one the CLI prints
    whether the app works or not (`checks only that Dapr started`), or it has no STEP and its page
    shows no output; never when its page's output blocks are checked. Its verdict then rests on
    its apps' evidence."""
    if page.checked:
        return None
    expected = [line for step in readme.steps if step_selected(step, tags)
                for line in (*step.expected_stdout_lines, *step.expected_stderr_lines)]
    if not readme.steps:
        return WEAK_PAGE
    return WEAK if expected and all(is_run_line(line) for line in expected) else None


def _toolchain(quickstart: Quickstart, toolchains: dict[str, Toolchain]) -> Toolchain:
    """The quickstart's toolchain; a tutorial of several languages needs every one of theirs."""
    found = [toolchains.get(language) or RECIPES[language].detect() for language in quickstart.languages_needed]
    if quickstart.language != "multi":
        return found[0]
    missing = next((f"its {t.language} steps need {t.missing}" for t in found if not t.available), None)
    return Toolchain("multi", None if missing else "; ".join(f"{t.language} {t.version}" for t in found) or "none", missing)


def _template(quickstart: Quickstart) -> RunTemplate | None:
    """Its run template, which a job with an expected file starts its apps from (a malformed one
    is bad input, now). A README's reader meets it only at the step that runs `dapr run -f`: that
    step fails there, naming the file and line, and the run's other jobs go on."""
    if quickstart.expected is not None or quickstart.readme is None:
        return quickstart.template()
    try:
        return quickstart.template()
    except InputError:
        return None


def _runs_here(quickstart: Quickstart, toolchains: dict[str, Toolchain]) -> tuple[str | None, tuple[str, ...]]:
    """Why the quickstart's apps cannot run on its toolchains (None: they can), and what a person
    should know of how they will (a runtime rolled forward), from each language it needs."""
    notes: tuple[str, ...] = ()
    for language in quickstart.languages_needed:
        recipe = RECIPES[language]
        skip, said = recipe.runs_here(quickstart.path, toolchains.get(language) or recipe.detect())
        if skip is not None:
            return skip, ()
        notes += said
    return None, notes


def fixed_ports(apps: tuple[AppSpec, ...], readme: Annotated | None, page: PagePlan | None = None) -> frozenset[int]:
    """The ports a quickstart names (its apps listen on them, its sidecars are asked for them):
    from its run template, from every `dapr run` line of its README steps and of the blocks its
    reader runs, and Zipkin's if it reads traces."""
    ports = {port for app in apps for port in (app.app_port, app.dapr_http_port, app.dapr_grpc_port) if port}
    if readme and reads_traces(readme):
        ports.add(ZIPKIN_PORT)
    texts = [command.text for step in (readme.steps if readme else ()) for command in step.commands]
    texts += [block.text for block in (page.blocks if page else ()) if block.kind == "start"]
    for call in (call for text in texts for call in shell_calls(text)):
        if call.words[:2] != ("dapr", "run"):
            continue
        try:
            run = parse_dapr_run(shlex.join(call.words))
        except DaprRunError:
            continue
        ports |= {port for port in (run.app_port, run.dapr_http_port, run.dapr_grpc_port) if port}
    return frozenset(ports)
