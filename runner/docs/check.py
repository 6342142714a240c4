"""Check a docs page's language tabs against a quickstarts checkout: statically, then by running them.

Static: every `cd` target exists (commands of nested tabs for another OS included) and the
first belongs to the page's building block and the tab's language; each `dapr run`'s
resources path exists from its folder, and `dapr run -f`'s template; files the page asks
to verify exist; a `docker compose up` folder has its compose file; deprecated flags are
warned about; an output block copied from another tab is found. Dynamic: the tab as a job
of its own, as `validate` runs one: a copy of the building block, the tab's install
commands as written, every app it starts (`dapr run -f` templates, or each terminal's
`dapr run`) beside real sidecars, Redis, placement and scheduler and the PostgreSQL its
compose file asks for; each output block matched, as an ordered subsequence, against what
its app prints.
"""

from __future__ import annotations

import contextlib
import os
import posixpath
import re
import shutil
import tempfile
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath

from runner.errors import InputError
from runner.formats.compose import POSTGRES_IMAGES, find_compose_file, parse_compose
from runner.formats.daprrun import DEPRECATED, DaprRun, DaprRunError, parse_dapr_run
from runner.formats.docspage import AppRun, Page, Tab, app_lines
from runner.formats.expected import DEFAULT_NORMALIZERS, Expectation, ExpectedLine
from runner.formats.runtemplate import AppSpec, parse_run_template
from runner.job import JobPlan
from runner.job.verdict import check_result
from runner.recipes import RECIPES, resolve_language
from runner.results import JobResult
from runner.services.groups import track_dir, untrack_dir
from runner.source.catalog import RESOURCE_DIRS
from runner.source.needs import missing_service
from runner.source.plan import fixed_ports
from runner.transcript.explain import closest_lines
from runner.transcript.masks import WILDCARD
from runner.transcript.normalize import normalizer
from runner.transcript.update import updated_lines

DOCS_TIMEOUT_S = 180.0
# A tab's apps are often servers that never exit: once one app has exited, this long without
# output ends the run (the publisher is done; the subscriber will print nothing more).
SETTLE_S = 15.0
BUILD_OUTPUTS = ("node_modules", "target", "bin", "obj", "__pycache__", ".venv", "venv")
_raw = normalizer(("ansi", "whitespace"))


@dataclass
class Finding:
    kind: str  # static | dynamic | warning
    line: int
    message: str
    fix: tuple[str, str] | None = None  # (page text, replacement) on `line`, when the fix is certain


@dataclass
class TabReport:
    page: str
    tab: str
    group: str  # the heading above the tab's group
    group_index: int  # 1-based, in page order
    language: str | None
    line: int
    findings: list[Finding] = field(default_factory=list)
    dynamic: str = "not run"  # matched | drift | skipped: <why> | not run
    not_checkable: str | None = None  # why there is nothing to compare
    observed: list[str] = field(default_factory=list)  # the app's lines, to paste into the page

    @property
    def status(self) -> str:
        if any(f.kind != "warning" for f in self.findings):
            return "drift"
        if self.not_checkable:
            return "not checkable"
        return "skipped" if self.dynamic.startswith("skipped") else "ok"

    @property
    def why(self) -> str:
        """What the status rests on, in a few words."""
        if self.status == "drift":
            return next(f.message for f in self.findings if f.kind != "warning")
        if self.status == "not checkable":
            return self.not_checkable or ""
        return self.dynamic

    def record(self) -> dict:
        return {**asdict(self), "status": self.status, "why": self.why}


def _in_tree(root: Path, folder: str | None) -> PurePosixPath | None:
    found = resolve(root, folder)
    return PurePosixPath(found.relative_to(root.resolve())) if found is not None else None


def _app_folder(tab: Tab, root: Path) -> PurePosixPath | None:
    """Where the tab's first app runs (else its first `cd`), from the tree's root."""
    written = [run.folder for run in tab.runs if run.folder] + [cd.text for cd in tab.cds]
    for folder in written:
        if (found := _in_tree(root, folder)) is not None:
            return found
    return PurePosixPath(written[0]) if written else None  # as the page has it


def page_building_block(page: Page, root: Path) -> str | None:
    blocks = Counter(folder.parts[0] for tab in page.tabs if (folder := _app_folder(tab, root)) and folder.parts)
    return blocks.most_common(1)[0][0] if blocks else None


