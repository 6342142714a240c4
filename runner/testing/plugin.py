"""pytest plugin of quickstart-runner, two faces:

- `pytest --quickstarts PATH_OR_URL [--quickstarts-ref REF] [--quickstarts-lang go,python]
  [--quickstarts-variant sdk]`: one item per quickstart x language x variant (`state_management/go/sdk`),
  each run as `validate` runs it (same plan, services, matching, verdicts and skips);
- the `dapr` fixture for hand-written example tests (see `runner.testing.fixture`), with
  `@pytest.mark.example_dir("state_store")` under the ini option `dapr_examples_root`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from runner.errors import InputError
from runner.job import run_job
from runner.job.settings import run_settings
from runner.provision import DEFAULT_VERSION
from runner.recipes import resolve_language
from runner.report.console import format_result
from runner.results import JobResult
from runner.source.catalog import BUNDLED_QUICKSTARTS, VARIANTS, Quickstart, discover, expected_for
from runner.source.needs import DEFAULT_SERVERS, model_server_answers
from runner.source.plan import detect_toolchains, plan_job, select
from runner.source.repo import acquire
from runner.services.redis import command as redis_command
from runner.testing.exampleenv import ExampleEnvError, example_venv
from runner.testing.fixture import DaprRunner

_SETTINGS = pytest.StashKey[tuple]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("quickstart-runner", "Dapr quickstarts as tests (quickstart-runner)")
    group.addoption("--quickstarts", metavar="PATH_OR_URL", help="a quickstarts tree or git repository: one item per quickstart")
    group.addoption("--quickstarts-ref", metavar="REF", help="branch, tag or commit of --quickstarts")
    group.addoption("--quickstarts-lang", default="", metavar="LANGS", help="only these languages (comma-separated)")
    group.addoption("--quickstarts-variant", default="", metavar="VARIANTS", help="only these variants (sdk, http)")
    group.addoption("--quickstarts-timeout", type=float, metavar="S", help="seconds a quickstart may run")
    group.addoption("--dapr-sidecar", choices=["daprd", "dapr"], default="daprd",
                    help="daprd: the runner's own (default); dapr: the real dapr CLI")
    group.addoption("--dapr-version", default=DEFAULT_VERSION, help="daprd (and CLI) version to find or build")
    group.addoption("--dapr-examples-root", metavar="DIR", help="where the dapr fixture's example dirs are")
    parser.addini("dapr_examples_root", "where the dapr fixture's example dirs are (relative to the ini file)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "example_dir(path): the dapr fixture's working directory, under "
                                       "dapr_examples_root")
    config.addinivalue_line("markers", "quickstart: a quickstart collected by --quickstarts")


def _settings(config: pytest.Config):
    """The run settings, found or built once per pytest process (each xdist worker its own)."""
    if _SETTINGS not in config.stash:
        say = lambda text: print(text, file=sys.stderr)  # noqa: E731
        config.stash[_SETTINGS] = run_settings(config.getoption("dapr_sidecar"), config.getoption("dapr_version"),
                                               None, say)
    return config.stash[_SETTINGS][0]


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.replace(" ", ",").split(",") if part.strip()]


@pytest.hookimpl(tryfirst=True)  # before -k and --lf look at the items
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """Quickstarts come from no test file: a collector of their own, under the session, makes
    them (`--collect-only` shows it as their parent)."""
    if not config.getoption("quickstarts"):
        return
    tree = QuickstartTree.from_parent(session, name="quickstarts", nodeid="quickstarts")
    made = tree.collect()
    items += made
    session.testscollected += len(made)


class QuickstartTree(pytest.Collector):
    """The quickstarts of `--quickstarts` (at `--quickstarts-ref`), as selected."""

    def collect(self) -> list["QuickstartItem"]:
        config = self.config
        languages = []
        for name in _split(config.getoption("quickstarts_lang")):
            language = resolve_language(name)
            if language is None:
                raise pytest.UsageError(f"--quickstarts-lang: unknown language {name!r}")
            languages.append(language)
        variants = _split(config.getoption("quickstarts_variant"))
        if unknown := [v for v in variants if v not in VARIANTS]:
            raise pytest.UsageError(f"--quickstarts-variant: unknown variant {unknown[0]!r}; valid: {', '.join(VARIANTS)}")
        try:
            source = acquire(config.getoption("quickstarts"), config.getoption("quickstarts_ref"), False,
                             BUNDLED_QUICKSTARTS)
            selected = select(discover(source.root, expected_for(source.root)), [], languages, variants)
        except InputError as exc:
            raise pytest.UsageError(str(exc)) from None
        toolchains = detect_toolchains(selected)
        return [QuickstartItem.from_parent(self, name=qs.name, quickstart=qs, toolchains=toolchains) for qs in selected]


class QuickstartFailed(Exception):
    def __init__(self, result: JobResult):
        super().__init__(result.reason)
        self.result = result


class QuickstartItem(pytest.Item):
    """One quickstart x language x variant, run as `validate` runs it."""

    def __init__(self, *, quickstart: Quickstart, toolchains: dict, **kwargs):
        super().__init__(**kwargs)
        self.quickstart = quickstart
        self.toolchains = toolchains
        self.add_marker(pytest.mark.quickstart)
        self.keywords.update({quickstart.building_block: True, quickstart.language: True, quickstart.variant: True})

    def runtest(self) -> None:
        try:
            plan = plan_job(self.quickstart, self.toolchains, self.config.getoption("quickstarts_timeout"))
        except InputError as exc:
            raise QuickstartFailed(JobResult(self.name, self.quickstart.building_block, self.quickstart.language,
                                             self.quickstart.variant, "failed", reason=str(exc))) from None
        if plan.skip_reason:
            pytest.skip(plan.skip_reason)
        result = run_job(plan, _settings(self.config))
        if result.status == "skipped":
            pytest.skip(result.reason)
        if result.status == "failed":
            raise QuickstartFailed(result)

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, QuickstartFailed):
            result = excinfo.value.result
            lines = format_result(result)
            if result.transcript:
                lines += ["", "last output:", *(f"  {line}" for line in result.transcript[-10:])]
            return "\n".join(lines)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self):
        return self.quickstart.path, None, f"quickstart {self.name}"


def _example_venv(example: Path) -> Path | None:
    try:
        return example_venv(example)
    except ExampleEnvError as exc:
        pytest.fail(str(exc), pytrace=False)


def _examples_root(config: pytest.Config) -> Path:
    given = config.getoption("dapr_examples_root")
    if given:
        return Path(given).resolve()
    ini = config.getini("dapr_examples_root")
    if ini:
        base = config.inipath.parent if config.inipath else config.rootpath
        return (base / ini).resolve()
    return config.rootpath


@pytest.fixture
def dapr(request: pytest.FixtureRequest):
    """`dapr.run(args, timeout=30, until=None) -> str`, `dapr.start(args, wait=30)`,
    `dapr.stop() -> str`, in the example dir the test's `example_dir` marker names (under
    `dapr_examples_root`), with a Redis and control plane of the test's own."""
    root = _examples_root(request.config)
    marker = request.node.get_closest_marker("example_dir")
    cwd = root / marker.args[0] if marker else root
    if not cwd.is_dir():
        pytest.fail(f"example dir {cwd} does not exist (dapr_examples_root {root})", pytrace=False)
    settings = _settings(request.config)
    runner = DaprRunner(cwd, settings.daprd if settings.sidecar == "daprd" else None,
                        settings.control_plane_binaries, settings.dapr_cli if settings.sidecar == "dapr" else None,
                        name=request.node.nodeid, app_venv=_example_venv(cwd))
    try:
        yield runner
    finally:
        runner.close()


@pytest.fixture
def redis_set_config(dapr):
    """`redis_set_config(key, value, version=1)`: a configuration item in the test's own Redis, as
    Dapr's Redis configuration store reads it (`value||version`), for an app to get or subscribe to."""
    def set_config(key: str, value: str, version: int = 1) -> None:
        redis_command(dapr.redis, "SET", key, f"{value}||{version}")

    return set_config


@pytest.fixture
def flush_redis(dapr):
    """The test's own Redis emptied before the test (and after it: it is the test's alone)."""
    redis_command(dapr.redis, "FLUSHALL")
    yield


@pytest.fixture
def ollama() -> str:
    """The Ollama server `dapr init`'s conversation components talk to (its URL), or the test
    skipped saying none answers here."""
    server = DEFAULT_SERVERS["conversation.ollama"]
    if not model_server_answers(server):
        pytest.skip(f"needs an Ollama server at {server}: none answers here")
    return server
