"""`quickstart-runner readme` as mm.py's drop-in, and README-driven validation of an upstream-layout tree."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, TEST_MARK, run_cli

MM_RUN = sorted((ROOT / "tests/data/mm_run").glob("*.md"))
TREE = ROOT / "tests/data/upstream_tree"


def mm(path: Path, *flags: str) -> int:
    """mm.py's verdict. What it leaves running (it kills no process group) is not this test's."""
    env = {**os.environ, TEST_MARK: "mechanical-markdown"}
    return subprocess.run([sys.executable, "-m", "mechanical_markdown", *flags, path.name], cwd=path.parent,
                          capture_output=True, text=True, timeout=120, env=env).returncode


@pytest.mark.parametrize("path", MM_RUN, ids=lambda p: p.name)
def test_same_verdict_as_mm(path, no_leftovers):
    ours = run_cli("readme", path.name, cwd=path.parent, timeout=120)
    assert ours.returncode in (0, 1), ours.stderr
    assert ours.returncode == mm(path), ours.stdout
    assert ours.returncode == (0 if path.name.startswith("pass") else 1)  # tags.md: all steps run, b fails


def test_tags_select_steps_like_mm():
    path = ROOT / "tests/data/mm_run/tags.md"
    for tag, code in (("a", 0), ("b", 1)):
        assert run_cli("readme", "-t", tag, path.name, cwd=path.parent).returncode == code == mm(path, "-t", tag)


def test_dry_run_runs_nothing(tmp_path):
    marker = tmp_path / "ran"
    readme = tmp_path / "README.md"
    readme.write_text(f"<!-- STEP\nname: x\n-->\n```bash\ntouch {marker}\n```\n<!-- END_STEP -->\n")
    result = run_cli("readme", "-d", str(readme))
    assert result.returncode == 0 and f"touch {marker}" in result.stdout and not marker.exists()


def test_links_are_checked_on_loopback_only(tmp_path):
    import http.server
    import threading

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    readme = tmp_path / "README.md"
    readme.write_text(f"[ok](http://127.0.0.1:{port}/)\n<!-- IGNORE_LINKS -->\n[skip](http://127.0.0.1:{port}/x)\n"
                      "<!-- END_IGNORE -->\n")
    try:
        assert run_cli("readme", "-l", "-r", "1", str(readme)).returncode == 0
        readme.write_text(readme.read_text() + f"[broken](http://127.0.0.1:{port}/missing-page)\n")
        result = run_cli("readme", "-l", "-r", "1", str(readme))
        assert result.returncode == 1 and "missing-page Status: 404" in result.stdout
    finally:
        server.shutdown()


def test_bad_readme_is_one_line_exit_2(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("<!-- STEP\nname: a\n-->\n")
    result = run_cli("readme", str(readme))
    assert result.returncode == 2
    assert result.stderr.strip() == f"quickstart-runner: {readme}:1: <!-- STEP --> is never closed with <!-- END_STEP -->"


@pytest.mark.e2e
def test_readme_with_dapr_run_f_and_single_app_as_each_cli_prints_it(tmp_path, daprd_path, no_leftovers):
    """Written for CLI 1.16 (`== APP == ` before a one-app run's lines): it passes as that CLI prints;
    as today's CLI prints (the runtime's, 1.17: bare lines) it fails, as mm.py with that CLI fails
    it; the same README written for today's CLI passes."""
    readme = TREE / "state_management/python/http/README.md"
    old = run_cli("readme", "README.md", "--cli-version", "1.16.5", cwd=readme.parent)
    assert old.returncode == 0, old.stdout + old.stderr
    assert "== APP - order-processor == Saved order 1" in old.stdout and "== APP == Saved order 2" in old.stdout
    today = run_cli("readme", "README.md", cwd=readme.parent)
    assert today.returncode == 1, today.stdout + today.stderr
    assert "\t\tSaved order 2\n" in today.stdout  # printed bare: the expectation's `== APP == ` line is not
    assert "== APP - order-processor == Saved order 1" in today.stdout
    tree = tmp_path / "tree"
    shutil.copytree(TREE, tree)
    rewritten = tree / "state_management/python/http/README.md"
    rewritten.write_text(readme.read_text().replace("'== APP == ", "'").replace(
        "output_match_mode: substring\nmatch_order: sequential", "output_match_mode: exact\nmatch_order: sequential"))
    written_today = run_cli("readme", "README.md", cwd=rewritten.parent)
    assert written_today.returncode == 0, written_today.stdout + written_today.stderr


