"""A README as the page model (page/model.py): beyond mm.py's STEPs, the blocks its reader runs
though no STEP annotates them, and the output blocks its prose shows (formats/readmepage.py).

- In an annotated README: the install and build blocks before the last step that starts apps
  (`pip3 install -r requirements.txt` under "Install the dependencies": without them an app dies
  at its first import while the CLI's lines still match), and the client blocks (`curl`, `dapr
  invoke`) while apps a background step started still run (a workflow started with the page's
  own `curl`).
- In a README with no STEP: every block its reader runs, in page order: builds, starts (left
  running), clients, stops; but for sections headed as optional.
- Each runs in the folder its reader is in: a folder the prose above it names (`navigate to the
  `tutorials/.../task_chaining` folder`), else where earlier blocks `cd`-ed, else the README's
  own; the first of those that holds what the block reads (a requirements file, a run template,
  the script it starts).
- An output block is checked when the command whose output it shows runs here (for the apps'
  output: when the command before it runs and apps run by then), and the file its intro holds
  for (`When running `before.py``) is what the apps run.
"""

from __future__ import annotations

import contextlib
import re
import shlex
import shutil
from dataclasses import replace
from pathlib import Path, PurePosixPath

from runner.errors import InputError
from runner.formats.daprrun import DaprRunError, apps_started, parse_dapr_run
from runner.formats.runtemplate import parse_run_template, run_file
from runner.formats.readmepage import command_lines, is_command_block, named_sources, output_blocks, placeholders
from runner.formats.shellwords import ShellCall, shell_calls
from runner.formats.steps import Annotated, LooseBlock, Step, step_selected
from runner.page.model import OutputCheck, PagePlan, ReaderBlock
from runner.recipes import RECIPES, build_reads, is_build, starts_app
from runner.source.receivers import receives_messages

_NAMED = re.compile(r"`([^`\s]+)`")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*)$", re.M)
CLIENTS = ("curl", "wget", "http", "https", "grpcurl")
DAPR_CLIENTS = ("invoke", "publish")


def kind_of(calls: list[ShellCall]) -> str:
    """What a block does for its reader: start | stop | build | client | export (sets what the
    reader's shell passes on) | other."""
    words = [call.words for call in calls]
    if words and all(w[0] == "export" for w in words):
        return "export"
    if any(w[:2] == ("dapr", "run") or starts_app(w) for w in words):
        return "start"
    if any(w[:2] == ("dapr", "stop") for w in words):
        return "stop"
    if any(is_build(w) for w in words):
        return "build"
    if any(w[0] in CLIENTS or (w[0] == "dapr" and w[1:2] and w[1] in DAPR_CLIENTS) for w in words):
        return "client"
    return "other"


def _starts_apps(step: Step) -> bool:
    return kind_of([call for command in step.commands for call in shell_calls(command.text)]) == "start"


def _stops_apps(step: Step) -> bool:
    return any(call.words[:2] == ("dapr", "stop") for command in step.commands for call in shell_calls(command.text))


def _named_folders(prose: str, tree: Path, here: Path) -> list[Path]:
    """Folders the prose names in backticks, from the tree's root or the README's folder, the
    last named first (the reader's latest move)."""
    found = []
    for name in reversed(_NAMED.findall(prose)):
        for base in (tree, here):
            folder = (base / name.strip("/")).resolve()
            if folder.is_dir() and folder.is_relative_to(tree) and folder not in found:
                found.append(folder)
    return found


def _unfound_folders(prose: str, tree: Path, here: Path) -> list[str]:
    """Paths the prose names as folders (`a/b`, no file suffix) that are nowhere: docs drift."""
    return [name for name in _NAMED.findall(prose) if "/" in name.strip("/") and not PurePosixPath(name).suffix
            and not any((base / name.strip("/")).exists() for base in (tree, here))]


def _reads(words: tuple[str, ...]) -> str | None:
    """The file a command reads where it runs: a build's manifest, a run template, a started script."""
    if is_build(words) and not starts_app(words):
        return build_reads(words)
    if words[:2] == ("dapr", "run"):
        try:
            run = parse_dapr_run(shlex.join(words))
        except DaprRunError:
            return None
        if run.run_file is not None:
            return run.run_file if run.run_file.endswith((".yaml", ".yml")) else f"{run.run_file}/dapr.yaml"
        words = tuple(run.command or ())
    script = next((word for word in words[1:] if word.endswith((".py", ".js"))), None)
    if script:
        return script
    if words[:1] == ("mvn",) and starts_app(words):
        return "pom.xml"
    if words[:2] in (("npm", "start"), ("npm", "run")):
        return "package.json"
    return None