def resolve(root: Path, folder: str | None) -> Path | None:
    """The checkout's folder for a page's path; a leading `../` (the page assumes the reader
    stands in a sibling of the tree's root) is tried without it."""
    if folder is None:
        return None
    path = PurePosixPath(folder)
    candidates = [path] + ([PurePosixPath(*[p for p in path.parts if p != ".."])] if ".." in path.parts else [])
    for candidate in candidates:
        if (root / candidate).is_dir():
            return (root / candidate).resolve()
    return None


def _moved_to(root: Path, folder: str) -> str | None:
    """Where a folder the page names went, when the checkout has exactly one folder of that name
    in the same building block and language."""
    parts = PurePosixPath(folder).parts
    if len(parts) < 3 or not (root / parts[0]).is_dir():
        return None
    found = [p for p in (root / parts[0]).rglob(parts[-1]) if p.is_dir() and p.relative_to(root).parts[1:2] == parts[1:2]
             and not set(p.relative_to(root).parts) & set(BUILD_OUTPUTS)]
    return str(found[0].relative_to(root)) if len(found) == 1 else None


def _check_cds(tab: Tab, root: Path, building_block: str | None, report: TabReport) -> None:
    findings = report.findings
    for index, cd in enumerate(tab.cds):
        if resolve(root, cd.text) is not None:
            continue
        moved = _moved_to(root, cd.text)
        written = next((run.cd.text for run in tab.runs if run.cd and run.cd.line == cd.line), None)
        written = written or next((t for t in [cd.text] if t), cd.text)
        before = tab.cds[index - 1].text if index else None
        target = posixpath.relpath(moved, before) if moved and before else moved
        findings.append(Finding("static", cd.line, f"`cd {written}`: no such folder in the checkout"
                                + (f"; it is {moved} now" if moved else ""), (written, target) if target else None))
    folder = _app_folder(tab, root)
    parts = folder.parts if folder else ()
    line = next((run.dapr_run.line for run in tab.runs), tab.cds[0].line if tab.cds else tab.start_line)
    if building_block and parts and parts[0] != building_block:
        findings.append(Finding("static", line, f"the tab runs {folder}, in building block {parts[0]}, but the page is "
                                f"about {building_block}"))
    if report.language and len(parts) > 1 and parts[1] != report.language:
        findings.append(Finding("static", line, f"the tab runs {folder}, the {parts[1]} quickstart, but the tab is "
                                f"{tab.name} ({report.language})"))
    for block in tab.elsewhere:  # another OS's commands: checked, never run
        for index, text in enumerate(block.lines):
            target = re.match(r"^\s*cd\s+(\S+)", text)
            path = target.group(1).replace("\\", "/") if target else ""
            if "/" in path and resolve(root, path) is None:
                findings.append(Finding("static", block.line_of(index), f"`cd {target.group(1)}`: no such folder in the checkout"))


def _check_run(run: AppRun, root: Path, report: TabReport) -> DaprRun | None:
    findings = report.findings
    try:
        parsed = parse_dapr_run(run.dapr_run.text)
    except DaprRunError as exc:
        findings.append(Finding("static", run.dapr_run.line, f"`dapr run` command: {exc}"))
        return None
    for flag in parsed.deprecated:
        findings.append(Finding("warning", run.dapr_run.line, f"{flag} is deprecated; use {DEPRECATED[flag]}",
                                (flag, DEPRECATED[flag])))
    folder = resolve(root, run.folder) if run.folder else None
    if folder is None:
        return parsed
    if parsed.run_file is not None:
        template = folder / parsed.run_file
        template = template / "dapr.yaml" if template.is_dir() else template
        if not template.is_file():
            above = [up for up in (template.parent.parents[i] for i in range(2)) if (up / template.name).is_file()]
            fix = None
            if above:
                fix = (f"-f {parsed.run_file}", f"-f {os.path.relpath(above[0], folder)}")
            findings.append(Finding("static", run.dapr_run.line, f"`dapr run -f {parsed.run_file}`: no run template "
                                    f"{template.name} in {run.folder}" + (f"; it is in {above[0].name}/ above" if above else ""),
                                    fix))
    for path in parsed.resources_paths:
        if not (folder / path).is_dir():
            parent = PurePosixPath(path).parent
            moved = [name for name in RESOURCE_DIRS if (folder / str(parent) / name).is_dir()]
            fix = (path, f"{parent / moved[0]}" + ("/" if path.endswith("/") else "")) if len(moved) == 1 else None
            hint = f"; the checkout has {parent / moved[0]}/ there" if moved else ""
            findings.append(Finding("static", run.dapr_run.line, f"resources path `{path}` does not exist from {run.folder}{hint}",
                                    fix))
    if not parsed.command and parsed.run_file is None:
        findings.append(Finding("static", run.dapr_run.line, "`dapr run` has no app command after `--`"))
    return parsed


