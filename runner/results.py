"""What a run produced, as plain data the reports read (and `--json` writes): a result per
job, and the progress events a job sends while it runs. Results are made in one place,
`runner.job.result`."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

STATUSES = ("passed", "failed", "skipped", "flaky")


@dataclass(frozen=True)
class Progress:
    job: str
    phase: str  # preparing | redis | sidecar | running | done
    matched: int = 0
    expected: int = 0


@dataclass
class JobResult:
    quickstart: str  # building_block/language/variant
    building_block: str
    language: str
    variant: str
    status: str
    reason: str = ""
    duration_s: float = 0.0
    phases: dict[str, float] = field(default_factory=lambda: {"prepare": 0.0, "sidecar": 0.0, "run": 0.0})
    expected: int = 0
    matched: int = 0
    first_output_s: float | None = None
    last_match_s: float | None = None
    prepare_reused: bool | None = None
    toolchain: str | None = None
    expected_source: str = ""
    misses: list[str] = field(default_factory=list)
    miss_details: list[dict] = field(default_factory=list)  # expected, line, closest output lines, order note
    failure_file: str | None = None  # where the first failing expectation is written (expected file, README)
    failure_line: int | None = None
    hits: list[dict] = field(default_factory=list)  # expected line -> the output line that met it
    findings: list[dict] = field(default_factory=list)  # docs check: each {file, line, kind, message}
    transcript: list[str] = field(default_factory=list)

    @classmethod
    def from_record(cls, record: dict) -> "JobResult":
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{key: value for key, value in record.items() if key in known})

    def record(self) -> dict:
        data = asdict(self)
        data["phases"] = {k: round(v, 3) for k, v in self.phases.items()}
        data["duration_s"] = round(self.duration_s, 3)
        return data


def exit_code(results: list[JobResult], strict: bool = False) -> int:
    bad = {"failed"} | ({"skipped"} if strict else set())
    return 1 if any(result.status in bad for result in results) else 0


def status_counts(results: list[JobResult]) -> dict[str, int]:
    return {status: sum(r.status == status for r in results) for status in STATUSES}
