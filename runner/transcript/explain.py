"""Why a match failed, in a few lines a person can act on."""

from __future__ import annotations

import difflib
import re

from runner.formats.cli_lines import APP_LABEL
from runner.results import CloseLine, Miss
from runner.transcript.matcher import StreamMatcher


def explain(matcher: StreamMatcher, limit: int = 3) -> list[Miss]:
    expectation = matcher.expectation
    normal_output = [(line.number, matcher.normalized(line.text)) for line in matcher.lines]
    hits = {hit.expected_index: hit for hit in matcher.hits()}
    misses = []
    missed_in: set[str] = set()  # sequences that already had a miss: the rest of each is noise
    for index in matcher.unmatched():
        sequence = matcher.sequence_of(index)
        if sequence in missed_in:
            continue
        expected = expectation.lines[index]
        order_note = None
        if sequence is not None:
            previous = hits.get(index - 1)
            earlier = next((n for n, _ in normal_output if matcher.fits(index, matcher.lines[n - 1].text)), None)
            if earlier is not None and previous is not None and earlier <= previous.output_number:
                order_note = (
                    f"printed at output line {earlier}, but before the previous expected line "
                    f"(matched at output line {previous.output_number}): the order broke"
                )
        # Where the line was due: just after the previous expected line's match.
        due = hits[index - 1].output_number if index - 1 in hits else 0
        closest = closest_lines(matcher.normalized(expected.text), normal_output, due, limit)
        misses.append(Miss(index, expected.text, expected.source_line, closest, order_note))
        if order_note is None and sequence is not None:
            missed_in.add(sequence)
    return misses


def closest_lines(target: str, output: list[tuple[int, str]], due: int, limit: int) -> tuple[CloseLine, ...]:
    """The most similar output lines; among equally similar ones, the nearest after `due`."""
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(target)
    scored = []
    for number, text in output:
        matcher.set_seq1(text)
        if matcher.real_quick_ratio() < 0.3 or matcher.quick_ratio() < 0.3:
            continue
        scored.append(CloseLine(number, text, round(matcher.ratio(), 3), difference(target, text)))
    scored.sort(key=lambda close: (-round(close.similarity, 2), close.output_number <= due,
                                   abs(close.output_number - due)))
    return tuple(close for close in scored[:limit] if close.similarity >= 0.3)


_WORD = re.compile(r"\w+|[^\w\s]+")


def _words(text: str) -> tuple[str, list[re.Match]]:
    """A line without its `== APP ==` label, and its words and runs of punctuation (`INFO:root:Saving`
    is five: a logger's name and the word after it differ apart)."""
    body = APP_LABEL.sub("", text.strip())
    return body, list(_WORD.finditer(body))


def _span(body: str, words: list[re.Match], start: int, end: int) -> str:
    return body[words[start].start():words[end - 1].end()]


def difference(expected: str, printed: str) -> str:
    """Where a printed line differs from the expected one, in words: the first stretch of words
    that differs (`` `divisor` expected, `input` printed ``)."""
    (page, wanted), (app, got) = _words(expected), _words(printed)
    a, b = [word.group(0) for word in wanted], [word.group(0) for word in got]
    if a == b:
        labels = [found.group(0).strip() if (found := APP_LABEL.match(text.strip())) else "" for text in (expected, printed)]
        if labels[0] != labels[1]:  # the CLI's framing: 1.16 labels a one-app run's lines, 1.17 on does not
            return f"`{labels[0]}` expected, not printed" if labels[0] else f"`{labels[1]}` printed, not expected"
        return "they differ only in spacing" if expected.strip() != printed.strip() else "the same words"
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "replace":
            return f"`{_span(page, wanted, i1, i2)}` expected, `{_span(app, got, j1, j2)}` printed"
        if tag == "delete":
            return f"`{_span(page, wanted, i1, i2)}` expected, not printed"
        if tag == "insert":
            return f"`{_span(app, got, j1, j2)}` printed, not expected"
    return "the same words"
