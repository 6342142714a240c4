"""`--html FILE`: one self-contained page (Jinja2): summary bar, a card per job with its phase
timeline to scale, the transcript with matched lines highlighted and linked from their
expectations, and for failures the closest-line diff."""

from __future__ import annotations

import difflib
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from runner.results import JobResult, status_counts

_env = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                   autoescape=select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True)


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
    spans, left = [], 0.0
    named = [(name, result.phases.get(name, 0.0)) for name in ("prepare", "sidecar", "run")]
    rest = max(result.duration_s - sum(seconds for _, seconds in named), 0.0)
    for name, seconds in [*named, ("other", rest)]:
        width = 100.0 * seconds / scale if scale else 0.0
        spans.append({"name": name, "seconds": seconds, "left": round(left, 3), "width": round(width, 3)})
        left += width
    return spans


def render_html(results: list[JobResult], run_info: dict) -> str:
    scale = max((r.duration_s for r in results), default=0.0) or 1.0
    jobs = []
    for index, result in enumerate(results, start=1):
        misses = []
        for detail in result.miss_details:
            actual = detail["closest"][0]["text"] if detail.get("closest") else ""
            expected_html, actual_html = _marked(detail["expected"], actual)
            misses.append({**detail, "expected_html": expected_html, "actual_html": actual_html})
        hit_lines = {hit["output_line"]: hit["expected"] for hit in result.hits}
        met = {hit["expected"]: hit["output_line"] for hit in result.hits}
        expectations = [{"text": hit["expected"], "output_line": hit["output_line"]} for hit in result.hits]
        expectations += [{"text": miss["expected"], "output_line": None} for miss in result.miss_details
                         if miss["expected"] not in met]
        jobs.append({"index": index, "result": result, "phases": _phases(result, scale), "misses": misses,
                     "hit_lines": hit_lines, "expectations": expectations})
    counts = status_counts(results)
    return _env.get_template("report.html.j2").render(jobs=jobs, counts=counts, run_info=run_info, scale=scale)


def write_html(results: list[JobResult], path: Path, run_info: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(results, run_info), encoding="utf-8")
