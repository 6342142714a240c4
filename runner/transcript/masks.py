"""The one redaction table: what in a line is masked, under which name, and how an expected
line becomes the pattern it stands for.

- Named masks (`[TIMESTAMP]`, `[PORT]`, and any an expected file declares in its front
  matter under `masks:`) replace what varies from run to run, in output and expected lines
  alike, so `[NAME]` in an expected line matches whatever the mask covers.
- `[REDACTED]` replaces the values of credential-looking environment variables, in every
  line the runner shows or writes.
- `[..]` inside an expected line stands for any text; a line marked ` (re)` is a regular
  expression, one marked ` (glob)` a glob (`*` any text, `?` one character), as in cram.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

WILDCARD = "[..]"
REDACTED = "[REDACTED]"
_PLACEHOLDER = re.compile(r"(\[[A-Z][A-Z0-9_]*\]|\[\.\.\])")


@dataclass(frozen=True)
class Mask:
    name: str
    pattern: re.Pattern[str]
    keep_group: int = 0  # a group of the match kept in front of the placeholder (a port's host)

    @property
    def placeholder(self) -> str:
        return f"[{self.name}]"

    def __call__(self, line: str) -> str:
        # Placeholders already in the line are left alone, so masking twice changes nothing.
        pieces = _PLACEHOLDER.split(line)
        for i in range(0, len(pieces), 2):
            if self.keep_group:
                pieces[i] = self.pattern.sub(lambda m: f"{m.group(self.keep_group)}:{self.placeholder}", pieces[i])
            else:
                pieces[i] = self.pattern.sub(self.placeholder, pieces[i])
        return "".join(pieces)


_GO_LOG_TIME = r"\b\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)?"
_ISO_TIME = r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?(?![\d.,:])"
_ACCESS_LOG_TIME = r"\b\d{2}/[A-Z][a-z]{2}/\d{4}[: ]\d{2}:\d{2}:\d{2}(?: [+-]\d{4})?"  # `[04/Sep/2023 11:33:21]`
# Epoch times in milli-, micro- or nanoseconds (a Zipkin span's `"timestamp": 1613170216016911`),
# 2001 to 2100: 13, 16 or 19 digits from 1 to 4; seconds (10 digits) are too like any number.
_EPOCH_TIME = r"\b[1-4]\d{12}(?:\d{3}){0,2}\b"
# Ports on this machine are picked per run (the sidecar's, an app's): never part of a verdict.
_LOCAL_PORT = r"\b(127\.0\.0\.1|localhost|0\.0\.0\.0|\[::1\]):\d{1,5}\b"

# Ids a run generates (a workflow instance's, a request's): a UUID, 20 and more hex digits, or 8 and
# more that mix digits and letters (`571a6e25`, a UUID's first part); a number alone stays a number.
_GENERATED_ID = (r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b|\b[0-9a-f]{20,}\b"
                 r"|\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*\d)[0-9a-f]{8,19}\b")

# Normaliser name (as front matter's `normalize:` lists it) -> its mask.
BUILTIN_MASKS: dict[str, Mask] = {
    "timestamps": Mask("TIMESTAMP", re.compile(f"{_GO_LOG_TIME}|{_ISO_TIME}|{_ACCESS_LOG_TIME}|{_EPOCH_TIME}")),
    "ports": Mask("PORT", re.compile(_LOCAL_PORT), keep_group=1),
    "ids": Mask("ID", re.compile(_GENERATED_ID)),
}
TIMESTAMP = BUILTIN_MASKS["timestamps"].placeholder
PORT = BUILTIN_MASKS["ports"].placeholder


def declared_masks(masks: tuple[tuple[str, str], ...]) -> list[Mask]:
    """An expected file's own masks (NAME -> regular expression), checked when it was read."""
    return [Mask(name, re.compile(pattern)) for name, pattern in masks]


def _wildcard_body(text: str) -> str:
    return ".*?".join(re.escape(piece) for piece in text.split(WILDCARD))


def _glob_body(text: str) -> str:
    return "".join(".*?" if c == "*" else "." if c == "?" else re.escape(c) for c in text)


def line_pattern(text: str, mode: str, mark: str | None = None) -> re.Pattern[str]:
    """The pattern one expected line stands for (`text` already normalised, unless regex).

    `mode` is the file's (exact: the whole line; substring: anywhere; regex); a per-line
    mark overrides how the line is read, never whether it must fill the whole line.
    """
    if mark == "re" or (mark is None and mode == "regex"):
        body = text
    elif mark == "glob":
        body = _glob_body(text)
    else:
        body = _wildcard_body(text)
    if mode == "substring" or (mode == "regex" and mark is None):
        return re.compile(body, re.DOTALL)
    return re.compile(f"^(?:{body})$", re.DOTALL)


_SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSWORD|PASSWD|KEY|CREDENTIAL", re.I)
_MIN_SECRET_LENGTH = 4  # shorter values would redact ordinary words


def is_secret_name(name: str) -> bool:
    return bool(_SECRET_NAME.search(name))


class Redactor:
    """Replaces the values of credential-looking variables of `env` with [REDACTED], but for those
    named in `shown` (values a README wrote out itself, such as `SECRET_STORE: localsecretstore`)."""

    def __init__(self, env: dict[str, str], shown: frozenset[str] = frozenset()):
        values = sorted({v for k, v in env.items()
                         if is_secret_name(k) and k not in shown and len(v) >= _MIN_SECRET_LENGTH},
                        key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, values))) if values else None

    def __call__(self, text: str) -> str:
        return self._pattern.sub(REDACTED, text) if self._pattern else text
