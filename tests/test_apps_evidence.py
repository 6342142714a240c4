"""What apps show of themselves through the CLI's output (transcript/apps.py), and where a
README's reader runs its unannotated install blocks (source/readerblocks.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.transcript.apps import AppsWatch, how_it_ended, is_crash_line
from runner.transcript.appreasons import crash_reason
from runner.results import AppEvidence


@pytest.mark.parametrize("line", [
    "Traceback (most recent call last):", "panic: runtime error: invalid memory address or nil pointer dereference",
    "fatal error: all goroutines are asleep - deadlock!", 'Exception in thread "main" java.lang.IllegalStateException: x',
    "Unhandled exception. System.InvalidOperationException: x", "Node.js v20.20.2", "\x1b[31mpanic: boom\x1b[0m"])
def test_each_runtimes_crash_report_is_known(line):
    assert is_crash_line(line)


@pytest.mark.parametrize("line", ["INFO: traceback logging enabled", "no panic: all good", "Order received: 1",
                                  "  File \"app.py\", line 1"])
def test_ordinary_lines_are_not_crashes(line):
    assert not is_crash_line(line)


@pytest.mark.parametrize("how, said, crash", [
    ("exit status 1", "exited with 1", True), ("exit status 0", "exited with 0", False),
    ("exit status 143", "stopped (terminated)", False), ("exit status 130", "stopped (interrupt)", False),
    ("exit status 137", "stopped (killed)", False), ("signal: killed", "stopped (killed)", False),
    ("signal: terminated", "stopped (terminated)", False), ("signal: segmentation fault", "killed by signal (segmentation fault)", True),
    ("exit status 139", "exited with 139", True),
    ("1", "exited with 1", True), ("143", "stopped (terminated)", False)])  # CLI 1.17 on: the code alone
def test_how_an_app_ended(how, said, crash):
    assert how_it_ended(how) == (said, crash)


def test_an_app_that_exits_with_an_error_crashed_and_says_why():
    watch = AppsWatch([("orders", None)], "`dapr run -f .` at README.md:36")
    for line in ["\x1b[94m== APP - orders == Traceback (most recent call last):\x1b[0m",
                 "== APP - orders ==   File \"app.py\", line 1, in <module>",
                 "== APP - orders == ModuleNotFoundError: No module named 'fastapi'",
                 "The App process exited with error code: exit status 1"]:
        watch.feed(line)
    assert not watch.shown() or watch.evidence()[0].ended  # ended counts as shown
    (app,) = watch.evidence()
    assert app.crashed and app.ended == "exited with 1" and app.came_up is None
    assert app.said == "ModuleNotFoundError: No module named 'fastapi'"
    reason = crash_reason([app])
    assert reason.startswith("app crashed: orders (started by `dapr run -f .` at README.md:36) exited with 1: "
                             "ModuleNotFoundError"), reason


def test_what_comes_after_the_job_is_over_is_not_the_apps_doing():
    watch = AppsWatch([("web", 6001)], listening=lambda port: port == 6001)
    watch.feed("== APP == serving")
    assert watch.shown()  # it listens on its app port
    watch.close()
    watch.feed("== APP == Traceback (most recent call last):")  # printed while we stop it
    watch.feed("\u274c  The App process exited with error code: exit status 1")
    (app,) = watch.evidence()
    assert not app.crashed and app.came_up == "listened on port 6001" and app.ended is None


def test_an_app_with_a_port_shows_it_came_up_only_by_listening():
    watch = AppsWatch([("web", 6001)], listening=lambda port: False)
    watch.feed("== APP == starting")
    assert not watch.shown()  # a line is not enough for an app that should listen
    watch.feed("\u2705  Exited App successfully")
    assert watch.shown() and watch.evidence()[0].came_up == "exited 0"


def test_an_app_without_a_port_shows_it_came_up_by_a_line_of_its_own():
    watch = AppsWatch([("batch", None)])
    assert not watch.shown()
    watch.feed("== APP == working")
    assert watch.shown() and watch.evidence()[0].came_up == "printed a line"
    crashing = AppsWatch([("batch", None)])
    crashing.feed("== APP == Traceback (most recent call last):")  # no sign of life, but its verdict is in...
    assert not crashing.shown()  # ...once the report is whole (the line that says why comes last)
    crashing.feed("The App process exited with error code: exit status 1")
    assert crashing.shown() and crashing.evidence()[0].came_up is None and crashing.evidence()[0].crashed


def test_a_stop_by_signal_is_not_a_crash():
    watch = AppsWatch([("app", None)])
    watch.feed("== APP == hello")
    watch.feed("\u274c  The App process exited with error code: signal: killed")
    (app,) = watch.evidence()
    assert not app.crashed and app.ended == "stopped (killed)"


# -- where a reader runs its unannotated install blocks ------------------------------------

def _readme(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "README.md").write_text(text)
    return folder / "README.md"


RUN_STEP = """
<!-- STEP
name: run
expected_stdout_lines:
  - 'x'
