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


# Manifests a quickstart's apps carry: read for their SDK pins (list --versions) and rewritten
# (--sdk), components and compose files read for what a job starts. Generated from pieces real
# files are made of: each either works or is one FILE:LINE input error, never a traceback.
MANIFEST_BITS = {
    "requirements.txt": ["dapr\n", "dapr>=1.17.0\n", "dapr-ext-workflow\n", "dapr==\n", "dapr ; python_version>'3'\n",
                         "-r other.txt\n", "# dapr\n", "dapr-ext-fastapi~=1.1 # x\n", "flask\n", "dapr[ext]\n", "\\\n"],
    "package.json": ['{"dependencies": {', '"@dapr/dapr": "^3.6.1"', '"@dapr/dapr": ', '}}', ",", "\n", '"x": 1',
                     "[", "null"],
    "pom.xml": ["<dependency>\n", "</dependency>\n", "<groupId>io.dapr</groupId>\n", "<artifactId>dapr-sdk</artifactId>\n",
                "<version>1.17.0</version>\n", "<version>${dapr.version}</version>\n", "<dapr.version>1.16.0</dapr.version>\n",
                "<properties>\n", "<version></version>\n", "<groupId>io.dapr\n", "<!--", "-->"],
    "go.mod": ["module x\n", "require github.com/dapr/go-sdk v1.14.1\n", "require (\n", ")\n",
               "\tgithub.com/dapr/go-sdk v\n", "github.com/dapr/go-sdk\n", "go 1.22\n", "replace x => y\n"],
    "statestore.yaml": ["apiVersion: dapr.io/v1alpha1\n", "kind: Component\n", "metadata:\n", "  name: s\n", "spec:\n",
                        "  type: state.redis\n", "  metadata:\n", "  - name: redisHost\n", "    value: localhost:6379\n",
                        "  - name: connectionString\n", "    value: 3\n", "  metadata: 3\n", "---\n", "- x\n", "[", ": :\n"],
    "docker-compose.yml": ["services:\n", "  db:\n", "    image: postgres\n", "    environment:\n", "      A: b\n",
                           "      - A=b\n", "    environment: 3\n", "    ports: [\"5432:5432\"]\n", "    build: .\n",
                           "    volumes: [./x:/y]\n", "services: 3\n", "[", "\t"],
}


def _manifest_readers():
    from runner.formats.compose import parse_compose
    from runner.recipes import RECIPES
    from runner.services.redis import RedisEndpoint
    from runner.services.resources import Endpoints, components, isolated_resources

    def pins_and_rewrites(folder: Path) -> None:
        for recipe in RECIPES.values():
            recipe.sdk_pins(folder)
            if recipe.name in ("python", "javascript", "java"):  # go's rewrite runs `go mod tidy`: tested end to end
                recipe.pin_sdk(folder, "1.17.1")

    def resources(folder: Path) -> None:
        components(folder)
        isolated_resources(folder, folder.parent / f"{folder.name}-copy", Endpoints(RedisEndpoint("127.0.0.1", 1), None))

    return {"requirements.txt": pins_and_rewrites, "package.json": pins_and_rewrites, "pom.xml": pins_and_rewrites,
            "go.mod": pins_and_rewrites, "statestore.yaml": resources,
            "docker-compose.yml": lambda folder: parse_compose(folder / "docker-compose.yml")}


@pytest.mark.parametrize("name", sorted(MANIFEST_BITS))
def test_manifests_work_or_are_one_input_error(name, tmp_path_factory, monkeypatch):
    from runner.recipes import RECIPES

    reader = _manifest_readers()[name]
    for recipe in RECIPES.values():  # the registries are not asked: what is read is under test, not the network
        monkeypatch.setattr(recipe, "sdk_served", lambda coordinate, version: True)

    @settings(max_examples=max(BUDGET // 3, 50), deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(st.sampled_from(MANIFEST_BITS[name]) | st.text(max_size=8), max_size=14).map("".join),
           st.booleans())
    def check(text, binary):
        folder = tmp_path_factory.mktemp("m")
        data = text.encode() + (b"\xff\xfe\x00" if binary else b"")
        (folder / name).write_bytes(data)
        try:
            reader(folder)
        except InputError as exc:
            assert str(exc).startswith(str(folder)) and "\n" not in str(exc).strip(), str(exc)

    check()


def test_a_requirement_without_a_version_is_a_pin_of_any():
    """`dapr` alone, as several AI quickstarts write it: a pin of any version, rewritten by --sdk."""
    import tempfile

    from runner.recipes import RECIPES

    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "requirements.txt").write_text("dapr\ndapr-ext-workflow\nflask\n")
        pins = RECIPES["python"].sdk_pins(Path(folder))
        assert [(pin.coordinate, pin.version) for pin in pins] == [("dapr", "(any)"), ("dapr-ext-workflow", "(any)")]


def test_a_dapr_dependency_without_an_artifact_id_is_still_a_pin(tmp_path):
    from runner.recipes import RECIPES

    (tmp_path / "pom.xml").write_text("<dependency>\n<groupId>io.dapr</groupId>\n<version>1.17.0</version>\n</dependency>\n")
    (pin,) = RECIPES["java"].sdk_pins(tmp_path)
    assert (pin.coordinate, pin.version, pin.line) == ("io.dapr:?", "1.17.0", 3)
