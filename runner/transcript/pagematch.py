"""A README's output blocks matched against what its run printed, as a reader compares them.

- A block of the apps' output: each page line is met by a line an app (or the CLI) printed, its
  `== APP - id == ` label aside, compared with the masks (timestamps, generated ids, local ports),
  runs of spaces as one, the page's own placeholders (`[DATE]`, `[..]`) as any text, and a log
  line's decoration (its time, level, pid, thread, logger) aside when the two differ only there.
  Which app printed a line is known only when it is printed: a block's lines keep their order
  within each app that prints them (apps run side by side), and in any order where the page says
  so.
- A block of a command's output (a `curl`'s answer): each page line is found in what that
  command printed; a JSON block is compared as a document (its fields found in the answer).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from runner.formats.readmepage import OutputBlock
from runner.results import Miss
from runner.transcript.explain import closest_lines
from runner.transcript.masks import WILDCARD, line_pattern
from runner.transcript.normalize import normalizer

_normal = normalizer(("ansi", "whitespace", "spaces", "status_prefix", "timestamps", "ports", "ids"))
_APP = re.compile(r"^== APP(?: - (\S+))? == ?")
_PAGE_PLACEHOLDER = re.compile(r"\[(?!TIMESTAMP\]|PORT\]|ID\])[A-Z][A-Z0-9_ ]*\]|<[A-Za-z][\w -]*>")
# A log line's decoration: `2023-09-04 14:25:37.624  INFO 88784 --- [nio-8080-exec-1] c.s.Checkout : `,
# `563 [main] INFO com.service.App - `, `INFO:root:`, `time="..." level=info msg="`.
_LOG_PREFIX = re.compile(
    r"^(?:\[TIMESTAMP\]\s*)?(?:(?:TRACE|DEBUG|INFO|WARN|WARNING|ERROR)\s+\d+\s+---\s+\[[^\]]*\]\s+\S+\s*:\s"
    r"|\d+\s+\[[^\]]+\]\s+(?:TRACE|DEBUG|INFO|WARN|ERROR)\s+\S+\s+-\s"
    r"|(?:TRACE|DEBUG|INFO|WARN|WARNING|ERROR):[\w.]+:"
    r"|(?:TRACE|DEBUG|INFO|WARN|WARNING|ERROR)\s*[:|-]\s)")


def body(text: str) -> tuple[str, str]:
    """A printed line as (the app that printed it, `""` for the CLI or a lone app; what it printed)."""
    found = _APP.match(text)
    return (found.group(1) or "", text[found.end():]) if found else ("", text)


def _message(text: str) -> str:
    return _LOG_PREFIX.sub("", text, count=1).strip()


ALIKE = 0.5  # a printed line less alike than this says nothing of a missed one


@dataclass(frozen=True)
class PageMiss:
    """A page line never met (the first of its block), and how many more of that block were not."""

    miss: Miss
    more: int = 0

    def reason(self, readme: str) -> str:
        miss = self.miss
        said = f"{readme}:{miss.source_line}: the page shows `{miss.expected}`"
        more = f" (and {self.more} more line{'s' if self.more > 1 else ''} of that block)" if self.more else ""
        if miss.closest:
            return (f"{said}{more}, never printed; the closest printed line ({miss.closest[0].similarity:.0%} alike): "
                    f"`{miss.closest[0].text}`")
        return f"{said}{more}, never printed: {miss.order_note}"


@dataclass
class _Shown:
    text: str  # as the page has it
    line: int  # README line
    pattern: re.Pattern[str]
    message: re.Pattern[str] | None  # its log message alone, when it has decoration
    owner: int | None = None  # the printed line that met it (1-based)


def _patterns(text: str) -> tuple[re.Pattern[str], re.Pattern[str] | None]:
    page = _normal(_PAGE_PLACEHOLDER.sub(WILDCARD, body(text.strip())[1]))
    message = _message(page)
    return line_pattern(page, "exact"), line_pattern(message, "exact") if message != page and message else None


@dataclass
class _Block:
    block: OutputBlock
    shown: list[_Shown]
    cursor: dict[str, int] = field(default_factory=dict)  # ordered blocks: per app, the last page line it met

    @property
    def complete(self) -> bool:
        return all(line.owner is not None for line in self.shown)


class PageMatch:
    def __init__(self, blocks: list[OutputBlock]):
        self.blocks = [_Block(block, [_Shown(text, line, *_patterns(text)) for text, line in block.lines])
                       for block in blocks]
        self.printed: list[str] = []  # every app (and CLI) line, in arrival order
        self.answers: dict[int, str] = {}  # a command's README line -> what it printed

    # -- feeding ---------------------------------------------------------------------------
    def feed(self, text: str) -> None:
        """A line a running app's terminal printed."""
        self.printed.append(text)
        number = len(self.printed)
        app, said = body(text)
        normal, whole = _normal(said), _normal(text)
        for block in self.blocks:
            if block.block.of_command is not None or block.complete:
                continue
            after = -1 if block.block.unordered else block.cursor.get(app, -1)
            for index, shown in enumerate(block.shown):
                if shown.owner is None and index > after and self._fits(shown, normal, whole):
                    shown.owner = number
                    block.cursor[app] = index
                    break

    @staticmethod
    def _fits(shown: _Shown, normal: str, whole: str) -> bool:
        if shown.pattern.search(normal) or shown.pattern.search(whole):
            return True
        return shown.message is not None and bool(shown.message.search(_message(normal)))

    def answered(self, lines: list[int], output: str) -> None:
        """What a command (whose block has these README lines) printed, whole, once it ended."""
        for line in lines:
            self.answers[line] = output
        for block in self.blocks:
            if block.block.of_command in lines:
                _match_answer(block, output)

    def drop(self, lines: list[int]) -> str:
        """Leave out the blocks showing the output of the command at these README lines (it was
        not run); what to add to the note that says so."""
        gone = [block.block.fence_line for block in self.blocks if block.block.of_command in lines]
        self.blocks = [block for block in self.blocks if block.block.of_command not in lines]
        return f"; the output block at line {', '.join(map(str, gone))} is not checked" if gone else ""

    # -- asking ----------------------------------------------------------------------------
    def shown_above(self, line: int) -> bool:
        """Whether every app output block shown above README line `line` is met."""
        return all(block.complete for block in self.blocks if block.block.after < line)

    @property
    def total(self) -> int:
        return sum(len(block.shown) for block in self.blocks)

    @property
    def matched(self) -> int:
        return sum(shown.owner is not None for block in self.blocks for shown in block.shown)

    @property
    def complete(self) -> bool:
        return self.matched == self.total

    def misses(self, limit: int = 3) -> list[PageMiss]:
        """The page lines never met (the first of each block), with the printed lines most like them."""
        found = []
        for block in self.blocks:
            unmet = [shown for shown in block.shown if shown.owner is None]
            if not unmet:
                continue
            shown = unmet[0]
            if block.block.of_command is None:
                output = list(enumerate((body(text)[1] for text in self.printed), start=1))
                why = "no app printed it"
            else:
                output = list(enumerate(self.answers.get(block.block.of_command, "").splitlines(), start=1))
                why = f"the command at line {block.block.of_command} did not print it"
            close = tuple(line for line in closest_lines(_normal(shown.text), [(n, _normal(text)) for n, text in output],
                                                         0, limit) if line.similarity >= ALIKE)
            found.append(PageMiss(Miss(0, shown.text.strip(), shown.line, close, None if close else why), len(unmet) - 1))
        return found


