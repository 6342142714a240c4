"""What several commands do alike once their options are read: check out the source, find the
sidecar to run with, write the report files."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from runner.cli.args import say
from runner.errors import InputError
from runner.job.settings import RunSettings, infra_settings, run_settings
from runner.report.github import emit_github
from runner.report.html import write_html
from runner.report.jsonfile import write_json
from runner.report.junit import write_junit
from runner.services.containers import DEFAULT_IMAGES
from runner.services.redis import RedisEndpoint
from runner.source.catalog import BUNDLED_QUICKSTARTS, expected_for
from runner.source.repo import Checkout, acquire


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


def write_files(results: list, json_path: Path | None, junit: Path | None, html: Path | None, run_info: dict) -> None:
    """JSON, JUnit and HTML as asked, each replaced whole (a reader never sees half a file):
    written as jobs end, and once more at the end."""
    if json_path:
        write_json(results, json_path, run_info)
    if junit:
        write_junit(results, junit)
    if html:
        write_html(results, html, run_info)


def write_reports(results: list, json_path: Path | None, junit: Path | None, html: Path | None, run_info: dict) -> None:
    """The report files; GitHub annotations, groups and step summary inside Actions."""
    write_files(results, json_path, junit, html, run_info)
    if os.environ.get("GITHUB_ACTIONS") == "true":
        emit_github(results)


