"""The bundled Python quickstart, run for real: daprd, Redis, the dapr SDK from PyPI."""

import json
import shutil

import pytest

from conftest import EXPECTED, run_cli

pytestmark = pytest.mark.e2e


def test_python_quickstart_passes(tmp_path, daprd_path, no_leftovers):
    out, temp = tmp_path / "results.json", tmp_path / "tmp"
    temp.mkdir()  # the runner's temp dirs go here (TMPDIR), so what it leaves can be seen
    result = run_cli("validate", "state_management", "--lang", "python", "--json", str(out), env={"TMPDIR": str(temp)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "PASS  state_management/python/sdk" in result.stdout
    (job,) = json.loads(out.read_text())["jobs"]
    assert job["status"] == "passed" and job["matched"] == job["expected"] == 12
    assert "phases" not in job  # where its time went is one record: its timeline
    assert {"starting", "running"} <= {phase["name"] for phase in job["timeline"]}
    # Early stop: the app loops ten times, the expectation needs four.
    assert "INFO:root:Saving Order: {'orderId': '10'}" not in "\n".join(job["transcript"])
    assert any(line.startswith("\u2705  You're up and running!") for line in job["transcript"])
    assert not list(temp.iterdir())


def test_wrong_expected_line_fails_naming_it(tmp_path, daprd_path, no_leftovers):
    expected = tmp_path / "expected"
    shutil.copytree(EXPECTED, expected)
    path = expected / "state_management" / "python-sdk.txt"
    lines = path.read_text().splitlines()
    lines[4] = "== APP == INFO:root:Result after get: b\"{'orderId': 'two'}\""
    path.write_text("\n".join(lines) + "\n")
    result = run_cli("validate", "--lang", "python", "--expected", str(expected))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "FAIL  state_management/python/sdk" in result.stdout
    assert "line 5: expected `== APP == INFO:root:Result after get: b\"{'orderId': 'two'}\"`" in result.stdout
    assert "closest output line" in result.stdout and "Result after get: b\"{'orderId': '2'}\"`" in result.stdout


def test_update_expected_rewrites_a_failing_transcript(tmp_path, daprd_path, no_leftovers):
    expected = tmp_path / "expected"
    shutil.copytree(EXPECTED, expected)
    path = expected / "state_management" / "python-sdk.txt"
    path.write_text("---\ntimeout: 60\n---\n== APP == INFO:root:Saving Order: 1\n")
    assert run_cli("validate", "--lang", "python", "--expected", str(expected), "--update-expected").returncode == 1
    text = path.read_text()
    assert text.startswith("---\ntimeout: 60\n---\n")
    assert "== APP == INFO:root:Deleting Order: {'orderId': '10'}" in text
    assert run_cli("validate", "--lang", "python", "--expected", str(expected)).returncode == 0
