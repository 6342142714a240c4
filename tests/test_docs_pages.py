"""The reference pages under docs/ say what the command line does: each command's page lists
exactly the options argparse has (and the pytest page those the plugin registers), and every
page the README links to exists."""

import argparse
import re

import pytest

from conftest import ROOT
from runner.cli.main import COMMANDS, build_parser

DOCS = ROOT / "docs"
PAGES = {"validate": "validate", "list": "list", "docs check": "docs-check", "readme": "readme", "steps": "steps",
         "matrix": "matrix", "report merge": "report-merge", "provision": "provision", "doctor": "doctor"}


def _parsers() -> dict[str, argparse.ArgumentParser]:
    commands = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    found = {}
    for name, parser in commands.choices.items():
        inner = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        for sub, subparser in (inner[0].choices.items() if inner else [(None, parser)]):
            found[f"{name} {sub}" if sub else name] = subparser
    return found


def documented(page: str) -> set[str]:
    """The option strings of a page's `## Options` bullets."""
    text = (DOCS / f"{page}.md").read_text()
    section = text.split("\n## Options\n", 1)[1].split("\n## ", 1)[0] if "\n## Options\n" in text else ""
    return {flag for line in section.splitlines() if line.startswith("- ")
            for flag in re.findall(r"`(-{1,2}[\w-]+)", line.split(": ", 1)[0])}


def test_every_command_has_a_page():
    assert set(PAGES) == set(_parsers()) and {name.split()[0] for name in PAGES} == set(COMMANDS)


@pytest.mark.parametrize("command", sorted(PAGES))
def test_a_commands_page_lists_exactly_its_options(command):
    parser = _parsers()[command]
    real = {flag for action in parser._actions for flag in action.option_strings} - {"-h", "--help"}
    assert documented(PAGES[command]) == real, f"docs/{PAGES[command]}.md ## Options"


def test_the_pytest_page_lists_the_plugins_options():
    import runner.testing.plugin as plugin

    class Recorder:
        def __init__(self):
            self.flags = set()

        def getgroup(self, *args):
            return self

        def addoption(self, *flags, **kwargs):
            self.flags |= set(flags)

        def addini(self, *args, **kwargs):
            pass

    recorder = Recorder()
    plugin.pytest_addoption(recorder)
    assert documented("pytest") == recorder.flags


def test_every_page_the_readme_links_to_exists():
    links = re.findall(r"\]\((docs/[^)]+\.md)\)", (ROOT / "README.md").read_text())
    assert links and all((ROOT / link).is_file() for link in links)
    assert "## Options" not in (ROOT / "README.md").read_text()  # the reference lives in docs/
