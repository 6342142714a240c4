"""A tab as a job: the page model its reader follows (its commands as blocks they run, each a
start, build, client or stop, in the folder they are in; its output blocks as what the apps print
meanwhile), run by the engine that runs a README's reader (mm/runner), in a copy of its building
block, with the ports its apps name taken in turn (docs/judge.py reads the verdict)."""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path

from runner.docs.model import TabReport
from runner.docs.tree import in_tree, resolve
from runner.errors import InputError
from runner.formats.daprrun import DaprRunError, parse_dapr_run
from runner.formats.docspage import Tab, app_lines
from runner.formats.runtemplate import parse_run_template, run_file
from runner.formats.shellwords import shell_calls
from runner.formats.steps import Annotated
from runner.job.plan import JobPlan
from runner.page.model import OutputBlock, OutputCheck, PagePlan, ReaderBlock
from runner.recipes import RECIPES
from runner.services.shimenv import SHIMS, docker_unserved, parse_docker_run
from runner.services.zipkin import ZIPKIN_PORT
from runner.source.catalog import RESOURCE_DIRS
from runner.source.needs import cannot_run_here, unreachable_model
from runner.source.plan import fixed_ports
from runner.source.readerblocks import kind_of
from runner.source.receivers import receives_messages
from runner.workspace import mirror

# A page's run is bounded as a README's is, by its reader's waits (mm/reader.py): this is its plan's figure only.
DOCS_TIMEOUT_S = 180.0
SHELL_BUILTINS = ("cd", "export", "source", ".", "set", "unset", "echo", "sleep")


def tab_page(tab: Tab, report: TabReport, root: Path, tree: Path) -> tuple[Annotated, PagePlan] | str:
    """The tab as the page model a README's reader follows (mm/runner runs it): its commands, as
    the page would read with its certain static fixes, as blocks its reader runs in `tree` (a copy
    of the checkout), each a start, build, client or stop; its output blocks as what the apps print
    meanwhile. Or why they cannot run here."""
    fixes = {f.line: f.fix for f in report.findings if f.fix and f.kind == "static"}
    blocks: list[ReaderBlock] = []
    for command in tab.commands:
        text = command.text.replace(*fixes[command.line], 1) if command.line in fixes else command.text
        folder = in_tree(root, command.folder)
        if folder is None:
            return "a folder it runs in is not in the checkout (see the static findings)"
        if why := _cannot_run_here(text):
            return why
        if not _a_command(text):  # a shell block may also show output (`docker ps`'s table, say)
            continue
        kind = "start" if _runs_on(text) else kind_of(list(shell_calls(text)))
        blocks.append(ReaderBlock(command.line, text, tree / folder, "build" if kind == "other" else kind))
    started = {block.line for block in blocks if block.kind == "start"}
    outputs, receivers = [], []
    for run in tab.runs:
        if run.dapr_run.line not in started:
            continue
        receiving = _receivers(run, root)
        receivers += [*receiving, ""] if receiving and not run.multi_app else list(receiving)
        for block in run.outputs:  # a receiver's lines come in delivery order (PageMatch's `receivers`)
            above = [reader.line for reader in blocks if reader.line < block.fence_line]
            outputs.append(OutputCheck(OutputBlock(block.fence_line, tuple(app_lines(block)), "", None,
                                                   max(above, default=0))))
    return Annotated(Path(report.page), [], []), PagePlan(tuple(blocks), tuple(outputs), tuple(dict.fromkeys(receivers)))


def _receivers(run, root: Path) -> dict[str, str]:
    """The apps a `dapr run` starts that receive messages (app id -> why): their lines come in
    delivery order."""
    folder = resolve(root, run.folder) if run.folder else None
    if folder is None:
        return {}
    try:
        parsed = parse_dapr_run(run.dapr_run.text)
    except DaprRunError:
        return {}
    if parsed.run_file is not None:
        template = folder / parsed.run_file
        with contextlib.suppress(InputError):
            made = parse_run_template(run_file(template / "dapr.yaml" if template.is_dir() else template))
            return {app.app_id: why for app in made.apps
                    if (why := receives_messages(app.app_id, app.app_dir, list(app.resources or made.resources)))}
        return {}
    app_id = parsed.app_id or folder.name
    why = receives_messages(app_id, folder, [folder / path for path in parsed.resources_paths])
    return {app_id: why} if why else {}


