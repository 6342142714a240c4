"""`quickstart-runner steps README.md`: the STEP blocks of an annotated README, as parsed."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from runner.formats.steps import load_annotated


def configure(steps: argparse.ArgumentParser) -> None:
    steps.add_argument("readme", type=Path)
    steps.add_argument("--json", action="store_true", help="print the steps as JSON")


def run(args: argparse.Namespace) -> int:
    annotated = load_annotated(args.readme)
    if args.json:
        print(json.dumps([step.record() for step in annotated.steps], indent=2, ensure_ascii=False))
        return 0
    for step in annotated.steps:
        flags = ", ".join(f for f in (step.background and "background", step.sleep and f"sleep {step.sleep}s") if f)
        print(f"{args.readme}:{step.line}: {step.name or '(unnamed)'}" + (f" [{flags}]" if flags else ""))
        for command in step.commands:
            print("    $ " + command.text.replace("\n", "\n      "))
        for stream in ("stdout", "stderr"):
            for line in getattr(step, f"expected_{stream}_lines"):
                print(f"    {stream} {step.output_match_mode}: {line}")
    return 0
