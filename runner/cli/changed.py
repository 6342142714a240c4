"""What `--changed BASE[..HEAD]` and `--durations r.json` mean to the commands that take them
(validate, list, matrix): the quickstarts a change can affect, said with why; an earlier run's
durations, to balance shards by."""

from __future__ import annotations

import argparse
from pathlib import Path

from runner.cli import say
from runner.errors import InputError
from runner.report.jsonfile import read_json
from runner.source.affected import Selection, select_changed
from runner.source.catalog import Quickstart
from runner.source.changes import changes
from runner.source.repo import Checkout


def changed_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--changed", metavar="BASE[..HEAD]",
                        help="only the quickstarts a git range can affect (from its merge-base, as `git diff "
                             "BASE...HEAD`; HEAD defaults to the checked-out ref, and for a local working copy "
                             "includes what is not committed)")


def durations_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--durations", type=Path, metavar="RESULTS.json",
                        help="balance the shards by each job's duration in this earlier --json (longest first)")


def changed_only(args: argparse.Namespace, source: Checkout,
                 quickstarts: list[Quickstart]) -> tuple[list[Quickstart], Selection | None]:
    """`quickstarts`, narrowed to those `--changed` selects (with the selection), or all of them."""
    if not getattr(args, "changed", None):
        return quickstarts, None
    selection = select_changed(quickstarts, changes(source, args.changed, args.offline))
    return [qs for qs in quickstarts if qs.name in selection.reasons], selection


def tell_selection(selection: Selection, spec: str) -> str:
    """What --changed selected, or that it selected nothing and why: said on stderr, and returned
    for the report (a CI job summary leads with it)."""
    count = len(selection.reasons)
    if selection.everything:
        lines = [f"--changed {spec}: every quickstart: {selection.everything}"]
    elif count:
        lines = [f"--changed {spec}: {count} quickstart{'' if count == 1 else 's'} the change can affect"]
    else:
        lines = [f"--changed {spec}: nothing to run: the change touches no quickstart "
                 f"({len(selection.unused)} changed files, none read by a quickstart)"]
    lines += [f"--changed {spec}: {folder} was deleted or moved: nothing left there to run" for folder in selection.gone]
    for line in lines:
        say(line)
    return "\n".join(lines)


def changed_info(args: argparse.Namespace, selection: Selection) -> dict:
    """What a report keeps of the selection: the range, and why each quickstart is in it."""
    return {"changed": {"range": args.changed, "selected": selection.reasons, "everything": selection.everything,
                        "gone": list(selection.gone), "unused": [change.describe() for change in selection.unused]}}


def read_durations(path: Path | None) -> dict[str, float]:
    """Each job's duration in an earlier run's --json."""
    if path is None:
        return {}
    results, _ = read_json(path)
    durations = {result.quickstart: result.duration_s for result in results if result.duration_s}
    if not durations:
        raise InputError("has no job durations to balance shards by", path)
    return durations
