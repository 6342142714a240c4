"""Where the quickstarts come from: a local tree, or a git repository at a ref (GitPython).

A repository is cloned once into a bare mirror under the cache, fetched only when the
ref is not there yet (never with `offline`), and each commit is checked out into a
worktree of its own, so two refs can be validated side by side.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from runner.cache import build_once, cache_root, digest, locked
from runner.errors import InputError

UPSTREAM = "https://github.com/dapr/quickstarts"


@dataclass(frozen=True)
class Checkout:
    root: Path
    url: str | None = None
    ref: str | None = None
    commit: str | None = None
    git_dir: Path | None = None  # the cached mirror it was checked out of (None: a local tree)


def _is_url(text: str) -> bool:
    return "://" in text or text.startswith("git@")


def _last_line(exc) -> str:
    """git's own reason: its first `fatal:`/`error:` line, else its last line."""
    lines = [line.strip().removeprefix("stderr: ").strip("'").strip() for line in str(exc.stderr or exc).splitlines()]
    lines = [line for line in lines if line]
    reason = next((line for line in lines if line.startswith(("fatal:", "error:"))), lines[-1] if lines else str(exc))
    return reason.removeprefix("fatal: ").removeprefix("error: ")


def _mirror(url: str, offline: bool):
    import git  # GitPython: imported only when a repository is used (it is slow to import)

    path = cache_root() / "repos" / f"{digest([url])}.git"
    with locked(path):
        if (path / "HEAD").exists():
            return git.Repo(path)
        if offline:
            raise InputError("not in the cache, and --offline forbids cloning it", url)
        # Clone beside, then rename: an interrupted clone never looks like a mirror, and
        # what it left is swept here, under the lock.
        path.parent.mkdir(parents=True, exist_ok=True)
        for leftover in path.parent.glob(path.name + ".*"):
            if leftover.is_dir():
                shutil.rmtree(leftover, ignore_errors=True)
        scratch = Path(tempfile.mkdtemp(prefix=path.name + ".", dir=path.parent))
        try:
            if _bare_without_refs(url):
                _copy_bare(Path(url), scratch / "m.git")
            else:
                git.Repo.clone_from(url, scratch / "m.git", mirror=True, env={"GIT_TERMINAL_PROMPT": "0"})
            os.rename(scratch / "m.git", path)
        except git.GitCommandError as exc:
            raise InputError(f"cannot clone: {_last_line(exc)}", url) from None
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        return git.Repo(path)


def _bare_without_refs(source: str) -> bool:
    """A bare repository whose empty `refs/` was lost on the way (copied without empty folders,
    its refs all in packed-refs): git no longer recognises it, though nothing else is missing."""
    path = Path(source)
    return (not _is_url(source) and (path / "HEAD").is_file() and (path / "objects").is_dir()
            and (path / "packed-refs").is_file() and not (path / "refs").exists())


def _copy_bare(source: Path, target: Path) -> None:
    """The mirror as a writable copy of `source`, with its `refs/` laid again."""
    shutil.copytree(source, target, copy_function=shutil.copyfile)  # the source may be read-only
    for folder, _, _ in os.walk(target):
        os.chmod(folder, 0o755)
    for name in ("heads", "tags"):
        (target / "refs" / name).mkdir(parents=True, exist_ok=True)


def _resolve(repo, ref: str) -> str | None:
    import git

    try:
        return repo.git.rev_parse("--verify", "--quiet", f"{ref}^{{commit}}")
    except git.GitCommandError:
        return None


def resolve_ref(repo, ref: str, offline: bool, source: str, option: str) -> str:
    """The commit `ref` names in `repo`, fetched from its origin when not there yet (not offline);
    a ref nowhere is one line naming the option that gave it."""
    import git

    with locked(Path(repo.git_dir)):
        commit = _resolve(repo, ref)
        if commit is None and not offline and any(remote.name == "origin" for remote in repo.remotes):
            try:
                repo.git.fetch("--prune", "origin", env={"GIT_TERMINAL_PROMPT": "0"})
            except git.GitCommandError as exc:
                raise InputError(f"cannot fetch: {_last_line(exc)}", source) from None
            commit = _resolve(repo, ref)
    if commit is None:
        raise InputError(f"no ref {ref!r} in {source}" + (" (offline: not fetched)" if offline else ""), option)
    return commit


def _is_bare(folder: Path) -> bool:
    """A bare git repository (`git clone --bare`): git's own files, no work tree."""
    return all((folder / name).exists() for name in ("HEAD", "objects", "refs")) and not (folder / ".git").exists()


def acquire(repo: str | None, ref: str | None, offline: bool, bundled: Path, option: str = "--ref") -> Checkout:
    if repo is None and ref is None:
        return Checkout(bundled)
    source = repo or UPSTREAM
    local = Path(source).expanduser()
    if not _is_url(source):
        if not local.is_dir():
            raise InputError("no such quickstarts directory or repository", source)
        if ref is None and not _is_bare(local):  # a bare repository has no files to read: its HEAD is checked out
            return Checkout(local.resolve())
        source = str(local.resolve())
    if ref is None:
        ref = "HEAD"
    import git

    mirror = _mirror(source, offline)
    commit = resolve_ref(mirror, ref, offline, source, option)

    def checkout(target: Path) -> None:
        with locked(Path(mirror.git_dir)):
            mirror.git.worktree("prune")
            try:
                mirror.git.worktree("add", "--detach", "--force", str(target / "tree"), commit)
            except git.GitCommandError as exc:  # e.g. a mirror whose objects are incomplete
                shutil.rmtree(target / "tree", ignore_errors=True)
                mirror.git.worktree("prune")  # and git's own record of the half-made worktree
                raise InputError(f"cannot check out {ref} ({commit[:12]}): {_last_line(exc)}", source) from None

    folder = cache_root() / "worktrees" / digest([source])
    try:
        target, _ = build_once(folder / commit[:16], checkout)
    except InputError:
        with contextlib.suppress(OSError):
            folder.rmdir()  # only when nothing else of this repository is checked out
        raise
    return Checkout(target / "tree", source, ref, commit, Path(mirror.git_dir))
