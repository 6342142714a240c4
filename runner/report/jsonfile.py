"""`--json FILE`: one record per job, a stable schema that later tools read."""

from __future__ import annotations

import json
from pathlib import Path

from runner.results import JobResult

SCHEMA_VERSION = 1


def write_json(results: list[JobResult], path: Path, run_info: dict) -> None:
    document = {"schema": SCHEMA_VERSION, "run": run_info, "jobs": [result.record() for result in results]}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)
