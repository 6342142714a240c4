"""What mm.py prints of a README run: the steps it would run (`-d`), and after a run each
step's commands, return codes, expected and actual output, and what did not match."""

from __future__ import annotations

from runner.formats.steps import Annotated
from runner.mm.model import STREAMS, StepRun


def dry_run(annotated: Annotated, shell: str) -> str:
    text = "Would run the following validation steps:\n"
    for step in annotated.steps:
        text += f"Step: {step.name}\n\tcommands to run with '{shell}':\n"
        text += "".join(f"\t\t`{command.text}`\n" for command in step.commands)
        for stream in STREAMS:
            text += f"\tExpected {stream}:\n"
            text += "".join(f"\t\t{line}\n" for line in getattr(step, f"expected_{stream}_lines"))
        text += f"\tExpected return code: {step.expected_return_code}\n\n"
    return text


def run_report(steps: list[StepRun]) -> str:
    out = []
    for step_run in steps:
        step = step_run.step
        if step.name:
            out.append(f"Step: {step.name}")
        for command in step_run.commands:
            if not command.ran and command.return_code is None:
                continue
            note = " (stopped: expectations met)" if command.stopped_early else \
                " (stopped: the run was over)" if command.stopped_at_end else \
                " (timed out)" if command.timed_out else ""
            out += [f"\tcommand: `{command.text}`", f"\treturn_code: {command.return_code}{note}",
                    f"\tduration_seconds: {command.duration_s:.3f}"]
        for stream in STREAMS:
            expected = getattr(step, f"expected_{stream}_lines")
            out.append(f"\tExpected {stream} (output_match_mode: {step.output_match_mode}, match_order: {step.match_order}):")
            out += [f"\t\t{line}" for line in expected]
            out.append(f"\tActual {stream}:")
            out += [f"\t\t{line}" for line in step_run.output_lines(stream)]
            result = step_run.match(stream)
            if result.order_broken:
                out.append("\tERROR expected lines were not found in the correct order")
            if result.not_found:
                out.append("\tERROR expected lines not found:")
                out += [f"\t\t{line}" for line in result.not_found]
    return "\n".join(out) + "\n"
