"""Many jobs at once: each on a thread of its own (they mostly wait on their apps), each with
its own Redis, control plane, ports and temp dir. Jobs whose quickstarts name the same fixed
ports (an app that listens on 6001 whatever happens) run each in a network of its own where
one can be made (RunSettings.own_networks), else take turns: a free worker takes the first
waiting job whose ports no running job holds. One job's error stays in that job (it
fails with it, run_job's promise); only an interrupt ends the run early: every running job
unwinds, stopping what it started, and `RunInterrupted` says what ended it."""

from __future__ import annotations

import math
import threading
import time
from typing import Callable

from runner.job.plan import JobPlan
from runner.job.settings import RunSettings
from runner.job.dispatch import in_own_network, run_job
from runner.results import JobResult, OnProgress
from runner.services.groups import Interrupted, RunStop, working_for
from runner.services.ports import reserve
from runner.services.timeline import QUEUED, Timeline, recording


class RunInterrupted(KeyboardInterrupt):
    """The run ended before its jobs did; `why` says what ended it (a signal, Ctrl-C)."""

    def __init__(self, why: str):
        super().__init__(why)
        self.why = why


def interrupt_reason(exc: BaseException) -> str:
    """What an interrupt was, in a person's words: `SIGTERM received`, `Ctrl-C (SIGINT)`."""
    return getattr(exc, "why", "") or (str(exc) if str(exc) else "Ctrl-C (SIGINT)")


def longest_first(plans: list[JobPlan], expected_s: Callable[[JobPlan], float],
                  turns_on: Callable[[JobPlan], frozenset[int]] = lambda plan: plan.fixed_ports) -> list[int]:
    """The plans' indexes in the order to start them: jobs that take turns on the same ports
    (`turns_on`; directly or through one another) run one after another, so such a group takes
    as long as its jobs' sum; the longest groups first (a lone job is a group of one), within one
    the longest job first."""
    group = list(range(len(plans)))

    def root(index: int) -> int:
        while group[index] != index:
            group[index] = index = group[group[index]]
        return index

    expected = [expected_s(plan) for plan in plans]
    named_by: dict[int, int] = {}
    for index, plan in enumerate(plans):
        for port in turns_on(plan) if math.isfinite(expected[index]) else ():  # a skipped job holds nothing long
            group[root(index)] = root(named_by.setdefault(port, index))
    total: dict[int, float] = {}
    for index in range(len(plans)):
        total[root(index)] = total.get(root(index), 0.0) + expected[index]
    return sorted(range(len(plans)), key=lambda index: (-total[root(index)], -expected[index]))


def run_all(plans: list[JobPlan], settings: RunSettings | Callable[[JobPlan], RunSettings], jobs: int, retries: int = 0,
            on_progress: OnProgress = lambda p: None,
            on_result: Callable[[JobResult], None] = lambda r: None, epoch: float | None = None,
            expected_s: Callable[[JobPlan], float] | None = None) -> list[JobResult]:
    """The results of `plans`, in their order, at most `jobs` of them running at a time, each with
    `settings` (or those `settings(plan)` gives: a matrix of runtime versions); `on_result`
    hears of each the moment its job ends, its phases on the run's clock (`epoch`: when the run
    began) in its `timeline`. With `expected_s` (how long each is expected to take: the last run's
    durations), the longest start first (`longest_first`), so the run ends with its slowest job or
    its longest chain of jobs that take turns on ports, not after them."""
    pool = _Pool(plans, settings if callable(settings) else lambda plan: settings, retries, on_progress, on_result,
                 time.monotonic() if epoch is None else epoch)
    if expected_s is not None:
        pool.waiting = longest_first(plans, expected_s, pool.turns_on)
    return pool.run(jobs)


class _Pool:
    """The jobs of one run and the workers taking them in turn: a job whose named ports another
    running job holds waits for them (its timeline says for which)."""

    def __init__(self, plans: list[JobPlan], settings_of: Callable[[JobPlan], RunSettings], retries: int,
                 on_progress: OnProgress, on_result: Callable[[JobResult], None], epoch: float):
        self.plans, self.settings_of, self.retries = plans, settings_of, retries
        self.on_progress, self.on_result, self.epoch = on_progress, on_result, epoch
        reserve(*(port for plan in plans for port in plan.fixed_ports))  # never handed out as a free port
        self.results: list[JobResult | None] = [None] * len(plans)
        self.waiting = list(range(len(plans)))
        self.held: dict[int, str] = {}  # a port the quickstart names -> the job holding it
        self.waited_for: dict[int, str] = {}  # a job passed over for a held port -> which, and whose
        self.stop = RunStop()
        self.changed = threading.Condition()
        self.running = 0

    def turns_on(self, plan: JobPlan) -> frozenset[int]:
        """The ports a job takes turns on (in a network of its own, its ports meet no other's)."""
        return frozenset() if in_own_network(plan, self.settings_of(plan)) else plan.fixed_ports

    def _startable(self, index: int) -> bool:
        if clash := self.turns_on(self.plans[index]) & self.held.keys():
            self.waited_for[index] = f"port {min(clash)} of {self.held[min(clash)]}"
            return False
        return True

    def _take(self) -> int | None:
        with self.changed:
            while self.waiting and not self.stop.is_set():
                index = next((i for i in self.waiting if self._startable(i)), None)
                if index is not None:
                    self.waiting.remove(index)
                    self.held.update(dict.fromkeys(self.turns_on(self.plans[index]), self.plans[index].name))
                    return index
                self.changed.wait(timeout=0.5)
            return None

    def _work(self) -> None:
        try:
            with working_for(self.stop):
                while (index := self._take()) is not None:
                    self._run_one(index)
        except Interrupted:  # the run was stopped: this job has no verdict
            pass
        finally:
            with self.changed:
                self.running -= 1
                self.changed.notify_all()

    def _run_one(self, index: int) -> None:
        plan = self.plans[index]
        try:
            timeline = Timeline(self.epoch)
            timeline.add(QUEUED, self.epoch, time.monotonic(),
                         f"waited for {self.waited_for[index]}" if index in self.waited_for else "")
            with recording(timeline):
                result = run_job(plan, self.settings_of(plan), self.on_progress, self.retries)
            result.timeline = timeline.records()
            self.results[index] = result
            self.on_result(result)
        finally:
            with self.changed:
                for port in self.turns_on(plan):
                    self.held.pop(port, None)
                self.changed.notify_all()

    def _wait_for_workers(self) -> None:
        # Not Thread.join(): an interrupt that lands inside join() can leave the thread
        # looking finished while it still unwinds (CPython), and the runner would exit early.
        with self.changed:
            while self.running:
                self.changed.wait(timeout=0.2)

    def run(self, jobs: int) -> list[JobResult]:
        workers = [threading.Thread(target=self._work, name=f"job-{n}", daemon=True)
                   for n in range(max(1, min(jobs, len(self.plans))))]
        self.running = len(workers)
        for worker in workers:
            worker.start()
        try:
            self._wait_for_workers()
        except BaseException as exc:
            self.stop.stop(interrupt_reason(exc))
            self._wait_for_workers()
            raise RunInterrupted(self.stop.why) from None
        return self.results
