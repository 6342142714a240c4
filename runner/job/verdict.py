"""The one place a `JobResult` is made: from a plan and what its run saw (an app run's
verdict, timings and matcher; a README run's steps), or a skip; and marked flaky by a retry."""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from runner.job.plan import JobPlan
from runner.mm.model import StepRun
from runner.results import AppEvidence, JobResult, Miss
from runner.transcript.apps import how_it_ended
from runner.transcript.appreasons import crash_reason, never_listened, start_race
from runner.formats.cli_lines import APP_EXIT_ERROR, APP_LABEL, is_cli_line
from runner.formats.shellwords import last_command
from runner.transcript.causes import build_error, cause, missing_file
from runner.transcript.explain import closest_lines, explain
from runner.transcript.matcher import StreamMatcher
from runner.transcript.pagematch import PageMatch
from runner.transcript.normalize import strip_ansi


@dataclass
class AppRunOutcome:
    """What an app run decided and measured, before it becomes a result."""

    status: str = "failed"  # until the run decides
    reason: str = ""
    duration_s: float = 0.0
    first_output_s: float | None = None
    prepare_reused: bool | None = None
    fault: str | None = None  # what died under the run
    misses: list[Miss] | None = None  # why the output did not match, once judged
    blocked: str | None = None  # a command before the output failed: what the page shows was never printed
    notes: list[str] = field(default_factory=list)  # what its preparation chose (the SDK version it resolved)


def _result(plan: JobPlan, status: str, reason: str = "") -> JobResult:
    return JobResult(
        quickstart=plan.name, building_block=plan.building_block, language=plan.language, variant=plan.variant,
        status=status, reason=reason, toolchain=plan.toolchain.version if plan.toolchain else None,
        expected_source=plan.expected_source, notes=list(plan.notes),
    )


def skipped(plan: JobPlan) -> JobResult:
    return _result(plan, "skipped", plan.skip_reason or "")


def interrupted(plan: JobPlan, why: str = "") -> JobResult:
    """A job the run ended before it did (Ctrl-C, SIGTERM, a CI limit): no verdict; `why`, what ended the run."""
    return _result(plan, "interrupted", f"the run was interrupted ({why}) before this job ended" if why else
                   "the run was interrupted before this job ended")


def failed(plan: JobPlan, reason: str) -> JobResult:
    """A job that could not run at all (a port it names is held by another program)."""
    result = _result(plan, "failed", reason)
    result.blocked = reason  # nothing ran: a docs tab is not checked, not drifted
    return result


def app_result(plan: JobPlan, outcome: AppRunOutcome, matcher: StreamMatcher,
               redact: Callable[[str], str], apps: list[AppEvidence] = ()) -> JobResult:
    """An app run's result: its verdict and timings, what the matcher saw (counts, the
    transcript, each hit and, on failure, each miss), and what its apps showed (`judge_apps`)."""
    result = _result(plan, outcome.status, redact(outcome.reason))
    result.duration_s = outcome.duration_s
    result.notes += [note for note in outcome.notes if note not in result.notes]
    result.first_output_s, result.prepare_reused = outcome.first_output_s, outcome.prepare_reused
    result.fault = redact(outcome.fault) if outcome.fault else None
    result.blocked = redact(outcome.blocked) if outcome.blocked else None
    result.expected, result.matched = matcher.total, matcher.matched
    result.last_match_s = matcher.last_match_t
    result.transcript = [line.text for line in matcher.lines]
    expectation = matcher.expectation
    result.hits = [{"expected": expectation.lines[hit.expected_index].written,
                    "expected_line": expectation.lines[hit.expected_index].source_line,
                    "output_line": hit.output_number} for hit in matcher.hits()]
    if result.status == "failed" and matcher.total:
        details = outcome.misses if outcome.misses is not None else explain(matcher)
        result.misses = [redact(miss.summary()) for miss in details]
        result.miss_details = list(details)
        if details:
            result.failure_file, result.failure_line = expectation.source, details[0].source_line
    apps = [replace(app, said=redact(app.said) if app.said else None, last_lines=[redact(line) for line in app.last_lines])
            for app in apps]
    return readable(judge_apps(result, apps, plan.weak), plan.tree)