def static_checks(tab: Tab, root: Path, building_block: str | None, report: TabReport) -> None:
    _check_cds(tab, root, building_block, report)
    if not tab.cds and not tab.runs:
        report.not_checkable = "the tab has no commands to check (no `cd`, no `dapr run`)"
        return
    first = resolve(root, tab.cds[0].text) if tab.cds else None
    for item in tab.verify_files:
        if first is not None and not (first / item.text).exists():
            report.findings.append(Finding("static", item.line, f"the page asks to verify `{item.text}`, which is not in "
                                           f"{tab.cds[0].text}"))
    for service in tab.services:
        folder = resolve(root, service.text)
        if folder is not None and find_compose_file(folder) is None:
            report.findings.append(Finding("static", service.line, f"`docker compose up` in {service.text}: no compose file there"))
    if not tab.runs:
        report.findings.append(Finding("static", tab.start_line, "the tab has no `dapr run` command"))
        return
    for run in tab.runs:
        _check_run(run, root, report)
    if not tab.outputs:
        report.not_checkable = "no output block (`== APP ==` lines) after its `dapr run` to compare with"


def _running(tab: Tab) -> list[AppRun]:
    """The runs a reader makes to see the outputs: not a restart of an app already running (a
    fault-injection step), not a `dapr run -f` offered as another way to run what single runs did."""
    runs, seen = [], set()
    singles = any(not run.multi_app for run in tab.runs)
    for run in tab.runs:
        app_id = re.search(r"--app-id[ =](\S+)", run.dapr_run.text)
        if app_id and app_id.group(1) in seen:
            continue
        if run.multi_app and singles and not run.outputs:
            continue
        seen.add(app_id.group(1) if app_id else run.dapr_run.text)
        runs.append(run)
    return runs


def _expectation(tab: Tab, runs: list[AppRun], shown_by_app: bool) -> Expectation:
    """Each output block's app lines; when several apps run, each block is a sequence of its own
    (in the block's order), matched against any app's lines unless it names its app."""
    lines, groups = [], []
    for run in runs:
        for block in run.outputs:
            for text, line in app_lines(block):
                named = text.startswith("== APP - ")
                if shown_by_app and not named:
                    text = f"== APP - {WILDCARD} == " + text.removeprefix("== APP ==").lstrip()
                lines.append(ExpectedLine(text, line))
                groups.append(text.split(" == ", 1)[0] if named else f"block {block.fence_line}")
    return Expectation(lines=tuple(lines), match="exact", order="per-app" if shown_by_app else "sequential",
                       source=f"tab {tab.name}", groups=tuple(groups), normalizers=(*DEFAULT_NORMALIZERS, "spaces"))


def _mirror(root: Path, building_block: str, scratch: Path) -> Path:
    """A tree where the page's commands may write: the building block copied (no build outputs),
    everything else of the checkout linked."""
    tree = scratch / "tree"
    tree.mkdir()
    for entry in root.iterdir():
        if entry.name == building_block:
            shutil.copytree(entry, tree / entry.name, symlinks=True, ignore=shutil.ignore_patterns(*BUILD_OUTPUTS))
        elif not entry.name.startswith("."):
            os.symlink(entry, tree / entry.name)
    return tree


