"""Discover quickstarts in a tree laid out as upstream: <building_block>/<lang>/<variant>/."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from runner.formats.runtemplate import RunTemplate, parse_run_template
from runner.recipes import LANGUAGES

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
    language: str
    variant: str
    path: Path
    readme: Path | None
    template_path: Path | None  # dapr.yaml, read only when the quickstart is planned
    resources: Path | None  # the building block's shared resources folder
    expected: Path | None

    @property
    def name(self) -> str:
        return f"{self.building_block}/{self.language}/{self.variant}"

    @property
    def tree(self) -> Path:
        return self.path.parents[2]  # TREE/building_block/language/variant

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
                    resources=resources,
                    expected=expected_path(expected_root, block.name, language, variant),
                ))
    return quickstarts
