"""`quickstart-runner docs check PAGE_OR_DIR...`: where docs pages' tabs drifted from the quickstarts."""

from __future__ import annotations

import argparse
import json
import os
import threading
from pathlib import Path, PurePosixPath
from typing import Callable

from runner.cli import say
from runner.cli.args import jobs_arg, parse_languages, report_args, sidecar_args, source_args
from runner.cli.common import checkout, source_info, write_reports
from runner.cli.docs_tabs import print_verdicts, run_checked
from runner.docs.cliframe import for_cli, page_note
from runner.docs.model import TabReport, tab_results
from runner.docs.readmecheck import is_readme, quickstart_of, readme_report, tree_of
from runner.docs.rewrite import rewrite, unified_diff
from runner.docs.static import page_reports
from runner.docs.tree import reaches
from runner.errors import InputError, read_input
from runner.formats.docspage import Page, load_page
from runner.report.jsonfile import job_record
from runner.report.whole import write_whole
from runner.source.affected import select_changed
from runner.source.catalog import discover
from runner.source.changes import changes
from runner.source.repo import Checkout, acquire
from runner.source.shards import parse_shard, shard


DOCS_PAGES = "daprdocs/content/en/getting-started/quickstarts"  # where dapr/docs keeps the quickstart pages


def configure(docs: argparse.ArgumentParser) -> None:
    docs_commands = docs.add_subparsers(dest="docs_command", required=True)
    check = docs_commands.add_parser("check", help="find where docs pages' tabs drifted from the quickstarts")
    check.add_argument("pages", type=Path, nargs="*", metavar="PAGE_OR_DIR",
                       help=f"pages, or folders of pages (with --docs: in that checkout; default {DOCS_PAGES})")
    source_args(check)
    check.add_argument("--docs", help="the docs repository the pages are in (a URL or path, cloned like --repo)")
    check.add_argument("--docs-ref", help="its branch, tag or commit")
    check.add_argument("--changed", metavar="BASE[..HEAD]", help="only the pages this range of the docs repository "
                       "changed (from its merge-base, as `git diff BASE...HEAD`)")
    check.add_argument("--quickstarts-changed", metavar="BASE[..HEAD]",
                       help="only the tabs whose commands reach what this range of the quickstarts repository (--repo) "
                            "changed: a quickstarts pull request hears which pages it breaks")
    check.add_argument("--lang", action="append", default=[], help="only these tabs' languages")
    report_args(check)
    check.add_argument("--static-only", action="store_true", help="do not run the tabs' commands")
    check.add_argument("--write", action="store_true",
                       help="apply the certain fixes: drifted output lines (in the page's own forms), moved `cd` targets, "
                            "resources paths, app ports")
    check.add_argument("--diff", action="store_true", help="print what --write would change, as a unified diff")
    check.add_argument("--cli-format", metavar="VERSION",
                       help="with --write or --diff: print app lines as that dapr CLI prints them (1.17 and later: a "
                            "one-app run's lines without `== APP == `)")
    check.add_argument("--redis", help="use this Redis (HOST:PORT) instead of starting one per tab")
    check.add_argument("-j", "--jobs", default="auto", help="tabs run at once (default auto, as validate)")
    check.add_argument("--shard", help="check and report only slice I of N of the tabs (I/N), for CI matrices")
    check.add_argument("--resume", type=Path, metavar="RESULTS.json",
                       help="finish an interrupted check: run only the tabs this earlier --json has no verdict for, "
                            "with that check's pages and options, and write one merged report")
    sidecar_args(check)
    global _PARSER
    _PARSER = check


_PARSER: argparse.ArgumentParser | None = None  # to read a resumed check's own arguments again


def run(args: argparse.Namespace) -> int:
    kept: dict[str, TabReport] = {}
    if args.resume:
        args, kept = _resumed(args)
    languages = parse_languages(args.lang)
    args.jobs = jobs_arg(args.jobs)
    slice_ = parse_shard(args.shard) if args.shard else None
    notes: list[str] = []  # what a --changed option selected: said, and the job summary leads with it
    paths = _pages(args, notes)
    pages = [load_page(path) for path in paths if not is_readme(path)]  # every page read before anything runs
    source = checkout(args)
    root = source.root
    checked = [(page, page_reports(page, root, languages)) for page in pages]
    framing = {str(page.path): note for page in pages if (note := page_note(page.lines))}
    for path, note in framing.items():
        say(f"{path}: {note}")
    named = {path.resolve() for path in args.pages}
    readmes = _readme_pages([path for path in paths if is_readme(path)], source.root if args.repo else None, languages,
                            named)
    checked += readmes
    pages += [page for page, _ in readmes]
    if args.quickstarts_changed:
        checked = _reaching(checked, source, args, notes)
        pages = [page for page, _ in checked]
    if slice_:  # each tab in exactly one shard, so merged shards report every finding once
        mine = {id(report) for report in shard([r for _, tabs in checked for _, r in tabs], *slice_,
                                               key=lambda report: report.key)}
        checked = [(page, [(tab, r) for tab, r in tabs if id(r) in mine]) for page, tabs in checked]
    checked = [(page, [(tab, kept.get(report.key, report)) for tab, report in tabs]) for page, tabs in checked]
    info = {"pages": [str(page.path) for page in pages], **source_info(source), "shard": args.shard,
            "selection": "\n".join(notes) or None, "argv": args.argv, "cli_framing": framing}
    save = _saver(args, checked, info)
    save()
    if not args.static_only:
        run_checked(args, checked, kept, root, save, info)
    statuses = print_verdicts(checked, len(pages))
    results = save()
    write_reports(results, None, args.junit, args.html, info)
    if args.write or args.diff:
        for page, tabs in checked:
            text, left = rewrite(page, tabs)
            text = for_cli(text, args.cli_format)
            for line in left:
                say(line)
            if text == "".join(page.lines):
                continue
            if args.diff:
                print(unified_diff(page, text), end="")
            else:
                page.path.write_bytes(text.encode("utf-8"))
                say(f"rewrote {page.path}")
    return 1 if statuses["drift"] or statuses["interrupted"] else 0