-->
```bash
dapr run --app-id a -- python3 app.py
```
<!-- END_STEP -->
"""


def test_a_reader_installs_in_the_folder_the_prose_names(tmp_path):
    from runner.formats.steps import load_annotated
    from runner.source.readerblocks import page_plan

    quickstart = tmp_path / "tut" / "py"
    (quickstart / "app_dir").mkdir(parents=True)
    (quickstart / "app_dir" / "requirements.txt").write_text("flask\n")
    readme = _readme(quickstart, "1. Navigate to the `tut/py/app_dir` folder.\n2. Install:\n\n```bash\n"
                     "pip3 install -r requirements.txt\n```\n\n```bash\ncurl localhost:1\n```\n" + RUN_STEP +
                     "\n```bash\npip3 install -r requirements.txt\n```\n")
    (build,) = page_plan(load_annotated(readme), tmp_path, []).blocks  # the curl is no build; the last block comes too late
    assert build.folder == (quickstart / "app_dir").resolve() and build.skip is None and build.line == 4
    assert build.kind == "build" and build.line < load_annotated(readme).steps[0].line


def test_a_folder_the_prose_names_wrongly_is_said_and_the_apps_folder_used(tmp_path):
    from runner.formats.steps import load_annotated
    from runner.source.readerblocks import page_plan

    quickstart = tmp_path / "tut" / "py"
    (quickstart / "basic").mkdir(parents=True)
    (quickstart / "basic" / "requirements.txt").write_text("flask\n")
    (quickstart / "dapr.yaml").write_text("version: 1\napps:\n  - appID: a\n    appDirPath: ./basic\n"
                                          "    command: [python3, app.py]\n")
    run_f = RUN_STEP.replace("dapr run --app-id a -- python3 app.py", "dapr run -f .")
    readme = _readme(quickstart, "Navigate to the `tut/py/basics` folder.\n\n```bash\npip3 install -r requirements.txt\n"
                     "```\n" + run_f)
    (build,) = page_plan(load_annotated(readme), tmp_path, []).blocks
    assert build.folder == (quickstart / "basic").resolve() and build.skip is None
    assert build.note == "the README names `tut/py/basics`: no such folder in the tree"


def test_a_block_that_fits_no_folder_is_not_run(tmp_path):
    from runner.formats.steps import load_annotated
    from runner.source.readerblocks import page_plan

    readme = _readme(tmp_path / "q", "```bash\npip3 install -r requirements.txt\n```\n" + RUN_STEP)
    (build,) = page_plan(load_annotated(readme), tmp_path, []).blocks
    assert build.skip == "no requirements.txt where its reader would run it"


def test_a_block_whose_program_is_not_here_is_not_run(tmp_path, monkeypatch):
    from runner.formats.steps import load_annotated
    from runner.source.readerblocks import page_plan

    (tmp_path / "q").mkdir()
    (tmp_path / "q" / "requirements.txt").write_text("flask\n")
    readme = _readme(tmp_path / "q", "```bash\npip3 install -r requirements.txt\n```\n" + RUN_STEP)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    (build,) = page_plan(load_annotated(readme), tmp_path, []).blocks
    assert build.skip == "`pip3` is not on this machine"


def test_a_cd_block_moves_the_reader(tmp_path):
    from runner.formats.steps import load_annotated
    from runner.source.readerblocks import page_plan

    quickstart = tmp_path / "q"
    (quickstart / "sub").mkdir(parents=True)
    (quickstart / "sub" / "package.json").write_text("{}")
    readme = _readme(quickstart, "```bash\ncd sub\n```\n\n```bash\nnpm install\n```\n" + RUN_STEP)
    (build,) = page_plan(load_annotated(readme), tmp_path, []).blocks
    assert build.folder == (quickstart / "sub").resolve()


def test_a_sidecar_the_cli_reports_dead_is_a_crash_and_its_stop_is_not():
    watch = AppsWatch([("app", None)])
    watch.feed("== APP == hello")
    watch.feed("\u274c  The daprd process exited with error code: exit status 1")
    assert [(app.app, app.crashed) for app in watch.evidence()] == [("app", False), ("daprd", True)]
    stopped = AppsWatch([("app", None)])
    stopped.feed("\u274c  The daprd process exited with error code: signal: killed")
    assert [app.app for app in stopped.evidence()] == ["app"]


def test_an_app_at_work_before_the_app_it_calls_listened_is_named_as_the_quickstarts_race():
    from runner.transcript.appreasons import start_race

    server = AppEvidence("order-processor", came_up="listened on port 8001", port=8001, up_s=4.3, first_line_s=3.9,
                         first_line="* Serving Flask app")
    early = AppEvidence("checkout", came_up="printed a line", up_s=2.1, first_line_s=2.1,
                        first_line='Order passed: {"orderId": 1}')
    assert start_race([server, early]) == ("start-order race in the quickstart: checkout printed "
                                           "`Order passed: {\"orderId\": 1}` at 2.1 s, before order-processor "
                                           "listened on port 8001 at 4.3 s (what it sent meanwhile went nowhere)")
    late = AppEvidence("checkout", came_up="printed a line", up_s=5.0, first_line_s=5.0, first_line="Order passed: 1")
    assert start_race([server, late]) is None
    # Started by another command (a later STEP): its times count from its own start, not the server's.
    apart = AppEvidence("checkout", came_up="printed a line", up_s=2.1, first_line_s=2.1, first_line="Order passed: 1",
                        started_by="`dapr run --app-id checkout -- python3 app.py` at README.md:40")
    assert start_race([server, apart]) is None


def test_the_race_leads_a_failures_reason_and_never_a_pass():
    from runner.job.verdict import judge_apps
    from runner.results import JobResult

    server = AppEvidence("op", came_up="listened on port 8001", port=8001, up_s=4.0)
    early = AppEvidence("checkout", came_up="printed a line", first_line_s=1.0, first_line="sent 1")
    failed = judge_apps(JobResult("q", "b", "python", "http", "failed", reason="README.md:60: the page shows `got 1`"),
                        [server, early])
    assert failed.reason.startswith("start-order race in the quickstart: checkout printed `sent 1` at 1.0 s")
    assert failed.reason.endswith("README.md:60: the page shows `got 1`")
    passed = judge_apps(JobResult("q", "b", "python", "http", "passed"), [server, early])
    assert passed.status == "passed" and passed.reason == ""


def test_a_build_the_apps_command_runs_is_no_sign_of_the_app_at_work():
    """`dotnet run` builds first: its restore warnings are not the client at work, so they neither
    show it came up nor make it the early one of a start-order race."""
    watch = AppsWatch([("actorclient", None)])
    watch.feed("== APP == /q/client/SmartDevice.Client.csproj : warning NU1603: SmartDevice.Client depends on Dapr.Actors "
               "(>= 1.17.0) but Dapr.Actors 1.17.0 was not found.")
    watch.feed("== APP == go: downloading github.com/dapr/go-sdk v1.12.0")
    assert not watch.shown() and watch.evidence()[0].first_line is None
    watch.feed("== APP == Startup up...")
    assert watch.shown() and watch.evidence()[0].first_line == "Startup up..."


def test_a_listening_app_is_ready_for_a_reader_once_its_sidecar_is_initialized():
    """A daprd asks its app for its configuration once the app listens and serves calls only after:
    a reader's next command waits for that (tutorials/workflow/python/fundamentals deadlocked on a
    curl sent between the two), while the app's own evidence still says when it listened."""
    initialized: set[int] = set()
    watch = AppsWatch([("basic", 5254)], "`dapr run -f .`", listening=lambda port: True,
                      sidecar_ready=lambda port: port in initialized)
    watch.feed('\u2139\ufe0f  Started Dapr with app id "basic". HTTP Port: 3554. gRPC Port: 59639')
    assert watch.shown() and not watch.ready()
    initialized.add(3554)
    assert watch.ready()
    assert watch.evidence()[0].came_up == "listened on port 5254"


