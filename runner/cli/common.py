"""What several commands share: language and source arguments, the sidecar to run with,
the report files to write, progress for a person on stderr."""

from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path

from runner.errors import InputError
from runner.job import RunSettings
from runner.job.settings import infra_settings, run_settings
from runner.provision.daprd import DEFAULT_VERSION, ensure_daprd
from runner.recipes import LANGUAGES, RECIPES, resolve_language
from runner.report.github import emit_github
from runner.report.html import write_html
from runner.report.jsonfile import write_json
from runner.report.junit import write_junit
from runner.services.containers import DEFAULT_IMAGES
from runner.services.redis import RedisEndpoint, parse_address
from runner.source.catalog import BUNDLED_QUICKSTARTS, expected_for
from runner.source.repo import UPSTREAM, Checkout, acquire


def say(message: str) -> None:
    """Progress for a person: on stderr, so stdout stays the results."""
    print(message, file=sys.stderr)


def parse_languages(values: list[str]) -> list[str]:
    chosen: list[str] = []
    for value in values:
        for name in filter(None, (part.strip() for part in value.replace(" ", ",").split(","))):
            language = resolve_language(name)
            if language is None:
                aliases = "; ".join(f"{r.name}: {', '.join(r.aliases)}" for r in RECIPES.values() if r.aliases)
                raise InputError(f"unknown language {name!r}; valid: {', '.join(LANGUAGES)} (aliases {aliases})", "--lang")
            if language not in chosen:
                chosen.append(language)
    return chosen


def at_least(value: float | None, minimum: float, flag: str, strictly: bool = False) -> None:
    """A numeric option out of range is bad input (exit 2), never a run that fails."""
    if value is not None and (not math.isfinite(value) or (value <= minimum if strictly else value < minimum)):
        bound = f"more than {minimum:g}" if strictly else f"at least {minimum:g}"
        raise InputError(f"must be {bound}, not {value:g}", flag)


def source_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repo", help="a quickstarts tree, or a git repository URL or path "
                        f"(default: the bundled tree; with --ref alone: {UPSTREAM})")
    parser.add_argument("--ref", help="branch, tag or commit to check out")
    parser.add_argument("--offline", action="store_true", help="never touch the network")


def checkout(args: argparse.Namespace) -> Checkout:
    return acquire(args.repo, args.ref, args.offline, BUNDLED_QUICKSTARTS)


def expected_root(args: argparse.Namespace, source: Checkout) -> Path | None:
    return expected_for(source.root, args.expected)


def source_info(source: Checkout) -> dict:
    """Where the quickstarts came from, for reports: the repository and commit validated."""
    info = {"repo": source.url or str(source.root)}
    if source.commit:
        info.update(ref=source.ref, commit=source.commit)
    return info


def sidecar_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sidecar", choices=["auto", "daprd", "dapr"], default="auto",
                        help="daprd: driven by the runner; dapr: through the real dapr CLI; "
                             "auto (default): the CLI when `dapr` is on PATH and initialised, else daprd")
    parser.add_argument("--daprd", type=Path, help="path to a daprd binary to use")
    parser.add_argument("--dapr-version", default=DEFAULT_VERSION, help="daprd (and CLI) version to find or build")
    parser.add_argument("--infra", choices=["auto", "local", "docker"], default="auto",
                        help="where each job's Redis, placement and scheduler run: local processes, containers of a "
                             "Docker engine, or auto (local binaries where present, else Docker)")
    parser.add_argument("--image", action="append", default=[], metavar="SERVICE=IMAGE",
                        help="the image of a service with --infra docker (redis, placement, scheduler)")


def resolve_daprd(args: argparse.Namespace) -> Path:
    if args.daprd:
        if not args.daprd.is_file() or not os.access(args.daprd, os.X_OK):
            raise InputError("not an executable daprd", args.daprd)
        return args.daprd
    return ensure_daprd(args.dapr_version, progress=say).path


def redis_arg(text: str | None) -> RedisEndpoint | None:
    if not text:
        return None
    try:
        return parse_address(text)
    except ValueError as exc:
        raise InputError(str(exc), "--redis") from None


def sidecar_settings(args: argparse.Namespace, redis: RedisEndpoint | None, **extra) -> tuple[RunSettings, dict]:
    """The sidecar mode to run with, and what to say about it (printed, and kept in --json)."""
    overrides = {}
    for text in args.image:
        service, sep, image = text.partition("=")
        if not sep or service not in DEFAULT_IMAGES or not image:
            raise InputError(f"wants SERVICE=IMAGE with SERVICE one of {', '.join(DEFAULT_IMAGES)}, not {text!r}", "--image")
        overrides[service] = image
    containers = infra_settings(args.infra, args.dapr_version, overrides)
    settings, info = run_settings(args.sidecar, args.dapr_version, args.daprd, say, containers, redis=redis, **extra)
    return settings, {**info, "infra": "docker" if containers else "local"}


def report_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", type=Path, dest="json_path", help="write results as JSON here")
    parser.add_argument("--junit", type=Path, help="write a JUnit XML report here")
    parser.add_argument("--html", type=Path, help="write a self-contained HTML report here")


def write_reports(results: list, json_path: Path | None, junit: Path | None, html: Path | None, run_info: dict) -> None:
    """JSON, JUnit and HTML as asked; GitHub annotations, groups and step summary inside Actions."""
    if json_path:
        write_json(results, json_path, run_info)
    if junit:
        write_junit(results, junit)
    if html:
        write_html(results, html, run_info)
    if os.environ.get("GITHUB_ACTIONS") == "true":
        emit_github(results)
