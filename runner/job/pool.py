"""Many jobs at once: each on a thread of its own (they mostly wait on their apps), each with
its own Redis, control plane, ports and temp dir. Jobs whose quickstarts name the same fixed
ports (an app that listens on 6001 whatever happens) take turns: a free worker takes the
first waiting job whose ports no running job holds. An interrupt, or a job that raises,
makes every running job unwind."""

from __future__ import annotations

import threading
from typing import Callable

from runner.job.plan import JobPlan
from runner.job.settings import RunSettings
from runner.job.dispatch import run_job
from runner.results import JobResult, OnProgress
from runner.services.groups import shutdown
from runner.services.ports import reserve


def run_all(plans: list[JobPlan], settings: RunSettings | Callable[[JobPlan], RunSettings], jobs: int, retries: int = 0,
            on_progress: OnProgress = lambda p: None,
            on_result: Callable[[JobResult], None] = lambda r: None) -> list[JobResult]:
    """The results of `plans`, in their order, at most `jobs` of them running at a time, each with
    `settings` (or those `settings(plan)` gives: a matrix of runtime versions); `on_result`
    hears of each the moment its job ends."""
    settings_of = settings if callable(settings) else lambda plan: settings
    reserve(*(port for plan in plans for port in plan.fixed_ports))  # never handed out as a free port
    results: list[JobResult | None] = [None] * len(plans)
    waiting = list(range(len(plans)))
    held: set[int] = set()
    failures: list[BaseException] = []
    changed = threading.Condition()

    def take() -> int | None:
        with changed:
            while waiting and not failures and not shutdown.is_set():
                index = next((i for i in waiting if not plans[i].fixed_ports & held), None)
                if index is not None:
                    waiting.remove(index)
                    held.update(plans[index].fixed_ports)
                    return index
                changed.wait(timeout=0.5)
            return None

    def work() -> None:
        try:
            run_jobs()
        finally:
            with changed:
                running[0] -= 1
                changed.notify_all()

    def run_jobs() -> None:
        while (index := take()) is not None:
            try:
                results[index] = run_job(plans[index], settings_of(plans[index]), on_progress, retries)
                on_result(results[index])
            except BaseException as exc:  # noqa: BLE001 - raised again by the caller's thread
                failures.append(exc)
                shutdown.set()  # every running job unwinds, stopping what it started
            finally:
                with changed:
                    held.difference_update(plans[index].fixed_ports)
                    changed.notify_all()

    def wait_for_workers() -> None:
        # Not Thread.join(): an interrupt that lands inside join() can leave the thread
        # looking finished while it still unwinds (CPython), and the runner would exit early.
        with changed:
            while running[0]:
                changed.wait(timeout=0.2)

    workers = [threading.Thread(target=work, name=f"job-{n}", daemon=True) for n in range(max(1, min(jobs, len(plans))))]
    running = [len(workers)]
    for worker in workers:
        worker.start()
    try:
        wait_for_workers()
    except BaseException:
        shutdown.set()
        wait_for_workers()
        raise
    if failures:
        raise failures[0]
    return results
