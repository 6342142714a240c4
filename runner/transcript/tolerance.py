"""Whether a printed line is the line a page shows, as a reader compares them: the one tolerance
of every face (a README's blocks, a docs tab's, what `docs check --write` keeps; docs/docs-check.md
has the table).

Forgiven: the masks (timestamps, generated ids, local ports), runs of spaces, trailing whitespace
and the punctuation a line (or a string in a JSON document) ends on, the CLI's `== APP == ` label,
the page's own placeholders (`[DATE]`, `<INSTANCE_ID>`, `[..]`) as any text, a timestamp one
shows and the other leaves out, a log line's decoration (its time, level, pid, thread, logger),
the ports in the CLI's own status lines, and a JSON document (or one held in a JSON string)
written with other spacing or field order. Never forgiven: another word, another number the page
does not mask, a field the one has and the other does not.
"""

from __future__ import annotations

import functools
import json
import re

from runner.formats.cli_lines import is_run_line, split_label
from runner.transcript.masks import WILDCARD, line_pattern
from runner.transcript.normalize import normalizer

normal = normalizer(("ansi", "whitespace", "spaces", "status_prefix", "punctuation", "timestamps", "ports", "ids"))
PAGE_PLACEHOLDER = re.compile(r"\[(?!TIMESTAMP\]|PORT\]|ID\])[A-Z][A-Z0-9_ ]*\]|<[A-Za-z][\w -]*>")


# A log line's decoration: `2023-09-04 14:25:37.624  INFO 88784 --- [nio-8080-exec-1] c.s.Checkout : `,
# `563 [main] INFO com.service.App - `, `INFO:root:`, `time="..." level=info msg="`.
_LOG_PREFIX = re.compile(
    r"^(?:\[TIMESTAMP\]\s*)?(?:(?:TRACE|DEBUG|INFO|WARN|WARNING|ERROR)\s+\d+\s+---\s+\[[^\]]*\]\s+\S+\s*:\s"
    r"|(?:\d+\s+)?\[[^\]]+\]\s+(?:TRACE|DEBUG|INFO|WARN|ERROR)\s+\S+\s+-\s"
    r"|(?:TRACE|DEBUG|INFO|WARN|WARNING|ERROR):[\w.]+:"
    r"|(?:TRACE|DEBUG|INFO|WARN|WARNING|ERROR)\s*[:|-]\s)")
_STAMP = re.compile(r"\s*\[?\[TIMESTAMP\]\]?,?")
_CLI_PORT = re.compile(r"(?i)\b(port:?\s*)\d{2,5}\b")


def body(text: str) -> tuple[str, str]:
    """A printed line as (the app that printed it, `""` for the CLI or a lone app; what it printed)."""
    app, own = split_label(text) or (None, text)
    return app or "", own


def _message(text: str) -> str:
    return _LOG_PREFIX.sub("", text, count=1).strip()


def _views(text: str) -> list[str]:
    """A normalised line as a reader sees it past what varies: as it is, its timestamps left out,
    its log message alone, and (a CLI status line) its ports masked."""
    views = [text, _STAMP.sub("", text).strip(), _message(text)]
    if is_run_line(text):
        views.append(_CLI_PORT.sub(r"\1[PORT]", text))
    return views


def _json_tail(text: str) -> tuple[str, object] | None:
    """A line ending in a JSON document, or in a JSON string that holds one (serialized output,
    `"{\\"is_success\\":true}"`): (what comes before it, the document)."""
    for start in sorted(i for i in (text.find("{"), text.find("["), text.find('"')) if i >= 0):
        try:
            value, end = json.JSONDecoder().raw_decode(text, start)
        except ValueError:
            continue
        if text[end:].strip() or (isinstance(value, str) and not isinstance(json_value(value), (dict, list))):
            continue
        return text[:start].strip(), value
    return None


def shape(text: str) -> str:
    return re.sub(r"\d+", "#", text)


