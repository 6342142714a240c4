"""One job: a plain plan in (`JobPlan`), one `JobResult` out (`run_job`). validate, the README
runner, the `dapr` shim and docs check all call the same entry."""

from runner.job.plan import JobPlan
from runner.job.settings import RunSettings
from runner.job.dispatch import run_job

__all__ = ["JobPlan", "RunSettings", "run_job"]
