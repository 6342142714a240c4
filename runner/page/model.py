"""The page model: a page (a README, its prose and STEPs, or a docs page's tab) as its reader
follows it, whichever face reads it. The blocks the reader runs (each with its folder and kind:
build, start, client, stop), the output blocks (whose output each shows, where it is awaited, in
what order, what varies) and the placeholders a client's command is filled from. Made by the
README's reader (source/readerblocks.py) and the docs tab's (docs/tabjob.py); run by one engine
(mm/runner.py), matched by one tolerance (transcript/pagematch.py, transcript/tolerance.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class OutputBlock:
    """An output block of a page and what it shows."""

    fence_line: int
    lines: tuple[tuple[str, int], ...]  # (text, page line); blank lines and `...` elisions left out
    intro: str  # the sentence that introduces it
    of_command: int | None  # page line of the command whose output it shows; None: the running apps'
    after: int  # page line of the last command above it: it is awaited before the next one
    unordered: str | None = None  # why its lines may come in any order
    condition: str | None = None  # the file its intro says it holds for (`before.py`)
    json: bool = False  # a JSON document, compared as one
    count_varies: bool = False  # the page says how many lines of a kind come varies (randomness)


@dataclass(frozen=True)
class ReaderBlock:
    """A command block a reader runs and no STEP annotates (validate's and docs check's way; mm.py
    never runs one): run in `folder` at its place in the page, unless `skip` says why not (its
    program is not here, no folder the page names has what it reads, a placeholder nothing fills).

    - build: installs or builds before the apps start, run to its end;
    - start: starts apps (`dapr run`, `mvn spring-boot:run`), left running until the reader stops them;
    - client: talks to the running apps (`curl`, `dapr invoke`), run to its end; its placeholders
      (`<INSTANCEID>`) filled from what earlier clients printed;
    - stop: stops apps (`dapr stop`), run to its end;
    - export: sets variables in the reader's shell, which what they type next sees."""

    line: int  # page line of its code block (a docs tab's: of the command)
    text: str
    folder: Path
    kind: str = "build"
    skip: str | None = None
    note: str | None = None  # what a reader would stumble on (a folder the README names that is not there)
    fills: tuple[tuple[str, str], ...] = ()  # placeholder -> the field the prose says fills it


@dataclass(frozen=True)
class OutputCheck:
    """An output block of the page, and whether this run checks it (`skip`: why not)."""

    block: OutputBlock
    skip: str | None = None


@dataclass(frozen=True)
class PagePlan:
    """What a page's reader runs and checks beyond mm.py's STEPs (a docs tab has none): their own
    blocks, and the output blocks the prose introduces."""

    blocks: tuple[ReaderBlock, ...] = ()
    outputs: tuple[OutputCheck, ...] = ()
    receivers: tuple[str, ...] = ()  # apps whose lines come in delivery order (`""`: the one unlabelled app)

    @property
    def checked(self) -> list[OutputBlock]:
        return [check.block for check in self.outputs if check.skip is None]
