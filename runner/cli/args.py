"""The options several commands share, and how they are checked: languages, sources, sidecar,
report files, jobs; and progress for a person on stderr. Light to import: `--help` and every
command's parser read it."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from runner.errors import InputError
from runner.provision import DEFAULT_VERSION
from runner.recipes import LANGUAGES, RECIPES, resolve_language
from runner.services.machine import default_jobs
from runner.services.redis import RedisEndpoint, parse_address
from runner.source.repo import UPSTREAM


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


def cli_version_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cli-version", metavar="VERSION",
                        help="print `dapr run` as this dapr CLI version does (1.17 on: a one-app run's app lines bare, "
                             "no `== APP == `); default: the real CLI's where it runs the calls, else the runtime's")


def sidecar_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sidecar", choices=["auto", "daprd", "dapr"], default="auto",
                        help="daprd: driven by the runner; dapr: through the real dapr CLI; "
                             "auto (default): the CLI when `dapr` is on PATH and initialised, else daprd")
    parser.add_argument("--daprd", type=Path, help="path to a daprd binary to use")
    parser.add_argument("--dapr-version", help="the Dapr runtime version to run with, found or built; a comma list "
                        "runs every job once per version (default: what the tree declares in .github/env/global.env, "
                        f"else {DEFAULT_VERSION})")
    parser.add_argument("--dapr-cli-version", help="the dapr CLI to pair with the runtime, with --sidecar dapr "
                        "(default: declared, else the newest served for the runtime's minor)")
    cli_version_arg(parser)
    parser.add_argument("--releases", metavar="URL",
                        help="where official Dapr release archives are fetched from when daprd, placement, scheduler "
                             "or the CLI is not installed (standing for https://github.com: "
                             "URL/dapr/dapr/releases/download/vV/...; default $QUICKSTART_RUNNER_RELEASES, else "
                             "github.com); each archive is checked against its published .sha256")
    parser.add_argument("--control-plane", choices=["auto", "official", "built"], default="auto",
                        help="placement and scheduler: official (installed or released beside daprd), built (ours, "
                             "every listener on loopback), or auto (official where daprd is, else built)")
    parser.add_argument("--infra", choices=["auto", "local", "docker"], default="auto",
                        help="where each job's Redis, placement and scheduler run: local processes, containers of a "
                             "Docker engine, or auto (local binaries where present, else Docker)")
    parser.add_argument("--job-network", choices=["auto", "shared"], default="auto",
                        help="auto (default): a job whose quickstart names ports (an app on 6001) runs in a network "
                             "of its own (as root, with unshare and slirp4netns), so such jobs run side by side; "
                             "shared: they all run on the machine's loopback, taking turns on the ports they name")
    parser.add_argument("--image", action="append", default=[], metavar="SERVICE=IMAGE",
                        help="the image of a service with --infra docker (redis, placement, scheduler)")


def report_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", type=Path, dest="json_path", help="write results as JSON here")
    parser.add_argument("--junit", type=Path, help="write a JUnit XML report here")
    parser.add_argument("--html", type=Path, help="write a self-contained HTML report here")


def jobs_arg(text: str) -> int:
    """`-j auto` (what the machine holds) or a number of jobs."""
    if text == "auto":
        return default_jobs()
    try:
        jobs = int(text)
    except ValueError:
        raise InputError(f"wants a number of jobs or auto, not {text!r}", "--jobs") from None
    at_least(jobs, 1, "--jobs")
    return jobs


def redis_arg(text: str | None) -> RedisEndpoint | None:
    if not text:
        return None
    try:
        return parse_address(text)
    except ValueError as exc:
        raise InputError(str(exc), "--redis") from None
