"""The command line: `quickstart-runner validate|provision|steps ...`."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from runner import __version__
from runner.catalog import VARIANTS, discover
from runner import daprcli, doctor, procs
from runner.docs.check import check_page, rewrite_outputs, tab_results
from runner.docs.page import load_page
from runner.errors import InputError
from runner.infra.redis import parse_address
from runner.job import RunSettings, run_job
from runner.mdsteps import load_annotated
from runner.readme import ReadmeRun, check_links, dry_run, run_readme_job
from runner.plan import detect_toolchains, plan_job, select
from runner.provision.daprcli import DEFAULT_CLI_VERSION, cli_version, ensure_cli, installed_cli
from runner.provision.daprd import DEFAULT_VERSION, ProvisionError, binary_version, ensure_daprd
from runner.recipes import LANGUAGES, RECIPES, resolve_language
from runner.repo import UPSTREAM, acquire
from runner.report.console import LiveProgress, ProgressPrinter, print_results
from runner.report.github import emit_github
from runner.report.html import write_html
from runner.report.jsonfile import write_json
from runner.report.junit import write_junit
from runner.results import JobResult, exit_code
from runner.shards import parse_shard, shard
from runner.transcript.expected import render_expected
from runner.transcript.normalize import normalizer

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BUNDLED_QUICKSTARTS = PROJECT_ROOT / "quickstarts"
BUNDLED_EXPECTED = PROJECT_ROOT / "expected"


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


def _say(message: str) -> None:
    """Progress for a person: on stderr, so stdout stays the results."""
    print(message, file=sys.stderr)


def _source_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repo", help="a quickstarts tree, or a git repository URL or path "
                        f"(default: the bundled tree; with --ref alone: {UPSTREAM})")
    parser.add_argument("--ref", help="branch, tag or commit to check out")
    parser.add_argument("--offline", action="store_true", help="never touch the network")


def _sidecar_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sidecar", choices=["auto", "daprd", "dapr"], default="auto",
                        help="daprd: driven by the runner; dapr: through the real dapr CLI; "
                             "auto (default): the CLI when `dapr` is on PATH and initialised, else daprd")
    parser.add_argument("--daprd", type=Path, help="path to a daprd binary to use")
    parser.add_argument("--dapr-version", default=DEFAULT_VERSION, help="daprd (and CLI) version to find or build")


def _sidecar_settings(args: argparse.Namespace, redis, **extra) -> tuple[RunSettings, dict]:
    """The sidecar mode to run with, and what to say about it (printed, and kept in --json)."""
    cli = installed_cli() if args.sidecar in ("auto", "dapr") else None
    if args.sidecar == "dapr" and cli is None:
        cli = ensure_cli(args.dapr_version, progress=_say)
    if cli is not None:
        runtime = cli_version(cli.path, cli.env())[1]
        info = {"sidecar": "dapr", "dapr_cli": str(cli.path), "cli_version": cli.version, "runtime_version": runtime}
        print(f"sidecar: dapr CLI {cli.version} ({cli.path}), runtime {runtime}", file=sys.stderr)
        return RunSettings(daprd=Path("daprd"), redis=redis, sidecar="dapr", dapr_cli=cli, **extra), info
    daprd = _resolve_daprd(args)
    version = binary_version(daprd)
    print(f"sidecar: daprd {version or '?'} ({daprd})", file=sys.stderr)
    return RunSettings(daprd=daprd, redis=redis, **extra), {"sidecar": "daprd", "daprd": str(daprd),
                                                             "runtime_version": version}


def _report_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", type=Path, dest="json_path", help="write results as JSON here")
    parser.add_argument("--junit", type=Path, help="write a JUnit XML report here")
    parser.add_argument("--html", type=Path, help="write a self-contained HTML report here")


def write_reports(results: list, args: argparse.Namespace, run_info: dict) -> None:
    """JSON, JUnit and HTML as asked; GitHub annotations, groups and step summary inside Actions."""
    if getattr(args, "json_path", None):
        write_json(results, args.json_path, run_info)
    if getattr(args, "junit", None):
        write_junit(results, args.junit)
    if getattr(args, "html", None):
        write_html(results, args.html, run_info)
    if os.environ.get("GITHUB_ACTIONS") == "true":
        emit_github(results)


def _checkout(args: argparse.Namespace) -> Path:
    return acquire(args.repo, args.ref, args.offline, BUNDLED_QUICKSTARTS).root


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="quickstart-runner", description=__doc__)
    parser.add_argument("--version", action="version", version=f"quickstart-runner {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    validate = commands.add_parser("validate", help="run quickstarts and match their output")
    validate.add_argument("building_blocks", nargs="*", metavar="BUILDING_BLOCK")
    validate.add_argument("--lang", action="append", default=[], help="languages, comma-separated")
    validate.add_argument("--variant", action="append", default=[], choices=VARIANTS)
    _source_args(validate)
    validate.add_argument("--expected", type=Path, help="directory of expected transcripts")
    _report_args(validate)
    validate.add_argument("--shard", help="run only slice I of N of the selection (I/N), for CI matrices")
    validate.add_argument("--redis", help="use this Redis (HOST:PORT) instead of starting one per job")
    _sidecar_args(validate)
    validate.add_argument("--timeout", type=float, help="seconds a job may run (default: expectation's, or 180)")
    # Jobs spend most of their time waiting on the apps' own pace (their sleeps), not on
    # the CPU: twice the cores keeps the machine busy without oversubscribing it.
    validate.add_argument("-j", "--jobs", type=int, default=2 * (os.cpu_count() or 1),
                          help="jobs run at once (default: twice the number of cores)")
    validate.add_argument("--retries", type=int, default=0, help="rerun a failed job up to N times (a pass "
                          "on a rerun is reported as flaky)")
    validate.add_argument("--pass-env", action="append", default=[], metavar="NAME",
                          help="pass this credential-looking variable (*TOKEN*, *SECRET*, *PASSWORD*, *KEY*) to the apps")
    validate.add_argument("--strict", action="store_true", help="a skipped job fails the run")
    validate.add_argument("--update-expected", action="store_true",
                          help="rewrite the expected transcript of each failing job with its observed output")

    matrix = commands.add_parser("matrix", help="print a GitHub Actions strategy.matrix of validate shards")
    matrix.add_argument("building_blocks", nargs="*", metavar="BUILDING_BLOCK")
    matrix.add_argument("--lang", action="append", default=[])
    matrix.add_argument("--shards", type=int, default=4)
    matrix.add_argument("--expected", type=Path)
    _source_args(matrix)

    report = commands.add_parser("report", help="work with saved results")
    report_commands = report.add_subparsers(dest="report_command", required=True)
    merge = report_commands.add_parser("merge", help="merge the --json results of several shards into one report")
    merge.add_argument("inputs", nargs="+", type=Path)
    _report_args(merge)
    merge.add_argument("--strict", action="store_true")

    listing = commands.add_parser("list", help="list the quickstarts of a tree and whether they can run here")
    listing.add_argument("building_blocks", nargs="*", metavar="BUILDING_BLOCK")
    listing.add_argument("--lang", action="append", default=[])
    listing.add_argument("--expected", type=Path, help="directory of expected transcripts")
    listing.add_argument("--json", action="store_true", help="print JSON")
    _source_args(listing)

    readme = commands.add_parser("readme", help="run an annotated markdown file as mechanical-markdown's mm.py does")
    readme.add_argument("markdown_file", type=Path)
    readme.add_argument("-s", "--shell", dest="shell_cmd", default="bash -c", help="shell to run commands with")
    readme.add_argument("-t", "--tags", action="append", default=[], help="only steps with these tags")
    readme.add_argument("-d", "--dry-run", action="store_true", help="print the commands, run nothing")
    readme.add_argument("-l", "--validate-links", action="store_true", help="check external links")
    readme.add_argument("-r", "--link-retries", type=int, default=3, metavar="RETRIES")
    readme.add_argument("-m", "--manual", action="store_true", help="pause at manual steps")
    readme.add_argument("--daprd", type=Path, help="path to a daprd binary to use")
    readme.add_argument("--dapr-version", default=DEFAULT_VERSION)

    steps = commands.add_parser("steps", help="show the STEP blocks of an annotated README")
    steps.add_argument("readme", type=Path)
    steps.add_argument("--json", action="store_true", help="print the steps as JSON")

    docs = commands.add_parser("docs", help="check a docs page against a quickstarts checkout")
    docs_commands = docs.add_subparsers(dest="docs_command", required=True)
    check = docs_commands.add_parser("check", help="find where a docs page's tabs drifted from the quickstarts")
    check.add_argument("page", type=Path)
    _source_args(check)
    check.add_argument("--lang", action="append", default=[], help="only these tabs' languages")
    _report_args(check)
    check.add_argument("--static-only", action="store_true", help="do not run the tabs' commands")
    check.add_argument("--write", action="store_true", help="rewrite drifted output blocks with the observed output")
    check.add_argument("--redis", help="use this Redis (HOST:PORT) instead of starting one per tab")
    _sidecar_args(check)

    commands.add_parser("doctor", help="what is present here, with versions, and what a missing piece means")

    provision = commands.add_parser("provision", help="find or build the Dapr binaries")
    provision.add_argument("what", choices=["daprd", "dapr"], help="daprd, or the dapr CLI (slim, beside our daprd)")
    provision.add_argument("--version", dest="dapr_version", help=f"default {DEFAULT_VERSION}")
    return parser


def cmd_list(args: argparse.Namespace) -> int:
    root = _checkout(args)
    quickstarts = select(discover(root, args.expected or BUNDLED_EXPECTED), args.building_blocks,
                         parse_languages(args.lang), [])
    toolchains = detect_toolchains(quickstarts)
    rows = []
    for qs in quickstarts:
        plan = plan_job(qs, toolchains)
        rows.append({
            "building_block": qs.building_block, "language": qs.language, "variant": qs.variant,
            "path": str(qs.path), "apps": [app.app_id for app in plan.apps],
            "expectation": qs.expected_source, "runnable": plan.skip_reason is None, "why_not": plan.skip_reason,
        })
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    headers = ("BUILDING BLOCK", "LANGUAGE", "VARIANT", "APPS", "EXPECTATION", "RUNNABLE HERE")
    table = [headers] + [(r["building_block"], r["language"], r["variant"], ",".join(r["apps"]) or "-",
                          r["expectation"], "yes" if r["runnable"] else f"no: {r['why_not']}") for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(headers))]
    for row in table:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    print(f"{len(rows)} quickstarts in {root}")
    return 0


def cmd_readme(args: argparse.Namespace) -> int:
    annotated = load_annotated(args.markdown_file)
    if args.dry_run:
        print(dry_run(annotated, args.shell_cmd))
        return 0
    run = ReadmeRun(annotated, args.shell_cmd, args.tags, manual=args.manual)
    run.daprd = _resolve_daprd(args) if run.uses_dapr() else None
    success, report = run.run()
    if args.validate_links:
        links_ok, links_report = check_links(annotated, args.link_retries)
        success, report = success and links_ok, report + links_report
    print(report)
    return 0 if success else 1


def cmd_matrix(args: argparse.Namespace) -> int:
    if args.shards < 1:
        raise InputError(f"must be at least 1, not {args.shards}", "--shards")
    root = _checkout(args)
    selected = select(discover(root, args.expected or BUNDLED_EXPECTED), args.building_blocks,
                      parse_languages(args.lang), [])
    total = max(1, min(args.shards, len(selected)))
    include = []
    for index in range(1, total + 1):
        names = [qs.name for qs in shard(selected, index, total, key=lambda qs: qs.name)]
        include.append({"shard": f"{index}/{total}", "quickstarts": " ".join(names)})
    print(json.dumps({"include": include}))
    return 0


def cmd_report_merge(args: argparse.Namespace) -> int:
    results, runs = [], []
    for path in args.inputs:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            results += [JobResult.from_record(record) for record in document["jobs"]]
            runs.append(document.get("run", {}))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise InputError(f"not a quickstart-runner --json file: {exc}", path) from None
    results.sort(key=lambda r: r.quickstart)
    info = {"merged": f"{len(args.inputs)} files"}
    info.update({k: v for k, v in (runs[0] if runs else {}).items() if k in ("sidecar", "dapr_version", "repo")})
    write_reports(results, args, info)
    print_results(results)
    return exit_code(results, strict=args.strict)


def cmd_steps(args: argparse.Namespace) -> int:
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


def _redis_arg(text: str | None):
    if not text:
        return None
    try:
        return parse_address(text)
    except ValueError as exc:
        raise InputError(str(exc), "--redis") from None


def cmd_docs_check(args: argparse.Namespace) -> int:
    page = load_page(args.page)
    languages = parse_languages(args.lang)
    root = _checkout(args)
    settings = None
    if not args.static_only:
        settings, _ = _sidecar_settings(args, _redis_arg(args.redis))
    reports = check_page(page, root, settings, languages)
    for report in reports:
        verdict = "OK" if report.status == "ok" else "DRIFT"
        print(f"{args.page}:{report.line}: {report.tab}: {verdict} (dynamic: {report.dynamic})")
        for finding in report.findings:
            print(f"    {args.page}:{finding.line}: {finding.kind}: {finding.message}")
        if report.dynamic == "drift" and report.observed:
            print("    the app's real lines, to paste:")
            for line in report.observed[:20]:
                print(f"        {line}")
    drifted = [r for r in reports if r.status == "drift"]
    print(f"{len(reports) - len(drifted)} tabs ok, {len(drifted)} drifted")
    if args.json_path:
        args.json_path.write_text(json.dumps({"page": str(args.page), "repo": str(root),
                                              "tabs": [r.record() for r in reports]}, indent=2, ensure_ascii=False))
    write_reports(tab_results(page, reports), argparse.Namespace(junit=args.junit, html=args.html),
                  {"page": str(args.page), "repo": str(root)})
    if args.write:
        text = rewrite_outputs(page, reports)
        if text != "".join(page.lines):
            args.page.write_bytes(text.encode("utf-8"))
            print(f"rewrote output blocks in {args.page}", file=sys.stderr)
    return 1 if drifted else 0


def cmd_provision(args: argparse.Namespace) -> int:
    if args.what == "dapr":
        cli = ensure_cli(args.dapr_version or DEFAULT_CLI_VERSION, progress=_say)
        print(f"dapr CLI {cli.version} ({cli.origin}): {cli.path}; DAPR_RUNTIME_PATH={cli.runtime_path}")
        return 0
    daprd = ensure_daprd(args.dapr_version or DEFAULT_VERSION, progress=_say)
    print(f"daprd {daprd.version} ({daprd.origin}): {daprd.path}")
    return 0


def _resolve_daprd(args: argparse.Namespace) -> Path:
    if args.daprd:
        if not args.daprd.is_file() or not os.access(args.daprd, os.X_OK):
            raise InputError("not an executable daprd", args.daprd)
        return args.daprd
    return ensure_daprd(args.dapr_version, progress=_say).path


def cmd_validate(args: argparse.Namespace) -> int:
    languages = parse_languages(args.lang)
    if args.jobs < 1:
        raise InputError(f"must be at least 1, not {args.jobs}", "--jobs")
    if args.retries < 0:
        raise InputError(f"must be at least 0, not {args.retries}", "--retries")
    redis = _redis_arg(args.redis)
    root = _checkout(args)
    expected_root = args.expected or BUNDLED_EXPECTED
    selected = select(discover(root, expected_root), args.building_blocks, languages, args.variant)
    if not selected:
        wanted = " ".join(args.building_blocks + languages) or "anything"
        raise InputError(f"no quickstart matches {wanted}", root)
    if args.shard:
        selected = shard(selected, *parse_shard(args.shard), key=lambda qs: qs.name)
        if not selected:
            print(f"shard {args.shard}: nothing to run", file=sys.stderr)
            return 0
    toolchains = detect_toolchains(selected)
    plans = [plan_job(qs, toolchains, args.timeout) for qs in selected]
    if any(plan.skip_reason is None for plan in plans):
        settings, info = _sidecar_settings(args, redis, pass_env=frozenset(args.pass_env))
    else:
        settings, info = RunSettings(daprd=Path("daprd"), redis=redis), {"sidecar": None}
    results = run_all(plans, settings, args.jobs, args.retries)
    print_results(results)
    if args.update_expected:
        _update_expected(plans, results)
    write_reports(results, args, {**info, "repo": str(root), "shard": args.shard})
    return exit_code(results, strict=args.strict)


def run_all(plans, settings: RunSettings, jobs: int, retries: int = 0) -> list:
    """Run the plans, `jobs` at a time (each job has its own Redis, ports and temp dir)."""
    names = [plan.name for plan in plans]
    live = sys.stderr.isatty() and os.environ.get("TERM") != "dumb"
    printer = LiveProgress(names) if live else ProgressPrinter()
    with printer if live else contextlib.nullcontext():
        def one(plan):
            runner = run_readme_job if plan.readme is not None else run_job
            result = first = runner(plan, settings, printer)
            for attempt in range(2, retries + 2):
                if result.status != "failed":
                    break
                result = runner(plan, settings, printer)
                if result.status == "passed":
                    result.status = "flaky"
                    result.reason = f"passed on attempt {attempt} of {retries + 1}; attempt 1 failed: {first.reason}"
            return result

        if jobs <= 1:
            return [one(plan) for plan in plans]
        pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="job")
        try:
            futures = [pool.submit(one, plan) for plan in plans]
            return [future.result() for future in futures]
        except BaseException:
            procs.shutdown.set()  # every running job unwinds, stopping what it started
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def _update_expected(plans, results) -> None:
    for plan, result in zip(plans, results):
        expectation = plan.expectation
        if result.status != "failed" or expectation is None or not plan.quickstart.expected:
            continue
        normal = normalizer(expectation.normalizers)
        observed = [normal(line) for line in result.transcript if normal(line).startswith("== APP")]
        if observed:
            plan.quickstart.expected.write_text(render_expected(expectation, observed), encoding="utf-8")
            print(f"updated {plan.quickstart.expected} ({len(observed)} lines)", file=sys.stderr)


def cmd_doctor(args: argparse.Namespace) -> int:
    print(doctor.render(doctor.checks()))
    return 0


COMMANDS = {
    "validate": cmd_validate, "list": cmd_list, "docs": cmd_docs_check, "readme": cmd_readme,
    "steps": cmd_steps, "matrix": cmd_matrix, "report": cmd_report_merge, "provision": cmd_provision,
    "doctor": cmd_doctor,
}


def _terminate(signum, frame):
    raise KeyboardInterrupt  # SIGTERM unwinds like Ctrl-C: every job stops what it started


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["dapr"]:  # the dapr CLI shim README steps call: its own flags, not ours
        try:
            return daprcli.main(argv[1:])
        except InputError as exc:
            print(f"quickstart-runner: {exc}", file=sys.stderr)
            return 2
    args = _build_parser().parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    try:
        if args.command in ("validate", "readme", "docs"):
            for leftover in procs.reap_leftovers():
                print(f"quickstart-runner: cleaned up after an earlier run: {leftover}", file=sys.stderr)
        return COMMANDS[args.command](args)
    except InputError as exc:
        print(f"quickstart-runner: {exc}", file=sys.stderr)
        return 2
    except ProvisionError as exc:
        print(f"quickstart-runner: provision: {exc}", file=sys.stderr)
        return 2
    except (KeyboardInterrupt, procs.Interrupted):
        print("quickstart-runner: interrupted; everything started was stopped", file=sys.stderr)
        return 130
