"""The checks of a tab that need no run, against the checkout: every `cd` target exists (those of
a nested tab for another OS too) and belongs to the page's building block and the tab's
language; each `dapr run`'s resources path, its run template (and the `dapr stop -f` beside
it), and the command it runs against the files of the folder it runs in; output-block app
labels against the run's app ids; files the page asks to verify; a compose file where
`docker compose up` runs; deprecated flags; an output block that another tab shows too, decided
by which tab's app sources print it."""

from __future__ import annotations

import contextlib
import os
import posixpath
import re
import shlex
from pathlib import Path, PurePosixPath

from runner.docs.model import Finding, TabReport
from runner.docs.tree import app_folder, moved_to, page_building_block, resolve
from runner.formats.cli_lines import APP_LABEL, split_label
from runner.formats.compose import find_compose_file
from runner.formats.daprrun import DEPRECATED, DaprRunError, parse_dapr_run
from runner.formats.docspage import AppRun, Page, PageCommand, Tab, app_lines
from runner.formats.runtemplate import parse_run_template, run_file
from runner.errors import InputError
from runner.recipes import RECIPES, resolve_language
from runner.source.catalog import RESOURCE_DIRS
from runner.workspace import BUILD_OUTPUTS

SOURCE_SUFFIXES = {".py", ".js", ".mjs", ".ts", ".go", ".java", ".cs"}
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]{2,}")


def page_reports(page: Page, root: Path, languages: list[str] | None = None) -> list[tuple[Tab, TabReport]]:
    """Each tab of the page (of `languages`, when given) with its static findings."""
    building_block = page_building_block(page, root)
    groups = list(dict.fromkeys(tab.group_line for tab in page.tabs))
    reports = []
    for tab in page.tabs:
        language = resolve_language(tab.name)
        if languages and language not in languages:
            continue
        report = TabReport(page.path.name, tab.name, tab.group, groups.index(tab.group_line) + 1, language, tab.start_line)
        static_checks(tab, root, building_block, report)
        report.findings += _same_block(page, tab, root)
        reports.append((tab, report))
    return reports


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
    for command in tab.commands:
        if re.match(r"dapr\s+stop\s+(-f|--run-file)\b", command.text):
            _check_run_file(command, root, report, "stop")
    if not tab.outputs:
        report.not_checkable = "no output block (`== APP ==` lines) after its `dapr run` to compare with"


def _check_cds(tab: Tab, root: Path, building_block: str | None, report: TabReport) -> None:
    findings = report.findings
    for index, cd in enumerate(tab.cds):
        if resolve(root, cd.text) is not None:
            continue
        moved = moved_to(root, cd.text)
        written = next((run.cd.text for run in tab.runs if run.cd and run.cd.line == cd.line), cd.text)
        before = tab.cds[index - 1].text if index else None
        target = posixpath.relpath(moved, before) if moved and before else moved
        findings.append(Finding("static", cd.line, f"`cd {written}`: no such folder in the checkout"
                                + (f"; it is {moved} now" if moved else ""), (written, target) if target else None))
    folder = app_folder(tab, root)
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


def _check_run(run: AppRun, root: Path, report: TabReport) -> None:
    findings = report.findings
    try:
        parsed = parse_dapr_run(run.dapr_run.text)
    except DaprRunError as exc:
        findings.append(Finding("static", run.dapr_run.line, f"`dapr run` command: {exc}"))
        return
    for flag in parsed.deprecated:
        findings.append(Finding("warning", run.dapr_run.line, f"{flag} is deprecated; use {DEPRECATED[flag]}",
                                (flag, DEPRECATED[flag])))
    folder = resolve(root, run.folder) if run.folder else None
    if folder is None:
        return
    if parsed.run_file is not None:
        template = _check_run_file(PageCommand(run.dapr_run.text, run.dapr_run.line, run.folder), root, report, "run")
        if template is not None:
            _check_labels(run, template, report)
            _check_template_ports(run, template, report)
    for path in parsed.resources_paths:
        if not (folder / path).is_dir():
            parent = PurePosixPath(path).parent
            moved = [name for name in RESOURCE_DIRS if (folder / str(parent) / name).is_dir()]
            fix = (path, f"{parent / moved[0]}" + ("/" if path.endswith("/") else "")) if len(moved) == 1 else None
            hint = f"; the checkout has {parent / moved[0]}/ there" if moved else ""
            findings.append(Finding("static", run.dapr_run.line, f"resources path `{path}` does not exist from {run.folder}{hint}",
                                    fix))
    if parsed.run_file is None:
        if not parsed.command:
            findings.append(Finding("static", run.dapr_run.line, "`dapr run` has no app command after `--`"))
        elif (problem := _command_problem(parsed.command, folder)) is not None:
            findings.append(Finding("static", run.dapr_run.line, f"`{shlex.join(parsed.command)}` in {run.folder}: {problem}"))
        elif parsed.app_port and (listens := _listens_on(folder, report.language)) and listens[0] != parsed.app_port:
            written = re.search(rf"(?:--app-port|-p)[ =]{parsed.app_port}\b", run.dapr_run.text)
            findings.append(Finding(
                "static", run.dapr_run.line, f"`--app-port {parsed.app_port}`: the app in {run.folder} listens on "
                f"{listens[0]} ({listens[1]}), so its sidecar would wait for a port nobody opens",
                (written.group(0), written.group(0).replace(str(parsed.app_port), str(listens[0]))) if written else None))


