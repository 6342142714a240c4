"""A README checked as a docs page is: its quickstart's own job, run as validate runs it (the
page's output blocks checked), read as a page report. A block whose lines never came is drift at
those lines, with the app's real lines; a quickstart that fails otherwise (an app that crashed, a
STEP's own expectation, a build) could not be checked; `--write` rewrites the drifted blocks
under the rules of docs pages (`rewrite.py`), comparing as the check compares."""

from __future__ import annotations

import subprocess
from pathlib import Path

from runner.docs.model import TabReport
from runner.errors import InputError
from runner.source.catalog import Quickstart, discover

TAB = "README"


def is_readme(path: Path) -> bool:
    return path.name.lower() == "readme.md"


def tree_of(readme: Path, checkout: Path | None) -> Path:
    """The quickstarts tree a README is in: the checkout given, when it holds it; else its git
    work tree; else its own folder."""
    readme = readme.resolve()
    if checkout is not None and readme.is_relative_to(checkout.resolve()):
        return checkout.resolve()
    done = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=readme.parent, capture_output=True, text=True)
    return Path(done.stdout.strip()).resolve() if done.returncode == 0 and done.stdout.strip() else readme.parent


def quickstart_of(readme: Path, tree: Path) -> Quickstart:
    """The quickstart of `tree` whose README this is (bad input when none is)."""
    found = next((qs for qs in discover(tree) if qs.readme is not None and qs.readme.resolve() == readme.resolve()), None)
    if found is None:
        raise InputError(f"not the README of a quickstart of {tree} (no folder of it a reader follows)", readme)
    return found


def readme_report(readme: Path, quickstart: Quickstart) -> TabReport:
    return TabReport(str(readme), TAB, "", 1, quickstart.language, 1, kind="readme")
