"""A page's output blocks (a README's or a docs tab's) matched against what its run printed, as a
reader compares them.

- A block of the apps' output: each page line is met by a line an app (or the CLI) printed, as
  the one tolerance says (transcript/tolerance.py: masks, spacing, trailing punctuation, a log
  line's decoration, JSON spacing and field order), a line labelled with an app by that app's
  only. A block's lines keep their order within each printer (each terminal's app: apps run side
  by side, and an app run again is another printer), in any order where the page says so or the
  app receives what it prints of (`receivers`); an empty page line never passes over a line
  still due. Where the page says the number of such lines varies, lines of a shape it printed at
  least once are not owed.
- A block of a command's output (a `curl`'s answer): each page line is found in what that
  command printed; a JSON block is compared as a document (its fields found in the answer).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from runner.formats.readmepage import json_documents
from runner.page.model import OutputBlock
from runner.results import Miss
from runner.transcript.explain import closest_lines
from runner.transcript.masks import WILDCARD, line_pattern
from runner.transcript.tolerance import (PAGE_PLACEHOLDER, PageLine, body, json_holds, json_strings, json_value,
                                            json_within, shape)
from runner.transcript.tolerance import normal as _normal

_DAPRD_LOG = re.compile(r'^time="[^"]*" level=')


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
            return f"{said}{more}, never printed; the closest printed line {miss.closest[0].against(miss.expected)}"
        return f"{said}{more}, never printed: {miss.order_note}"


@dataclass
class _Shown:
    text: str  # as the page has it
    line: int  # README line
    owner: int | None = None  # the printed line that met it (1-based)

    def __post_init__(self) -> None:
        self.page_line = PageLine(self.text)
        self.shape = self.page_line.shape
        self.empty = not self.page_line.patterns  # `== APP ==` alone: an empty line of the app's

    def fits(self, printed: str) -> bool:
        """Whether a printed line (normalised, its `== APP ==` label aside) meets it."""
        return self.page_line.fits(printed)

    def of(self, app: str) -> bool:
        """Whether the app that printed a line may be the one this line shows: the one its label
        names, any app when it names none."""
        return self.page_line.of(app)


@dataclass
class _Block:
    block: OutputBlock
    shown: list[_Shown]
    cursor: dict[tuple, int] = field(default_factory=dict)  # ordered blocks: per printer, the last page line it met

    def owed(self) -> list[_Shown]:
        """Its lines not met (where the page says their number varies, but for those of a shape
        printed at least once)."""
        unmet = [line for line in self.shown if line.owner is None]
        if self.block.count_varies:
            printed = {line.shape for line in self.shown if line.owner is not None}
            unmet = [line for line in unmet if line.shape not in printed]
        return unmet

    @property
    def complete(self) -> bool:
        return not self.owed()


class PageMatch:
    def __init__(self, blocks: list[OutputBlock], receivers: tuple[str, ...] = ()):
        self.blocks = [_Block(block, [_Shown(text, line) for text, line in block.lines]) for block in blocks]
        self.receivers = set(receivers)  # apps whose lines come in delivery order
        self.printed: list[str] = []  # every app (and CLI) line, in arrival order
        self.answers: dict[int, str] = {}  # a command's README line -> what it printed
        self.given_up: set[int] = set()  # blocks awaited until their apps went quiet (fence lines)
        # Keyed by who printed: (the terminal, the app). An app run twice is two printers, each in its order.
        self.unmet_last: dict[tuple, tuple[str, int] | None] = {}  # each printer's last line, when it met nothing
        self.shapes: dict[tuple, set[str]] = {}  # the shapes of the lines each printer printed (digits as #)

    # -- feeding ---------------------------------------------------------------------------
    def feed(self, text: str, printer: str | None = None, terminal: object = None) -> None:
        """A line a running app's terminal printed; `printer`: the one app that terminal runs, which
        an unlabelled line is of; `terminal`: which terminal (its lines keep their order apart from
        another terminal's, the same app's run again included)."""
        self.printed.append(text)
        number = len(self.printed)
        label, said = body(text)
        app = label or printer or ""
        who = (terminal, app)
        normal = _normal(said)
        last, self.unmet_last[who] = self.unmet_last.get(who), None
        met = self._meet(who, normal, _normal(text), number)
        self.shapes.setdefault(who, set()).add(shape(normal))
        if met:
            return
        if not normal and last is not None and (start := self._shown_start(last[0])):
            # A line break on its own: the line before was a line's text and another writer's whole
            # line (threads printing at once), its break written apart. Its text is the page line.
            self._meet(who, start, start, last[1])
            return
        pieces = self._interleaved(normal)  # two writers' lines on one (threads printing at once)
        for piece in pieces:
            self._meet(who, piece, piece, number)
        if not pieces and normal:
            self.unmet_last[who] = (normal, number)

    def _meet(self, who: tuple, normal: str, whole: str, number: int) -> bool:
        app, met = who[1], False
        for block in self.blocks:
            if block.block.of_command is not None or all(line.owner is not None for line in block.shown):
                continue
            ordered = not (block.block.unordered or app in self.receivers)
            after = block.cursor.get(who, -1) if ordered else -1
            for index, shown in enumerate(block.shown):
                if shown.owner is not None or index <= after or not shown.of(app):
                    continue
                if ordered and shown.empty and any(line.owner is None for line in block.shown[after + 1:index]):
                    continue  # an empty line says nothing of where it is: it never passes over a line still due
                if shown.fits(normal) or shown.fits(whole):
                    shown.owner = number
                    block.cursor[who] = index
                    met = True
                    break
                if ordered and shown.shape in self.shapes.get(who, ()):
                    break  # a line of a shape this app prints: its own, still to come; not passed over
        return met

    def _wanted(self) -> list[str]:
        """The app lines the page shows that no printed line met yet, longest first."""
        return sorted({_normal(body(line.text.strip())[1]) for block in self.blocks for line in block.shown
                       if line.owner is None and block.block.of_command is None}, key=len, reverse=True)

    def _shown_start(self, normal: str) -> str | None:
        """The page line this printed line starts with, whole (not a word or number cut short)."""
        return next((text for text in self._wanted() if text and len(normal) > len(text) and normal.startswith(text)
                     and not (text[-1].isalnum() and normal[len(text)].isalnum())), None)

    def _interleaved(self, normal: str) -> list[str]:
        """A printed line that is two or more lines the page shows back to back, whole (a line's
        text and its line break written apart, by threads printing at once): those lines; else none."""
        wanted = self._wanted()
        pieces, rest = [], normal
        while rest:
            piece = next((text for text in wanted if text and rest.startswith(text)), None)
            if piece is None:
                return []
            pieces.append(piece)
            rest = rest[len(piece):].lstrip(".!;,").lstrip()  # the punctuation it ended on, which the page's left out
        return pieces if len(pieces) > 1 else []

    def answered(self, lines: list[int], output: str) -> None:
        """What a command (whose block has these README lines) printed, whole, once it ended."""
        for line in lines:
            self.answers[line] = output
        for block in self.blocks:
            if block.block.of_command in lines:
                _match_answer(block, output)

    def answered_all(self, lines: list[int]) -> bool:
        """Whether the blocks showing the answer of the command at these README lines are met."""
        return all(block.complete for block in self.blocks if block.block.of_command in lines)

    def drop(self, lines: list[int]) -> str:
        """Leave out the blocks showing the output of the command at these README lines (it was
        not run); what to add to the note that says so."""
        gone = [block.block.fence_line for block in self.blocks if block.block.of_command in lines]
        self.blocks = [block for block in self.blocks if block.block.of_command not in lines]
        return f"; the output block at line {', '.join(map(str, gone))} is not checked" if gone else ""

    # -- asking ----------------------------------------------------------------------------
    def shown_above(self, line: int) -> bool:
        """Whether every output block shown above README line `line` is met (or was awaited once
        already until its apps went quiet)."""
        return all(block.complete for block in self.blocks
                   if block.block.after < line and block.block.fence_line not in self.given_up)

    def give_up(self, line: int) -> None:
        """The blocks shown above README line `line` were awaited until the apps went quiet: not
        again (what is missing stays missing)."""
        self.given_up |= {block.block.fence_line for block in self.blocks if block.block.after < line}

    @property
    def total(self) -> int:
        return sum(len(block.shown) for block in self.blocks)

    @property
    def matched(self) -> int:
        return self.total - sum(len(block.owed()) for block in self.blocks)

    @property
    def complete(self) -> bool:
        return self.matched == self.total

    def record(self) -> dict:
        """What a page writer needs to rewrite drifted blocks: each page line as shown, with its
        group (`apps`, or `c<line>` for the answer of the command at that line) and its block's fence
        line; the page lines never met (`unmet`), and the printed line each other met (`met`); each line heard
        under the group it may stand in (the apps' lines, daprd's own log lines left out; each
        answer's lines); the groups whose order does not count."""
        group = lambda block: "apps" if block.block.of_command is None else f"c{block.block.of_command}"  # noqa: E731
        shown = [[line.line, group(block), line.text, block.block.fence_line] for block in self.blocks
                 for line in block.shown]
        heard = [["apps", text] for text in self.printed if not _DAPRD_LOG.match(text)]
        heard += [[f"c{line}", text] for line, answer in self.answers.items() for text in answer.splitlines()]
        unordered = sorted({group(block) for block in self.blocks
                            if block.block.unordered or (self.receivers and block.block.of_command is None)})
        unmet = [line.line for block in self.blocks for line in block.owed()]
        met = [[line.line, line.owner] for block in self.blocks for line in block.shown if line.owner is not None]
        return {"shown": shown, "heard": heard, "unordered": unordered, "unmet": unmet, "met": met}

    def misses(self, limit: int = 3) -> list[PageMiss]:
        """The page lines never met (one of each block), with the printed lines most like them."""
        found = []
        for block in self.blocks:
            unmet = block.owed()
            if not unmet:
                continue
            if block.block.of_command is None:
                output = list(enumerate((body(text)[1] for text in self.printed), start=1))
                why = "no app printed it"
            else:
                answer = self.answers.get(block.block.of_command, "")
                # a value deep in a JSON answer (a workflow's serialized output) is what a page line shows
                output = list(enumerate([*answer.splitlines(), *(json.dumps(text) for document in json_documents(answer)
                                                                 for text in json_strings(document))], start=1))
                why = f"the command at line {block.block.of_command} did not print it"
            shown, close = _leading_miss(unmet, [(n, _normal(text)) for n, text in output], limit)
            found.append(PageMiss(Miss(0, shown.text.strip(), shown.line, close, None if close else why), len(unmet) - 1))
        return found


def _leading_miss(unmet: list[_Shown], output: list[tuple[int, str]], limit: int) -> tuple[_Shown, tuple]:
    """The block's missed line that leads its reason, with the printed lines most like it: the first
    that differs from them in words, else the first (most blocks stop at their first)."""
    first = None
    for shown in unmet:
        wanted = _normal(body(shown.text)[1])  # the page's label aside, as the printed lines' are
        close = tuple(line for line in closest_lines(wanted, output, 0, limit) if line.similarity >= ALIKE)
        if not _only_numbers(wanted, close):
            return shown, close
        first = first or (shown, close)
    return first


_NUMBER = re.compile(r"\d+")


def _only_numbers(wanted: str, close: tuple) -> bool:
    """Whether the printed line most like a page line differs from it in numbers alone (a duration)."""
    if not close:
        return False
    return _NUMBER.sub("N", wanted.strip()) == _NUMBER.sub("N", close[0].text.strip())


def _match_answer(block: _Block, output: str) -> None:
    """A command's whole answer against a block of its output: each page line found in it (a
    JSON block: its fields found in a JSON document of the answer)."""
    if block.block.json and json_within("\n".join(shown.text for shown in block.shown), output):
        for shown in block.shown:
            shown.owner = 1
        return
    lines = [_normal(line) for line in output.splitlines()]
    documents = None
    for shown in block.shown:
        page = _normal(PAGE_PLACEHOLDER.sub(WILDCARD, shown.text.strip()))
        pattern = line_pattern(page, "substring")
        # within a line of the answer, or the line itself as a reader reads it (the one tolerance:
        # the `,` a JSON field ends on when a field after it is gone)
        found = next((number for number, line in enumerate(lines, start=1) if pattern.search(line) or shown.fits(line)),
                     None)
        if found is None and (wanted := json_value(shown.text.strip())) is not None:
            documents = documents if documents is not None else json_documents(output)
            found = 1 if any(json_holds(document, wanted) for document in documents) else None
        if found is not None:
            shown.owner = found