def _fits(folder: Path, calls: list[ShellCall]) -> str | None:
    """What `folder` lacks for the block's calls (a `cd` target, a file a command reads), or None."""
    for call in calls:
        where = folder / call.cwd
        if call.program == "cd" and not where.is_dir():
            return f"no folder {call.cwd}"
        reads = _reads(call.words)
        if reads and not (where / reads).exists():
            return f"no {PurePosixPath(call.cwd) / reads}"
    return None


def _moved(folder: Path, calls: list[ShellCall], here: Path) -> Path:
    """Where a reader is after the block's `cd`s (from where they were, else, in a new terminal,
    from the README's folder)."""
    last = calls[-1].cwd if calls else PurePosixPath(".")
    return next((target for target in ((folder / last).resolve(), (here / last).resolve()) if target.is_dir()), folder)


def _app_folders(steps: list[Step], after: int, here: Path) -> list[Path]:
    """The folders the apps of the steps after README line `after` run in."""
    found = [app.app_dir.resolve() for step in steps if step.line >= after for command in step.commands
             for app in apps_started(command.text, here / (step.working_dir or ".")) or ()]
    return [folder for folder in dict.fromkeys(found) if folder.is_dir()]


def _placed(block: LooseBlock, calls: list[ShellCall], kind: str, candidates: list[Path], here: Path) -> ReaderBlock:
    programs = {call.program for call in calls if kind != "build" or is_build(call.words)}
    missing = next((program for program in sorted(programs) if program not in ("cd", "dapr", "export")
                    and shutil.which(program) is None and "/" not in program), None)
    if missing:
        return ReaderBlock(block.line, block.text, here, kind, f"`{missing}` is not on this machine")
    lacks = [_fits(folder, calls) for folder in candidates]
    folder = next((folder for folder, lack in zip(candidates, lacks) if lack is None), None)
    if folder is None:
        return ReaderBlock(block.line, block.text, here, kind, f"{lacks[0]} where its reader would run it")
    return ReaderBlock(block.line, block.text, folder, kind)


def _optional_sections(annotated: Annotated) -> set[int]:
    """README lines of the blocks under a heading that says the section is optional (a reader
    following the page skips it)."""
    skipped, optional = set(), False
    for block in annotated.blocks:
        headings = _HEADING.findall(block.prose)
        if headings:
            optional = "optional" in headings[-1].lower()
        if optional:
            skipped.add(block.line)
    return skipped


def _running(steps: list[Step], annotated: Annotated) -> list[tuple[int, int]]:
    """The README lines between which apps a background STEP started still run: from that step to
    the next `dapr stop` (a STEP's or the reader's), else the end."""
    stops = sorted([step.line for step in steps if _stops_apps(step)] +
                   [block.line for block in annotated.loose
                    if any(call.words[:2] == ("dapr", "stop") for call in shell_calls(block.text))])
    return [(step.line, next((stop for stop in stops if stop > step.line), 10**9))
            for step in steps if step.background and _starts_apps(step)]


def page_plan(annotated: Annotated, tree: Path | None, tags: list[str], stop_before: int | None = None) -> PagePlan:
    """`stop_before`: the README line of the first step this machine cannot run (none from there on runs)."""
    here = annotated.path.parent.resolve()
    tree = (tree or here).resolve()
    steps = [step for step in annotated.steps if step_selected(step, tags) and (stop_before is None or step.line < stop_before)]
    annotated_mode = bool(annotated.steps)
    loose = [(block, list(shell_calls(block.text))) for block in annotated.loose]
    kinds = {block.line: kind_of(calls) for block, calls in loose}
    step_starts = [step.line for step in steps if _starts_apps(step)]
    loose_starts = [line for line, kind in kinds.items() if kind == "start"]
    last_start = max(step_starts if annotated_mode else loose_starts, default=0)
    running = _running(steps, annotated)
    optional = _optional_sections(annotated)
    found, reader_at = [], here
    for block, calls in loose:
        kind = kinds[block.line]
        if stop_before is not None and block.line > stop_before:
            break
        if annotated_mode:
            # a client talks to what the latest start before it started: a STEP's, not an alternative left unrun
            latest = max((line for line in [*step_starts, *loose_starts] if line < block.line), default=None)
            runs = ((kind == "build" and block.line < last_start)
                    or (kind == "client" and latest in step_starts
                        and any(start < block.line < stop for start, stop in running)))
        else:
            runs = kind != "other" and block.line not in optional and (kind not in ("build", "export")
                                                                       or block.line < last_start)
        if not runs:
            reader_at = _moved(reader_at, calls, here)
            continue
        following = [step for step in steps if step.line > block.line]
        candidates = [*_named_folders(block.prose, tree, here), reader_at, here,
                      *_app_folders(following, following[0].line if following else 10**9, here)]
        placed = _placed(block, calls, kind, list(dict.fromkeys(candidates)), here)
        unfound = _unfound_folders(block.prose, tree, here)
        if unfound and not placed.skip:
            placed = replace(placed, note=f"the README names {', '.join(f'`{name}`' for name in unfound)}: "
                                          "no such folder in the tree")
        if kind == "client" and (wanted := placeholders(block.text)):
            sources = named_sources(block.prose + "\n" + _prose_after(annotated, block.line))
            placed = replace(placed, fills=tuple((name, sources.get(name, name)) for name in wanted))
        found.append(placed)
        if not placed.skip:
            reader_at = _moved(placed.folder, calls, here)
    blocks = tuple(found)
    return PagePlan(blocks, _output_checks(annotated, steps, blocks), _receivers(steps, blocks, here))