def _runs_on(text: str) -> bool:
    """A command that runs until stopped, in a terminal of its own: `dapr run`, `docker compose up`
    in the foreground."""
    for call in shell_calls(text):
        if call.words[:2] == ("dapr", "run"):
            return True
        if call.words[:2] == ("docker", "compose") and "up" in call.words and not {"-d", "--detach"} & set(call.words):
            return True
    return False


def _a_command(text: str) -> bool:
    """Whether a line of a shell block is a command a reader types: its program is a shell builtin,
    one the runner serves, a path, or found on PATH."""
    first = next(iter(shell_calls(text)), None)
    return first is not None and (first.program in SHELL_BUILTINS + SHIMS or "/" in first.program
                                  or shutil.which(first.program) is not None)


def _cannot_run_here(text: str) -> str | None:
    for call in shell_calls(text):
        if why := cannot_run_here(call.words):
            return why
        if call.program == "docker" and (why := docker_unserved(call.words)):
            return why
    return None


def tab_plan(tab: Tab, report: TabReport, root: Path, scratch: Path) -> JobPlan | str:
    """The tab as a job (its commands in a copy of its building block), or why it cannot run."""
    language = report.language
    if language is None:
        return f"no language recipe for tab {tab.name!r}"
    toolchain = RECIPES[language].detect()
    if not toolchain.available:
        return toolchain.missing
    folders = [found for run in tab.runs if (found := in_tree(root, run.folder)) is not None]
    if not folders or not folders[0].parts:
        return "a folder it runs in is not in the checkout (see the static findings)"
    building_block = folders[0].parts[0]
    resources = tuple(root / building_block / name for name in RESOURCE_DIRS if (root / building_block / name).is_dir())
    if why := unreachable_model(resolve(root, str(folders[0])), resources):
        return why
    tree = mirror(root.resolve(), building_block, scratch)
    made = tab_page(tab, report, root, tree)
    if isinstance(made, str):
        return made
    annotated, page = made
    ports = set()
    for block in page.blocks:
        ports |= _named_ports(block)
    # Its apps listen where their quickstart's template says, whatever ports the page names.
    template = root / (quickstart_folder(tab, root) or "-") / "dapr.yaml"
    if template.is_file():
        with contextlib.suppress(InputError):
            ports |= fixed_ports(parse_run_template(template).apps, None)
    parts = folders[0].parts
    return JobPlan(
        name=report.key.replace(f"/{report.group_index}", f"#{report.group_index}"), building_block=building_block,
        language=language, variant=parts[2] if len(parts) > 2 else "sdk", apps=(), resources=resources,
        expectation=None, timeout_s=DOCS_TIMEOUT_S, toolchain=toolchain, expected_source="docs page",
        readme=annotated, page=page, languages=(language,), fixed_ports=frozenset(ports), tree=tree)


def _named_ports(command: ReaderBlock) -> set[int]:
    """The ports a `dapr run` names: its flags', or its run template's apps'; the host port a
    `docker run` publishes (Zipkin's 9411)."""
    published = {run.host_port or ZIPKIN_PORT for call in shell_calls(command.text) if call.words[:2] == ("docker", "run")
                 for run in [parse_docker_run(list(call.words[2:]))]}
    if command.kind != "start":
        return published
    try:
        run = parse_dapr_run(command.text)
    except DaprRunError:
        return set()
    apps = []
    if run.run_file is not None:
        template = command.folder / run.run_file
        with contextlib.suppress(InputError):
            apps = parse_run_template(run_file(template / "dapr.yaml" if template.is_dir() else template)).apps
    return fixed_ports(tuple(apps), None) | {port for port in (run.app_port, run.dapr_http_port, run.dapr_grpc_port) if port}


def quickstart_folder(tab: Tab, root: Path) -> str | None:
    """The quickstart the tab runs (`pub_sub/python/sdk`), to compare with its own README run."""
    folder = next((found for run in tab.runs if (found := in_tree(root, run.folder)) is not None), None)
    return "/".join(folder.parts[:3]) if folder is not None and len(folder.parts) >= 3 else None
