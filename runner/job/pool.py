"""Many jobs at once: each on a thread of its own (they mostly wait on their apps), each
with its own Redis, ports and temp dir; an interrupt makes every running job unwind."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from runner.job.plan import JobPlan, RunSettings
from runner.job.run import OnProgress, run_job
from runner.results import JobResult
from runner.services.groups import shutdown


def run_all(plans: list[JobPlan], settings: RunSettings, jobs: int, retries: int = 0,
            on_progress: OnProgress = lambda p: None) -> list[JobResult]:
    """The results of `plans`, in their order, `jobs` of them running at a time."""
    if jobs <= 1:
        return [run_job(plan, settings, on_progress, retries) for plan in plans]
    pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="job")
    try:
        futures = [pool.submit(run_job, plan, settings, on_progress, retries) for plan in plans]
        return [future.result() for future in futures]
    except BaseException:
        shutdown.set()  # every running job unwinds, stopping what it started
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
