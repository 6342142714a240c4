"""A job with its Dapr SDK pins overridden (`--sdk java=1.17.1`), never touching the checkout: the
job runs in a copy of its building block (the rest of the tree linked) whose pins its language's
recipe rewrote; prepared-app caches key on the rewritten files, so each SDK version prepares
apart."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from runner.job.plan import JobPlan
from runner.recipes import RECIPES
from runner.workspace import mirror


def with_sdk(plan: JobPlan, version: str, into: Path) -> tuple[JobPlan, list[str]]:
    """The plan moved into a copy (made in `into`) whose SDK pins say `version`; and what that
    changed, led by a line a person reads (`with io.dapr:dapr-sdk 1.17.1 instead of 1.17.0`).
    A quickstart that pins no SDK of its language runs as it is, and says so."""
    recipe = RECIPES[plan.language]
    if plan.tree is None or plan.folder is None:
        return plan, [f"--sdk {plan.language}={version} does not apply: the job names no quickstart folder"]
    pinned = recipe.sdk_pins(plan.folder)
    if not pinned:
        return plan, [f"no Dapr SDK of {plan.language} is pinned here: --sdk {plan.language}={version} does not apply"]
    copy = mirror(plan.tree, plan.building_block, into)

    def moved(path: Path) -> Path:
        inside = plan.tree / plan.building_block
        return copy / path.relative_to(plan.tree) if path == inside or inside in path.parents else path

    changes = recipe.pin_sdk(moved(plan.folder), version)
    was = ", ".join(sorted({pin.version for pin in pinned}))
    coordinates = ", ".join(sorted({pin.coordinate for pin in pinned}))
    readme = replace(plan.readme, path=moved(plan.readme.path)) if plan.readme is not None else None
    # The blocks its reader runs (a `pip install -r`, a `dotnet build`) run in the copy too.
    page = replace(plan.page, blocks=tuple(replace(block, folder=moved(block.folder)) for block in plan.page.blocks)) \
        if plan.page is not None else None
    apps = tuple(replace(app, app_dir=moved(app.app_dir), resources=tuple(map(moved, app.resources)),
                         config=moved(app.config) if app.config else None) for app in plan.apps)
    setup = tuple((moved(folder), command) for folder, command in plan.setup_commands)
    moved_plan = replace(plan, apps=apps, resources=tuple(map(moved, plan.resources)), readme=readme, page=page,
                         setup_commands=setup, tree=copy, folder=moved(plan.folder))
    return moved_plan, [f"with {coordinates} {version} instead of {was}", *changes]
