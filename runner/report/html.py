"""`--html FILE`: one self-contained page (Jinja2) that stays readable at the scale of a whole
repository: a grid building block x language x variant on top (a cell per job, coloured by
its verdict, linked to its card), then a card per job. A failure's card opens at what
matters: the README step or expected line that failed, the closest output lines with what
differs marked, daprd's errors and the end of the output; a pass shows the lines that met
its expectations. Full transcripts go to text files beside the page, so the page stays small."""

from __future__ import annotations

import difflib
import re
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from runner.report.whole import write_whole
from runner.report.owners import OWNERS, by_owner, owner
from runner.results import JobResult, status_counts
from runner.services.timeline import BUILD, QUEUED, RUN, SERVICES, SLOT, STOP, TURN, slot_spans, slot_summary
from runner.transcript.causes import says_why

_env = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                   autoescape=select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True)


def _brief(value) -> str:
    """A run record's value as a person reads it in the header (no dict or list syntax)."""
    if isinstance(value, dict):
        return ", ".join(f"{key} {_brief(item)}" for key, item in value.items() if item not in (None, "", [], {}))
    if isinstance(value, (list, tuple)):
        return " ".join(_brief(item) for item in value)
    return str(value)


_env.filters["brief"] = _brief

MAX_LINE = 300  # characters of one output line shown in a card
CONTEXT = 2  # output lines shown either side of a line that matters
TAIL = 6  # last output lines of a failed job
MAX_SHOWN = 60  # output lines in one card at most
# daprd's own errors (logfmt `level=error`, JSON `"level":"error"`) and the CLI's failure marks.
_SIDECAR_ERROR = re.compile(r"""level="?(error|fatal)|"level":\s*"(error|fatal)"|^\u274c""")


def anchor(result: JobResult) -> str:
    return "job-" + re.sub(r"[^A-Za-z0-9_-]+", "-", result.quickstart)


def _marked(expected: str, actual: str) -> tuple[Markup, Markup]:
    """Both lines with what differs marked: deletions in the expected, insertions in the actual."""
    exp, act = [], []
    for op, a1, a2, b1, b2 in difflib.SequenceMatcher(None, expected, actual, autojunk=False).get_opcodes():
        if op == "equal":
            exp.append(escape(expected[a1:a2]))
            act.append(escape(actual[b1:b2]))
        else:
            if a2 > a1:
                exp.append(Markup("<del>%s</del>") % expected[a1:a2])
            if b2 > b1:
                act.append(Markup("<ins>%s</ins>") % actual[b1:b2])
    return Markup("").join(exp), Markup("").join(act)


def _phases(result: JobResult, scale: float) -> list[dict]:
    """The job's own timeline from its first step (what it waited for, built, started, ran), to scale."""
    own = [p for p in result.timeline if p["name"] != QUEUED]
    begun = min((p["start_s"] for p in own), default=0.0)
    return [{"cls": PHASE_CLASSES.get(p["name"], "run"), "name": p["name"], "seconds": p["end_s"] - p["start_s"],
             "left": round(100.0 * (p["start_s"] - begun) / scale, 3),
             "width": round(100.0 * (p["end_s"] - p["start_s"]) / scale, 3)} for p in own]


PHASE_CLASSES = {QUEUED: "queued", SLOT: "slot", BUILD: "build", SERVICES: "services", RUN: "run", STOP: "stop",
                 TURN: "turn"}