@pytest.mark.e2e
def test_validate_tree_from_readme_with_early_stop(tmp_path, daprd_path, no_leftovers):
    out = tmp_path / "r.json"
    result = run_cli("validate", "--repo", str(TREE), "--expected", str(tmp_path / "none"), "--json", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    (job,) = json.loads(out.read_text())["jobs"]
    assert job["expected_source"] == "README" and job["matched"] == job["expected"] == 6


def test_list_shows_every_quickstart_and_whether_it_runs_here(tmp_path):
    result = run_cli("list", "--repo", str(ROOT / "quickstarts"), "--json")
    rows = {r["language"]: r for r in json.loads(result.stdout)}
    # Runnable exactly where the toolchain is here; elsewhere the reason names the missing tool.
    for language, tool in (("python", "python3"), ("go", "go"), ("csharp", "dotnet")):
        present = shutil.which(tool) is not None
        assert rows[language]["runnable"] is present, rows[language]
        assert rows[language]["why_not"] == (None if present else f"{tool}: not found")


@pytest.mark.e2e
def test_a_page_whose_start_is_refused_fails_naming_the_file_and_line(tmp_path, daprd_path, no_leftovers):
    """A README with no STEP whose reader runs `dapr run -f .` on a malformed run template: the CLI
    refuses it at once, and the job fails there (never a pass of a page whose apps never started),
    while the other jobs of the run go on."""
    folder = tmp_path / "tree/tutorials/broken"
    folder.mkdir(parents=True)
    (folder / "app.py").write_text("print('hello')\n")
    (folder / "dapr.yaml").write_text('version: 1\napps:\n  - appID: broken\n    command: ["python3", "app.py"],\n')
    (folder / "README.md").write_text("# Broken\n\nRun it:\n\n```bash\ndapr run -f .\n```\n\nIt prints:\n\n"
                                      "```\nhello\n```\n")
    out = tmp_path / "r.json"
    result = run_cli("validate", "--repo", str(tmp_path / "tree"), "--json", str(out))
    assert result.returncode == 1, result.stdout + result.stderr
    (job,) = json.loads(out.read_text())["jobs"]
    assert job["status"] == "failed" and "tutorials/broken/dapr.yaml:4: invalid YAML" in job["reason"], job["reason"]


@pytest.mark.e2e
def test_an_apps_stderr_is_the_steps_stderr_as_todays_cli_leaves_it(tmp_path, daprd_path, no_leftovers):
    """From CLI 1.17 a one-app run hands its app the terminal: what the app writes to stderr is the
    step's stderr (python-sdk's examples expect their logging there); CLI 1.16 printed it labelled
    on stdout."""
    (tmp_path / "app.py").write_text("import sys\nprint('to stdout', flush=True)\nprint('to stderr', file=sys.stderr)\n")
    (tmp_path / "README.md").write_text(
        "# Streams\n\n<!-- STEP\nname: both streams\nexpected_stdout_lines:\n  - 'to stdout'\nexpected_stderr_lines:\n"
        "  - 'to stderr'\n-->\n\n```bash\ndapr run --app-id streams -- python3 app.py\n```\n\n<!-- END_STEP -->\n")
    today = run_cli("readme", "README.md", cwd=tmp_path)
    assert today.returncode == 0, today.stdout + today.stderr
    old = run_cli("readme", "README.md", "--cli-version", "1.16.5", cwd=tmp_path)
    assert old.returncode == 1 and "== APP == to stderr" in old.stdout, old.stdout + old.stderr


def test_a_background_step_still_ending_when_a_later_step_fails_is_not_blamed(tmp_path):
    """A later step fails; a background step asked to stop (as `dapr stop` asks the CLI) is still in
    its exit when the run ends. The run's own stop finds it, so its exit code is the runner's, not
    the step's: the failure is the later step's alone (actors/csharp/sdk's `dapr run` said -15)."""
    from runner.formats.steps import load_annotated
    from runner.mm.runner import ReadmeRun

    readme = tmp_path / "README.md"
    readme.write_text(
        "<!-- STEP\nname: serve\nbackground: true\nexpected_stdout_lines:\n  - up\n-->\n"
        "```bash\nexec python3 -c \"import signal, sys, time\n"
        "def bye(*_):\n    signal.signal(signal.SIGTERM, signal.SIG_DFL)\n    time.sleep(5)\n    sys.exit(0)\n"
        "signal.signal(signal.SIGTERM, bye)\nprint('up', flush=True)\nopen('pid', 'w').write(str(__import__('os').getpid()))\n"
        "time.sleep(60)\"\n```\n<!-- END_STEP -->\n\n"
        "<!-- STEP\nname: cleanup\n-->\n```bash\nsleep 1; kill $(cat pid); false\n```\n<!-- END_STEP -->\n")
    run = ReadmeRun(load_annotated(readme), cwd=tmp_path, early_stop=True, say=lambda text: None)
    assert not run.run()
    serve, cleanup = run.steps
    assert cleanup.commands[0].return_code == 1 and not cleanup.command_ok(cleanup.commands[0])
    assert serve.commands[0].return_code == -15  # ended by the run's stop, in its own exit
    assert serve.command_ok(serve.commands[0]), "the run's own stop was blamed on the step"


def test_what_a_run_shows_after_the_pages_dapr_stop_is_the_stops_doing(tmp_path):
    """pub_sub/csharp/sdk: the subscriber never listened on 7006; the page's `dapr stop -f .` then
    stopped it, and the CLI said `Exited App successfully`, which counted as its having come up
    (in a README that checks only that its apps came up, a pass) and hid its never listening."""
    from runner.formats.steps import load_annotated
    from runner.mm.model import CommandRun, StepRun
    from runner.mm.runner import ReadmeRun
    from runner.transcript.appreasons import never_listened
    from runner.transcript.apps import AppsWatch

    readme = tmp_path / "README.md"
    readme.write_text("<!-- STEP\nname: run\nbackground: true\n-->\n```bash\ndapr run -f .\n```\n<!-- END_STEP -->\n")
    run = ReadmeRun(load_annotated(readme), cwd=tmp_path, early_stop=True, say=lambda text: None)

    class Running:  # the `dapr run -f .` still at work
        def running(self) -> bool:
            return True

    for stop, stopped in (("dapr stop -f .", True), ("dapr stop --app-id order-processor", True),
                          ("dapr stop --app-id other", False)):
        watch = AppsWatch([("order-processor", 7006), ("checkout", None)])
        run.steps = [StepRun(run.annotated.steps[0], [CommandRun("dapr run -f .", shell=Running(), apps=watch)])]
        watch.feed("== APP - checkout == Published data: 1")
        watch.feed("Exited App successfully")  # the client, done
        run._close_stopped(stop)
        watch.feed("Exited App successfully")  # the server, stopped (or, for another app's stop, by itself)
        ended = {app.app: app.ended for app in watch.evidence()}
        assert ended == {"checkout": "exited 0", "order-processor": None if stopped else "exited 0"}, stop
        assert bool(never_listened(watch.evidence())) == stopped


def test_an_app_that_listens_is_seen_at_the_next_poll_whatever_the_step_waits_for(tmp_path):
    """jobs/python/sdk: its service listened at 8.7 s, but no step asked until the sleep ran out, so
    it was dated 60 s: a start race is named from these times."""
    from runner.formats.steps import load_annotated
    from runner.mm.model import CommandRun, StepRun
    from runner.mm.runner import ReadmeRun
    from runner.transcript.apps import AppsWatch

    readme = tmp_path / "README.md"
    readme.write_text("<!-- STEP\nname: run\nbackground: true\n-->\n```bash\ndapr run -f .\n```\n<!-- END_STEP -->\n")
    run = ReadmeRun(load_annotated(readme), cwd=tmp_path, early_stop=True, say=lambda text: None)

    class Running:
        def running(self) -> bool:
            return True

    watch = AppsWatch([("job-service", 6200)], listening=lambda port: True)
    run.steps = [StepRun(run.annotated.steps[0], [CommandRun("dapr run -f .", shell=Running(), apps=watch)])]
    run._watch()
    (evidence,) = watch.evidence()
    assert evidence.came_up == "listened on port 6200" and evidence.up_s is not None
