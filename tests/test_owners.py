"""Who acts on a failure, from its evidence: the page, the quickstart, the environment, the runner."""

import io

import pytest

from runner.report.owners import ENVIRONMENT, PAGE, QUICKSTART, RUNNER, owner, summary_line
from runner.report.console import print_results
from runner.report.jsonfile import job_record
from runner.results import AppEvidence, JobResult


def result(reason: str, status: str = "failed", **fields) -> JobResult:
    return JobResult("pub_sub/go/sdk", "pub_sub", "go", "sdk", status, reason, **fields)


@pytest.mark.parametrize("reason, fields, expected", [
    ("pub_sub/go/sdk/README.md:40: the page shows `Published data: 1`, never printed", {}, PAGE),
    ("README.md:101: step 'Run dotnet app': `dapr run --app-id a dotnet Subtract.dll` returned 127, expected 0", {}, PAGE),
    ("README.md:117: step 'Shutdown dapr': `(lsof -iTCP -sTCP:LISTEN -P | grep :5001) | awk '{print $2}' | xargs  kill` "
     "returned 123, expected 0; it said: For more details see kill(1).", {"blocked": "xargs kill"}, PAGE),
    ("start-order race in the quickstart: checkout printed `x` at 0.9 s, before order-processor listened", {}, QUICKSTART),
    ("prepare failed: `go build` exited with 1: ./app.go:12:3: undefined: client", {}, QUICKSTART),
    ("dapr.yaml:8: invalid YAML: expected <block end>", {"bad_input": True}, QUICKSTART),
    ("README.md:12: unknown key 'expected_stdout_line'", {"bad_input": True}, PAGE),
    ("app crashed: checkout exited with 1: error NU1101: Unable to find package Dapr.Jobs", {}, ENVIRONMENT),
    ("step 'build': `pip install -r requirements.txt` returned 1", {"transcript": [
        "ERROR: Could not find a version that satisfies the requirement dapr==9.9"]}, ENVIRONMENT),
    ("expected stdout line not found: `Subscriber received`", {"transcript": [
        "An error was encountered when reading 'sub/Properties/launchSettings.json': not a Boolean"]}, QUICKSTART),
    ("the dapr HTTP port 3500 wanted for a is taken by another process (nginx)", {"blocked": "sidecar"}, ENVIRONMENT),
    ("step 'Run node subscriber': expected stdout line not found: `A: Message on A`", {"blocked": "pip3 install", "transcript": [
        "The conflict is caused by:", "    The user requested MarkupSafe==1.1.1", "    jinja2 3.1.4 depends on MarkupSafe>=2.0"]},
     QUICKSTART),
    ("internal error: KeyError: 'x'", {}, RUNNER),
    ("app crashed: order-processor exited with 3", {"apps": [AppEvidence("order-processor", crashed=True)]}, QUICKSTART),
])
def test_each_kind_of_evidence_names_who_acts(reason, fields, expected):
    assert owner(result(reason, **fields)) == expected


def test_a_job_that_did_not_fail_has_no_owner():
    assert owner(result("", status="passed")) is None and owner(result("no go", status="skipped")) is None


def test_the_reports_group_failures_by_who_acts():
    results = [result("README.md:1: the page shows `a`, never printed"), result("README.md:2: the page shows `b`"),
               result("internal error: boom"), result("", status="passed")]
    assert summary_line(results) == "failures by who acts: 2 page drifted, 1 runner"
    out = io.StringIO()
    print_results(results, out, verdicts=False)
    assert "failures by who acts: 2 page drifted, 1 runner\n" in out.getvalue()
    assert job_record(results[0])["owner"] == PAGE and job_record(results[3])["owner"] is None
