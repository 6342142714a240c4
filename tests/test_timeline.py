"""A job's phases on the run's clock, the build slot's occupancy, and the pool's record of why a
job waited (a unit test of the pool: its jobs are stand-ins that sleep, not real quickstarts)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from runner.job import pool
from runner.job.plan import JobPlan
from runner.job.settings import RunSettings
from runner.results import JobResult
from runner.services.timeline import BUILD, QUEUED, SLOT, TURN, Timeline, phase, recording, slot_spans, slot_summary


def test_phases_are_on_the_run_clock_and_nothing_is_not_drawn():
    epoch = time.monotonic() - 10.0
    timeline = Timeline(epoch)
    with recording(timeline):
        with phase(BUILD, "npm install"):
            time.sleep(0.05)
        with phase(SLOT):
            pass  # too short to be anything
    (built,) = timeline.records()
    assert built["name"] == BUILD and built["detail"] == "npm install"
    assert 10.0 <= built["start_s"] < built["end_s"] < 11.0


def test_a_phase_outside_any_recording_thread_goes_nowhere():
    timeline = Timeline(time.monotonic())

    def elsewhere():
        with phase(BUILD, "go build"):
            time.sleep(0.02)

    with recording(timeline):
        worker = threading.Thread(target=elsewhere)
        worker.start()
        worker.join()
    assert timeline.records() == []


def test_slot_summary_counts_overlapping_builds_once_and_sums_the_waits():
    timelines = [
        [{"name": BUILD, "start_s": 0.0, "end_s": 10.0}, {"name": SLOT, "start_s": 10.0, "end_s": 12.0}],
        [{"name": TURN, "start_s": 5.0, "end_s": 15.0}, {"name": SLOT, "start_s": 0.0, "end_s": 5.0}],
        [{"name": BUILD, "start_s": 30.0, "end_s": 40.0}, {"name": QUEUED, "start_s": 0.0, "end_s": 30.0}],
    ]
    assert slot_spans(timelines) == [(0.0, 15.0), (30.0, 40.0)]  # what the report draws beneath the jobs
    summary = slot_summary(timelines, 50.0)
    assert summary["busy_s"] == 25.0  # 0-15 and 30-40
    assert summary["busy_share"] == 0.5
    assert summary["waited_s"] == 7.0 and summary["longest_wait_s"] == 5.0


SHARED = RunSettings(daprd=Path("daprd"))  # every job on the machine's loopback: named ports taken in turns


def _plan(name: str, *ports: int) -> JobPlan:
    block, language, variant = name.split("/")
    return JobPlan(name, block, language, variant, apps=(), resources=(), expectation=None, timeout_s=5.0,
                   fixed_ports=frozenset(ports))


@pytest.fixture
def sleeping_jobs(monkeypatch):
    """run_job stood in by a job that holds its worker 0.3 s and passes."""
    def run_job(plan, settings, on_progress, retries):
        time.sleep(0.3)
        return JobResult(plan.name, plan.building_block, plan.language, plan.variant, "passed")

    monkeypatch.setattr(pool, "run_job", run_job)


def _queued(result: JobResult) -> dict | None:
    return next((p for p in result.timeline if p["name"] == QUEUED), None)


def test_a_job_passed_over_for_a_named_port_says_whose_port_it_waited_for(sleeping_jobs):
    plans = [_plan("jobs/go/http", 6200, 6280), _plan("jobs/python/http", 6280), _plan("state/go/http", 6001)]
    first, second, third = pool.run_all(plans, settings=SHARED, jobs=3)
    assert _queued(second)["detail"] == "waited for port 6280 of jobs/go/http"
    assert _queued(second)["end_s"] >= 0.3  # it started once the first let go
    assert _queued(third) is None or _queued(third)["detail"] == ""  # nothing stood in its way


def test_in_networks_of_their_own_jobs_naming_one_port_run_side_by_side(sleeping_jobs):
    plans = [_plan("jobs/go/http", 6200, 6280), _plan("jobs/python/http", 6280)]
    first, second = pool.run_all(plans, settings=RunSettings(daprd=Path("daprd"), own_networks=True), jobs=2)
    assert _queued(second) is None or (_queued(second)["detail"] == "" and _queued(second)["end_s"] < 0.3)


def test_a_job_that_only_waited_for_a_worker_names_no_port(sleeping_jobs):
    plans = [_plan("a/go/http", 6001), _plan("b/go/http", 6002)]
    first, second = pool.run_all(plans, settings=SHARED, jobs=1)
    assert _queued(second)["end_s"] >= 0.3
    assert _queued(second)["detail"] == ""


def test_the_longest_expected_job_starts_first(sleeping_jobs):
    plans = [_plan("short/go/http"), _plan("long/go/http"), _plan("middle/go/http")]
    expected = {"short/go/http": 1.0, "long/go/http": 100.0, "middle/go/http": 10.0}
    results = pool.run_all(plans, settings=SHARED, jobs=1, expected_s=lambda plan: expected[plan.name])
    started = {r.quickstart: (_queued(r) or {"end_s": 0.0})["end_s"] for r in results}
    assert started["long/go/http"] < started["middle/go/http"] < started["short/go/http"]


def test_jobs_that_take_turns_on_a_port_start_before_a_longer_lone_job():
    chain = [_plan(f"jobs/{language}/http", 6200) for language in ("go", "python", "java")]
    lone, skipped = _plan("workflows/java/sdk"), _plan("hello/kubernetes/none", 6200)
    expected = {**{plan.name: 60.0 for plan in chain}, lone.name: 150.0, skipped.name: float("inf")}
    order = [([lone, *chain, skipped])[index].name
             for index in pool.longest_first([lone, *chain, skipped], lambda plan: expected[plan.name])]
    assert order[0] == skipped.name, "what ends at once, first"
    assert order[1:4] == [plan.name for plan in chain], "three turns of 60 s outlast one job of 150 s"
    assert order[4] == lone.name