def readme_result(plan: JobPlan, steps: list[StepRun], success: bool, started: float,
                  fault: str | None = None, apps: list[AppEvidence] | None = None, page: PageMatch | None = None,
                  page_notes: list[str] = ()) -> JobResult:
    """A README run's result: what its steps printed and which expectation or return code let it
    down (led by what died under the run, when something did: `fault`), then which line its page
    shows that never came (`page`); `started` is the monotonic time the run began."""
    readme_path = str(plan.readme.path)
    result = _result(plan, "passed" if success else "failed")
    result.duration_s = time.monotonic() - started
    met = [step.met_at for step in steps if step.met_at is not None]
    if success and met:  # the steps' own time to their last expected line
        result.last_match_s = max(met) - started
    misses: list[str] = []
    unseen: list[tuple[int, str, int]] = []  # (README line, expected stdout line, where its step's output begins)
    reader_blocks = plan.page.blocks if plan.page else ()
    result.transcript += [f"[{readme_path}:{block.line}: a block its reader runs, not run here: {block.skip}]"
                          for block in reader_blocks if block.skip]
    for step_run in steps:
        # A command that failed: what the page shows after it never came (not drift, nor a crash).
        result.blocked = result.blocked or _add_step(result, step_run, readme_path, misses, unseen)
    page_misses = page.misses() if page is not None else []
    misses += [miss.reason(readme_path) for miss in page_misses]
    result.misses = misses
    if page is not None and page.total:
        result.page = page.record()
    if page is not None:
        result.expected += page.total
        result.matched += page.matched
        result.notes += [f"{readme_path}:{check.block.fence_line}: output block not checked: {check.skip}"
                         for check in plan.page.outputs if check.skip] + list(page_notes)
    numbered = [(number, strip_ansi(line)) for number, line in enumerate(result.transcript, start=1)]
    result.miss_details = [Miss(0, text, line, closest_lines(text, numbered, due, 3), None)
                           for line, text, due in unseen[:3]] + [miss.miss for miss in page_misses]
    failed = next((s for s in steps if not s.ok()), None)
    if not success and failed is not None:
        result.failure_file, result.failure_line = readme_path, failed.step.line
    elif not success and page_misses:
        result.failure_file, result.failure_line = readme_path, page_misses[0].miss.source_line
    result.reason = misses[0] if misses else ("" if success else "README steps failed")
    if fault:
        result.fault = fault
        result.reason = f"{fault}; {result.reason}"
    load = next((command.load for step in steps for command in step.commands if command.load), "")
    if not success and load:
        result.reason += f"; {load}"
    if not success:
        why = earlier_failure(steps) or app_failure(result.transcript)
        result.reason += f"; {why}" if why else ""
    result = judge_apps(result, apps or [], plan.weak)
    if result.kind == "app crashed" and (before := earlier_failure(steps)):
        result.reason += f"; {before}"  # a build that failed before the app: the crash's cause
    if result.status == "failed":
        result.reason += _not_in_tree(plan, result.reason)
    if result.kind == "app crashed" and success:  # the step that started it is where to look
        result.failure_file, result.failure_line = readme_path, next(
            (step_run.step.line for step_run in steps for command in step_run.commands
             if command.apps is not None and any(app.crashed for app in command.apps.evidence())), None)
    return readable(result, plan.tree)


def _add_step(result: JobResult, step_run: StepRun, readme_path: str, misses: list[str],
              unseen: list[tuple[int, str, int]]) -> str | None:
    """One step's part of a README run's result: what it printed, what it expected (counted; the
    lines never printed `unseen`), and which of its commands let it down (`misses`; the first
    of them returned)."""
    step = step_run.step
    where = f"{readme_path}:{step.line}: step {step.name!r}"
    if (block := step_run.reader_block) is not None:
        where = f"{readme_path}:{step.line}: the reader's block"
        typed = " ".join(step_run.step.commands[0].text.replace("\\\n", " ").split())
        result.transcript.append(f"[{readme_path}:{block.line}: run as its reader runs it, in {block.folder}: `{typed}`]")
        if block.note:
            result.transcript.append(f"[{readme_path}:{block.line}: {block.note}]")
    unmet = []  # said after a command that failed: that failure is why its lines never came
    for stream in ("stdout", "stderr"):
        expected = getattr(step, f"expected_{stream}_lines")
        match = step_run.match(stream)
        result.expected += len(expected)
        result.matched += len(match.found)
        unmet += [f"{where}: expected {stream} line not found: `{line}`" for line in match.not_found]
        if stream == "stdout":
            unseen += [(step.line, line, len(result.transcript)) for line in match.not_found]
        if match.order_broken:
            unmet.append(f"{where}: expected {stream} lines not in order")
    failed = None
    for command in step_run.commands:
        result.transcript += command.output("stdout").splitlines()
        if not step_run.command_ok(command):
            said = cause(command.output("stdout") + "\n" + command.output("stderr"))
            if said is None:
                tail = [line.strip() for line in command.output("stderr").splitlines() if line.strip()]
                said = tail[-1] if tail else None
            misses.append(f"{where}: `{last_command(command.text)}` returned {command.return_code}, "
                          f"expected {step.expected_return_code}" + (f"; it said: {said}" if said else ""))
            failed = failed or misses[-1]
    misses += unmet
    return failed


