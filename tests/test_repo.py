"""Quickstarts from git: local bare repositories with commits, a branch and a tag."""

import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT, run_cli

TREE = ROOT / "tests/data/upstream_tree"


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True,
                          env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
                               "GIT_COMMITTER_EMAIL": "t@t", "PATH": "/usr/bin:/bin"}).stdout.strip()


@pytest.fixture
def bare_repo(tmp_path) -> Path:
    """main: a passing README quickstart (tag v1); branch broken: its expectation changed."""
    src = tmp_path / "src"
    shutil.copytree(TREE, src)
    git(src, "init", "-q", "-b", "main")
    git(src, "add", "-A")
    git(src, "commit", "-qm", "quickstart")
    git(src, "tag", "v1")
    git(src, "checkout", "-qb", "broken")
    readme = src / "state_management/python/http/README.md"
    readme.write_text(readme.read_text().replace("Saved order 2", "Stored order 2"))
    git(src, "commit", "-qam", "drift")
    git(src, "checkout", "-q", "main")
    (src / "state_management/python/http/NOTES.md").write_text("later\n")
    git(src, "add", "-A")
    git(src, "commit", "-qm", "later")
    bare = tmp_path / "quickstarts.git"
    git(tmp_path, "clone", "-q", "--bare", str(src), str(bare))
    return bare


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("QUICKSTART_RUNNER_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_list_at_refs_and_side_by_side_worktrees(bare_repo, cache):
    for ref in ("v1", "broken", "main"):
        result = run_cli("list", "--repo", f"file://{bare_repo}", "--ref", ref, "--expected", "/nonexistent")
        assert result.returncode == 0, result.stderr
        row = next(line.split() for line in result.stdout.splitlines() if line.startswith("state_management/python/http "))
        assert row[1:] == ["python", "order-processor", "-", "README", "-", "yes"]
    trees = sorted(p.name for p in (cache / "worktrees").glob("*/*") if p.is_dir())
    assert len(trees) == 3  # one worktree per commit
    assert len(list((cache / "repos").glob("*.git"))) == 1  # cloned once


def test_a_bare_repository_path_without_ref_is_its_head(bare_repo, cache):
    result = run_cli("list", "--repo", str(bare_repo), "--expected", "/nonexistent")
    assert result.returncode == 0, result.stderr
    assert any(line.startswith("state_management/python/http ") for line in result.stdout.splitlines()), result.stdout


@pytest.mark.e2e
def test_validate_at_each_ref(bare_repo, cache, daprd_path, no_leftovers):
    verdicts = {}
    for ref in ("v1", "broken"):
        result = run_cli("validate", "--repo", str(bare_repo), "--ref", ref, "--expected", "/nonexistent")
        verdicts[ref] = result.returncode
        if ref == "broken":
            assert "expected stdout line not found: `== APP == Stored order 2`" in result.stdout
    assert verdicts == {"v1": 0, "broken": 1}


def test_offline_uses_only_the_cache(bare_repo, cache):
    assert run_cli("list", "--repo", str(bare_repo), "--ref", "v1", "--offline").returncode == 2
    assert run_cli("list", "--repo", str(bare_repo), "--ref", "v1").returncode == 0
    assert run_cli("list", "--repo", str(bare_repo), "--ref", "v1", "--offline").returncode == 0


@pytest.mark.parametrize("args, words", [
    (["--ref", "no-such-ref"], "--ref: no ref 'no-such-ref' in"),
])
def test_missing_ref_is_one_line_exit_2(bare_repo, cache, args, words):
    result = run_cli("list", "--repo", str(bare_repo), *args)
    assert result.returncode == 2 and words in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_missing_repo_and_path_are_one_line_exit_2(tmp_path, cache):
    missing = run_cli("list", "--repo", f"file://{tmp_path}/nope.git", "--ref", "main")
    assert missing.returncode == 2
    assert missing.stderr.strip() == f"quickstart-runner: file://{tmp_path}/nope.git: cannot clone: " \
                                     f"'{tmp_path}/nope.git' does not appear to be a git repository"
    assert not list((cache / "repos").glob("*.git"))  # nothing half-made is left as a mirror
    path = run_cli("validate", "--repo", str(tmp_path / "nowhere"))
    assert path.returncode == 2 and "no such quickstarts directory or repository" in path.stderr


def test_an_interrupted_clone_leaves_nothing_that_breaks_the_next(bare_repo, cache):
    # What a clone killed half-way leaves: its scratch dir beside the mirror, and the lock file.
    from runner.cache import digest

    repos = cache / "repos"
    name = f"{digest([str(bare_repo)])}.git"
    scratch = repos / f"{name}.abc123"
    (scratch / "m.git" / "objects").mkdir(parents=True)
    (scratch / "m.git" / "HEAD").write_text("ref: refs/heads/broken\n")
    (repos / f"{name}.lock").write_text("")
    result = run_cli("list", "--repo", str(bare_repo), "--ref", "v1")
    assert result.returncode == 0, result.stderr
    assert (repos / name / "HEAD").exists()  # a whole mirror, made afresh
    assert not scratch.exists()  # and the leftover swept


def test_a_read_only_bare_repository_without_its_refs_folder(bare_repo, tmp_path):
    # As a snapshot copied without empty folders: all refs packed, refs/ gone, nothing writable.
    git(bare_repo, "pack-refs", "--all")
    shutil.rmtree(bare_repo / "refs")
    for path in [bare_repo, *bare_repo.rglob("*")]:
        path.chmod(0o555 if path.is_dir() else 0o444)
    env = {"QUICKSTART_RUNNER_CACHE": str(tmp_path / "cache")}
    try:
        result = run_cli("list", "--repo", str(bare_repo), "--ref", "v1", "--json", env=env)
        assert result.returncode == 0, result.stderr
        assert "state_management" in result.stdout
        missing = run_cli("list", "--repo", str(bare_repo), "--ref", "v9", env=env)
        assert missing.returncode == 2 and "no ref 'v9'" in missing.stderr
    finally:
        for path in [bare_repo, *bare_repo.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
