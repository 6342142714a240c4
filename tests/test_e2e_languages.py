"""Every bundled language, run for real with its SDK from its registry (C# where a .NET SDK is
here); a missing toolchain is a skip with its reason."""

import json

import pytest

from conftest import path_without, require_tool, run_cli

pytestmark = pytest.mark.e2e

TOOLS = {"python": "python3", "javascript": "npm", "java": "mvn", "go": "go", "csharp": "dotnet"}


@pytest.mark.parametrize("language", sorted(TOOLS))
def test_language_passes_and_second_run_reuses_its_preparation(language, tmp_path, daprd_path, no_leftovers):
    require_tool(TOOLS[language])
    first, second = tmp_path / "1.json", tmp_path / "2.json"
    for out in (first, second):
        result = run_cli("validate", "state_management", "--lang", language, "--json", str(out))
        assert result.returncode == 0, result.stdout + result.stderr
        assert f"PASS  state_management/{language}/sdk" in result.stdout
    (job,) = json.loads(second.read_text())["jobs"]
    assert job["status"] == "passed" and job["matched"] == job["expected"] > 0
    assert job["prepare_reused"] is True
    assert job["last_match_s"] is not None and job["first_output_s"] <= job["last_match_s"]


def test_csharp_without_dotnet_is_skipped_with_its_reason_and_strict_fails(daprd_path):
    no_dotnet = {"PATH": path_without("dotnet")}
    result = run_cli("validate", "--lang", "dotnet", env=no_dotnet)
    assert result.returncode == 0
    assert "SKIP  state_management/csharp/sdk  (dotnet: not found)" in result.stdout
    assert "0 passed, 0 failed, 1 skipped" in result.stdout
    assert run_cli("validate", "--lang", "csharp", "--strict", env=no_dotnet).returncode == 1
