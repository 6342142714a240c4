"""A copy of a quickstarts tree a job may write in: one building block copied (its build outputs
left out), everything else of the tree linked, so commands run in it as in the tree itself while
the tree stays as it was (a docs tab's commands, a job whose SDK pins are rewritten)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

BUILD_OUTPUTS = ("node_modules", "target", "bin", "obj", "__pycache__", ".venv", "venv")


def mirror(root: Path, building_block: str, into: Path) -> Path:
    """The copy of `root`, made in `into` (its path `into/tree`)."""
    tree = into / "tree"
    tree.mkdir()
    for entry in root.iterdir():
        if entry.name == building_block:
            shutil.copytree(entry, tree / entry.name, symlinks=True, ignore=shutil.ignore_patterns(*BUILD_OUTPUTS))
        elif not entry.name.startswith("."):
            os.symlink(entry, tree / entry.name)
    return tree
