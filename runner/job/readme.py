"""A quickstart with no expected file, validated by its README's own steps (mechanical-markdown's
semantics, with the early stop: a command whose step's expectations are met is stopped)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

from runner.job.plan import JobPlan
from runner.job.settings import RunSettings
from runner.job.verdict import readme_result, skipped, stopped_short
from runner.mm.runner import ReadmeRun
from runner.recipes import RECIPES
from runner.results import JobResult, Progress


def run_readme(plan: JobPlan, settings: RunSettings, on_progress: Callable[[Progress], None]) -> JobResult:
    if plan.skip_reason or plan.readme is None:
        return skipped(plan)
    on_progress(Progress(plan.name, "running"))
    started = time.monotonic()
    run = ReadmeRun(plan.readme, tags=list(plan.tags), cwd=plan.readme.path.parent, daprd=settings.daprd,
                    control_plane_binaries=settings.control_plane_binaries, early_stop=True, say=lambda text: None,
                    steps_env=lambda workdir: _steps_env(plan, workdir),
                    real_cli=settings.dapr_cli if settings.sidecar == "dapr" else None,
                    launch=settings.launcher(plan.name),
                    build_slot=settings.build_turns(lambda text: on_progress(Progress(plan.name, text))),
                    stop_before=plan.unrunnable[0] if plan.unrunnable else None, page=plan.page,
                    redis_port=plan.redis_port, redis=plan.redis)
    success = run.run()
    result = readme_result(plan, run.steps, success, started, run.fault, run.apps(), run.page_match, run.page_notes)
    printed = "\n".join(command.output(stream) for step in run.steps for command in step.commands if command.ran
                        for stream in ("stdout", "stderr"))
    result.notes += [note for language in plan.languages if language in RECIPES
                     for note in RECIPES[language].output_notes(printed) if note not in result.notes]
    if result.status == "passed" and run.stopped:  # what can run here passed; the rest cannot be checked here
        result = stopped_short(result, f"{plan.unrunnable[1]} (line {plan.unrunnable[0]}); the steps before it passed")
    on_progress(Progress(plan.name, "done", result.matched, result.expected))
    return result


def _steps_env(plan: JobPlan, workdir: Path) -> dict[str, str]:
    """What the steps of each language the README prepares need (a venv of the job's own for
    `pip3 install`, .NET's build settings); each recipe's names are its own, so nothing collides."""
    env: dict[str, str] = {}
    for language in plan.languages:
        if language in RECIPES:
            env.update(RECIPES[language].steps_env(workdir))
    return env
