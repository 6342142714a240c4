"""`quickstart-runner validate`: run the selected quickstarts and match their output."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import threading
import time
from pathlib import Path
from typing import Callable

from runner.cli import say
from runner.cli.args import at_least, jobs_arg, parse_languages, redis_arg, report_args, sidecar_args, source_args
from runner.cli.changed import changed_args, changed_info, changed_only, durations_arg, read_durations, tell_selection
from runner.cli.common import (checkout, expected_root, runtime_versions, sidecar_settings, source_info, write_files,
                               write_reports)
from runner.errors import InputError
from runner.formats.expected import render_expected
from runner.job import RunSettings
from runner.job.plan import JobPlan
from runner.job.pool import interrupt_reason, run_all
from runner.job.verdict import interrupted
from runner.report.console import LiveProgress, ProgressPrinter, print_results, slot_line
from runner.report.jsonfile import read_json
from runner.results import JobResult, exit_code
from runner.report.durations import expected, remember, remembered
from runner.services.machine import default_build_slots, machine_summary
from runner.services.timeline import slot_summary
from runner.source.catalog import VARIANTS, discover
from runner.source.plan import detect_toolchains, plan_job, select
from runner.source.shards import parse_shard, shard
from runner.transcript.normalize import normalizer
from runner.transcript.update import updated_lines


def configure(validate: argparse.ArgumentParser) -> None:
    validate.add_argument("building_blocks", nargs="*", metavar="BUILDING_BLOCK")
    validate.add_argument("--lang", action="append", default=[], help="languages, comma-separated")
    validate.add_argument("--variant", action="append", default=[], choices=VARIANTS,
                          help="only this variant of the building-block folders (repeatable)")
    source_args(validate)
    validate.add_argument("--expected", type=Path, help="directory of expected transcripts")
    validate.add_argument("-t", "--tags", action="append", default=[], metavar="TAG",
                          help="run only README steps of this tag (as mm.py -t; untagged steps always run)")
    report_args(validate)
    changed_args(validate)
    validate.add_argument("--shard", help="run only slice I of N of the selection (I/N), for CI matrices")
    durations_arg(validate)
    validate.add_argument("--redis", help="use this Redis (HOST:PORT) instead of starting one per job")
    sidecar_args(validate)
    validate.add_argument("--timeout", type=float, help="seconds a job may run (default: expectation's, or 180)")
    validate.add_argument("-j", "--jobs", default="auto",
                          help="jobs run at once (default auto: eight per core, no more than the memory holds; "
                               "what loads the cores (a compile, a JVM's start) takes turns on one slot per two cores "
                               "whatever N is)")
    validate.add_argument("--retries", type=int, default=0, help="rerun a failed job up to N times (a pass "
                          "on a rerun is reported as flaky)")
    validate.add_argument("--pass-env", action="append", default=[], metavar="NAME",
                          help="pass this credential-looking variable (*TOKEN*, *SECRET*, *PASSWORD*, *KEY*) to the apps")
    validate.add_argument("--strict", action="store_true", help="a skipped job fails the run")
    validate.add_argument("--update-expected", action="store_true",
                          help="rewrite the expected transcript of each failing job with its observed output")
    validate.add_argument("--sdk", action="append", default=[], metavar="LANG=VERSION",
                          help="run LANG's quickstarts with their Dapr SDK pins rewritten to VERSION (in a copy; the "
                               "checkout is untouched); a comma list of versions runs each; repeatable")
    validate.add_argument("--resume", type=Path, metavar="RESULTS.json",
                          help="run only what did not pass in this earlier --json, with that run's selection and "
                               "options, and write one merged report")
    global _PARSER
    _PARSER = validate


_PARSER: argparse.ArgumentParser | None = None  # to read a resumed run's own arguments again
_NOT_RUN_AGAIN = ("passed", "flaky")

def run(args: argparse.Namespace) -> int:
    started = time.monotonic()
    previous: dict[str, JobResult] = {}
    if args.resume:
        args, previous = _resumed(args)
    jobs = jobs_arg(args.jobs)
    at_least(args.retries, 0, "--retries")
    at_least(args.timeout, 0, "--timeout", strictly=True)
    redis = redis_arg(args.redis)
    source = checkout(args)
    chosen = _chosen(args, source)
    if chosen is None:  # a change that touches no quickstart passes, saying so
        return 0
    plans, runtimes, cli_version, run_info = chosen
    if args.shard:  # a job is a quickstart at a version: each in exactly one shard
        plans = shard(plans, *parse_shard(args.shard), key=lambda plan: plan.name,
                      durations=read_durations(args.durations))
        if not plans:
            say(f"shard {args.shard}: nothing to run")
            return 0
    kept = {plan.name: previous[plan.name] for plan in plans
            if plan.name in previous and previous[plan.name].status in _NOT_RUN_AGAIN}
    if previous:
        say(f"resuming {args.resume}: {len(kept)} passed there, running the other {len(plans) - len(kept)}")
    to_run = [plan for plan in plans if plan.name not in kept]
    settings, info = _settings(args, to_run, runtimes, cli_version, redis, jobs)
    run_info = {**info, **run_info}
    results = _run_plans(args, plans, to_run, kept, settings, jobs, run_info, started)
    print_results(results, verdicts=sys.stderr.isatty() and os.environ.get("TERM") != "dumb")
    if any(r.timeline for r in results):
        say(slot_line(run_info["build_slot"]))
    if args.update_expected:
        _update_expected(plans, results)
    write_reports(results, args.json_path, args.junit, args.html, run_info)
    return exit_code(results, strict=args.strict)


def _chosen(args: argparse.Namespace, source) -> tuple[list[JobPlan], list[str], str | None, dict] | None:
    """The jobs asked for (each quickstart at each runtime and SDK version), the runtimes and CLI
    version they run with, and what the run's report says of them; None when a change selected
    nothing (its empty report written)."""
    languages = parse_languages(args.lang)
    selected = select(discover(source.root, expected_root(args, source)), args.building_blocks, languages,
                      args.variant)
    selected, selection = changed_only(args, source, selected)
    told = tell_selection(selection, args.changed) if selection is not None else None
    if selection is not None and not selected:
        write_reports([], args.json_path, args.junit, args.html,
                      {**source_info(source), **changed_info(args, selection), "selection": told})
        print_results([])
        return None
    if not selected:
        wanted = " ".join(args.building_blocks + languages) or "anything"
        raise InputError(f"no quickstart matches {wanted}", source.root)
    runtimes, cli_version, version_info = runtime_versions(args, source.root)
    sdks = sdk_args(args.sdk)
    toolchains = detect_toolchains(selected)
    plans = [plan_job(qs, toolchains, args.timeout, runtime, sdk, tags=tuple(args.tags),
                      suffix=(f"@{runtime}" if len(runtimes) > 1 else "")
                      + (f"+sdk{sdk}" if len(sdks.get(qs.language, [])) > 1 else ""))
             for qs in selected for runtime in runtimes for sdk in sdks.get(qs.language, [None])]
    run_info = {**version_info, **source_info(source), "shard": args.shard, "argv": args.argv,
                **(changed_info(args, selection) if selection else {}), "selection": told}
    return plans, runtimes, cli_version, run_info


def _settings(args: argparse.Namespace, to_run: list[JobPlan], runtimes: list[str], cli_version: str | None,
              redis, jobs: int) -> tuple[Callable[[JobPlan], RunSettings], dict]:
    """Each job's run settings (by its runtime), and what the report says of its sidecars."""
    by_runtime, info = {}, {"sidecar": None}
    if any(plan.skip_reason is None for plan in to_run):
        slots = default_build_slots()
        say(f"{jobs} jobs at once, builds and installs {slots} at a time ({machine_summary()})")
        sidecars = {}
        for runtime in runtimes:
            by_runtime[runtime], sidecars[runtime] = sidecar_settings(args, redis, runtime, cli_version,
                                                                      pass_env=frozenset(args.pass_env),
                                                                      build_slots=slots)
        info = sidecars[runtimes[0]] if len(runtimes) == 1 else {"sidecars": sidecars}
    return (lambda plan: by_runtime.get(plan.runtime) or RunSettings(daprd=Path("daprd"), redis=redis)), info