def tab_plan(tab: Tab, report: TabReport, root: Path, scratch: Path) -> JobPlan | str:
    """The tab as a job (apps in a copy of its building block), or why it cannot run."""
    language = report.language
    runs = _running(tab)
    if language is None:
        return f"no language recipe for tab {tab.name!r}"
    if any(resolve(root, run.folder) is None for run in runs):
        return "a folder it runs in is not in the checkout (see the static findings)"
    toolchain = RECIPES[language].detect()
    if not toolchain.available:
        return toolchain.missing
    folders = [resolve(root, run.folder).relative_to(root.resolve()) for run in runs]
    building_block = folders[0].parts[0]
    services = []
    for service in tab.services:
        for wanted in parse_compose(find_compose_file(resolve(root, service.text))):
            if wanted.image_name not in POSTGRES_IMAGES:
                return f"needs Docker: compose service {wanted.name} runs image {wanted.image}"
            services.append(wanted)
    if services and (why := missing_service("PostgreSQL")):
        return why
    tree = _mirror(root.resolve(), building_block, scratch)
    apps, setup, resources = [], [], []
    for run, folder in zip(runs, folders):
        where = tree / folder
        setup += [(tree / _in_tree(root, command.folder), command.text) for command in run.installs
                  if _in_tree(root, command.folder) is not None]
        parsed = parse_dapr_run(run.dapr_run.text)
        if parsed.run_file is not None:
            template_path = where / parsed.run_file
            template_path = template_path / "dapr.yaml" if template_path.is_dir() else template_path
            if not template_path.is_file():
                return "its run template is not where `dapr run -f` looks (see the static findings)"
            template = parse_run_template(template_path)
            apps += template.apps
            resources += list(template.resources)
            continue
        # A resources path the page has wrong is a static finding; the run uses the block's own.
        paths = tuple((where / path).resolve() for path in parsed.resources_paths if (where / path).is_dir())
        resources += list(paths)
        apps.append(AppSpec(parsed.app_id or where.name, where, tuple(parsed.command), parsed.app_port,
                            parsed.app_protocol, resources=paths, dapr_http_port=parsed.dapr_http_port,
                            dapr_grpc_port=parsed.dapr_grpc_port))
    if not resources:  # no path given: the building block's own, as `dapr init`'s default would serve
        resources = [tree / building_block / name for name in RESOURCE_DIRS if (tree / building_block / name).is_dir()][:1]
    multi = len(apps) > 1 or any(run.multi_app for run in runs)
    parts = folders[0].parts
    return JobPlan(
        name=f"{report.page}/{tab.name}#{report.group_index}", building_block=building_block, language=language,
        variant=parts[2] if len(parts) > 2 else "sdk", toolchain=toolchain, apps=tuple(apps),
        resources=tuple(dict.fromkeys(resources)), expectation=_expectation(tab, runs, multi), timeout_s=DOCS_TIMEOUT_S,
        expected_source="docs page", setup_commands=tuple(setup), as_written=True, app_ids_in_output=multi,
        services=tuple(services), fixed_ports=fixed_ports(tuple(apps), None), tree=tree, settle_s=SETTLE_S,
    )


def judge(tab: Tab, report: TabReport, result: JobResult) -> None:
    """The dynamic verdict of a tab's run, as findings at the page lines that drifted."""
    if result.status == "skipped":
        report.dynamic = f"skipped: {result.reason}"
        return
    if result.status in ("passed", "flaky"):
        report.dynamic = "matched"
        return
    report.dynamic = "drift"
    observed = [_raw(line) for line in result.transcript if _raw(line).startswith("== APP")]
    if not any(run.multi_app for run in _running(tab)):  # each terminal shows its app's lines as `== APP == `
        observed = [re.sub(r"^== APP - \S+ == ", "== APP == ", line) for line in observed]
    report.observed = observed
    run_line = tab.runs[0].dapr_run.line
    if not observed:
        report.findings.append(Finding("dynamic", run_line, f"the app printed nothing to compare: {result.reason}"))
        return
    if not result.miss_details:  # every line matched, yet the run failed (e.g. the app crashed)
        report.findings.append(Finding("dynamic", run_line, result.reason))
        return
    for miss in result.miss_details[:3]:
        shown = miss.expected.replace(f"== APP - {WILDCARD} == ", "== APP == ")  # as the page has it
        prints = _closest_app_line(shown, observed)
        report.findings.append(Finding("dynamic", miss.source_line, f"the page shows `{shown}` where the app prints `{prints}`"
                                       if prints else f"the page shows `{shown}`, which no app line resembles"))


def _closest_app_line(shown: str, observed: list[str]) -> str | None:
    close = closest_lines(shown.replace(WILDCARD, ""), list(enumerate(observed, start=1)), 0, limit=1)
    return close[0].text if close else None