def _listens_on(folder: Path, language: str | None) -> tuple[int, str] | None:
    """The port the app in `folder` says plainly it listens on (a literal), and where."""
    recipe = RECIPES.get(language) if language else None
    return recipe.listening_port(folder) if recipe else None


def _check_template_ports(run: AppRun, template: Path, report: TabReport) -> None:
    """A run template's `appPort` against the port its app listens on: the quickstart's own drift,
    which the page repeats (a warning: the page cannot fix it)."""
    with contextlib.suppress(InputError):
        for app in parse_run_template(template).apps:
            listens = _listens_on(app.app_dir, report.language)
            if app.app_port and listens and listens[0] != app.app_port:
                report.findings.append(Finding("warning", run.dapr_run.line, f"{template.name} runs {app.app_id} with "
                                               f"appPort {app.app_port}; it listens on {listens[0]} ({listens[1]})"))


def _command_problem(argv: list[str], folder: Path) -> str | None:
    """What is wrong with running `argv` in `folder`, in the words of the language it is."""
    return next(filter(None, (recipe.command_problem(argv, folder) for recipe in RECIPES.values())), None)


def _check_run_file(command: PageCommand, root: Path, report: TabReport, verb: str) -> Path | None:
    """`dapr run -f X` / `dapr stop -f X`: the template X names, from the folder the command runs
    in; when it is not there but one or two folders up, the certain fix. The template, if found."""
    folder = resolve(root, command.folder) if command.folder else None
    written = re.search(r"(?:-f|--run-file)[ =](\S+)", command.text)
    if folder is None or written is None:
        return None
    name = written.group(1)
    template = folder / name
    template = template / "dapr.yaml" if template.is_dir() else template
    if template.is_file():
        return template
    above = [up for up in (template.parent.parents[i] for i in range(2)) if (up / template.name).is_file()]
    fix = (f"-f {name}", f"-f {os.path.relpath(above[0], folder)}") if above else None
    report.findings.append(Finding("static", command.line, f"`dapr {verb} -f {name}`: no run template {template.name} in "
                                   f"{command.folder}" + (f"; it is in {above[0].name}/ above" if above else ""), fix))
    return None


def _check_labels(run: AppRun, template: Path, report: TabReport) -> None:
    """Output lines labelled with an app id (`== APP - <id> ==`) the run template does not name."""
    try:
        app_ids = [app.app_id for app in parse_run_template(run_file(template)).apps]
    except InputError:
        return  # the template's own problem: its run says so
    seen = set()
    for block in run.outputs:
        for text, line in app_lines(block):
            named = (split_label(text) or (None, ""))[0]
            if not named or named in app_ids or named in seen:
                continue
            seen.add(named)
            close = [app_id for app_id in app_ids if app_id.startswith(named) or named.startswith(app_id)]
            fix = (f"== APP - {named} ==", f"== APP - {close[0]} ==") if len(close) == 1 else None
            also = tuple(n for other in run.outputs for t, n in app_lines(other)
                         if n != line and t.startswith(f"== APP - {named} =="))
            report.findings.append(Finding(
                "static", line, f"the output shows app `{named}`, which {template.name} does not run (it runs "
                f"{', '.join(app_ids)})", fix, also if fix else ()))


def _same_block(page: Page, tab: Tab, root: Path) -> list[Finding]:
    """An output block another tab of the group shows too. Quickstarts often print the same in
    every language; where the apps' sources settle which tab's app prints it (one names every
    word of its lines, the other does not), the other's is a copy; else it is a question."""
    findings = []
    for block in tab.outputs:
        mine = _block_text(block)
        for other in page.tabs:
            if other is tab or other.group_line != tab.group_line or not mine \
                    or resolve_language(other.name) == resolve_language(tab.name):
                continue
            original = next((theirs for theirs in other.outputs if _block_text(theirs) == mine), None)
            if original is None:
                continue
            words = {word for line in mine for word in _WORD.findall(APP_LABEL.sub("", line))}
            own, theirs = _coverage(tab, root, words), _coverage(other, root, words)
            if own is not None and theirs is not None and own < theirs:
                findings.append(Finding("warning", block.fence_line, f"the output block is the {other.name} tab's "
                                        f"output (line {original.fence_line}), not {tab.name}'s: {tab.name}'s app "
                                        f"sources name {own:.0%} of its words, {other.name}'s {theirs:.0%}"))
            elif own is None or theirs is None or own == theirs:
                findings.append(Finding("warning", block.fence_line, f"the output block is the same as the {other.name} "
                                        f"tab's (line {original.fence_line}); do both apps print it? A run tells"))
            break
    return findings


def _block_text(block) -> list[str]:
    return [line.strip() for line in block.lines if line.strip()]


def _coverage(tab: Tab, root: Path, words: set[str]) -> float | None:
    """The share of `words` the tab's app sources contain (None: no sources found)."""
    text = ""
    for run in tab.runs:
        folder = resolve(root, run.folder) if run.folder else None
        for path in folder.rglob("*") if folder else ():
            if path.suffix in SOURCE_SUFFIXES and not set(path.relative_to(folder).parts) & set(BUILD_OUTPUTS):
                text += path.read_text(errors="replace")
    if not text or not words:
        return None
    return sum(word in text for word in words) / len(words)