def judge_apps(result: JobResult, apps: list[AppEvidence], weak: str | None = None) -> JobResult:
    """The result with what its apps showed: an app that crashed fails it, whatever matched (its
    reason leads); a job that `weak`ly checks only that Dapr started fails too when an app never
    showed it came up, or when no app was seen at all, its verdict resting on that alone."""
    result.apps, result.weak = apps, weak
    if result.status not in ("passed", "failed", "flaky") or result.fault:  # what died under it is the cause
        return result
    crashed = crash_reason(apps)
    silent = [app.app for app in apps if app.came_up is None and app.ended is None]
    if crashed:  # the cause of whatever else failed: the misses still say what
        result.status, result.reason = "failed", crashed
    elif result.status == "failed" and (race := start_race(apps)):  # the quickstart's own race, not the runner's
        result.reason = f"{race}; {result.reason}"
    elif result.status == "failed" and (deaf := never_listened(apps)):  # what it was sent went nowhere
        result.reason = f"{deaf}; {result.reason}"
    elif weak and silent:
        why = f"{weak}, and {', '.join(silent)} never showed it came up (no listening port, no line of its own)"
        result.status, result.reason = "failed", why + (f"; {result.reason}" if result.status == "failed" else "")
    elif weak and not apps and result.status != "failed":  # a pass resting on nothing at all
        result.status, result.reason = "failed", f"{weak}, and no app it starts was seen: nothing was checked"
    return result


def _not_in_tree(plan: JobPlan, reason: str) -> str:
    """When the reason quotes a file not found, and no file of that name is anywhere in the
    quickstart's folder: say so (a file the tree lacks, not a path the app got wrong)."""
    name = missing_file(reason)
    folder = plan.readme.path.parent if plan.readme else None
    if not name or folder is None or not folder.is_dir():
        return ""
    if any(folder.rglob(Path(name).name)):
        return ""
    return f" ({Path(name).name} is nowhere in {folder.relative_to(plan.tree) if plan.tree else folder}/)"


def readable(result: JobResult, tree: Path | None) -> JobResult:
    """What a person reads of a result: no terminal escapes, and the tree's files named from its
    root (`bindings/go/sdk/README.md:49`), not from wherever the run checked it out."""
    prefixes = sorted({f"{tree}/", f"{tree.resolve()}/"}, key=len, reverse=True) if tree else []

    def tidy(text: str) -> str:
        text = strip_ansi(text)
        for prefix in prefixes:
            text = text.replace(prefix, "")
        return text

    result.reason = tidy(result.reason)
    result.misses = [tidy(miss) for miss in result.misses]
    result.notes = [tidy(note) for note in result.notes]
    result.transcript = [tidy(line) for line in result.transcript]
    result.apps = [replace(app, started_by=tidy(app.started_by), said=tidy(app.said) if app.said else app.said,
                           last_lines=[tidy(line) for line in app.last_lines]) for app in result.apps]
    result.miss_details = [replace(miss, closest=tuple(replace(close, text=tidy(close.text)) for close in miss.closest))
                           for miss in result.miss_details]
    if result.failure_file:
        result.failure_file = tidy(str(result.failure_file))
    return result


def earlier_failure(steps: list[StepRun]) -> str | None:
    """A command that failed though its step did not check (a build before a run, say), or a
    build whose tool printed an error though the block's exit code hid it (a block ending in
    `cd ..`): often the real cause of what follows."""
    for step_run in steps:
        step = step_run.step
        for command in step_run.commands:
            output = command.output("stdout") + "\n" + command.output("stderr")
            if command.return_code not in (0, None) and not command.ended_by_us and step.expected_return_code is None:
                said = cause(output)
                if said:
                    return f"`{last_command(command.text)}` (step {step.name!r}) failed before it: {said}"
            elif command.return_code == 0 and (said := build_error(output)):
                return f"the build in step {step.name!r} (line {step.line}) failed, though its block returned 0: {said}"
    return None


def app_failure(transcript: list[str]) -> str | None:
    """An app that exited with an error, and the line of its output that says why (an app ended
    by a stop's SIGTERM or SIGINT, 143 or 130, did not fail)."""
    ends = [how_it_ended(line.split(APP_EXIT_ERROR + ":", 1)[1]) for line in transcript if APP_EXIT_ERROR + ":" in line]
    if not any(crashed for _, crashed in ends):
        return None
    said = cause("\n".join(APP_LABEL.sub("", line) for line in transcript
                           if line.startswith("== APP") or not is_cli_line(strip_ansi(line).strip())))
    return f"an app exited with an error: {said}" if said else "an app exited with an error"


def stopped_short(result: JobResult, why: str) -> JobResult:
    """A README run that passed as far as this machine can take it: skipped, with why it stopped."""
    result.status, result.reason = "skipped", why
    return result


def as_flaky(result: JobResult, first: JobResult, attempt: int, attempts: int) -> JobResult:
    result.status = "flaky"
    result.reason = f"passed on attempt {attempt} of {attempts}; attempt 1 failed: {first.reason}"
    return result


def check_result(name: str, building_block: str, language: str, status: str, reason: str, misses: list[str],
                 failure_file: str | None, failure_line: int | None, transcript: list[str],
                 source: str, variant: str = "tab", findings: list[dict] | None = None) -> JobResult:
    """A result for a check that is not a job run (a docs tab's findings), for the same reports."""
    return JobResult(quickstart=name, building_block=building_block, language=language, variant=variant,
                     findings=findings or [],
                     status=status, reason=reason, misses=misses, failure_file=failure_file,
                     failure_line=failure_line, expected_source=source, transcript=transcript)
