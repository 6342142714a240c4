"""Which quickstarts a change can give another verdict, and why: from what each declares and
reads. Its own folder (sources, README, dapr.yaml, lock files; a nested quickstart's files are
its own), the resources its runs point at, the folders and files its README steps work in and
name (`cd ../../db`, `--resources-path ../../components`), its expected file; and files every
job reads (the tree's CI env, the runner itself when the tree lies in the runner's repository),
which select everything. Pictures and Markdown other than a quickstart's README select nothing.
Paths are from the repository's root, as git names them."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from runner.errors import InputError
from runner.formats.shellwords import shell_calls
from runner.formats.steps import load_annotated
from runner.source.catalog import Quickstart
from runner.source.changes import Change, ChangeSet

DOCS_ONLY = {".md", ".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".ico"}
CI_ENV = ".github/env/"  # in the tree: the versions its CI runs with (DAPR_RUNTIME_VERSION, ...)
RUNNER_OWN = ("runner/", "pyproject.toml")  # outside the tree, in the runner's own repository
_SHOWN = 3  # changed files named per quickstart; the rest counted


@dataclass(frozen=True)
class Selection:
    reasons: dict[str, str]  # quickstart name -> why it is selected
    everything: str | None  # why every quickstart is (a file every job reads), or None
    gone: tuple[str, ...]  # quickstart folders the change deleted or moved away (nothing left to run)
    unused: tuple[Change, ...]  # changes no quickstart reads (docs, pictures, other folders)


def reads(qs: Quickstart, top: Path) -> tuple[set[PurePosixPath], set[PurePosixPath]]:
    """(folders, files) the quickstart's verdict depends on, from the repository's root `top`."""
    template = _template(qs)
    named = [qs.path, qs.resources, *(template.resources if template else ()),
             *(app.app_dir for app in (template.apps if template else ()))]
    folders = {rel for path in named if path is not None and (rel := _rel(path, top)) is not None}
    files = {rel for rel in [_rel(qs.expected, top) if qs.expected else None] if rel is not None}
    if qs.readme is not None:
        more_folders, more_files = _readme_reads(qs, top)
        folders |= more_folders
        files |= more_files
    return folders, files


def _template(qs: Quickstart):
    try:
        return qs.template()
    except InputError:  # a broken dapr.yaml is in the quickstart's folder: a change to it selects it anyway
        return None


def _rel(path: Path, top: Path) -> PurePosixPath | None:
    try:
        return PurePosixPath(Path(posixpath.normpath(path.resolve())).relative_to(top).as_posix())
    except ValueError:
        return None


def _readme_reads(qs: Quickstart, top: Path) -> tuple[set[PurePosixPath], set[PurePosixPath]]:
    """The folders the README's commands run in, and the paths their words name."""
    folders: set[PurePosixPath] = set()
    files: set[PurePosixPath] = set()
    try:
        steps = load_annotated(qs.readme).steps
    except InputError:  # the README is in the quickstart's folder: a change to it selects it anyway
        return folders, files
    for step in steps:
        base = qs.path / step.working_dir if step.working_dir else qs.path
        for command in step.commands:
            for call in shell_calls(command.text):
                cwd = Path(posixpath.normpath(base / call.cwd))
                if call.words[0] != "cd" and (rel := _rel(cwd, top)) is not None:
                    folders.add(rel)
                for word in call.words[1:]:
                    value = word.split("=", 1)[-1]
                    if ("/" in value.strip("./") or value.startswith("..")) and "://" not in value:
                        # A path it names that is gone counts too: a change that moved it breaks the step.
                        named = Path(posixpath.normpath(cwd / value))
                        if (rel := _rel(named, top)) is not None:
                            (files if named.is_file() else folders).add(rel)
    return folders, files


def select_changed(quickstarts: list[Quickstart], changeset: ChangeSet) -> Selection:
    everything = next((f"{c.describe()} (every job reads it)" for c in changeset.changes
                       if _every_job(c, changeset)), None)
    owners = {_rel(qs.path, changeset.top): qs.name for qs in quickstarts}
    read_by = {qs.name: reads(qs, changeset.top) for qs in quickstarts}
    touched: dict[str, list[str]] = {}
    unused: list[Change] = []
    for change in changeset.changes:
        readers = [name for path in change.paths for name in _readers(PurePosixPath(path), owners, read_by)]
        for name in readers:
            touched.setdefault(name, []).append(change.describe())
        if not readers:
            unused.append(change)
    reasons = {name: _reason(found) for name, found in sorted(touched.items())}
    if everything:
        reasons = {qs.name: reasons.get(qs.name, everything) for qs in quickstarts}
    return Selection(reasons, everything, _gone(changeset, owners), tuple(unused))


def _every_job(change: Change, changeset: ChangeSet) -> bool:
    for path in change.paths:
        in_tree = changeset.in_tree(path)
        if in_tree is not None and str(in_tree).startswith(CI_ENV):
            return True
        if in_tree is None and (path.startswith(RUNNER_OWN[0]) or path == RUNNER_OWN[1]):
            return True
    return False


def _readers(path: PurePosixPath, owners: dict[PurePosixPath, str], read_by: dict) -> list[str]:
    """The quickstarts whose verdict a change of `path` can alter."""
    owner_folder = next((folder for folder in (path, *path.parents) if folder in owners), None)
    owner = owners.get(owner_folder)
    if path.suffix.lower() in DOCS_ONLY and not (owner_folder and path == owner_folder / "README.md"):
        return []
    found = [owner] if owner else []
    for name, (folders, files) in read_by.items():
        if name == owner:
            continue
        if path in files or any(folder in (path, *path.parents) and not _nested_in(owner_folder, folder)
                                for folder in folders):
            found.append(name)
    return found


def _nested_in(owner_folder: PurePosixPath | None, folder: PurePosixPath) -> bool:
    """Whether the path's own quickstart lies under `folder` (a tutorial folder holding others):
    its files are its own, unless a README named that quickstart's folder (or one in it) outright."""
    return owner_folder is not None and folder in owner_folder.parents


def _reason(found: list[str]) -> str:
    found = list(dict.fromkeys(found))
    text = ", ".join(found[:_SHOWN])
    return text + (f" (and {len(found) - _SHOWN} more)" if len(found) > _SHOWN else "")


def _gone(changeset: ChangeSet, owners: dict[PurePosixPath, str]) -> tuple[str, ...]:
    """Quickstart folders whose README the change deleted or moved, and that are not here now."""
    gone = []
    for change in changeset.changes:
        old = PurePosixPath(change.old_path or change.path) if change.status in "DR" else None
        if old is not None and old.name == "README.md" and old.parent not in owners:
            gone.append(str(changeset.in_tree(str(old.parent)) or old.parent))
    return tuple(dict.fromkeys(gone))