def _match_answer(block: _Block, output: str) -> None:
    """A command's whole answer against a block of its output: each page line found in it (a
    JSON block: its fields found in a JSON document of the answer)."""
    if block.block.json and _json_within("\n".join(shown.text for shown in block.shown), output):
        for shown in block.shown:
            shown.owner = 1
        return
    lines = [_normal(line) for line in output.splitlines()]
    for shown in block.shown:
        page = _normal(_PAGE_PLACEHOLDER.sub(WILDCARD, shown.text.strip()))
        pattern = line_pattern(page, "substring")
        found = next((number for number, line in enumerate(lines, start=1) if pattern.search(line)), None)
        if found is not None:
            shown.owner = found


def _json_within(page: str, output: str) -> bool:
    try:
        wanted = json.loads(page)
    except ValueError:
        return False
    decoder = json.JSONDecoder()
    for start in (i for i, char in enumerate(output) if char in "{["):
        try:
            value, _ = decoder.raw_decode(output, start)
        except ValueError:
            continue
        if _contains(value, wanted):
            return True
    return False


def _contains(value, wanted) -> bool:
    """`wanted` is within `value`: its fields, recursively (a list: each item found)."""
    if isinstance(wanted, dict):
        return isinstance(value, dict) and all(key in value and _contains(value[key], item) for key, item in wanted.items())
    if isinstance(wanted, list):
        return isinstance(value, list) and all(any(_contains(have, item) for have in value) for item in wanted)
    return value == wanted or (isinstance(value, str) and isinstance(wanted, str) and _normal(value) == _normal(wanted))
