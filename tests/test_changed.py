"""Pull-request scale: which quickstarts a change selects and why, on the real v1.17.0 snapshot
with commits of our own on top (each touching one kind of file), and shards balanced by an
earlier run's durations."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import SNAPSHOT, run_cli

from runner.errors import InputError
from runner.source.affected import select_changed
from runner.source.catalog import discover
from runner.source.changes import changes, parse_range
from runner.source.repo import Checkout
from runner.source.shards import slices

needs_snapshot = pytest.mark.skipif(not SNAPSHOT.is_dir(), reason=f"no snapshot at {SNAPSHOT}")

# branch -> the shell commands of its one commit, made on top of v1.17.0
CHANGES = {
    "app": "printf '\\n# reviewed\\n' >> pub_sub/python/sdk/order-processor/app.py",
    "components": "printf '  - name: redeliverInterval\\n    value: 10s\\n' >> pub_sub/components/pubsub.yaml",
    "readme": "sed -i '0,/^# /s//# (reviewed) /' state_management/go/sdk/README.md",
    "env": "mkdir -p .github/env && printf 'DAPR_RUNTIME_VERSION=1.17.0\\n' > .github/env/global.env "
           "&& git add -f .github/env/global.env",
    "docs": "printf '\\nA note.\\n' >> README.md && cp tutorials/observability/img/zipkin-1.png tutorials/zipkin.png",
    "rename": "git mv tutorials/hello-world tutorials/hello-world-app",
    "plant": "sed -i \"s/Saving Order: /Stored order: /\" state_management/python/sdk/order-processor/app.py",
}


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def pr_tree(tmp_path_factory) -> Path:
    """A working clone of the snapshot with a branch per kind of change."""
    base = tmp_path_factory.mktemp("pr")
    bare = base / "snapshot.git"
    shutil.copytree(SNAPSHOT, bare, copy_function=shutil.copyfile)  # read-only, its refs/ lost on the way
    for name in ("heads", "tags"):
        (bare / "refs" / name).mkdir(parents=True, exist_ok=True)
    tree = base / "tree"
    git(base, "clone", "-q", str(bare), str(tree))
    git(tree, "config", "user.email", "t@example.com")
    git(tree, "config", "user.name", "t")
    for branch, command in CHANGES.items():
        git(tree, "checkout", "-q", "-B", branch, "v1.17.0")
        subprocess.run(command, shell=True, cwd=tree, check=True)
        git(tree, "add", "-A")
        git(tree, "commit", "-qm", branch)
    git(tree, "checkout", "-q", "v1.17.0")
    return tree


def selected(tree: Path, branch: str, spec: str = "v1.17.0"):
    git(tree, "checkout", "-q", branch)
    return select_changed(discover(tree), changes(Checkout(tree), spec, offline=True))


pytestmark = [needs_snapshot]


def test_an_app_file_selects_its_quickstart_only(pr_tree):
    selection = selected(pr_tree, "app")
    assert selection.reasons == {"pub_sub/python/sdk": "pub_sub/python/sdk/order-processor/app.py changed"}


def test_a_components_folder_selects_every_quickstart_whose_runs_use_it(pr_tree):
    selection = selected(pr_tree, "components")
    assert sorted(selection.reasons) == [f"pub_sub/{lang}/{variant}" for lang in ("csharp", "go", "java", "javascript",
                                                                                  "python") for variant in ("http", "sdk")]
    assert set(selection.reasons.values()) == {"pub_sub/components/pubsub.yaml changed"}


def test_a_readme_selects_its_quickstart(pr_tree):
    assert selected(pr_tree, "readme").reasons == {"state_management/go/sdk": "state_management/go/sdk/README.md changed"}


def test_the_ci_env_selects_everything(pr_tree):
    selection = selected(pr_tree, "env")
    assert selection.everything == ".github/env/global.env added (every job reads it)"
    assert len(selection.reasons) == len(discover(pr_tree))


def test_docs_and_pictures_select_nothing(pr_tree):
    selection = selected(pr_tree, "docs")
    assert selection.reasons == {} and len(selection.unused) == 2


def test_a_renamed_folder_selects_its_new_self_and_who_reads_it(pr_tree):
    selection = selected(pr_tree, "rename")
    move = "tutorials/hello-world renamed to tutorials/hello-world-app"
    # observability's README runs `cd ../hello-world/node`: the move breaks it
    assert selection.reasons == {"tutorials/hello-world-app": move, "tutorials/observability": move}
    assert selection.gone == ("tutorials/hello-world",)


def test_a_base_that_is_not_an_ancestor_diffs_from_the_merge_base(pr_tree):
    selection = selected(pr_tree, "app", "readme")  # readme's commit is not in app's history
    assert list(selection.reasons) == ["pub_sub/python/sdk"]


def test_a_working_copy_adds_what_is_not_committed(pr_tree):
    git(pr_tree, "checkout", "-q", "app")
    extra = pr_tree / "state_management" / "go" / "sdk" / "order-processor" / "scratch.go"
    extra.write_text("package main\n")
    try:
        selection = select_changed(discover(pr_tree), changes(Checkout(pr_tree), "v1.17.0", offline=True))
    finally:
        extra.unlink()
    assert sorted(selection.reasons) == ["pub_sub/python/sdk", "state_management/go/sdk"]


@pytest.mark.parametrize("spec", ["nosuchref", "v1.17.0..nosuchref"])
def test_a_missing_base_is_one_line_exit_2(pr_tree, spec):
    result = run_cli("list", "--repo", str(pr_tree), "--changed", spec)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip() == f"quickstart-runner: --changed: no ref 'nosuchref' in {pr_tree}"


def test_list_changed_says_why_each_is_selected(pr_tree, tmp_path, monkeypatch):
    monkeypatch.setenv("QUICKSTART_RUNNER_CACHE", str(tmp_path / "cache"))
    result = run_cli("list", "--repo", str(pr_tree), "--ref", "rename", "--changed", "v1.17.0")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "tutorials/hello-world-app: tutorials/hello-world renamed to tutorials/hello-world-app",
        "tutorials/observability: tutorials/hello-world renamed to tutorials/hello-world-app",
        "tutorials/hello-world: deleted or moved, nothing to run",
        "2 quickstarts selected by v1.17.0; 4 changed files no quickstart reads"]


def test_range_syntax():
    assert parse_range("main") == ("main", None)
    assert parse_range("main..topic") == ("main", "topic") == parse_range("main...topic")
    with pytest.raises(InputError):
        parse_range("..topic")


def test_docs_tabs_that_reach_a_changed_quickstart_and_no_other(pr_tree, tmp_path, monkeypatch):
    monkeypatch.setenv("QUICKSTART_RUNNER_CACHE", str(tmp_path / "cache"))
    pages = SNAPSHOT.parent.parent / "docs-pages"
    result = run_cli("docs", "check", str(pages), "--repo", str(pr_tree), "--ref", "plant", "--quickstarts-changed",
                     "v1.17.0", "--static-only", "--json", str(tmp_path / "d.json"))
    tabs = json.loads((tmp_path / "d.json").read_text())["tabs"]
    assert {(Path(tab["page"]).name, tab["tab"]) for tab in tabs} == {
        ("statemanagement-quickstart.md", "Python"), ("resiliency-state-quickstart.md", "Python")}, result.stderr
    assert "3 of 65 tabs reach what it changed" in result.stderr


def test_shards_balanced_by_durations_longest_first():
    durations = {"a": 100.0, "b": 60.0, "c": 50.0, "d": 40.0, "e": 10.0}
    parts = slices(list(durations), 2, durations=durations)
    loads = sorted(sum(durations[name] for name in part) for part in parts)
    assert loads == [120.0, 140.0]  # the best two can do; round-robin by name gives 100 and 160
    assert slices(list(durations), 2) == [["a", "c", "e"], ["b", "d"]]
    unknown = slices(["a", "new"], 2, durations={"a": 5.0})  # an untimed job counts as the median
    assert sorted(map(len, unknown)) == [1, 1]


@pytest.mark.e2e
def test_a_pull_request_runs_only_what_it_touches(pr_tree, tmp_path, monkeypatch, daprd_path, no_leftovers):
    monkeypatch.setenv("QUICKSTART_RUNNER_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "r.json"
    result = run_cli("validate", "--repo", str(pr_tree), "--ref", "readme", "--changed", "v1.17.0", "--json", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    document = json.loads(out.read_text())
    assert [(job["quickstart"], job["status"]) for job in document["jobs"]] == [("state_management/go/sdk", "passed")]
    assert document["run"]["changed"]["selected"] == {
        "state_management/go/sdk": "state_management/go/sdk/README.md changed"}
    nothing = run_cli("validate", "--repo", str(pr_tree), "--ref", "docs", "--changed", "v1.17.0", "--json", str(out))
    assert nothing.returncode == 0 and json.loads(out.read_text())["jobs"] == []
    assert "nothing to run: the change touches no quickstart" in nothing.stderr