def copied_outputs(page: Page, tab: Tab) -> Tab | None:
    """An earlier tab of the same group whose output block is the same text (a copy-paste slip)."""
    mine = [[line.strip() for line in block.lines if line.strip()] for block in tab.outputs]
    return next((other for other in page.tabs if other is not tab and other.group_line == tab.group_line
                 and other.start_line < tab.start_line and resolve_language(other.name) != resolve_language(tab.name)
                 and any([line.strip() for line in block.lines if line.strip()] in mine for block in other.outputs)), None)


def page_reports(page: Page, root: Path, languages: list[str] | None = None) -> list[tuple[Tab, TabReport]]:
    """Each tab of the page with its static findings."""
    building_block = page_building_block(page, root)
    groups = list(dict.fromkeys(tab.group_line for tab in page.tabs))
    reports = []
    for tab in page.tabs:
        language = resolve_language(tab.name)
        if languages and language not in languages:
            continue
        report = TabReport(page.path.name, tab.name, tab.group, groups.index(tab.group_line) + 1, language, tab.start_line)
        static_checks(tab, root, building_block, report)
        original = copied_outputs(page, tab)
        if original is not None:  # the apps may print the same: only a run tells (a warning until then)
            report.findings.append(Finding("warning", tab.outputs[0].fence_line,
                                           f"the output block is the {original.name} tab's output "
                                           f"(line {original.outputs[0].fence_line}), not {tab.name}'s"))
        reports.append((tab, report))
    return reports


@contextlib.contextmanager
def scratch_dir():
    scratch = Path(tempfile.mkdtemp(prefix="qsr-docs-"))
    track_dir(scratch)
    try:
        yield scratch
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        untrack_dir(scratch)


def tab_results(page: Page, reports: list[TabReport]) -> list[JobResult]:
    """The drift report as job results, for the JUnit, HTML and GitHub reports: building block =
    the page, language = the tab, variant = its group's number."""
    results = []
    for report in reports:
        drift = [f for f in report.findings if f.kind != "warning"]
        status = {"drift": "failed", "ok": "passed"}.get(report.status, "skipped")
        messages = [f"{page.path}:{f.line}: {f.kind}: {f.message}" for f in report.findings]
        reason = messages[0] if drift else (f"{report.status}: {report.why}" if report.status != "ok" else report.dynamic)
        if report.group:
            reason += f" (group: {report.group})"
        results.append(check_result(
            f"{page.path.name}/{report.tab}/{report.group_index}", page.path.name, report.tab, status, reason,
            [m for m in messages if ": warning: " not in m], str(page.path) if drift else None,
            drift[0].line if drift else None, report.observed, "docs page", variant=str(report.group_index),
            findings=[{"file": str(page.path), "line": f.line, "kind": f.kind, "message": f.message}
                      for f in report.findings],
        ))
    return results


def rewrite(page: Page, tabs: list[tuple[Tab, TabReport]]) -> str:
    """The page with the certain fixes applied, all else byte for byte: a drifted tab's output
    block replaced by what its one app printed, a `cd` to where its folder moved, a resources
    path to the folder the checkout has instead."""
    lines = list(page.lines)
    for tab, report in tabs:
        for finding in report.findings:
            if finding.fix and finding.kind == "static":
                old, new = finding.fix
                lines[finding.line - 1] = lines[finding.line - 1].replace(old, new, 1)
    # Output blocks from the bottom up, so earlier line numbers stay valid.
    for tab, report in sorted(tabs, key=lambda pair: -pair[0].start_line):
        runs = _running(tab)
        if report.dynamic != "drift" or not report.observed or len(runs) != 1 or len(runs[0].outputs) != 1 \
                or runs[0].multi_app:
            continue
        block = runs[0].outputs[0]
        first = lines[block.fence_line]  # the first content line, for its indent and line ending
        indent = first[: len(first) - len(first.lstrip())]
        ending = "\r\n" if first.endswith("\r\n") else "\n"
        expectation = _expectation(tab, runs, False)
        new = [f"{indent}{text}{ending}" for text in updated_lines(expectation, report.observed[:len(expectation.lines)])]
        lines[block.fence_line: block.fence_line + len(block.lines)] = new
    return "".join(lines)


def check_input(paths: list[Path]) -> list[Path]:
    """The pages to check: each file given, and the Markdown files of each folder given."""
    pages = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*.md") if p.name.lower() not in ("readme.md", "_index.md"))
            if not found:
                raise InputError("no docs pages (*.md) in this folder", path)
            pages += found
        elif path.is_file():
            pages.append(path)
        else:
            raise InputError("no such docs page or folder", path)
    return pages
