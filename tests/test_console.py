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


def test_a_regression_is_a_pass_at_the_earlier_version_and_the_other_way_is_fixed():
    from runner.report.console import regressions

    def at(name, status, runtime):
        block, language, variant = name.split("/")
        job = JobResult(f"{name}@{runtime}", block, language, variant, status, runtime=runtime)
        job.transcript = ["== APP == same", f"== APP == {status}"]
        return job

    found = regressions([at("a/go/sdk", "failed", "1.18.1"), at("a/go/sdk", "passed", "1.17.0"),
                         at("b/go/sdk", "failed", "1.17.0"), at("b/go/sdk", "passed", "1.18.1"),
                         at("c/go/sdk", "passed", "1.17.0"), at("c/go/sdk", "passed", "1.18.1")])
    assert found[0].startswith("REGRESSION a/go/sdk: passes as sdk@1.17.0, fails as sdk@1.18.1")
    assert found[1].startswith("      first difference, app line 2: `== APP == passed` (sdk@1.17.0)")
    assert found[2:] == ["FIXED b/go/sdk: fails as sdk@1.17.0, passes as sdk@1.18.1"]


def test_readmes_that_check_only_that_dapr_started_are_named_and_counted():
    from runner.results import AppEvidence

    weak = result("tutorials/workflow/chaining", "passed")
    weak.weak, weak.apps = "checks only that Dapr started", [AppEvidence("chaining", came_up="listened on port 5255")]
    out = io.StringIO()
    print_results([weak, result("pub_sub/go/sdk", "passed")], out=out)
    text = out.getvalue()
    assert "checks only that Dapr started: chaining: listened on port 5255" in text
    assert "1 README(s) check only that Dapr started" in text and "tutorials/workflow/chaining" in text
    assert "2 passed (1 of them check only that Dapr started)" in text
