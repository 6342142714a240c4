"""Bad input, generated and hand-written: never a traceback; either parsed or one FILE:LINE error."""

import contextlib
import os
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from runner.cli.main import main
from runner.formats.docspage import parse_page
from runner.errors import InputError
from runner.formats.steps import parse_annotated
from runner.formats.runtemplate import parse_run_template
from runner.formats.expected import parse_expected

# FUZZ_EXAMPLES raises the budget for a longer local hunt (CI runs the default).
BUDGET = int(os.environ.get("FUZZ_EXAMPLES", "300"))
FUZZ = settings(max_examples=BUDGET, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Pieces that make the parsers take their interesting paths.
markdown_bits = st.sampled_from([
    "<!-- STEP\n", "-->\n", "<!-- END_STEP -->\n", "<!-- IGNORE_LINKS -->\n", "<!-- END_IGNORE -->\n",
    "```bash\n", "```\n", "~~~sh\n", "name: x\n", "expected_stdout_lines:\n", "  - a\n", "sleep: [\n",
    "background: maybe\n", "env: 3\n", "tags: {a: 1}\n", "expected_return_code: x\n", "timeout_seconds: -1\n",
    "echo hi\n", "[l](https://example.com)\n", ": :\n", "- - -\n", "\t\n", "'unterminated\n", "&anchor\n", "*alias\n",
    "{{< tabs \"A\" \"B\" >}}\n", "{{% codetab %}}\n", "{{% /codetab %}}\n", "cd state_management/go/sdk/x\n",
    "dapr run --app-id a --app-port x -- go run .\n", "== APP == hi\n", "Verify you have the following files\n",
    "- `package.json`\n", "working_dir: \"a\\0b\"\n", "echo \x00\n", "cd a\x00b\n",
])
documents = st.lists(markdown_bits | st.text(max_size=20), max_size=25).map("".join)
yaml_bits = st.sampled_from([
    "version: 1\n", "apps:\n", "  - appID: a\n", "    appDirPath: ./a\n", "    command: [x]\n", "    command: {a: b}\n",
    "    appDirPath: \"a\\0\"\n", "    env: {A: \"\\0\"}\n", "    appPort: 99999\n", "    appPort: true\n", "    env: [1]\n", "common:\n", "  resourcesPath: ../r\n",
    "common: 3\n", "apps: 3\n", "- x\n", "[", "{", ": x\n", "  - 3\n", "    daprHTTPPort: 0\n", "\t", "!!python/object:os.system\n",
])
yaml_docs = st.lists(yaml_bits | st.text(max_size=10), max_size=15).map("".join)
front_bits = st.sampled_from(["---\n", "match: regex\n", "order: any\n", "timeout: 0\n", "timeout: x\n", "stream: x\n",
                              "normalize: [ansi]\n", "normalize: 3\n", "(\n", "[..]\n", "a\n", "\n", "x: [\n"])
expected_docs = st.lists(front_bits | st.text(max_size=10), max_size=12).map("".join)


def parses_or_input_error(parse, text, path):
    try:
        parse(text, path)
    except InputError as exc:
        assert str(exc).startswith(f"{path}:"), str(exc)
        assert "\n" not in str(exc).strip()


@FUZZ
@given(documents)
def test_readme_steps(text):
    parses_or_input_error(parse_annotated, text, Path("README.md"))


@FUZZ
@given(documents)
def test_docs_pages(text):
    parses_or_input_error(parse_page, text, Path("page.md"))


@FUZZ
@given(expected_docs)
def test_expected_files(text):
    parses_or_input_error(parse_expected, text, Path("expected.txt"))


@FUZZ
@given(yaml_docs)
def test_dapr_yaml(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("t") / "dapr.yaml"
    path.write_text(text)
    try:
        parse_run_template(path)
    except InputError as exc:
        assert str(exc).startswith(f"{path}:")


cli_words = st.sampled_from(["validate", "list", "steps", "docs", "check", "readme", "provision", "daprd", "--lang",
                             "cobol", "python", "-j", "0", "-j", "x", "--redis", "h", "--repo", "/nonexistent",
                             "--retries", "-5", "--variant", "web", "--expected", "--json", "--timeout", "nan",
                             "/nonexistent/README.md", "--ref", "--offline", "-t", "-s"])


@settings(max_examples=BUDGET, deadline=None)
@given(st.lists(cli_words, max_size=6))
def test_cli_arguments_never_trace(words):
    if words[:2] in (["provision", "daprd"], ["validate"]) and not {"--repo", "/nonexistent"} & set(words):
        return  # would build or run for real: covered by the end-to-end tests
    if words[:1] == ["validate"] and "/nonexistent" not in words:
        return
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(words)  # any exception but SystemExit fails the test: it would be a traceback
        except SystemExit as exc:  # argparse: usage error, exit 2
            code = exc.code
    assert code in (0, 1, 2), (words, err.getvalue())


MALFORMED = [  # each must be refused, naming the file and the line at fault
    ("README.md", "<!-- STEP\nname: [\n-->\n<!-- END_STEP -->\n", 3),  # where YAML finds the list unclosed
    ("README.md", "<!-- STEP\nexpected_stdout_lines:\n  - a\n  -b: c\n-->\n", 4),
    ("README.md", "<!-- STEP -->\n```bash\necho\n```\n<!-- END_STEP -->\n<!-- END_STEP -->\n", 6),
    ("README.md", "<!--\nSTEP\n" + "a: b\n" * 1000 + "-->\n<!-- END_STEP -->\n", 1),
    ("page.md", "{{< tabs >}}\n{{% codetab %}}\n```\n", 2),
    ("page.md", "{{< tabs \"a\n{{% codetab %}}\n{{% /codetab %}}\n", 1),
    ("expected.txt", "---\nmatch: regex\n---\n[\n", 4),
    ("expected.txt", "---\nmasks: {lower: x}\n---\nx\n", 2),
]
PARSERS = {"README.md": parse_annotated, "page.md": parse_page, "expected.txt": parse_expected}


@pytest.mark.parametrize("name, text, line", MALFORMED)
def test_malformed_cases_are_refused_at_their_line(name, text, line):
    with pytest.raises(InputError) as error:
        PARSERS[name](text, Path(name))
    assert (error.value.path, error.value.line) == (name, line), str(error.value)


def test_awkward_but_valid_expected_files_parse_as_written():
    # Three `---`: empty front matter, then a body whose one line is `---`.
    assert [line.text for line in parse_expected("---\n---\n---\n", Path("e.txt")).lines] == ["---"]
    # A byte-order mark before the front matter is not part of it.
    bom = parse_expected("\ufeff---\nmatch: substring\n---\nx\n", Path("e.txt"))
    assert bom.match == "substring" and [line.text for line in bom.lines] == ["x"]