def test_a_sidecar_the_cli_names_no_port_for_is_not_waited_on():
    one_app = AppsWatch([("order-processor", 6001)], listening=lambda port: True, sidecar_ready=lambda port: False)
    one_app.feed("\u2139\ufe0f  Starting Dapr with id order-processor. HTTP Socket: /tmp/s. gRPC Socket: /tmp/g.")
    assert one_app.ready()
    named = AppsWatch([("order-processor", 6001)], listening=lambda port: True, sidecar_ready=lambda port: False)
    named.feed("\u2139\ufe0f  Starting Dapr with id order-processor. HTTP Port: 3500. gRPC Port: 50001")
    assert not named.ready()


def test_a_start_naming_no_app_is_up_only_once_it_printed_and_went_quiet():
    """`dapr run -f .` of a template that does not parse names no app beforehand: no app came up
    merely because none is named (a crowded run moved on, and passed the README, before the shim
    said the template was invalid)."""
    import time
    from types import SimpleNamespace

    from runner.mm.model import CommandRun
    from runner.mm.reader import PageReader

    command = CommandRun("dapr run -f .", apps=AppsWatch([], listening=lambda port: True))
    # A stand-in for the shell, as ShellCommand keeps them: its start counts as its last output.
    command.shell = SimpleNamespace(last_output=time.monotonic() - 3.0, stdout=[], stderr=[])
    assert not PageReader._came_up(command), "started and silent is not up (the shim had yet to refuse the template)"
    command.shell.stderr.append("\u274c  Error parsing dapr.yaml\n")
    assert PageReader._came_up(command)


