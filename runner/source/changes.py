"""What a change touches: the files a git range changed in the repository a tree comes from
(`BASE..HEAD`, `BASE...HEAD` or `BASE`), taken from their merge-base as `git diff BASE...HEAD`
takes them, renames followed. With no HEAD: the checked-out commit, and for a local working
copy also what is not committed yet (what a maintainer is about to push)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from runner.errors import InputError
from runner.source.repo import Checkout, resolve_ref

WORKING_TREE = "the working tree"


@dataclass(frozen=True)
class Change:
    status: str  # A added, M modified, D deleted, R renamed (T, C as git says)
    path: str  # from the repository's root, as git names it; a rename's new path
    old_path: str | None = None  # a rename's old path

    @property
    def paths(self) -> tuple[str, ...]:
        return (self.path,) if self.old_path is None else (self.old_path, self.path)

    def describe(self) -> str:
        """`a/app.py changed`; a rename as the folder move it is part of (`tutorials/hello-world
        renamed to tutorials/hello-world-app`), so that every file of one move reads the same."""
        if self.status == "R" and self.old_path is not None:
            old, new = PurePosixPath(self.old_path).parts, PurePosixPath(self.path).parts
            same = 0
            while same < min(len(old), len(new)) - 1 and old[-1 - same] == new[-1 - same]:
                same += 1
            return f"{PurePosixPath(*old[:len(old) - same])} renamed to {PurePosixPath(*new[:len(new) - same])}"
        return f"{self.path} {dict(A='added', D='deleted').get(self.status, 'changed')}"


@dataclass(frozen=True)
class ChangeSet:
    changes: tuple[Change, ...]
    base: str  # as given
    merge_base: str  # the commit the diff starts from
    head: str  # the commit it ends at, or WORKING_TREE
    top: Path  # the repository's root on disk: changed paths are from here
    tree_prefix: PurePosixPath  # where the quickstarts tree lies in the repository (`.` at its root)

    def in_tree(self, path: str) -> PurePosixPath | None:
        """A changed path from the tree's root; None when it lies outside the tree."""
        pure = PurePosixPath(path)
        if self.tree_prefix == PurePosixPath("."):
            return pure
        try:
            return pure.relative_to(self.tree_prefix)
        except ValueError:
            return None


def parse_range(text: str) -> tuple[str, str | None]:
    """`BASE..HEAD`, `BASE...HEAD` (both from their merge-base) or `BASE`: (base, head or None)."""
    base, dots, head = text.partition("...") if "..." in text else text.partition("..")
    if not base or (dots and not head):
        raise InputError(f"wants BASE, BASE..HEAD or BASE...HEAD, not {text!r}", "--changed")
    return base, head or None


def changes(source: Checkout, spec: str, offline: bool, option: str = "--changed") -> ChangeSet:
    """The changes of `spec` in the repository `source` comes from."""
    import git  # GitPython, imported when a range is asked for

    base, head = parse_range(spec)
    if source.git_dir is not None:  # a checkout of a cached mirror
        repo, where, top = git.Repo(source.git_dir), source.url or str(source.git_dir), source.root
        head_commit = resolve_ref(repo, head, offline, where, option) if head else source.commit
    else:
        try:
            repo = git.Repo(source.root, search_parent_directories=True)
        except (git.InvalidGitRepositoryError, git.NoSuchPathError):
            raise InputError(f"{option} needs a git repository, and this tree is in none", source.root) from None
        where, top = str(source.root), Path(repo.working_tree_dir)
        head_commit = _commit(repo, head, where, option) if head else None
    base_commit = resolve_ref(repo, base, offline, where, option) if source.git_dir else _commit(repo, base, where, option)
    merge_base = _merge_base(repo, base_commit, head_commit or _commit(repo, "HEAD", where, option), spec, option)
    against = [head_commit] if head_commit else []  # no HEAD in a working copy: what is on disk
    listed = repo.git.diff("--name-status", "-M", "--no-color", "-z", merge_base, *against)
    found = _parse_name_status(listed)
    if head_commit is None:
        untracked = repo.git.ls_files("--others", "--exclude-standard", "-z").split("\0")
        found += [Change("A", path) for path in untracked if path]
    prefix = PurePosixPath(Path(source.root).resolve().relative_to(top.resolve()).as_posix())
    return ChangeSet(tuple(found), base, merge_base, head_commit or WORKING_TREE, top.resolve(), prefix)


def _commit(repo, ref: str, where: str, option: str) -> str:
    import git

    try:
        return repo.git.rev_parse("--verify", "--quiet", f"{ref}^{{commit}}")
    except git.GitCommandError:
        raise InputError(f"no ref {ref!r} in {where}", option) from None


def _merge_base(repo, base: str, head: str, spec: str, option: str) -> str:
    import git

    try:
        return repo.git.merge_base(base, head)
    except git.GitCommandError:
        raise InputError(f"{spec}: the two refs share no history", option) from None


def _parse_name_status(text: str) -> list[Change]:
    """`git diff --name-status -z`: a status word, then one path (two for a rename or copy)."""
    fields = [field for field in text.split("\0")]
    found, i = [], 0
    while i < len(fields) and fields[i]:
        status = fields[i][0]
        if status in "RC":
            found.append(Change("R" if status == "R" else "A", fields[i + 2], fields[i + 1] if status == "R" else None))
            i += 3
        else:
            found.append(Change(status, fields[i + 1]))
            i += 2
    return found
