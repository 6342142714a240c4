"""What several commands do alike once their options are read: check out the source, find the
sidecar to run with, write the report files."""

from __future__ import annotations

import argparse
import os
import shutil
from pathlib import Path

from runner.cli import say
from runner.errors import InputError
from runner.job.settings import RunSettings, infra_settings, run_settings
from runner.provision import DEFAULT_VERSION, versions
from runner.provision.daprd import find_daprd
from runner.provision.releases import Releases, published
from runner.report.github import emit_github
from runner.report.html import write_html
from runner.report.jsonfile import write_json
from runner.report.junit import write_junit
from runner.services import netns
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


def releases_of(args: argparse.Namespace) -> Releases:
    """Where official Dapr archives come from for this command (`--releases`), and whether at all."""
    return Releases(getattr(args, "releases", None) or "", bool(getattr(args, "offline", False)))


def runtime_versions(args: argparse.Namespace, tree: Path) -> tuple[list[str], str | None, dict]:
    """The runtime versions to run with (`--dapr-version`, a comma list; else what the tree declares,
    else the runner's default), the CLI version wanted (`--dapr-cli-version`, else declared, else
    None: the newest served for the runtime), and what to say and record of that choice. A version
    that cannot be had here becomes the nearest of its minor that can, said so."""
    declared = versions.declared(tree)
    wanted = [v.strip() for v in (args.dapr_version or "").split(",") if v.strip()] \
        or [declared.get("DAPR_RUNTIME_VERSION") or DEFAULT_VERSION]
    chosen, notes = [], []
    for version in dict.fromkeys(wanted):
        if args.daprd is None and find_daprd(version) is None and not published(releases_of(args), "dapr", version, "daprd") \
                and shutil.which("go"):  # only a build can have it: of a version the module proxy serves
            resolved = versions.resolve_runtime(version)
            version = resolved.version
            if resolved.why:
                notes.append(resolved.note)
        chosen.append(version)
    cli = getattr(args, "dapr_cli_version", None) or declared.get("DAPR_CLI_VERSION")
    info = {"runtimes": chosen, **({"declared": declared} if declared else {}), **({"versions": notes} if notes else {})}
    for note in notes:
        say(f"runtime {note}")
    return chosen, cli, info


def sidecar_settings(args: argparse.Namespace, redis: RedisEndpoint | None, version: str, cli_version: str | None = None,
                     **extra) -> tuple[RunSettings, dict]:
    """The sidecar to run with at runtime `version`, and what to say about it (printed, and kept in --json)."""
    overrides = {}
    for text in args.image:
        service, sep, image = text.partition("=")
        if not sep or service not in DEFAULT_IMAGES or not image:
            raise InputError(f"wants SERVICE=IMAGE with SERVICE one of {', '.join(DEFAULT_IMAGES)}, not {text!r}", "--image")
        overrides[service] = image
    containers = infra_settings(args.infra, version, overrides, not releases_of(args).offline)
    network = job_network(args.job_network, containers is not None, redis is not None)
    settings, info = run_settings(args.sidecar, version, args.daprd, say, containers, cli_version, releases_of(args),
                                  args.control_plane, redis=redis, own_networks=network == "own", **extra)
    return settings, {**info, "infra": "docker" if containers else "local", "job_network": network}


def job_network(asked: str, containers: bool, redis: bool) -> str:
    """Where jobs that name ports run (`own`: each in a network of its own; else `shared`, taking
    turns on them), and why, said."""
    why = ("asked (--job-network shared)" if asked == "shared" else
           "their services run in containers on the host's network" if containers else
           "they share the Redis --redis names" if redis else netns.unavailable())
    if why is None:
        how = "; the runner in a user namespace of its own, as it is not root" if not netns.returns_home() else ""
        say(f"jobs that name ports: each in a network of its own (its own loopback; slirp4netns to the outside{how})")
        return "own"
    say(f"jobs that name the same port: one after another ({why})")
    return "shared"


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
        emit_github(results, note=run_info.get("selection"))