def _run_timeline(results: list[JobResult], run_info: dict) -> dict | None:
    """The run's timeline: a row per job (in the order they began), its phases to scale, and
    beneath, when some build held a build slot."""
    timed = [r for r in results if r.timeline]
    if not timed:
        return None
    wall = max(run_info.get("wall_s") or 0.0, max(p["end_s"] for r in timed for p in r.timeline)) or 1.0

    def span(start: float, end: float, name: str, title: str) -> dict:
        return {"cls": PHASE_CLASSES.get(name, "run"), "left": round(100 * start / wall, 3),
                "width": round(max(100 * (end - start) / wall, 0.15), 3), "title": title}

    rows = []
    for r in sorted(timed, key=lambda r: min(p["start_s"] for p in r.timeline if p["name"] != QUEUED) if any(
            p["name"] != QUEUED for p in r.timeline) else 0.0):
        spans = [span(p["start_s"], p["end_s"], p["name"], f"{p['name']} {p['end_s'] - p['start_s']:.1f}s"
                      + (f": {p['detail']}" if p.get("detail") else "")) for p in r.timeline]
        rows.append({"quickstart": r.quickstart, "anchor": anchor(r), "status": r.status, "spans": spans})
    timelines = [r.timeline for r in timed]
    return {"rows": rows, "slot": [span(s, e, BUILD, f"a build or a start held a slot {e - s:.1f}s")
                                   for s, e in slot_spans(timelines)],
            "wall": wall, "summary": slot_summary(timelines, wall), "ticks": [{"left": round(100 * t / wall, 3), "label": f"{t:.0f}s"}
                                                      for t in range(0, int(wall) + 1, max(30, int(wall / 10) // 30 * 30))]}


def _excerpt(result: JobResult) -> list[dict]:
    """The output lines that matter, numbered as in the full transcript, with gaps marked:
    for a failure the closest lines to what was missed, daprd's errors and the tail; for a
    pass the lines that met an expectation."""
    lines = result.transcript  # made readable (no terminal escapes) where the result was made
    hits = {hit["output_line"] for hit in result.hits}
    if result.status in ("failed", "flaky"):
        wanted = set()
        for miss in result.miss_details:
            for close in miss.closest:
                wanted.update(range(close.output_number - CONTEXT, close.output_number + CONTEXT + 1))
        errors = [n for n, line in enumerate(lines, start=1) if _SIDECAR_ERROR.search(line) or says_why(line)]
        wanted.update(errors[:8])
        wanted.update(range(len(lines) - TAIL + 1, len(lines) + 1))
    else:
        wanted = set(hits)
    shown, previous = [], 0
    for number in sorted(n for n in wanted if 1 <= n <= len(lines))[:MAX_SHOWN]:
        if number > previous + 1:
            shown.append({"gap": number - previous - 1})
        text = lines[number - 1]
        shown.append({"number": number, "text": text[:MAX_LINE] + ("\u2026" if len(text) > MAX_LINE else ""),
                      "hit": number in hits, "error": bool(_SIDECAR_ERROR.search(text) or says_why(text))})
        previous = number
    if shown and previous < len(lines):
        shown.append({"gap": len(lines) - previous})
    return shown


def _in_grid(result: JobResult) -> bool:
    return result.base == f"{result.building_block}/{result.language}/{result.variant}"


def _others(results: list[JobResult]) -> dict[str, list[JobResult]]:
    """The quickstarts laid out otherwise (tutorials), by folder: a table of their own, so the
    grid keeps one column per language and variant."""
    folders: dict[str, list[JobResult]] = {}
    for r in results:
        if not _in_grid(r):
            folders.setdefault(r.quickstart.rpartition("/")[0] or r.quickstart, []).append(r)
    return folders


def _grid(results: list[JobResult]) -> dict:
    """Rows of building blocks, columns of language x variant, a cell per job."""
    results = [r for r in results if _in_grid(r)]
    columns = sorted({(r.language, r.column) for r in results})  # a matrix run: a column per version
    rows = {}
    for r in results:
        rows.setdefault(r.building_block, {})[(r.language, r.column)] = r
    languages = [(language, sum(1 for lang, _ in columns if lang == language))
                 for language in dict.fromkeys(lang for lang, _ in columns)]
    return {"columns": columns, "languages": languages, "rows": rows}


def render_html(results: list[JobResult], run_info: dict, transcripts: str | None = None) -> str:
    """The page; `transcripts` is the folder (relative to the page) holding each job's full
    transcript as `<anchor>.txt`, or None when they are not written."""
    scale = max((r.duration_s for r in results), default=0.0) or 1.0
    jobs = []
    for result in results:
        misses = []
        for miss in result.miss_details:
            actual = miss.closest[0].text if miss.closest else ""
            expected_html, actual_html = _marked(miss.expected, actual)
            misses.append({**miss.record(), "expected_html": expected_html, "actual_html": actual_html})
        jobs.append({"anchor": anchor(result), "result": result, "phases": _phases(result, scale), "owner": owner(result),
                     "misses": misses, "excerpt": _excerpt(result) if result.transcript else [],
                     "transcript_file": f"{transcripts}/{anchor(result)}.txt" if transcripts and result.transcript else None})
    return _env.get_template("report.html.j2").render(jobs=jobs, counts=status_counts(results), run_info=run_info,
                                                      owners=by_owner(results), who_acts=OWNERS,
                                                      scale=scale, grid=_grid(results), others=_others(results),
                                                      anchors={r.quickstart: anchor(r) for r in results},
                                                      timeline=_run_timeline(results, run_info))


def write_html(results: list[JobResult], path: Path, run_info: dict) -> None:
    """The page at `path`, and the full transcripts in `<stem>-transcripts/` beside it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    folder = path.parent / f"{path.stem}-transcripts"
    if any(r.transcript for r in results):
        folder.mkdir(exist_ok=True)
        for result in results:
            if result.transcript:
                text = "\n".join(result.transcript) + "\n"
                target = folder / f"{anchor(result)}.txt"
                if not target.is_file() or target.read_text(encoding="utf-8") != text:  # written as jobs end
                    target.write_text(text, encoding="utf-8")
    page = render_html(results, run_info, folder.name if folder.is_dir() else None)
    write_whole(path, lambda scratch: scratch.write_text(page, encoding="utf-8"))
