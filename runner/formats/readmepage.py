"""A README as its reader reads it: which of its code blocks show output, whose output each shows,
and what in a command the reader fills in.

- An output block is a fenced block the prose right above it introduces as output ("should look
  similar to", "the expected app logs", "the expected serialized output", "you should see",
  "expected output"), or a plain one (text, no language) that follows a command with no prose
  between. A block introduced as input ("the input for the workflow is", "the payload") is not.
- It shows the running apps' output ("app logs", "terminal", "console", or after a start) or the
  output of the command right before it (a `curl`'s answer): `of_command`.
- Its order counts unless the page says it may vary.
- An intro that names the file it holds for ("When running `before.py`, ...") is a condition:
  `condition` names the file.
- `<INSTANCEID>`, `<ORDER_ID>`: placeholders a reader fills from what an earlier command printed;
  the prose may say where (`in the `instance_id` property`).
"""

from __future__ import annotations

import json
import re

from runner.formats.steps import SHELL_LANGS, Annotated, PageBlock
from runner.page.model import OutputBlock

OUTPUT_LANGS = ("text", "txt", "", "console", "log", "output", "json", "plaintext")
_SENTENCE_END = re.compile(r"(?<=[.!?:])\s+")
_OUTPUT_INTRO = re.compile(
    r"(?i)\b(output|logs?\b|you(?:'ll| will| should| can)? see|should (?:look|be|show|print|present|read|appear)|"
    r"similar to|looks? like|will print|prints?:|expected)")
_INPUT_INTRO = re.compile(r"(?i)\b(input (?:for|of)|payload|request body|the body|send the following|change|replace|"
                          r"add the following|contains? the following code|open the)")
_APPS_INTRO = re.compile(r"(?i)\b(app(?:lication)? logs?|logs? of|terminal|console|service output|app output)")
_ANY_ORDER = re.compile(r"(?i)\b(order (?:of [\w\s]+ )?may (?:vary|differ|change)|(?:in )?(?:any|random) order|"
                        r"not (?:be )?in order|order is not guaranteed)")
_COUNT_VARIES = re.compile(r"(?i)\bnumber of [\w\s]*?(?:lines|logs?|log statements|messages|entries)\b[\w\s]*?\b(?:can|may|might|will)\s+"
                           r"(?:vary|differ|change)")
_CONDITION = re.compile(r"(?i)\b(?:when|if) (?:you(?:'re| are)? )?running\s+`([^`]+)`")
PLACEHOLDER = re.compile(r"<([A-Za-z][A-Za-z0-9_-]*)>")
_FILLED_FROM = re.compile(r"(?i)`<([A-Za-z][A-Za-z0-9_-]*)>`[^`]*?\bthe\s+`([A-Za-z_][\w-]*)`\s+(?:property|field|key|value)")
_ELISION = re.compile(r"^\s*(\.\.\.|…)\s*$")


