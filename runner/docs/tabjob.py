"""A tab as a job: its commands as its reader types them (job/script.py runs them), its output
blocks as the expectation of the terminals whose `dapr run` prints them; and the verdict of that
run as findings at the page lines that drifted, or as `could not check` with the cause."""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path

from runner.docs.model import Finding, TabReport
from runner.docs.tree import in_tree, resolve
from runner.errors import InputError
from runner.formats.daprrun import DaprRunError, parse_dapr_run
from runner.formats.docspage import Tab, app_lines
from runner.formats.cli_lines import split_label
from runner.formats.expected import DEFAULT_NORMALIZERS, Expectation, ExpectedLine
from runner.formats.runtemplate import parse_run_template, run_file
from runner.formats.shellwords import shell_calls
from runner.job.plan import JobPlan, Script, ScriptCommand
from runner.recipes import RECIPES
from runner.results import JobResult
from runner.services.shimenv import SHIMS, docker_unserved, parse_docker_run
from runner.services.zipkin import ZIPKIN_PORT
from runner.source.catalog import RESOURCE_DIRS
from runner.source.needs import cannot_run_here, unreachable_model
from runner.source.plan import fixed_ports
from runner.source.receivers import receives_messages
from runner.transcript.causes import cause
from runner.transcript.explain import closest_lines
from runner.transcript.masks import WILDCARD
from runner.transcript.normalize import normalizer
from runner.workspace import mirror

DOCS_TIMEOUT_S = 180.0
# A tab moves on, or ends, this long after its terminals went quiet: servers print nothing more.
# Half a minute: quickstart apps wait up to 20 s before their last line (configuration's Go app).
SETTLE_S = 30.0
SHELL_BUILTINS = ("cd", "export", "source", ".", "set", "unset", "echo", "sleep")
# A tab's lines as a writer would compare them, as a README's are (transcript/pagematch): spaces
# collapsed, the punctuation a line ends on left out, and a run's generated ids masked.
TAB_NORMALIZERS = (*DEFAULT_NORMALIZERS, "spaces", "punctuation", "ids")
_raw = normalizer(("ansi", "whitespace"))


def tab_script(tab: Tab, report: TabReport, root: Path, tree: Path) -> tuple[Script, Expectation] | str:
    """The tab's commands, as the page would read with its certain static fixes, in `tree` (a copy
    of the checkout); and what its terminals must print. Or why they cannot run here."""
    fixes = {f.line: f.fix for f in report.findings if f.fix and f.kind == "static"}
    commands, terminals = [], {}
    for command in tab.commands:
        text = command.text.replace(*fixes[command.line], 1) if command.line in fixes else command.text
        folder = in_tree(root, command.folder)
        if folder is None:
            return "a folder it runs in is not in the checkout (see the static findings)"
        if why := _cannot_run_here(text):
            return why
        if not _a_command(text):  # a shell block may also show output (`docker ps`'s table, say)
            continue
        terminal = None
        if _runs_on(text):
            terminal = terminals[command.line] = f"t{len(terminals) + 1}"
        commands.append(ScriptCommand(text, tree / folder, command.line, terminal))
    lines, groups, unordered, shown = [], [], set(), []
    for run in tab.runs:
        terminal = terminals.get(run.dapr_run.line)
        receivers = _receivers(run, root) if terminal else {}
        for block in run.outputs if terminal else ():
            # A block whose label names its run is that terminal's; another, any terminal's.
            owner = terminal if block.fence_line in run.named or len(terminals) == 1 else f"*:block {block.fence_line}"
            for text, line in app_lines(block):
                raw = text
                app = (split_label(text) or (None, ""))[0]
                if run.multi_app and not app:  # `dapr run -f` labels each line with its app: any of them
                    text = f"== APP - {WILDCARD} == " + text.removeprefix("== APP ==").lstrip()
                lines.append(ExpectedLine(text, line))
                groups.append(f"{owner}:{app}" if app else owner)
                shown.append((line, groups[-1], raw))
                # A receiver's lines come in delivery order: (for a run template's unlabelled lines, any app's)
                if receivers and ((app in receivers) if app else True):
                    unordered.add(groups[-1])
    expectation = Expectation(lines=tuple(lines), match="exact", order="per-app", source=f"tab {tab.name}",
                              groups=tuple(groups), normalizers=TAB_NORMALIZERS, unordered=frozenset(unordered),
                              tolerance="reader")
    report.shown = shown
    report.unordered = sorted(unordered)
    return Script(tuple(commands), Path(report.page)), expectation


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
    made = tab_script(tab, report, root, tree)
    if isinstance(made, str):
        return made
    script, expectation = made
    ports = set()
    for command in script.commands:
        ports |= _named_ports(command)
    # Its apps listen where their quickstart's template says, whatever ports the page names.
    template = root / (quickstart_folder(tab, root) or "-") / "dapr.yaml"
    if template.is_file():
        with contextlib.suppress(InputError):
            ports |= fixed_ports(parse_run_template(template).apps, None)
    parts = folders[0].parts
    return JobPlan(
        name=report.key.replace(f"/{report.group_index}", f"#{report.group_index}"), building_block=building_block,
        language=language, variant=parts[2] if len(parts) > 2 else "sdk", apps=(), resources=resources,
        expectation=expectation, timeout_s=DOCS_TIMEOUT_S, toolchain=toolchain, expected_source="docs page",
        script=script, fixed_ports=frozenset(ports), tree=tree, settle_s=SETTLE_S)