def _receivers(steps: list[Step], blocks: tuple[ReaderBlock, ...], here: Path) -> tuple[str, ...]:
    """The apps started here that receive what they print of (a subscriber, a binding's handler, a
    workflow runtime): their lines come in delivery order. `""` stands for the one app of a
    `dapr run` whose lines carry no app id."""
    found = []
    texts = [(command.text, here / (step.working_dir or ".")) for step in steps for command in step.commands]
    texts += [(block.text, block.folder) for block in blocks if block.kind == "start" and block.skip is None]
    for text, folder in texts:
        for call in shell_calls(text):
            if call.words[:2] != ("dapr", "run"):
                continue
            where = folder / call.cwd
            try:
                run = parse_dapr_run(shlex.join(call.words))
            except DaprRunError:
                continue
            if run.run_file is not None:
                with contextlib.suppress(InputError):
                    made = parse_run_template(run_file((where / run.run_file).resolve()))
                    found += [app.app_id for app in made.apps
                              if receives_messages(app.app_id, app.app_dir, list(app.resources or made.resources))]
            elif receives_messages(run.app_id or where.name, where, [where / path for path in run.resources_paths]):
                found += [run.app_id or where.name, ""]
    return tuple(dict.fromkeys(found))


def _prose_after(annotated: Annotated, line: int) -> str:
    return next((block.prose for block in annotated.blocks if block.line > line), "")


def _output_checks(annotated: Annotated, steps: list[Step], blocks: tuple[ReaderBlock, ...]) -> tuple[OutputCheck, ...]:
    """Each output block of the page, checked when what it shows runs here."""
    at = {block.line: block for block in annotated.blocks}
    ran: dict[int, str] = {}  # README line of each command that runs -> its kind
    for step in steps:
        kind = "start" if _starts_apps(step) else "step"
        for command in step.commands:
            ran.update({line: kind for _, line in command_lines(at[command.line])} if command.line in at else {})
    for block in blocks:
        if block.skip is None and block.line in at:
            ran.update({line: block.kind for _, line in command_lines(at[block.line])})
    starts = {line for page_block in annotated.blocks if is_command_block(page_block)
              for text, line in command_lines(page_block)
              if kind_of(list(shell_calls(text))) == "start"}
    started = sorted(line for line, kind in ran.items() if kind == "start")
    apps = _apps_commands(steps, blocks, annotated.path.parent)
    checks = []
    for output in output_blocks(annotated, starts):
        skip = None
        if output.after not in ran:
            skip = f"the command above it (line {output.after}) is not run here"
        elif output.of_command is None and not any(line <= output.after for line in started):
            skip = "no app runs by then"
        elif output.condition and not any(output.condition in command for command in apps):
            skip = f"the page shows it for `{output.condition}`, which the apps this run starts do not run"
        checks.append(OutputCheck(output, skip))
    return tuple(checks)


def _apps_commands(steps: list[Step], blocks: tuple[ReaderBlock, ...], here: Path) -> list[str]:
    """What the apps started here run (each app's command, as words joined)."""
    found = []
    texts = [(command.text, here / (step.working_dir or ".")) for step in steps for command in step.commands]
    texts += [(block.text, block.folder) for block in blocks if block.kind == "start" and block.skip is None]
    for text, folder in texts:
        found += [" ".join(app.command) for app in apps_started(text, folder) or ()]
        found += [call.line for call in shell_calls(text) if starts_app(call.words)]
    return found


def starts_in(annotated: Annotated) -> bool:
    """Whether a reader following the README starts an app (`dapr run`, a language's own runner)."""
    return any(kind_of(list(shell_calls(block.text))) == "start" for block in annotated.blocks
               if is_command_block(block))


def program_languages(annotated: Annotated) -> tuple[str, ...]:
    """The languages whose programs the README's command blocks call."""
    calls = [call.words for block in annotated.blocks if is_command_block(block) for call in shell_calls(block.text)]
    return tuple(recipe.name for recipe in RECIPES.values()
                 if any(word in recipe.programs for words in calls for word in words))