def intro_of(prose: str) -> str:
    """The sentence that introduces a block: the last one ending in `:`, else the last line."""
    text = " ".join(line.strip() for line in prose.splitlines() if line.strip() and not line.strip().startswith("- "))
    sentences = [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]
    colon = [s for s in sentences if s.endswith(":")]
    if colon:
        return colon[-1]
    lines = [line.strip() for line in prose.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def _introduces_output(intro: str) -> bool:
    return bool(_OUTPUT_INTRO.search(intro)) and not (_INPUT_INTRO.search(intro) and "output" not in intro.lower()
                                                       and "log" not in intro.lower())


def is_command_block(block: PageBlock) -> bool:
    """A block its reader types: a shell block, or one with no language the prose does not
    introduce as output."""
    if block.lang in SHELL_LANGS:
        return True
    return block.lang == "" and not _introduces_output(intro_of(block.prose))


def command_lines(block: PageBlock) -> list[tuple[str, int]]:
    """The block's commands with their README lines, a backslash-continued one joined."""
    found, pending, first = [], "", 0
    for index, raw in enumerate(block.text.splitlines()):
        text = raw.strip()
        if not pending:
            first = block.line + 1 + index
        if text.endswith("\\"):
            pending += text[:-1] + " "
            continue
        command, pending = (pending + text).strip(), ""
        if command and not command.startswith("#"):
            found.append((re.sub(r"\s+", " ", command), first))
    if pending.strip():
        found.append((pending.strip(), first))
    return found


def output_blocks(annotated: Annotated, starts: set[int]) -> list[OutputBlock]:
    """The README's output blocks in page order; `starts`: README lines of commands that start apps
    (an output block after one shows the apps' output)."""
    found: list[OutputBlock] = []
    last_command: tuple[str, int] | None = None
    for block in annotated.blocks:
        if is_command_block(block):
            lines = command_lines(block)
            if lines:
                last_command = lines[-1]
            continue
        if block.lang not in OUTPUT_LANGS:
            continue
        intro = intro_of(block.prose)
        plain_follower = not block.prose.strip() and block.lang in ("text", "txt", "", "console", "output")
        if last_command is None or not (_introduces_output(intro) or plain_follower):
            continue
        shown = [(text.rstrip(), block.line + 1 + index) for index, text in enumerate(block.text.splitlines())
                 if text.strip() and not _ELISION.match(text)]
        if not shown:
            continue
        command, line = last_command
        of_apps = line in starts or bool(_APPS_INTRO.search(intro))
        later = block.prose + "\n" + _prose_after(annotated, block)
        condition = _CONDITION.search(intro)
        found.append(OutputBlock(
            block.line, tuple(shown), intro, None if of_apps else line, line,
            unordered="the page says their order may vary" if _ANY_ORDER.search(later) else None,
            condition=condition.group(1) if condition else None, json=block.lang == "json",
            count_varies=bool(_COUNT_VARIES.search(later))))
    return found


def _prose_after(annotated: Annotated, block: PageBlock) -> str:
    """The prose between a block and the next one (a note under it: "the order may vary")."""
    later = [b for b in annotated.blocks if b.line > block.line]
    return later[0].prose if later else ""


_WRITES = re.compile(r"(?:^|\s)(?:-d|--data(?:-raw|-binary|-urlencode)?|-F|--form|-T|--upload-file|--json)(?:\s|=|$)"
                     r"|(?:^|\s)(?:-X|--request)[\s=]*(?!GET\b)[A-Z]+")


def is_query(command: str) -> bool:
    """A `curl` or `wget` that only asks (a GET: no body, no other method): sent again, it changes nothing."""
    words = command.split()
    return bool(words) and words[0] in ("curl", "wget") and not _WRITES.search(command)


def placeholders(command: str) -> list[str]:
    """The placeholders a reader fills in a command (`<INSTANCEID>`), in order."""
    return list(dict.fromkeys(PLACEHOLDER.findall(command)))


def _key(name: str) -> str:
    return re.sub(r"[_-]", "", name).lower()


def _fields(value, key: str) -> list[str]:
    """Every value of a field called `key` (case, `_` and `-` aside) in a JSON value, at any depth."""
    found = []
    if isinstance(value, dict):
        for name, item in value.items():
            if _key(str(name)) == key and isinstance(item, (str, int, float)) and not isinstance(item, bool):
                found.append(str(item))
            found += _fields(item, key)
    elif isinstance(value, list):
        for item in value:
            found += _fields(item, key)
    return found


def json_documents(text: str) -> list:
    """The JSON objects and arrays a command printed (after its headers, say), outermost ones."""
    decoder, found, index = json.JSONDecoder(), [], 0
    while index < len(text):
        start = min((i for i in (text.find("{", index), text.find("[", index)) if i >= 0), default=-1)
        if start < 0:
            break
        try:
            value, index = decoder.raw_decode(text, start)
            found.append(value)
        except ValueError:
            index = start + 1
    return found


def filled(command: str, fills: tuple[tuple[str, str], ...], answers: list[str]) -> tuple[str, list[str]]:
    """The command with each placeholder replaced by the value of the field that fills it (the one
    the prose names, else one of the placeholder's own name) in the latest earlier answer that
    carries exactly one such field; and the placeholders nothing filled (never guessed)."""
    unfilled = []
    for placeholder, source in fills:
        value = None
        for answer in reversed(answers):
            values = [found for document in json_documents(answer) for found in _fields(document, _key(source))]
            if len(values) == 1:
                value = values[0]
                break
        if value is None:
            unfilled.append(placeholder)
        else:
            command = command.replace(f"<{placeholder}>", value)
    return command, unfilled


def named_sources(prose: str) -> dict[str, str]:
    """Placeholder -> the field the prose says its value comes from ("Where `<INSTANCEID>` is the
    workflow instance ID you received in the `instance_id` property")."""
    return {placeholder: field for placeholder, field in _FILLED_FROM.findall(prose)}
