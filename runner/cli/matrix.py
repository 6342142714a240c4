"""`quickstart-runner matrix`: a GitHub Actions strategy.matrix of `validate` slices, each naming
its quickstarts; with --durations, balanced by an earlier run's (longest first)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from runner.cli import say
from runner.cli.args import at_least, parse_languages, source_args
from runner.cli.changed import changed_args, changed_only, durations_arg, read_durations, tell_selection
from runner.cli.common import checkout, expected_root
from runner.source.catalog import discover
from runner.source.plan import select
from runner.source.shards import expected_load, slices


def configure(matrix: argparse.ArgumentParser) -> None:
    matrix.add_argument("building_blocks", nargs="*", metavar="BUILDING_BLOCK")
    matrix.add_argument("--lang", action="append", default=[], help="languages, comma-separated")
    matrix.add_argument("--shards", type=int, default=4, help="how many slices (default 4; fewer when fewer quickstarts)")
    matrix.add_argument("--expected", type=Path, help="directory of expected transcripts")
    changed_args(matrix)
    durations_arg(matrix)
    source_args(matrix)


def run(args: argparse.Namespace) -> int:
    at_least(args.shards, 1, "--shards")
    source = checkout(args)
    selected = select(discover(source.root, expected_root(args, source)), args.building_blocks,
                      parse_languages(args.lang), [])
    selected, selection = changed_only(args, source, selected)
    if selection is not None:
        tell_selection(selection, args.changed)
    durations = read_durations(args.durations)
    total = max(1, min(args.shards, len(selected)))
    name = lambda qs: qs.name  # noqa: E731
    include = []
    for index, part in enumerate(slices(selected, total, name, durations) if selected else [], start=1):
        include.append({"shard": f"{index}/{total}", "quickstarts": " ".join(qs.name for qs in part)})
        if durations:
            say(f"shard {index}/{total}: {len(part)} quickstarts, about {expected_load(part, name, durations):.0f}s")
    print(json.dumps({"include": include}))
    return 0