class PageLine:
    """A line a page shows, ready to be compared with printed lines as a reader compares them."""

    def __init__(self, text: str):
        self.label, own = split_label(text.strip()) or (None, text.strip())
        page = normal(PAGE_PLACEHOLDER.sub(WILDCARD, own))
        self.patterns = [line_pattern(view, "exact") for view in dict.fromkeys(_views(page)) if view]
        self.document = _json_tail(page)
        self.shape = shape(page)

    def fits(self, printed: str) -> bool:
        """Whether a printed line (normalised, its `== APP ==` label aside) is this line."""
        if not self.patterns:  # an empty line of the app's (`== APP ==` alone): an empty one
            return not printed.strip()
        views = _views(printed)
        if any(pattern.search(view) for pattern in self.patterns for view in views):
            return True
        if self.document is not None and (other := _json_tail(printed)) is not None:
            return normal(self.document[0]) == normal(other[0]) and contains(other[1], self.document[1]) \
                and contains(self.document[1], other[1])
        return False

    def of(self, app: str | None) -> bool:
        """Whether a line `app` printed may be this one: a page line labelled with an app is that
        app's only (`app` unknown or `""`, the lone app of a terminal: any)."""
        return self.label in (None, WILDCARD) or not app or app == self.label

    def fits_printed(self, printed: str) -> bool:
        """Whether a line as printed (its label, if any, on) is this line: what an app prints,
        whichever CLI framed it; a page line labelled with an app is that app's only."""
        app, own = split_label(printed) or (None, printed)
        return self.of(app) and (self.fits(normal(own)) or self.fits(normal(printed)))


def page_fits(page: str, printed: str) -> bool:
    """Whether a printed line is the line a page shows: the one tolerance every face uses (README
    blocks, docs tabs, what `docs check --write` keeps)."""
    return _page_line(page).fits_printed(printed)


@functools.lru_cache(maxsize=4096)
def _page_line(page: str) -> PageLine:
    """A page line made once: `--write` compares each with every printed line of its block."""
    return PageLine(page)


def json_children(value) -> list:
    """A JSON value's members (an object's values, an array's items); none for a scalar."""
    return list(value.values()) if isinstance(value, dict) else value if isinstance(value, list) else []


def json_value(text: str):
    try:
        return json.loads(text)
    except ValueError:
        return None


def same_json(a, b) -> bool:
    """Equal as JSON, a string that holds JSON compared as what it holds (`"[\\"a\\", \\"b\\"]"`
    is `"[\\"a\\",\\"b\\"]"`)."""
    if a == b:
        return True
    if isinstance(a, str) and isinstance(b, str):
        inner_a, inner_b = json_value(a), json_value(b)
        if inner_a is not None and inner_b is not None and not isinstance(inner_a, str):
            return contains(inner_a, inner_b) and contains(inner_b, inner_a)
        return normal(a) == normal(b)
    return False


def contains(value, wanted) -> bool:
    """`wanted` is within `value`: its fields, recursively (a list: each item found)."""
    if isinstance(wanted, dict):
        return isinstance(value, dict) and all(key in value and contains(value[key], item) for key, item in wanted.items())
    if isinstance(wanted, list):
        return isinstance(value, list) and all(any(contains(have, item) for have in value) for item in wanted)
    return same_json(value, wanted)


def json_strings(value) -> list[str]:
    """The strings a JSON value holds, at any depth."""
    return [value] if isinstance(value, str) else [text for item in json_children(value) for text in json_strings(item)]


def json_holds(value, wanted) -> bool:
    """Whether a JSON value is, or holds at any depth, one equal to `wanted`."""
    return same_json(value, wanted) or any(json_holds(item, wanted) for item in json_children(value))


def json_within(page: str, output: str) -> bool:
    """Whether a JSON document the page shows is held by one the output holds (its fields found there)."""
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
        if contains(value, wanted):
            return True
    return False
