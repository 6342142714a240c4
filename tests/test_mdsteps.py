"""README STEP annotations: our parse agrees with mechanical-markdown's own, and bad ones are FILE:LINE errors."""

import json
import os
from pathlib import Path

import pytest

from conftest import QUICKSTARTS, ROOT, run_cli
from runner.errors import InputError
from runner.formats.steps import load_annotated, parse_annotated

CORPUS = sorted((ROOT / "tests/data/mm_corpus").glob("*.md")) + sorted(QUICKSTARTS.rglob("README.md"))


def mm_view(path: Path) -> list[dict]:
    from mechanical_markdown import MechanicalMarkdown

    steps = []
    for step in MechanicalMarkdown(path.read_text(), shell="bash -c").all_steps:
        extra_env = {k: v for k, v in step.env.items() if os.environ.get(k) != v or k not in os.environ}
        steps.append({
            "name": step.name, "commands": [c.command for c in step.commands],
            "expected_stdout_lines": list(step.expected_lines["stdout"]),
            "expected_stderr_lines": list(step.expected_lines["stderr"]),
            "output_match_mode": step.match_mode, "match_order": step.match_order,
            "background": step.background, "sleep": step.sleep, "timeout_seconds": step.timeout,
            "working_dir": None if step.working_dir == os.getcwd() else step.working_dir,
            "env": extra_env, "expected_return_code": step.expect_return_code, "tags": list(step.tags),
        })
    return steps


def our_view(path: Path) -> list[dict]:
    result = run_cli("steps", str(path), "--json")
    assert result.returncode == 0, result.stderr
    keys = ("name", "commands", "expected_stdout_lines", "expected_stderr_lines", "output_match_mode",
            "match_order", "background", "sleep", "timeout_seconds", "working_dir", "env",
            "expected_return_code", "tags")
    return [{key: step[key] for key in keys} for step in json.loads(result.stdout)]


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: str(p.relative_to(ROOT)))
def test_steps_json_agrees_with_mechanical_markdown(path):
    ours = our_view(path)
    theirs = mm_view(path)
    # mechanical-markdown keeps env values as YAML gave them (None for an empty key).
    for step in theirs:
        step["env"] = {k: "" if v is None else str(v) for k, v in step["env"].items()}
    assert ours == theirs


def test_links_and_ignored_links():
    annotated = load_annotated(ROOT / "tests/data/mm_corpus/ignore_links.md")
    assert annotated.links == [("https://ignored.example.com", True, 4)]


@pytest.mark.parametrize("text, line, words", [
    ("<!-- STEP\nname: a\n-->\n```bash\necho\n```\n", 1, "never closed with <!-- END_STEP -->"),
    ("<!-- END_STEP -->\n", 1, "without a <!-- STEP -->"),
    ("<!-- STEP\nname: a\n-->\n<!-- STEP\nname: b\n-->\n<!-- END_STEP -->\n", 4, "still open"),
    ("text\n<!-- STEP\nname: a\nexpected_stdout_lines: [unclosed\n-->\n<!-- END_STEP -->\n", 5, "invalid YAML"),
    ("<!-- STEP\nname: a\nsleep: soon\n-->\n<!-- END_STEP -->\n", 1, "'sleep' must be a number"),
    ("<!-- STEP\noutput_match_mode: fuzzy\n-->\n<!-- END_STEP -->\n", 1, "output_match_mode"),
    ("<!-- STEP\nexpected_stdout_lines: one line\n-->\n<!-- END_STEP -->\n", 1, "list of strings"),
    ("<!-- STEP\nnmae: typo\n-->\n<!-- END_STEP -->\n", 1, "unknown option(s): nmae"),
    ("<!-- STEP\n- a\n-->\n<!-- END_STEP -->\n", 1, "mapping"),
    ("<!-- STEP\nname: a\n", 1, "never closed with -->"),
    ("<!-- IGNORE_LINKS -->\n", 1, "never closed with <!-- END_IGNORE -->"),
])
def test_bad_annotations(text, line, words):
    with pytest.raises(InputError) as err:
        parse_annotated(text, Path("README.md"))
    assert str(err.value).startswith(f"README.md:{line}: "), str(err.value)
    assert words in str(err.value)


def test_steps_command_reports_bad_readme_in_one_line(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("intro\n\n<!-- STEP\nname: x\ntimeout_seconds: [\n-->\n")
    result = run_cli("steps", str(readme), "--json")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [f"quickstart-runner: {readme}:6: invalid YAML: "
                                                  f"{result.stderr.split('invalid YAML: ')[1].strip()}"]


def test_steps_indented_inside_list_items_are_read_as_mechanical_markdown_reads_them():
    text = ("1. Install:\n\n    <!-- STEP\n    name: install\n    expected_stdout_lines:\n    - 'ok'\n    -->\n"
            "    ```bash\n    echo ok\n    ```\n    <!-- END_STEP -->\n\n2. Done\n")
    (step,) = parse_annotated(text, Path("README.md")).steps
    assert (step.name, step.line, step.expected_stdout_lines) == ("install", 3, ["ok"])
    assert [(command.text, command.line) for command in step.commands] == [("echo ok", 8)]


def test_a_step_no_reader_can_see_is_an_input_error():
    text = "# Title\n\nSome text <!-- STEP\nname: x\n--> more text\n```bash\necho\n```\n"
    with pytest.raises(InputError) as error:
        parse_annotated(text, Path("README.md"))
    assert error.value.line == 3 and "no step can be read" in str(error.value)


def test_a_step_shown_inside_a_code_fence_is_an_example_not_an_annotation(tmp_path):
    """As in dapr/java-sdk's CONTRIBUTING.md: a STEP block shown as an example in a fence. mm.py
    reads no step from it and runs nothing; neither do we (no input error)."""
    text = ("# Contributing\n\nAnnotate a README like this:\n\n```md\n<!-- STEP\nname: Run\nexpected_stdout_lines:\n"
            "  - 'ok'\n-->\n\n    echo ok\n\n<!-- END_STEP -->\n```\n\nThat is all.\n")
    assert parse_annotated(text, Path("CONTRIBUTING.md")).steps == []
    (tmp_path / "CONTRIBUTING.md").write_text(text)
    from mechanical_markdown.recipe import Recipe

    assert Recipe(text).all_steps == []  # mm.py's own reading