def _readme_pages(paths: list[Path], checkout_root: Path | None, languages: list[str],
                  named: set[Path]) -> list[tuple[Page, list]]:
    """Each README as a page of its own quickstart, with the report its run will fill (of
    `languages`, when given); the quickstart found in its tree (a README named that none has is
    bad input; one a folder holds, an index say, is passed over)."""
    found = []
    for path in paths:
        tree = tree_of(path, checkout_root)
        try:
            quickstart = quickstart_of(path, tree)
        except InputError:
            if path.resolve() in named:
                raise
            continue
        if languages and not set(quickstart.languages_needed) & set(languages):
            continue
        page = Page(path, read_input(path, "README").splitlines(keepends=True), [])
        found.append((page, [(quickstart, readme_report(path, quickstart))]))
    return found


def _saver(args: argparse.Namespace, checked: list, info: dict) -> Callable[[], list]:
    """What writes the --json (whole, atomically): as tabs end, on interrupt and at the end; the
    tabs' results for the other reports. `jobs` too, so that `report merge` joins a docs run's shards."""
    lock = threading.Lock()

    def save() -> list:
        with lock:
            reports = [report for _, tabs in checked for _, report in tabs]
            results = [result for page, tabs in checked for result in tab_results(page.path, [r for _, r in tabs])]
            if args.json_path:
                text = json.dumps({"schema": 1, "run": info, "tabs": [r.record() for r in reports],
                                   "jobs": [job_record(r) for r in results]}, indent=2, ensure_ascii=False)
                write_whole(args.json_path, lambda scratch: scratch.write_text(text, encoding="utf-8"))
            return results

    return save


def _resumed(args: argparse.Namespace) -> tuple[argparse.Namespace, dict[str, TabReport]]:
    """The earlier check's own arguments (report files given now win), and its tabs with a verdict."""
    try:
        document = json.loads(args.resume.read_text(encoding="utf-8"))
        tabs = [TabReport.from_record(record) for record in document["tabs"]]
        recorded = document["run"]["argv"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(f"not a `docs check --json` file with its options recorded: {exc}", args.resume) from None
    if not isinstance(recorded, list) or _PARSER is None:
        raise InputError("has no recorded pages and options to resume", args.resume)
    again = _PARSER.parse_args(recorded[1:] if recorded[:1] == ["check"] else recorded)
    for name in ("json_path", "junit", "html"):
        if getattr(args, name) is not None:
            setattr(again, name, getattr(args, name))
    again.argv, again.resume, again.docs_command = recorded, None, "check"
    kept = {tab.key: tab for tab in tabs if tab.status != "interrupted"}
    say(f"resuming {args.resume}: {len(kept)} tabs have their verdict there, running the other {len(tabs) - len(kept)}")
    return again, kept


def _pages(args: argparse.Namespace, notes: list[str]) -> list[Path]:
    """The pages asked for: in the --docs checkout when given; only those --changed changed."""
    docs = acquire(args.docs, args.docs_ref, args.offline, Path.cwd(), "--docs-ref") if args.docs or args.docs_ref else None
    given = args.pages or ([Path(DOCS_PAGES)] if docs else [])
    if not given:
        raise InputError("give the pages to check (PAGE_OR_DIR), or --docs", "docs check")
    pages = pages_of([docs.root / path if docs else path for path in given])
    if not args.changed:
        return pages
    docs = docs or Checkout(Path(os.path.commonpath([page.resolve() for page in pages])).parent)
    changeset = changes(docs, args.changed, args.offline)
    touched = {changeset.top / change.path for change in changeset.changes if change.status != "D"}
    kept = [page for page in pages if page.resolve() in touched]
    notes.append(f"--changed {args.changed}: {len(kept)} of {len(pages)} pages changed")
    say(notes[-1])
    return kept


def _reaching(checked: list, source: Checkout, args: argparse.Namespace, notes: list[str]) -> list:
    """The tabs that reach the folders of the quickstarts the range can affect, or what it changed."""
    root = source.root.resolve()
    changeset = changes(source, args.quickstarts_changed, args.offline, "--quickstarts-changed")
    selection = select_changed(discover(root), changeset)
    touched = {PurePosixPath(name) for name in selection.reasons}
    touched |= {path for change in changeset.changes for p in change.paths if (path := changeset.in_tree(p))}
    kept = [(page, [(tab, r) for tab, r in tabs if reaches(tab, root, touched)]) for page, tabs in checked]
    total, reached = sum(len(tabs) for _, tabs in checked), sum(len(tabs) for _, tabs in kept)
    notes.append(f"--quickstarts-changed {args.quickstarts_changed}: {reached} of {total} tabs reach what it changed")
    say(notes[-1])
    return [(page, tabs) for page, tabs in kept if tabs]


def pages_of(paths: list[Path]) -> list[Path]:
    """The pages to check: each file given, and the Markdown files of each folder given (its
    READMEs, each the page of its own quickstart, when it holds no docs page)."""
    pages = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*.md") if p.name.lower() not in ("readme.md", "_index.md")
                           and "node_modules" not in p.parts)
            found = found or sorted(p for p in path.rglob("*") if is_readme(p) and "node_modules" not in p.parts)
            if not found:
                raise InputError("no docs pages (*.md) in this folder", path)
            pages += found
        elif path.is_file():
            pages.append(path)
        else:
            raise InputError("no such docs page or folder", path)
    return pages