def _named_ports(command: ScriptCommand) -> set[int]:
    """The ports a `dapr run` names: its flags', or its run template's apps'; the host port a
    `docker run` publishes (Zipkin's 9411)."""
    published = {run.host_port or ZIPKIN_PORT for call in shell_calls(command.text) if call.words[:2] == ("docker", "run")
                 for run in [parse_docker_run(list(call.words[2:]))]}
    if not command.terminal:
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


def judge(tab: Tab, report: TabReport, result: JobResult) -> bool:
    """The tab's dynamic verdict from its run. False when the run alone cannot tell a page that is
    wrong from a quickstart that is broken (the apps printed nothing, or one failed): its README's
    own run tells then (`judge_by_readme`)."""
    report.duration_s = result.duration_s
    if result.status == "skipped":
        report.dynamic = f"skipped: {result.reason}"
        return True
    sources = result.sources or [""] * len(result.transcript)
    report.heard = [(source, _raw(line)) for source, line in zip(sources, result.transcript)
                    if _raw(line).startswith("== APP")]
    report.rewritable = result.kind in (None, "output mismatch") and not result.fault and not result.blocked
    report.finished = [app.app for app in result.apps if app.ended == "exited 0"]
    if result.status in ("passed", "flaky"):
        report.dynamic = "matched"
        report.findings += _order_notes(report, result)
        return True
    observed = [text for _, text in report.heard]
    report.observed = observed
    if result.fault or result.blocked:
        report.dynamic = f"could not check: {result.fault or result.blocked}"
        return True
    if not observed:  # the apps printed nothing: a wrong page, or a broken quickstart?
        report.dynamic = "could not tell"
        return False
    report.dynamic = "drift"
    for miss in result.miss_details[:3]:
        shown = miss.expected.replace(f"== APP - {WILDCARD} == ", "== APP == ")  # as the page has it
        close = closest_lines(shown.replace(WILDCARD, ""), list(enumerate(observed, start=1)), 0, limit=1)
        if not close:
            said = f"the page shows `{shown}`, which no app line resembles"
        elif _raw(close[0].text) == _raw(shown):  # printed, but not in the terminal or order the page has it
            said = (f"the page shows `{shown}` after what it shows above it in that terminal; an app printed it, "
                    "but not there")
        else:
            said = f"the page shows `{shown}` where the app prints `{close[0].text}`"
        report.findings.append(Finding("dynamic", miss.source_line, said))
    if result.kind == "app crashed":  # run as the page says: the page's fault, or the quickstart's?
        report.findings.append(Finding("dynamic", tab.runs[0].dapr_run.line, result.reason))
        return False
    # An app that failed (a file it opens is missing, say) may be the quickstart's fault, not the
    # page's: its README run tells.
    return cause("\n".join(observed)) is None


def _order_notes(report: TabReport, result: JobResult) -> list[Finding]:
    """A note (never drift) for each group of deliveries that came in another order than the page
    shows them: messages an app receives arrive in any order."""
    at = {hit["expected_line"]: hit["output_line"] for hit in result.hits}
    notes = []
    for group in report.unordered:
        printed = [at[line] for line, owner, _ in report.shown if owner == group and line in at]
        if printed != sorted(printed):
            first = next(line for line, owner, _ in report.shown if owner == group)
            notes.append(Finding("warning", first, "the app printed these lines in another order than the page shows: "
                                 "it receives them, and deliveries arrive in any order (not drift)"))
    return notes


def judge_by_readme(tab: Tab, report: TabReport, result: JobResult, readme: JobResult | None) -> None:
    """A tab whose apps printed nothing, failed or crashed: a quickstart whose own README run fails
    as well is broken (could not check); one whose README run passes shows the page is wrong (drift)."""
    failed = report.dynamic == "drift"  # the apps printed, and one failed: its findings are made
    line = tab.runs[0].dapr_run.line
    if readme is None:
        if not failed:
            report.dynamic = ("could not check: the run alone cannot tell, and the quickstart has no README run to "
                              f"compare: {result.reason}")
    elif readme.status in ("passed", "flaky"):
        report.dynamic = "drift"
        if not failed:
            report.findings.append(Finding("dynamic", line, "run as the page says, the apps print nothing where the "
                                           f"quickstart's README run passes: {result.reason}"))
    else:
        report.findings = [finding for finding in report.findings if finding.kind != "dynamic"]
        report.dynamic = f"could not check: the quickstart itself fails (its README run: {readme.reason})"
