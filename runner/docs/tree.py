"""A docs page's paths in a quickstarts checkout: which folder a page path names (a leading `../`
forgiven), where a folder the page names went, the building block a page is about."""

from __future__ import annotations

from collections import Counter
from pathlib import Path, PurePosixPath

from runner.formats.docspage import Page, Tab
from runner.workspace import BUILD_OUTPUTS



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


def in_tree(root: Path, folder: str | None) -> PurePosixPath | None:
    """A page's folder from the tree's root, when the checkout has it."""
    found = resolve(root, folder)
    return PurePosixPath(found.relative_to(root.resolve())) if found is not None else None


def app_folder(tab: Tab, root: Path) -> PurePosixPath | None:
    """Where the tab's first app runs (else its first `cd`), from the tree's root."""
    written = [run.folder for run in tab.runs if run.folder] + [cd.text for cd in tab.cds]
    for folder in written:
        if (found := in_tree(root, folder)) is not None:
            return found
    return PurePosixPath(written[0]) if written else None  # as the page has it


def page_building_block(page: Page, root: Path) -> str | None:
    blocks = Counter(folder.parts[0] for tab in page.tabs if (folder := app_folder(tab, root)) and folder.parts)
    return blocks.most_common(1)[0][0] if blocks else None


def moved_to(root: Path, folder: str) -> str | None:
    """Where a folder the page names went, when the checkout has exactly one folder of that name
    in the same building block and language."""
    parts = PurePosixPath(folder).parts
    if len(parts) < 3 or not (root / parts[0]).is_dir():
        return None
    found = [p for p in (root / parts[0]).rglob(parts[-1]) if p.is_dir() and p.relative_to(root).parts[1:2] == parts[1:2]
             and not set(p.relative_to(root).parts) & set(BUILD_OUTPUTS)]
    return str(found[0].relative_to(root)) if len(found) == 1 else None


def tab_folders(tab: Tab, root: Path) -> set[PurePosixPath]:
    """Every folder of the tree the tab's commands run in or `cd` to (below its root: a `cd` to the
    root reaches no quickstart by itself)."""
    written = [run.folder for run in tab.runs] + [cd.text for cd in tab.cds] + [c.folder for c in tab.commands]
    return {found for folder in written if (found := in_tree(root, folder)) is not None and found.parts}


def reaches(tab: Tab, root: Path, touched: set[PurePosixPath]) -> bool:
    """Whether the tab works in a folder that holds, lies in, or is one of `touched` (the folders of
    quickstarts a change can affect, and the changed paths themselves)."""
    return any(folder == path or folder in path.parents or path in folder.parents
               for folder in tab_folders(tab, root) for path in touched)
