"""A quickstart with no expected file, validated by its README's own steps (mechanical-markdown's
semantics, with the early stop: a command whose step's expectations are met is stopped)."""

from __future__ import annotations

import time
from typing import Callable

from runner.job.plan import JobPlan
from runner.job.settings import RunSettings
from runner.job.verdict import readme_result, skipped
from runner.mm.runner import ReadmeRun
from runner.recipes import RECIPES
from runner.results import JobResult, Progress


def run_readme(plan: JobPlan, settings: RunSettings, on_progress: Callable[[Progress], None]) -> JobResult:
    if plan.skip_reason or plan.readme is None:
        return skipped(plan)
    on_progress(Progress(plan.name, "running"))
    started = time.monotonic()
    recipe = RECIPES.get(plan.language)
    run = ReadmeRun(plan.readme, cwd=plan.readme.path.parent, daprd=settings.daprd,
                    control_plane_binaries=settings.control_plane_binaries, early_stop=True, say=lambda text: None,
                    steps_env=recipe.steps_env if recipe else None,
                    real_cli=settings.dapr_cli if settings.sidecar == "dapr" else None,
                    launch=settings.launcher(plan.name),
                    build_slot=settings.build_turns(lambda text: on_progress(Progress(plan.name, text))))
    success = run.run()
    result = readme_result(plan, run.steps, success, started, run.fault)
    on_progress(Progress(plan.name, "done", result.matched, result.expected))
    return result
