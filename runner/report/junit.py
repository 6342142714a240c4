"""`--junit FILE`: one testcase per quickstart x language x variant, in the JUnit XML that CI systems read."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from runner.report.owners import owner
from runner.report.whole import write_whole
from runner.results import JobResult

# XML 1.0 cannot carry most control characters, which app output may contain.
_XML_BAD = dict.fromkeys(c for c in range(32) if c not in (9, 10, 13))


def _clean(text: str) -> str:
    return text.translate(_XML_BAD)


def junit_tree(results: list[JobResult], suite_name: str = "quickstart-runner") -> ET.ElementTree:
    suites = ET.Element("testsuites", name=suite_name)
    by_block: dict[str, list[JobResult]] = {}
    for result in results:
        by_block.setdefault(result.building_block, []).append(result)
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0, "time": 0.0}
    for block, jobs in by_block.items():
        failures = sum(r.status == "failed" for r in jobs)
        errors = sum(r.status == "interrupted" for r in jobs)
        skipped = sum(r.status == "skipped" for r in jobs)
        duration = sum(r.duration_s for r in jobs)
        suite = ET.SubElement(suites, "testsuite", name=block, tests=str(len(jobs)), failures=str(failures),
                              errors=str(errors), skipped=str(skipped), time=f"{duration:.3f}")
        for r in jobs:
            case = ET.SubElement(suite, "testcase", classname=block, name=f"{r.language}-{r.column}",
                                 time=f"{r.duration_s:.3f}")
            if r.status == "failed":
                failure = ET.SubElement(case, "failure", message=_clean(r.headline), type=f"{owner(r)}: {r.kind}")
                failure.text = _clean("\n".join([r.reason, *r.misses]))
            elif r.status == "skipped":
                ET.SubElement(case, "skipped", message=_clean(r.reason))
            elif r.status == "interrupted":  # the run ended first: no verdict, an error
                ET.SubElement(case, "error", message=_clean(r.reason), type="Interrupted")
            elif r.status == "flaky":
                # Passed, but only on a rerun: Surefire's flakyFailure element says so.
                flaky = ET.SubElement(case, "flakyFailure", message=_clean(r.reason), type="Flaky")
                flaky.text = _clean(r.reason)
            out = ET.SubElement(case, "system-out")
            out.text = _clean("\n".join(r.transcript))
        totals["tests"] += len(jobs)
        totals["failures"] += failures
        totals["errors"] += errors
        totals["skipped"] += skipped
        totals["time"] += duration
    suites.set("tests", str(totals["tests"]))
    suites.set("failures", str(totals["failures"]))
    suites.set("errors", str(totals["errors"]))
    suites.set("skipped", str(totals["skipped"]))
    suites.set("time", f"{totals['time']:.3f}")
    return ET.ElementTree(suites)


def write_junit(results: list[JobResult], path: Path) -> None:
    tree = junit_tree(results)
    ET.indent(tree)
    write_whole(path, lambda scratch: tree.write(scratch, encoding="utf-8", xml_declaration=True))
