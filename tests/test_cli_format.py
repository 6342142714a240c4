"""What `dapr run` prints, as the CLI version it stands for prints it (from 1.17 a one-app run's
app lines bare), and how the runner reads either: an app's own line, the CLI's framing aside."""

import pytest

from runner.formats.cli_lines import (APP_FAILED, APP_OK, DAPR_OK, INFO, UP, is_cli_line, prints_bare_app_lines, runs_template,
                                      without_label)
from runner.mm.model import StepRun
from runner.formats.steps import Step
from runner.shim.dapr import _printer
from runner.transcript.apps import AppsWatch


@pytest.mark.parametrize("version, bare", [("1.16.5", False), ("1.17.0", True), ("1.18.0", True), ("v1.17.1", True),
                                           ("2.0.0", True), (None, False), ("edge", False), ("1.9.6", False)])
def test_from_cli_1_17_a_one_app_runs_lines_are_bare(version, bare):
    assert prints_bare_app_lines(version) is bare


def test_the_shim_prints_as_its_cli_version(capsys):
    lines = [UP, "", "== APP == Successfully persisted state", APP_FAILED.format(code=3)]
    for line in lines:
        _printer("1.18.0", multi=False)(line)
    out, err = capsys.readouterr()
    assert out.splitlines() == [UP, "", "Successfully persisted state"]
    assert err.splitlines() == ["\u274c  The App process exited with error code: 3"]
    today = _printer("1.18.0", multi=False)
    for line, stream in [("== APP == INFO:root:name: you", "stderr"), (APP_OK, "stdout"), (DAPR_OK, "stdout")]:
        today(line, stream)
    out, err = capsys.readouterr()
    assert err.splitlines() == ["INFO:root:name: you"]  # the app's stderr, on stderr
    assert out.splitlines() == [APP_OK, DAPR_OK, APP_OK]  # and once daprd is gone, the app's exit said again
    for line in lines:
        _printer("1.16.5", multi=False)(line)
    assert capsys.readouterr().out.splitlines() == lines
    _printer("1.18.0", multi=True)("== APP - order-processor == Saving Order: 1")  # every CLI labels a template's
    assert capsys.readouterr().out.splitlines() == ["== APP - order-processor == Saving Order: 1"]


def test_a_bare_runs_lines_are_its_one_apps_and_the_clis_stay_the_clis():
    watch = AppsWatch([("orders", None)], "`dapr run -- python3 app.py`", bare=True)
    for line in [INFO + "Starting Dapr with id orders. HTTP Port: 3500. gRPC Port: 50001",
                 'time="2026-12-07T12:00:00Z" level=info msg="Starting Dapr Runtime"', UP, "",
                 "Traceback (most recent call last):", "ValueError: no orders",
                 "\u274c  The App process exited with error code: 1"]:
        watch.feed(line)
    (app,) = watch.evidence()
    assert app.crashed and app.ended == "exited with 1" and app.said == "ValueError: no orders"
    assert app.first_line == "Traceback (most recent call last):"
    calm = AppsWatch([("orders", None)], bare=True)
    for line in [UP, "Saving Order: 1", APP_OK]:
        calm.feed(line)
    (app,) = calm.evidence()
    assert app.came_up == "printed a line" and app.ended == "exited 0" and not app.crashed
    assert is_cli_line(APP_OK) and not is_cli_line("Saving Order: 1")
    assert is_cli_line("INFO[0000] Starting Dapr Runtime -- version 1.17.0  app_id=x scope=dapr.runtime type=log")
    assert not is_cli_line("INFO[0000] order saved")  # an app's own logrus line


def test_validate_reads_a_steps_lines_framing_aside_the_drop_in_as_printed():
    step = Step(name="run", line=1, expected_stdout_lines=["== APP == Saving Order: 1", "Deleting Order: 1"],
                output_match_mode="exact")
    assert without_label("== APP == x") == "x" and without_label("== APP - a == x") == "== APP - a == x"
    assert runs_template(("dapr", "run", "-f", ".")) and not runs_template(("dapr", "run", "--", "python3", "app.py"))
    for printed in (["Saving Order: 1", "Deleting Order: 1"], ["== APP == Saving Order: 1", "== APP == Deleting Order: 1"]):
        framed, exact = StepRun(step, frame=without_label), StepRun(step)
        for run in (framed, exact):
            feed = run._feeds["stdout"]
            for line in printed:
                feed.matcher.feed(feed.frame(line))
        assert framed._feeds["stdout"].matcher.ok, printed
        assert not exact._feeds["stdout"].matcher.ok, printed  # mm.py: one of the two lines is not printed so