def test_a_weak_job_that_saw_no_app_at_all_does_not_pass():
    """A page that shows no output passes on its apps' evidence alone: with no app seen (its run
    template named none, and the CLI refused it after the reader moved on) nothing was checked."""
    from runner.job.verdict import judge_apps
    from runner.results import JobResult

    weak = "checks only that its apps came up: its page shows no output"
    nothing = judge_apps(JobResult("q", "b", "csharp", "v", "passed"), [], weak)
    assert nothing.status == "failed"
    assert nothing.reason == f"{weak}, and no app it starts was seen: nothing was checked"
    came_up = judge_apps(JobResult("q", "b", "csharp", "v", "passed"), [AppEvidence("v", came_up="printed a line")], weak)
    assert came_up.status == "passed"
    refused = judge_apps(JobResult("q", "b", "csharp", "v", "failed", reason="README.md:67: `dapr run -f .` returned 2"),
                         [], weak)
    assert refused.reason == "README.md:67: `dapr run -f .` returned 2", "the refusal stays the cause"
    checked = judge_apps(JobResult("q", "b", "csharp", "v", "passed"), [])
    assert checked.status == "passed", "a job whose lines were checked needs no app evidence"


def test_an_app_with_nothing_to_listen_on_that_prints_nothing_counts_only_when_its_caller_saw_it_idle():
    """hello-world's pythonapp posts every second and prints only when a post fails: once its
    sidecar is initialized and what it started went idle it is up for its reader (who waited
    120 s for a line before), while its evidence still says it never showed it came up."""
    initialized: set[int] = set()
    watch = AppsWatch([("pythonapp", None)], listening=lambda port: False, sidecar_ready=lambda port: port in initialized)
    assert not watch.waits_on_quiet_apps(), "no sidecar named yet"
    watch.feed("\u2139\ufe0f  Starting Dapr with id pythonapp. HTTP Port: 36217. gRPC Port: 41235")
    assert watch.waits_on_quiet_apps() and not watch.ready()
    assert not watch.ready(idle=lambda: True), "its sidecar is not initialized"
    initialized.add(36217)
    assert watch.ready(idle=lambda: True) and not watch.ready() and not watch.ready(idle=lambda: False)
    assert watch.evidence()[0].came_up is None
    deaf = AppsWatch([("server", 6001)], listening=lambda port: False, sidecar_ready=lambda port: True)
    deaf.feed("\u2139\ufe0f  Starting Dapr with id server. HTTP Port: 3500. gRPC Port: 50001")
    assert not deaf.waits_on_quiet_apps() and not deaf.ready(idle=lambda: True), "an app port is waited on"


def test_an_unlabelled_clean_exit_is_the_finished_clients_not_the_server_that_printed_since():
    """`dapr run -f` prints a client's `Exited App successfully` bare: a server that logged after
    the client's last line did not exit (pub_sub/csharp/sdk's subscriber, listening on the wrong
    port, was said to have exited 0 and its never listening went unsaid)."""
    watch = AppsWatch([("order-processor-sdk", 7006), ("checkout-sdk", None)])
    watch.feed("== APP - checkout-sdk == Published data: Order { OrderId = 10 }")
    watch.feed("== APP - order-processor-sdk == info: Microsoft.Hosting.Lifetime[0]")
    watch.feed("Exited App successfully")
    ended = {app.app: app.ended for app in watch.evidence()}
    assert ended == {"order-processor-sdk": None, "checkout-sdk": "exited 0"}
    given_a_port = AppsWatch([("job-service-sdk", 6200), ("job-scheduler-sdk", 6300)], listening=lambda port: port == 6200)
    given_a_port.feed("== APP - job-service-sdk == INFO:     Uvicorn running on http://0.0.0.0:6200")
    given_a_port.shown()  # a poll: the service listens, the scheduler never will
    given_a_port.feed("== APP - job-scheduler-sdk == Job details for C-3PO: {}")
    given_a_port.feed("== APP - job-service-sdk == Executing maintenance job: Limb Calibration")
    given_a_port.feed("Exited App successfully")
    ended = {app.app: app.ended for app in given_a_port.evidence()}
    assert ended == {"job-service-sdk": None, "job-scheduler-sdk": "exited 0"}, "the client never listened on 6300"
    crash = AppsWatch([("order-processor", 7006), ("checkout", None)])
    crash.feed("== APP - order-processor == Unhandled exception. System.IO.IOException: address in use")
    crash.feed("\u274c  The App process exited with error code: exit status 1")
    assert [app.app for app in crash.evidence() if app.crashed] == ["order-processor"], "a crash is who said why"
