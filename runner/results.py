"""What a run produced, as plain data the reports read (and `--json` writes): a result per
job, and the progress events a job sends while it runs. Results are made in one place,
`runner.job.verdict`."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Callable

_MATRIX_SUFFIX = re.compile(r"(@[^/@+]+|\+sdk[^/@+]+)+$")  # `@1.18.1`, `+sdk1.17.1`: a job of a version matrix

STATUSES = ("passed", "failed", "skipped", "flaky", "interrupted")  # interrupted: the run ended before the job did


@dataclass(frozen=True)
class Progress:
    job: str
    phase: str  # preparing | redis | sidecar | running | done
    matched: int = 0
    expected: int = 0


@dataclass(frozen=True)
class CloseLine:
    output_number: int
    text: str
    similarity: float
    difference: str = ""  # from the expected line, in words (`` `divisor` expected, `input` printed ``)

    def against(self, expected: str) -> str:
        """How alike it is to the `expected` line, and where they differ, in words: never a
        "100% alike" that hides the difference."""
        alike = self.similarity if self.text == expected else min(self.similarity, 0.99)
        return f"({alike:.0%} alike): `{self.text}`" + (f" ({self.difference})" if self.difference else "")


@dataclass(frozen=True)
class Miss:
    """An expected line the output did not meet, and what came closest."""

    expected_index: int
    expected: str
    source_line: int
    closest: tuple[CloseLine, ...]
    order_note: str | None  # set when the line was printed, but out of order

    def record(self) -> dict:
        return {"expected": self.expected, "line": self.source_line, "order_note": self.order_note,
                "closest": [{"output_line": c.output_number, "text": c.text, "similarity": c.similarity,
                             "difference": c.difference} for c in self.closest]}

    @classmethod
    def from_record(cls, record: dict) -> "Miss":
        closest = tuple(CloseLine(c["output_line"], c["text"], c["similarity"], c.get("difference", ""))
                        for c in record.get("closest") or [])
        return cls(0, record["expected"], record.get("line") or 0, closest, record.get("order_note"))

    def summary(self) -> str:
        where = f"line {self.source_line}: " if self.source_line else ""
        text = f"{where}expected `{self.expected}`"
        if self.order_note:
            return f"{text}: {self.order_note}"
        if self.closest:
            best = self.closest[0]
            return f"{text}; closest output line {best.output_number} {best.against(self.expected)}"
        return f"{text}; no output line resembles it"


OnProgress = Callable[[Progress], None]


@dataclass
class AppEvidence:
    """What one app a job started showed of itself: whether it came up, how it ended, whether it
    crashed (ended by itself with an error, or printed its runtime's crash report)."""

    app: str
    started_by: str = ""  # the command (and README line) that started it
    came_up: str | None = None  # listened on port N | printed a line | exited 0; None: never showed it
    ended: str | None = None  # exited with N | stopped (terminated) | killed by signal (...); None: ran on
    crashed: bool = False
    said: str | None = None  # the line of its output that says why it crashed
    last_lines: list[str] = field(default_factory=list)  # its last lines, when it crashed
    port: int | None = None  # the app port it listens on, when it has one
    up_s: float | None = None  # when it came up, in seconds since its start was watched
    first_line_s: float | None = None  # when it printed its first line of its own, likewise
    first_line: str | None = None

    def summary(self) -> str:
        up = self.came_up or "never showed it came up"
        end = f", {self.ended}" if self.ended else ""
        return f"{self.app}: {up}{end}" + (f"; CRASHED: {self.said}" if self.crashed and self.said else
                                          "; CRASHED" if self.crashed else "")


@dataclass
class JobResult:
    quickstart: str  # building_block/language/variant
    building_block: str
    language: str
    variant: str
    status: str
    reason: str = ""
    duration_s: float = 0.0
    expected: int = 0
    matched: int = 0
    first_output_s: float | None = None
    last_match_s: float | None = None
    prepare_reused: bool | None = None
    toolchain: str | None = None
    expected_source: str = ""
    misses: list[str] = field(default_factory=list)
    miss_details: list[Miss] = field(default_factory=list)  # expected, line, closest output lines, order note
    failure_file: str | None = None  # where the first failing expectation is written (expected file, README)
    failure_line: int | None = None
    fault: str | None = None  # what died under the job (its daprd, Redis, scheduler...), when something did
    blocked: str | None = None  # a command before the apps' output failed (a docs tab's build, say)
    bad_input: bool = False  # it could not run for a file of the quickstart's that is malformed (its reason names it)
    runtime: str | None = None  # the Dapr runtime version it ran with
    sdk: str | None = None  # the SDK version its pins were rewritten to (`--sdk`), if they were
    overrides: list[str] = field(default_factory=list)  # what that rewrite changed, led by a line to read
    hits: list[dict] = field(default_factory=list)  # expected line -> the output line that met it
    findings: list[dict] = field(default_factory=list)  # docs check: each {file, line, kind, message}
    apps: list[AppEvidence] = field(default_factory=list)  # each app it started, and what it showed
    weak: str | None = None  # why a pass proves little (`checks only that Dapr started`)
    notes: list[str] = field(default_factory=list)  # how it ran, worth knowing (a port turn it took, and why)
    transcript: list[str] = field(default_factory=list)
    page: dict | None = None  # a README run's page blocks as shown and what was heard (`PageMatch.record`)
    timeline: list[dict] = field(default_factory=list)  # its phases on the run's clock (services/timeline.py)

    @property
    def base(self) -> str:
        """The quickstart it ran, without the matrix part of its name (`pub_sub/go/sdk`)."""
        return _MATRIX_SUFFIX.sub("", self.quickstart)

    @property
    def column(self) -> str:
        """Its variant with the matrix part of its name (`sdk@1.18.1`): a column of the reports."""
        suffix = self.quickstart[len(self.base):] if self.quickstart.startswith(self.base) else ""
        return self.variant + suffix

    @property
    def kind(self) -> str | None:
        """What kind of failure it is, for reports that sort them: `app crashed` (an app it
        started died), `fault` (something under it died), `blocked` (it could not run), or
        `output mismatch`; None when it did not fail."""
        if self.status != "failed":
            return None
        if self.bad_input:
            return "bad input"
        if any(app.crashed for app in self.apps):
            return "app crashed"
        return "fault" if self.fault else "blocked" if self.blocked else "output mismatch"

    @property
    def headline(self) -> str:
        """The one line to show for it: a crash, else a failure's first miss, else its reason."""
        if self.status == "failed" and self.misses and self.kind != "app crashed":
            return self.misses[0]
        return self.reason

    @classmethod
    def from_record(cls, record: dict) -> "JobResult":
        known = {f for f in cls.__dataclass_fields__}
        fields = {key: value for key, value in record.items() if key in known}
        fields["miss_details"] = [Miss.from_record(miss) for miss in fields.get("miss_details") or []]
        fields["apps"] = [AppEvidence(**app) for app in fields.get("apps") or []]
        return cls(**fields)

    def record(self) -> dict:
        data = asdict(self)
        data["miss_details"] = [miss.record() for miss in self.miss_details]
        data["duration_s"] = round(self.duration_s, 3)
        data["kind"] = self.kind
        return data


def exit_code(results: list[JobResult], strict: bool = False) -> int:
    """2 when a job met a malformed file (bad input, as everywhere), 1 when one failed, else 0."""
    if any(result.bad_input for result in results):
        return 2
    bad = {"failed", "interrupted"} | ({"skipped"} if strict else set())
    return 1 if any(result.status in bad for result in results) else 0


def status_counts(results: list[JobResult]) -> dict[str, int]:
    return {status: sum(r.status == status for r in results) for status in STATUSES}
