"""Jobs run at once are isolated: the same verdicts as one after another, nothing shared, nothing left."""

import json

import pytest

from conftest import EXPECTED, run_cli, require_tool

pytestmark = pytest.mark.e2e


def verdicts(path):
    return {job["quickstart"]: (job["status"], job["matched"], job["expected"]) for job in json.loads(path.read_text())["jobs"]}


def test_parallel_gives_the_same_verdicts_as_sequential(tmp_path, daprd_path, no_leftovers):
    require_tool("go")
    # One failing job among passing ones: a wrong line for go only.
    expected = tmp_path / "expected"
    (expected / "state_management").mkdir(parents=True)
    for name in ("python-sdk.txt", "go-sdk.txt"):
        (expected / "state_management" / name).write_text((EXPECTED / "state_management" / name).read_text())
    go = expected / "state_management" / "go-sdk.txt"
    go.write_text(go.read_text().replace('Getting Order: {"orderId":2}', 'Getting Order: {"orderId":22}'))
    runs = {}
    for jobs in ("1", "4"):
        out = tmp_path / f"j{jobs}.json"
        result = run_cli("validate", "--lang", "python,go", "--expected", str(expected), "-j", jobs, "--json", str(out))
        assert result.returncode == 1, result.stdout + result.stderr
        runs[jobs] = verdicts(out)
    assert runs["1"] == runs["4"]
    assert runs["4"]["state_management/python/sdk"] == ("passed", 12, 12)
    assert runs["4"]["state_management/go/sdk"][0] == "failed"

