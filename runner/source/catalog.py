"""Discover quickstarts in a tree laid out as upstream: <building_block>/<lang>/<variant>/, and every
other folder whose README is annotated (the tutorials)."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

from runner.formats.runtemplate import RunTemplate, parse_run_template
from runner.errors import InputError
from runner.formats.shellwords import shell_calls
from runner.formats.readmepage import is_command_block
from runner.formats.steps import load_annotated
from runner.recipes import LANGUAGES
from runner.source.needs import SOURCE_SUFFIXES
from runner.source.readerblocks import kind_of, program_languages
from runner.workspace import BUILD_OUTPUTS

VARIANTS = ("sdk", "http")
RESOURCE_DIRS = ("resources", "components")  # upstream moved components/ to resources/


PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
BUNDLED_QUICKSTARTS = PROJECT_ROOT / "quickstarts"  # the tree validated when none is given
BUNDLED_EXPECTED = PROJECT_ROOT / "expected"


def expected_for(tree: Path, given: Path | None = None) -> Path | None:
    """Where a tree's expected transcripts are: `given`; the bundled ones for the bundled tree;
    an `expected/` at the tree's root; else none (its READMEs' STEP blocks decide)."""
    if given:
        return given
    if tree.resolve() == BUNDLED_QUICKSTARTS.resolve():
        return BUNDLED_EXPECTED
    own = tree / "expected"
    return own if own.is_dir() else None


@dataclass(frozen=True)
class Quickstart:
    building_block: str
    language: str  # a recipe's, or "multi" (a tutorial whose steps prepare several: `languages`)
    variant: str  # sdk | http; a tutorial's own name (`hello-world`)
    path: Path
    readme: Path | None
    template_path: Path | None  # dapr.yaml, read only when the quickstart is planned
    resources: Path | None  # the building block's shared resources folder
    expected: Path | None
    root: Path  # the tree it is in
    languages: tuple[str, ...] = ()  # what its steps prepare (for "multi": every one of them)

    @property
    def name(self) -> str:
        """Its path in the tree: `pub_sub/python/sdk`, `tutorials/hello-world`."""
        return self.path.relative_to(self.root).as_posix()

    @property
    def tree(self) -> Path:
        return self.root

    @property
    def languages_needed(self) -> tuple[str, ...]:
        """The recipes it needs: its language's, a tutorial's every one (none, when its steps only
        call the CLI, curl or kubectl)."""
        return self.languages if self.language == "multi" else (self.language,)

    def template(self) -> RunTemplate | None:
        return parse_run_template(self.template_path) if self.template_path else None

    @property
    def expected_source(self) -> str:
        if self.expected is not None:
            return "expected file"
        return "README" if self.readme is not None else "none"  # README: its STEP expectations, if any


def expected_path(expected_root: Path | None, building_block: str, language: str, variant: str) -> Path | None:
    if expected_root is None:
        return None
    path = expected_root / building_block / f"{language}-{variant}.txt"
    return path if path.is_file() else None


def discover(root: Path, expected_root: Path | None = None) -> list[Quickstart]:
    """The quickstarts of a tree: every `<building_block>/<language>/<variant>/` folder, and every
    other folder whose README a reader follows (the tutorials): one annotated with STEP blocks,
    one whose commands start an app there, or one beside the apps' own sources; not one inside
    another's folder (a part of that quickstart)."""
    quickstarts = []
    for block in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        resources = next((block / name for name in RESOURCE_DIRS if (block / name).is_dir()), None)
        for language in LANGUAGES:
            for variant in VARIANTS:
                path = block / language / variant
                if not path.is_dir():
                    continue
                template_path = path / "dapr.yaml"
                readme = path / "README.md"
                quickstarts.append(Quickstart(
                    building_block=block.name, language=language, variant=variant, path=path,
                    readme=readme if readme.is_file() else None,
                    template_path=template_path if template_path.is_file() else None,
                    resources=resources, root=root,
                    expected=expected_path(expected_root, block.name, language, variant),
                ))
    known = {qs.path for qs in quickstarts}
    for readme in _followed_readmes(root):
        path = readme.parent
        if path in known or any(parent in known for parent in path.parents) or path == root:
            continue
        known.add(path)
        parts = path.relative_to(root).parts
        named = [part for part in parts if part in LANGUAGES]
        language = named[0] if named else "multi"
        template_path = path / "dapr.yaml"
        quickstarts.append(Quickstart(
            building_block=parts[0], language=language, variant=parts[-1], path=path, readme=readme,
            template_path=template_path if template_path.is_file() else None, resources=None, root=root,
            expected=None, languages=() if named else languages_of(readme)))
    return sorted(quickstarts, key=lambda qs: qs.name)


def _followed_readmes(root: Path) -> list[Path]:
    """READMEs a reader follows, top-down (a folder before the folders in it); not an index whose
    apps all start in folders with READMEs of their own (`cd openai`: follow that one)."""
    found: dict[Path, set[str]] = {}  # README -> the subfolders its apps start in
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(name for name in subfolders if not name.startswith(".") and name not in BUILD_OUTPUTS)
        if "README.md" in files:
            readme = Path(folder) / "README.md"
            with contextlib.suppress(OSError):
                text = readme.read_text(errors="replace")
                if "<!-- STEP" in text:
                    found[readme] = set()
                elif (starts := _starts_in(readme, files)) is not None:
                    found[readme] = starts
    return [readme for readme, starts in found.items()
            if not starts or not all(readme.parent / sub / "README.md" in found for sub in starts)]


def _starts_in(readme: Path, files: list[str]) -> set[str] | None:
    """A README with no STEP that is a quickstart's: the subfolders its commands start apps in (an
    empty set: its own folder, or it lies beside the apps' own sources); None: it starts none."""
    beside = any(Path(name).suffix in SOURCE_SUFFIXES for name in files)
    try:
        blocks = load_annotated(readme).blocks
    except InputError:
        return set()  # read again when planned, where what is wrong is said
    folders = {call.cwd.parts[0] if call.cwd.parts else "." for block in blocks if is_command_block(block)
               for call in shell_calls(block.text) if kind_of([call]) == "start"}
    if beside or "." in folders:
        return set()
    return {folder for folder in folders if folder != ".."} or None


def languages_of(readme: Path) -> tuple[str, ...]:
    """The languages a README's commands use: those whose programs they call (a README that cannot
    be read says so when it is planned)."""
    try:
        return program_languages(load_annotated(readme))
    except InputError:
        return ()
