import pytest

from conftest import EXPECTED, QUICKSTARTS, run_cli
from runner.cli.args import parse_languages
from runner.errors import InputError


def test_language_aliases():
    assert parse_languages(["py", "python3,python"]) == ["python"]


def test_unknown_language_lists_the_valid_ones():
    with pytest.raises(InputError) as err:
        parse_languages(["cobol"])
    assert "cobol" in str(err.value) and "python" in str(err.value)


@pytest.mark.parametrize("args, words", [
    (["validate", "--lang", "cobol"], "unknown language 'cobol'"),
    (["validate", "no_such_block"], "no quickstart matches no_such_block"),
    (["validate", "--repo", "/nonexistent/quickstarts"], "/nonexistent/quickstarts: no such quickstarts directory"),
    (["validate", "--redis", "nohost"], "--redis: --redis wants HOST:PORT"),
    (["validate", "--timeout", "-5"], "--timeout: must be more than 0, not -5"),
    (["validate", "--timeout", "0"], "--timeout: must be more than 0, not 0"),
    (["validate", "--timeout", "nan"], "--timeout: must be more than 0, not nan"),
    (["validate", "-j", "0"], "--jobs: must be at least 1, not 0"),
])
def test_bad_arguments_are_one_line_exit_2(args, words, own_registry):
    result = run_cli(*args)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0] and "Traceback" not in result.stderr


def test_bad_expected_file_is_file_and_line_exit_2(tmp_path):
    bad = tmp_path / "state_management"
    bad.mkdir()
    (bad / "python-sdk.txt").write_text("---\nmatch: nope\n---\nx\n")
    result = run_cli("validate", "--lang", "python", "--expected", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"quickstart-runner: {bad / 'python-sdk.txt'}:2: front matter 'match' is 'nope'; "
        "expected one of exact, substring, regex")


def test_bad_dapr_yaml_is_file_and_line_exit_2(tmp_path):
    import shutil

    tree = tmp_path / "qs"
    shutil.copytree(QUICKSTARTS, tree, ignore=shutil.ignore_patterns("node_modules", "target", "bin", "obj"))
    (tree / "state_management/python/sdk/dapr.yaml").write_text("apps:\n  - appID: x\n")
    result = run_cli("validate", "--repo", str(tree), "--expected", str(EXPECTED), "--lang", "python")
    assert result.returncode == 2
    assert result.stderr.strip().startswith(f"quickstart-runner: {tree / 'state_management/python/sdk/dapr.yaml'}:2: ")


def test_a_broken_dapr_yaml_only_matters_when_its_quickstart_is_selected(tmp_path):
    import shutil

    tree = tmp_path / "qs"
    shutil.copytree(QUICKSTARTS, tree, ignore=shutil.ignore_patterns("node_modules", "target", "bin", "obj"))
    (tree / "state_management/go/sdk/dapr.yaml").write_text("apps: [\n")
    assert run_cli("list", "--repo", str(tree), "--lang", "python", "--expected", str(EXPECTED)).returncode == 0
    broken = run_cli("list", "--repo", str(tree), "--lang", "go", "--expected", str(EXPECTED))
    assert broken.returncode == 2 and "state_management/go/sdk/dapr.yaml:" in broken.stderr
    # Run by its README, the job meets the template where its reader does: at `dapr run -f .`.
    assert run_cli("list", "--repo", str(tree), "--lang", "go").returncode == 0


def test_the_shim_entry_names_its_shims():
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "runner.shim", "kubectl"], capture_output=True, text=True)
    assert result.returncode == 2 and "unknown shim ['kubectl']; known: dapr" in result.stderr


def test_expectations_belong_to_their_tree(tmp_path):
    import json
    import shutil

    from conftest import ROOT

    tree = tmp_path / "tree"
    shutil.copytree(ROOT / "tests/data/upstream_tree", tree)

    def sources(*args):
        result = run_cli("list", "--json", *args)
        assert result.returncode == 0, result.stderr
        return {f"{r['building_block']}/{r['language']}/{r['variant']}": r["expectation"] for r in json.loads(result.stdout)}

    # Another tree is not matched against the bundled tree's transcripts, only against its own.
    assert sources("--repo", str(tree)) == {"state_management/python/http": "README"}
    (tree / "expected/state_management").mkdir(parents=True)
    (tree / "expected/state_management/python-http.txt").write_text("== APP == Saved order 1\n")
    assert sources("--repo", str(tree)) == {"state_management/python/http": "expected file"}
    assert sources("--repo", str(tree), "--expected", str(tmp_path / "none"))["state_management/python/http"] == "README"
    assert sources()["state_management/python/sdk"] == "expected file"
