"""What a person reads in the terminal: verdicts as jobs end, and the closing table."""

import io
import re
import time

from runner.report.console import ProgressPrinter, print_results, status_table
from runner.results import JobResult


def result(name, status, reason=""):
    block, language, variant = name.split("/")
    return JobResult(name, block, language, variant, status, reason=reason, duration_s=1.0)


def test_plain_progress_prints_each_verdict_when_its_job_ends():
    verdicts = io.StringIO()
    printer = ProgressPrinter(out=io.StringIO(), verdicts=verdicts)
    printer.verdict(result("pub_sub/go/sdk", "failed", "bindings/go/sdk/README.md:49: expected x"))
    assert re.fullmatch(r"\[\s+0\.\ds\] FAIL  pub_sub/go/sdk  1\.0s  \(0/0 matched\)\n {11} {6}bindings/go/sdk/README.md:49: expected x\n",
                        verdicts.getvalue())
    time.sleep(0.2)
    printer.verdict(result("pub_sub/go/http", "passed"))
    stamp = float(re.search(r"\[\s*([\d.]+)s\] PASS", verdicts.getvalue()).group(1))
    assert stamp >= 0.2


def test_the_closing_table_is_building_block_by_language():
    results = [result("pub_sub/go/sdk", "passed"), result("pub_sub/go/http", "failed"),
               result("pub_sub/python/sdk", "skipped"), result("bindings/python/http", "flaky")]
    table = status_table(results)
    assert table[0].split() == ["BUILDING", "BLOCK", "go", "python"]
    assert table[1].split() == ["pub_sub", "sdk", "ok", "http", "FAIL", "sdk", "skip"]
    assert table[2].split() == ["bindings", "-", "http", "flaky"]
    out = io.StringIO()
    print_results(results, out, verdicts=False)
    text = out.getvalue()
    assert "FAIL  pub_sub/go/http" not in text and "\n".join(table) in text
    assert text.rstrip().endswith("1 passed, 1 failed, 1 skipped, 1 flaky")
