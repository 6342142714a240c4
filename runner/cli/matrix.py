"""`quickstart-runner matrix`: a GitHub Actions strategy.matrix of `validate --shard` slices."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from runner.cli.args import at_least, parse_languages, source_args
from runner.cli.common import checkout, expected_root
from runner.source.catalog import discover
from runner.source.plan import select
from runner.source.shards import shard


def configure(matrix: argparse.ArgumentParser) -> None:
    matrix.add_argument("building_blocks", nargs="*", metavar="BUILDING_BLOCK")
    matrix.add_argument("--lang", action="append", default=[])
    matrix.add_argument("--shards", type=int, default=4)
    matrix.add_argument("--expected", type=Path)
    source_args(matrix)


def run(args: argparse.Namespace) -> int:
    at_least(args.shards, 1, "--shards")
    source = checkout(args)
    selected = select(discover(source.root, expected_root(args, source)), args.building_blocks,
                      parse_languages(args.lang), [])
    total = max(1, min(args.shards, len(selected)))
    include = []
    for index in range(1, total + 1):
        names = [qs.name for qs in shard(selected, index, total, key=lambda qs: qs.name)]
        include.append({"shard": f"{index}/{total}", "quickstarts": " ".join(names)})
    print(json.dumps({"include": include}))
    return 0
