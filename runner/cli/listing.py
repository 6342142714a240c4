"""`quickstart-runner list`: the quickstarts of a tree, where their expectations come from,
and whether they can run here."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from runner.cli.args import parse_languages, source_args
from runner.cli.changed import changed_args, changed_info, changed_only
from runner.cli.common import checkout, expected_root
from runner.provision import DEFAULT_VERSION
from runner.provision.daprd import missing_runtime
from runner.recipes import RECIPES
from runner.source.affected import Selection
from runner.source.catalog import discover
from runner.source.needs import readme_services
from runner.source.plan import detect_toolchains, plan_job, select


def configure(listing: argparse.ArgumentParser) -> None:
    listing.add_argument("building_blocks", nargs="*", metavar="BUILDING_BLOCK")
    listing.add_argument("--lang", action="append", default=[], help="languages, comma-separated")
    listing.add_argument("--expected", type=Path, help="directory of expected transcripts")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.add_argument("--dapr-version", default=DEFAULT_VERSION, help="the daprd version runs would use")
    listing.add_argument("--versions", action="store_true",
                         help="the Dapr SDK pins of each quickstart (file, line, coordinate, version) and whether this "
                              "machine's registries serve them (not asked with --offline)")
    changed_args(listing)
    listing.add_argument("--markdown", action="store_true",
                         help="with --changed: the selection as Markdown (for a CI job summary)")
    source_args(listing)


def run(args: argparse.Namespace) -> int:
    source = checkout(args)
    root = source.root
    quickstarts = select(discover(root, expected_root(args, source)), args.building_blocks,
                         parse_languages(args.lang), [])
    quickstarts, selection = changed_only(args, source, quickstarts)
    if selection is not None:
        return _changed(selection, args)
    toolchains = detect_toolchains(quickstarts)
    runtime = missing_runtime(args.dapr_version)  # every job starts daprd, placement and scheduler
    rows = []
    for qs in quickstarts:
        plan = plan_job(qs, toolchains)
        why_not = plan.skip_reason or runtime or (plan.unrunnable[1] if plan.unrunnable else None)
        services = ["Redis", "placement", "scheduler", *(readme_services(plan.readme) if plan.readme else [])]
        rows.append({
            "building_block": qs.building_block, "language": qs.language, "variant": qs.variant,
            "path": str(qs.path.relative_to(root)), "apps": [app.app_id for app in plan.apps],
            "services": services, "expectation": expectation_kind(plan, qs.expected_source), "weak": plan.weak,
            "runnable": why_not is None, "why_not": why_not,
            "tags": sorted({tag for step in plan.readme.steps for tag in step.tags}) if plan.readme else [],
        })
    if args.versions:
        return _versions(quickstarts, root, args.json, args.offline)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    headers = ("QUICKSTART", "LANGUAGE", "APPS", "EXTRA SERVICES", "EXPECTATION", "TAGS", "RUNNABLE HERE")
    table = [headers] + [(r["path"], r["language"], ",".join(r["apps"]) or "-", ",".join(r["services"][3:]) or "-",
                          r["expectation"] + (f" ({r['weak']})" if r["weak"] else ""), ",".join(r["tags"]) or "-",
                          "yes" if r["runnable"] else f"no: {r['why_not']}") for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(headers))]
    for row in table:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    weak = [r["path"] for r in rows if r["weak"]]
    print(f"{len(rows)} quickstarts in {root}" + (f"; {len(weak)} of them check only that Dapr started" if weak else ""))
    return 0


def expectation_kind(plan, source: str) -> str:
    """What a job is checked against: its expected file; a README's STEPs (`README`), those and the
    output its page shows (`README + page`), or the page alone (`README page`)."""
    if plan.readme is None or source != "README":
        return source
    checked = bool(plan.page and plan.page.checked)
    if not plan.readme.steps:
        return "README page"
    return "README + page" if checked else "README"


def _changed(selection: Selection, args: argparse.Namespace) -> int:
    """What --changed selects, each with why; what it deleted; what no quickstart reads."""
    if args.json:
        print(json.dumps(changed_info(args, selection)["changed"], indent=2))
        return 0
    if args.markdown:
        print(f"### Quickstarts `{args.changed}` can affect\n")
        if not selection.reasons:
            print(f"None: the change touches no quickstart ({len(selection.unused)} files, none read by one).")
        elif selection.everything:
            print(f"All {len(selection.reasons)}: {selection.everything}.")
        else:
            print("| Quickstart | Why |\n| --- | --- |")
            for name, why in selection.reasons.items():
                print(f"| `{name}` | {why} |")
        for folder in selection.gone:
            print(f"\n`{folder}` was deleted or moved: nothing left there to run.")
        return 0
    for name, why in selection.reasons.items():
        print(f"{name}: {why}")
    for folder in selection.gone:
        print(f"{folder}: deleted or moved, nothing to run")
    count = len(selection.reasons)
    print(f"{count} quickstart{'' if count == 1 else 's'} selected by {args.changed}"
          + (f"; {len(selection.unused)} changed files no quickstart reads" if selection.unused else ""))
    return 0


def _versions(quickstarts, root: Path, as_json: bool, offline: bool) -> int:
    """The lines a version bump has to touch, per quickstart, and whether each pinned version is served."""
    rows = []
    for qs in quickstarts:
        pins = [(recipe, pin) for recipe in map(RECIPES.get, qs.languages_needed) if recipe for pin in recipe.sdk_pins(qs.path)]
        for recipe, pin in pins:
            served = None if offline else recipe.sdk_served(pin.coordinate, pin.version)
            rows.append({"quickstart": qs.name, "file": f"{pin.file.relative_to(root)}:{pin.line}",
                         "coordinate": pin.coordinate, "version": pin.version, "served": served})
    if as_json:
        print(json.dumps(rows, indent=2))
        return 0
    words = {True: "yes", False: "NO", None: "?"}
    table = [("QUICKSTART", "FILE:LINE", "COORDINATE", "VERSION", "SERVED HERE")] + [
        (r["quickstart"], r["file"], r["coordinate"], r["version"], words[r["served"]]) for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for row in table:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    pinning = {row["quickstart"] for row in rows}
    print(f"{len(rows)} pins in {len(pinning)} quickstarts; {len(quickstarts) - len(pinning)} pin no Dapr SDK"
          + (" (registries not asked: --offline)" if offline else ""))
    return 0