def _run_plans(args: argparse.Namespace, plans: list[JobPlan], to_run: list[JobPlan], kept: dict[str, JobResult],
               settings: Callable[[JobPlan], RunSettings], jobs: int, run_info: dict, started: float) -> list[JobResult]:
    """Every job to run, each result written to the reports the moment it ends; on an interrupt what
    finished stays and the rest is recorded interrupted. The results in plan order."""
    done: dict[str, JobResult] = dict(kept)
    writing = threading.Lock()  # jobs end on threads of their own

    def in_plan_order(fill_interrupted: bool, why: str = "") -> list[JobResult]:
        return [done.get(plan.name) or interrupted(plan, why) for plan in plans
                if plan.name in done or fill_interrupted]

    def finished(result: JobResult) -> None:  # on the worker thread of the job that ended
        printer.verdict(result)
        with writing:
            done[result.quickstart] = result
            write_files(in_plan_order(False), args.json_path, args.junit, args.html, run_info)

    live = sys.stderr.isatty() and os.environ.get("TERM") != "dumb"
    printer = LiveProgress([plan.name for plan in to_run]) if live else ProgressPrinter()
    repo = run_info["repo"]
    known = read_durations(args.durations) if args.durations else remembered(repo)
    try:
        with printer if live else contextlib.nullcontext():
            run_all(to_run, settings, jobs, args.retries, printer, finished, epoch=started,
                    expected_s=lambda plan: expected(known, plan.name, plan.language, bool(plan.skip_reason)))
    except BaseException as exc:
        why = interrupt_reason(exc)
        run_info["ended"] = f"interrupted: {why}"
        write_reports(in_plan_order(True, why), args.json_path, args.junit, args.html, run_info)
        raise
    results = in_plan_order(True)
    run_info["wall_s"] = round(time.monotonic() - started, 1)
    run_info["build_slot"] = slot_summary([r.timeline for r in results if r.timeline], run_info["wall_s"])
    remember(repo, results)
    return results


