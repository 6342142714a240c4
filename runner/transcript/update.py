"""The one way expectations are rewritten from what a run printed (`validate --update-expected`,
`docs check --write`): observed lines replace the expected ones, but an expected line that
still fits what was printed is kept as written, so hand-written `[..]`, masks and
`(re)`/`(glob)` marks survive an update.
"""

from __future__ import annotations

from runner.formats.expected import Expectation
from runner.transcript.matcher import pattern_of
from runner.transcript.normalize import normalizer


def updated_lines(expectation: Expectation, observed: list[str]) -> list[str]:
    """The new expected lines for `observed` (normalised app lines), in their order."""
    normalize = normalizer(expectation.normalizers, expectation.masks)
    patterns = [pattern_of(line, expectation, normalize) for line in expectation.lines]
    lines, next_expected = [], 0
    for text in observed:
        normal = normalize(text)
        fitting = next((i for i in range(next_expected, len(patterns)) if patterns[i].search(normal)), None)
        if fitting is None:
            lines.append(normal)
        else:
            lines.append(expectation.lines[fitting].written)
            next_expected = fitting + 1
    return lines
