"""What a person reads in the terminal: verdicts as jobs end, and the closing table."""

import io

from runner.report.console import ProgressPrinter, print_results, status_table
from runner.results import JobResult, Progress


def result(name, status, reason=""):
    block, language, variant = name.split("/")
    return JobResult(name, block, language, variant, status, reason=reason, duration_s=1.0)


def test_plain_progress_prints_each_verdict_when_its_job_ends_on_the_runs_clock():
    now = [100.0]
    verdicts, phases = io.StringIO(), io.StringIO()
    printer = ProgressPrinter(out=phases, verdicts=verdicts, clock=lambda: now[0])
    now[0] = 100.4
    printer.verdict(result("pub_sub/go/sdk", "failed", "bindings/go/sdk/README.md:49: expected x"))
    assert verdicts.getvalue() == ("[    0.4s] FAIL  pub_sub/go/sdk  1.0s  (0/0 matched)\n"
                                   f"{'':11}{'':6}bindings/go/sdk/README.md:49: expected x\n")
    now[0] = 105.0
    printer(Progress("pub_sub/go/http", "preparing"))  # a job that starts late: the run's clock, not its own
    now[0] = 107.5
    printer.verdict(result("pub_sub/go/http", "passed"))
    assert phases.getvalue() == "[    5.0s] pub_sub/go/http: preparing\n"
    assert verdicts.getvalue().splitlines()[-1].startswith("[    7.5s] PASS  pub_sub/go/http")


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


def test_quickstarts_outside_the_grid_are_listed_by_folder_each_with_its_verdict():
    tutorials = [JobResult(f"tutorials/{name}", "tutorials", "multi", name, status, duration_s=1.0)
                 for name, status in (("hello-world", "passed"), ("observability", "failed"),
                                      ("distributed-calculator", "skipped"))]
    table = status_table([result("pub_sub/go/sdk", "passed"), *tutorials], width=50)
    assert table[0].split() == ["BUILDING", "BLOCK", "go"]
    assert table[2:] == ["tutorials/:  hello-world ok  observability FAIL",
                         "             distributed-calculator skip"]
    matrix = JobResult("tutorials/hello-world@1.18.1", "tutorials", "multi", "hello-world", "passed")
    assert matrix.base == "tutorials/hello-world" and status_table([matrix]) == ["tutorials/:  hello-world@1.18.1 ok"]