def sdk_args(values: list[str]) -> dict[str, list[str]]:
    """`--sdk java=1.17.1 --sdk python=1.18.0,1.19.0`: the SDK versions to run each language with."""
    wanted: dict[str, list[str]] = {}
    for value in values:
        name, sep, versions = value.partition("=")
        language = parse_languages([name])[0] if sep and name.strip() else None
        chosen = [v.strip() for v in versions.split(",") if v.strip()]
        if language is None or not chosen:
            raise InputError(f"wants LANG=VERSION[,VERSION...], not {value!r}", "--sdk")
        wanted.setdefault(language, []).extend(v for v in chosen if v not in wanted.get(language, []))
    return wanted


def _resumed(args: argparse.Namespace) -> tuple[argparse.Namespace, dict[str, JobResult]]:
    """The earlier run's own arguments (report files given now win), and its results."""
    results, run_info = read_json(args.resume)
    recorded = run_info.get("argv")
    if not isinstance(recorded, list) or _PARSER is None:
        raise InputError("has no recorded selection and options to resume (written by `validate --json` of an "
                         "older runner, or by another command)", args.resume)
    again = _PARSER.parse_args(recorded)
    for name in ("json_path", "junit", "html"):
        if getattr(args, name) is not None:
            setattr(again, name, getattr(args, name))
    again.argv, again.resume = recorded, args.resume
    return again, {result.quickstart: result for result in results}


def _update_expected(plans, results) -> None:
    for plan, result in zip(plans, results):
        expectation = plan.expectation
        if result.status != "failed" or expectation is None or plan.expected_source != "expected file":
            continue
        normal = normalizer(expectation.normalizers, expectation.masks)
        observed = [normal(line) for line in result.transcript if normal(line).startswith("== APP")]
        if observed:
            Path(expectation.source).write_text(render_expected(expectation, updated_lines(expectation, observed)),
                                                encoding="utf-8")
            say(f"updated {expectation.source} ({len(observed)} lines)")
