"""`--json FILE`: one record per job, a stable schema that later tools read."""

from __future__ import annotations

import json
from pathlib import Path

from runner.errors import InputError
from runner.report.owners import owner
from runner.report.whole import write_whole
from runner.results import JobResult

SCHEMA_VERSION = 1


def write_json(results: list[JobResult], path: Path, run_info: dict) -> None:
    document = {"schema": SCHEMA_VERSION, "run": run_info, "jobs": [job_record(result) for result in results]}
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    write_whole(path, lambda scratch: scratch.write_text(text, encoding="utf-8"))


def job_record(result: JobResult) -> dict:
    """A job's record, with who acts on it when it failed (report/owners.py)."""
    return {**result.record(), "owner": owner(result)}


def read_json(path: Path) -> tuple[list[JobResult], dict]:
    """The results and run information of a `--json` file."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        return [JobResult.from_record(record) for record in document["jobs"]], dict(document.get("run") or {})
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(f"not a quickstart-runner --json file: {exc}", path) from None
