"""The install and build blocks a README's reader runs though no STEP annotates them (`pip3
install -r requirements.txt` under "Install the dependencies"): mm.py skips them, and an app
then dies at its first import while the CLI's lines still match. Each one before the last
step that starts apps is run in the job, in page order, in the folder its reader is in: a
folder the prose above it names (`navigate to the `tutorials/.../task_chaining` folder`), else
where earlier blocks `cd`-ed, else the README's own; the first of those that holds what the
block reads (its requirements file, package.json, pom.xml, go.mod)."""

from __future__ import annotations

import re
import shutil
from dataclasses import replace
from pathlib import Path, PurePosixPath

from runner.formats.daprrun import apps_started
from runner.formats.shellwords import ShellCall, shell_calls
from runner.formats.steps import Annotated, LooseBlock, Step, step_selected
from runner.mm.model import ReaderBuild
from runner.recipes import build_reads, is_build

_NAMED = re.compile(r"`([^`\s]+)`")


def _starts_apps(step: Step) -> bool:
    return any(call.words[:2] == ("dapr", "run") for command in step.commands for call in shell_calls(command.text))


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


def _fits(folder: Path, calls: list[ShellCall]) -> str | None:
    """What `folder` lacks for the block's calls (a `cd` target, a file a build reads), or None."""
    for call in calls:
        where = folder / call.cwd
        if call.program == "cd" and not where.is_dir():
            return f"no folder {call.cwd}"
        reads = build_reads(call.words) if is_build(call.words) else None
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


def reader_builds(annotated: Annotated, tree: Path | None, tags: list[str]) -> tuple[ReaderBuild, ...]:
    here = annotated.path.parent.resolve()
    tree = (tree or here).resolve()
    steps = [step for step in annotated.steps if step_selected(step, tags)]
    starts = [step.line for step in steps if _starts_apps(step)]
    if not starts:
        return ()
    found, reader_at = [], here
    for block in annotated.loose:
        if block.line > max(starts):
            break
        calls = list(shell_calls(block.text))
        if not any(is_build(call.words) for call in calls):
            reader_at = _moved(reader_at, calls, here)
            continue
        before = next(step.line for step in steps if step.line > block.line)
        candidates = [*_named_folders(block.prose, tree, here), reader_at, here, *_app_folders(steps, before, here)]
        build = _placed(block, calls, before, list(dict.fromkeys(candidates)), here)
        unfound = _unfound_folders(block.prose, tree, here)
        if unfound and not build.skip:
            build = replace(build, note=f"the README names {', '.join(f'`{name}`' for name in unfound)}: "
                                        "no such folder in the tree")
        found.append(build)
        if not build.skip:
            reader_at = _moved(build.folder, calls, here)
    return tuple(found)


def _placed(block: LooseBlock, calls: list[ShellCall], before: int, candidates: list[Path], here: Path) -> ReaderBuild:
    missing = next((call.program for call in calls if is_build(call.words) and shutil.which(call.program) is None), None)
    if missing:
        return ReaderBuild(block.line, block.text, here, before, f"`{missing}` is not on this machine")
    lacks = [_fits(folder, calls) for folder in candidates]
    folder = next((folder for folder, lack in zip(candidates, lacks) if lack is None), None)
    if folder is None:
        return ReaderBuild(block.line, block.text, here, before, f"{lacks[0]} where its reader would run it")
    return ReaderBuild(block.line, block.text, folder, before)
