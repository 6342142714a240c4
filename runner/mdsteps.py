"""README annotations in mechanical-markdown's format: `<!-- STEP` YAML `-->`, code blocks, `<!-- END_STEP -->`.

Parsed the way mechanical-markdown parses them (an HTML comment block containing STEP
opens a step, shell code blocks inside it are its commands, END_STEP closes it;
IGNORE_LINKS/END_IGNORE bracket links not to check), but with every problem reported
as `FILE:LINE: what is wrong`.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from runner.errors import InputError, read_input
from runner.yamlfile import load_yaml

SHELL_LANGS = ("bash", "sh", "shell-script", "shell")
MATCH_MODES = ("exact", "substring")
MATCH_ORDERS = ("sequential", "none")
DEFAULT_TIMEOUT_S = 300
_OPTIONS = {
    "name", "expected_stdout_lines", "expected_stderr_lines", "output_match_mode", "match_order",
    "background", "sleep", "timeout_seconds", "working_dir", "env", "expected_return_code", "tags",
    "manual_pause_message",
}
_FENCE = re.compile(r"^( {0,3})(`{3,}|~{3,})(.*)$")
_COMMENT_START = re.compile(r"^ {0,3}<!--")
_LINK = re.compile(r"\[[^\]]*\]\((https?://[^\s)]+)")


@dataclass
class Command:
    text: str
    line: int  # README line of the code block's opening fence


@dataclass
class Step:
    name: str | None  # None for an empty `name:`, as mechanical-markdown keeps it
    line: int  # README line of the <!-- STEP comment
    commands: list[Command] = field(default_factory=list)
    expected_stdout_lines: list[str] = field(default_factory=list)
    expected_stderr_lines: list[str] = field(default_factory=list)
    output_match_mode: str = "exact"
    match_order: str = "sequential"
    background: bool = False
    sleep: float = 0
    timeout_seconds: float = DEFAULT_TIMEOUT_S
    working_dir: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    expected_return_code: int | None = 0
    tags: list[str] = field(default_factory=list)
    manual_pause_message: str | None = None

    def record(self) -> dict:
        data = asdict(self)
        data["commands"] = [command.text for command in self.commands]
        return data


@dataclass
class Annotated:
    path: Path
    steps: list[Step]
    links: list[tuple[str, bool, int]]  # (url, ignored, line)


def _string_list(value: object, key: str, path: Path, line: int) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in value):
        raise InputError(f"STEP '{key}' must be a list of strings", path, line)
    return [str(v) for v in value]


def _number(value: object, key: str, path: Path, line: int) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise InputError(f"STEP '{key}' must be a number of seconds, not {value!r}", path, line)
    return value


def _step(options: object, path: Path, line: int) -> Step:
    if options is None:
        options = {}
    if not isinstance(options, dict):
        raise InputError("STEP options must be a YAML mapping", path, line)
    unknown = set(map(str, options)) - _OPTIONS
    if unknown:
        raise InputError(f"STEP has unknown option(s): {', '.join(sorted(unknown))}", path, line)
    name = options.get("name", "")
    step = Step(name=None if name is None else str(name), line=line)
    step.expected_stdout_lines = _string_list(options.get("expected_stdout_lines"), "expected_stdout_lines", path, line)
    step.expected_stderr_lines = _string_list(options.get("expected_stderr_lines"), "expected_stderr_lines", path, line)
    for key, allowed in (("output_match_mode", MATCH_MODES), ("match_order", MATCH_ORDERS)):
        if key in options:
            if options[key] not in allowed:
                raise InputError(f"STEP '{key}' must be one of {', '.join(allowed)}, not {options[key]!r}", path, line)
            setattr(step, key, options[key])
    if "background" in options:
        if not isinstance(options["background"], bool):
            raise InputError(f"STEP 'background' must be true or false, not {options['background']!r}", path, line)
        step.background = options["background"]
    if "sleep" in options:
        step.sleep = _number(options["sleep"], "sleep", path, line)
    if "timeout_seconds" in options:
        step.timeout_seconds = _number(options["timeout_seconds"], "timeout_seconds", path, line)
    if options.get("working_dir") is not None:
        step.working_dir = str(options["working_dir"])
    if "env" in options:
        env = options["env"] or {}
        if not isinstance(env, dict):
            raise InputError("STEP 'env' must be a mapping", path, line)
        step.env = {str(k): "" if v is None else str(v) for k, v in env.items()}
    if "expected_return_code" in options:
        code = options["expected_return_code"]
        if code is not None and (isinstance(code, bool) or not isinstance(code, int)):
            raise InputError(f"STEP 'expected_return_code' must be an integer or null, not {code!r}", path, line)
        step.expected_return_code = code
    step.tags = _string_list(options.get("tags"), "tags", path, line)
    if options.get("manual_pause_message") is not None:
        step.manual_pause_message = str(options["manual_pause_message"])
    return step


def reject_nul_lines(lines: list[str], path: Path) -> None:
    for number, line in enumerate(lines, start=1):
        if "\0" in line:
            raise InputError("the file contains a NUL character", path, number)


def parse_annotated(text: str, path: Path) -> Annotated:
    lines = text.splitlines()
    reject_nul_lines(lines, path)
    steps: list[Step] = []
    links: list[tuple[str, bool, int]] = []
    current: Step | None = None
    ignoring_links = False
    i = 0
    while i < len(lines):
        line = lines[i]
        fence = _FENCE.match(line)
        if fence:
            indent, marker, info = len(fence.group(1)), fence.group(2), fence.group(3).strip()
            body, j = [], i + 1
            while j < len(lines):
                closing = lines[j].strip()
                if closing.startswith(marker[0] * len(marker)) and set(closing) == {marker[0]}:
                    break
                strip = min(indent, len(lines[j]) - len(lines[j].lstrip(" ")))
                body.append(lines[j][strip:])
                j += 1
            lang = info.split(None, 1)[0] if info else ""
            if current is not None and lang in SHELL_LANGS:
                current.commands.append(Command("\n".join(body).strip(), i + 1))
            i = j + 1
            continue
        if _COMMENT_START.match(line):
            j = i
            while "-->" not in lines[j] and j + 1 < len(lines):
                j += 1
            if "-->" not in lines[j]:
                raise InputError("HTML comment is never closed with -->", path, i + 1)
            block = "\n".join(lines[i:j + 1])
            body = "".join(re.findall(r"<!--(.*?)-->", block, re.S))
            if "END_STEP" in body:
                if current is None:
                    raise InputError("<!-- END_STEP --> without a <!-- STEP --> before it", path, i + 1)
                steps.append(current)
                current = None
            else:
                if "IGNORE_LINKS" in body:
                    if ignoring_links:
                        raise InputError("<!-- IGNORE_LINKS --> inside another IGNORE_LINKS block", path, i + 1)
                    ignoring_links = True
                elif "END_IGNORE" in body:
                    if not ignoring_links:
                        raise InputError("<!-- END_IGNORE --> without <!-- IGNORE_LINKS --> before it", path, i + 1)
                    ignoring_links = False
                start = body.find("STEP")
                if start >= 0:
                    if current is not None:
                        raise InputError(f"<!-- STEP --> while the step opened at line {current.line} is still open "
                                         "(missing <!-- END_STEP -->)", path, i + 1)
                    yaml_text = body[start + len("STEP"):]
                    # YAML line numbers count from the comment's first line.
                    options = load_yaml(yaml_text, path, first_line=i + 1 + body[:start].count("\n"))
                    current = _step(options, path, i + 1)
            i = j + 1
            continue
        for url in _LINK.findall(line):
            links.append((url, ignoring_links, i + 1))
        i += 1
    if current is not None:
        raise InputError("<!-- STEP --> is never closed with <!-- END_STEP -->", path, current.line)
    if ignoring_links:
        raise InputError("<!-- IGNORE_LINKS --> is never closed with <!-- END_IGNORE -->", path, len(lines))
    return Annotated(path, steps, links)


def load_annotated(path: Path) -> Annotated:
    return parse_annotated(read_input(path, "annotated markdown"), path)
