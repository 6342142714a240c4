"""README annotations in mechanical-markdown's format: `<!-- STEP` YAML `-->`, code blocks, `<!-- END_STEP -->`.

Parsed the way mechanical-markdown parses them, from mistune's reading of the file (so
steps indented inside list items count as they do for mm): an HTML block whose comment
holds STEP opens a step, shell code blocks inside it are its commands, END_STEP closes
it; IGNORE_LINKS/END_IGNORE bracket links not to check. Every problem is reported as
`FILE:LINE: what is wrong`.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from runner.errors import InputError, read_input
from runner.formats.markdown import readme_blocks, reject_nul_lines
from runner.formats.yamlfile import load_yaml

SHELL_LANGS = ("bash", "sh", "shell-script", "shell")
MATCH_MODES = ("exact", "substring")
MATCH_ORDERS = ("sequential", "none")
DEFAULT_TIMEOUT_S = 300
_OPTIONS = {
    "name", "expected_stdout_lines", "expected_stderr_lines", "output_match_mode", "match_order",
    "background", "sleep", "timeout_seconds", "working_dir", "env", "expected_return_code", "tags",
    "manual_pause_message",
}
_EXTERNAL = re.compile(r"https?://")
_COMMENT = re.compile(r"<!--(.*?)-->", re.S)


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


@dataclass(frozen=True)
class LooseBlock:
    """A shell code block outside every STEP (mm.py never runs it; its reader does), with the
    prose written between the code block before it and this one."""

    text: str
    line: int  # README line of its opening fence
    prose: str


@dataclass(frozen=True)
class PageBlock:
    """Any code block of the file, in page order, as its reader meets it: its info string's first
    word, its text, the prose written between the code block before it and this one, and the STEP
    it is inside (mm.py runs it when that is a shell block), if any."""

    lang: str
    text: str
    line: int  # README line of its opening fence
    prose: str
    step: int | None  # README line of the STEP around it; None: outside every STEP


@dataclass
class Annotated:
    path: Path
    steps: list[Step]
    links: list[tuple[str, bool, int]]  # (url, ignored, line)
    loose: list[LooseBlock] = field(default_factory=list)
    blocks: list[PageBlock] = field(default_factory=list)  # every code block, annotated or not


def step_selected(step: Step, tags: list[str]) -> bool:
    """Whether a step runs when `tags` are asked for, as `mm.py -t` decides: untagged steps always."""
    return not tags or not step.tags or any(tag in step.tags for tag in tags)


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


def parse_annotated(text: str, path: Path) -> Annotated:
    lines = text.splitlines()
    reject_nul_lines(lines, path)
    reading = _Reading(path, lines)
    for block in readme_blocks(text):
        if block.kind == "link":
            if _EXTERNAL.match(block.text):
                reading.links.append((block.text, reading.ignoring_links, block.line))
        elif block.kind == "code":
            reading.code(block)
        else:
            reading.html(block)
    return reading.end()


@dataclass
class _Reading:
    """What a README's reading has met so far, as mm.py meets it: the steps, the STEP still open
    (`current`), links, and every code block."""

    path: Path
    lines: list[str]
    steps: list[Step] = field(default_factory=list)
    links: list[tuple[str, bool, int]] = field(default_factory=list)
    loose: list[LooseBlock] = field(default_factory=list)
    blocks: list[PageBlock] = field(default_factory=list)
    current: Step | None = None
    ignoring_links: bool = False
    in_code: set[int] = field(default_factory=set)  # lines of code blocks: a STEP written there is an example
    after_code: int = 0  # the line after the last code block

    def code(self, block) -> None:
        self.in_code.update(range(block.line, block.line + block.text.count("\n") + 2))
        lang = (block.info.split(None, 1)[0] if block.info else "").strip()
        prose = "\n".join(_COMMENT.sub("", "\n".join(self.lines[self.after_code:block.line - 1])).splitlines())
        self.blocks.append(PageBlock(lang, block.text, block.line, prose,
                                     self.current.line if self.current is not None else None))
        if self.current is not None and lang in SHELL_LANGS:
            self.current.commands.append(Command(block.text.strip(), block.line))
        elif self.current is None and lang in (*SHELL_LANGS, ""):
            self.loose.append(LooseBlock(block.text.strip(), block.line, prose))
        self.after_code = block.line + block.text.count("\n") + 1

    def html(self, block) -> None:
        path = self.path
        if "<!--" in block.text and "-->" not in block.text:
            raise InputError("HTML comment is never closed with -->", path, block.line)
        comments = _COMMENT.findall(block.text)
        body = "".join(comments)
        if not comments:
            return
        if "END_STEP" in body:
            if self.current is None:
                raise InputError("<!-- END_STEP --> without a <!-- STEP --> before it", path, block.line)
            self.steps.append(self.current)
            self.current = None
            return
        if "IGNORE_LINKS" in body:
            if self.ignoring_links:
                raise InputError("<!-- IGNORE_LINKS --> inside another IGNORE_LINKS block", path, block.line)
            self.ignoring_links = True
        elif "END_IGNORE" in body:
            if not self.ignoring_links:
                raise InputError("<!-- END_IGNORE --> without <!-- IGNORE_LINKS --> before it", path, block.line)
            self.ignoring_links = False
        start = body.find("STEP")
        if start < 0:
            return
        if self.current is not None:
            raise InputError(f"<!-- STEP --> while the step opened at line {self.current.line} is still open "
                             "(missing <!-- END_STEP -->)", path, block.line)
        head = block.text[:block.text.find("<!--")].count("\n")
        options = load_yaml(body[start + len("STEP"):], path, first_line=block.line + head + body[:start].count("\n"))
        self.current = _step(options, path, block.line + head)

    def end(self) -> Annotated:
        path, lines = self.path, self.lines
        if self.current is not None:
            raise InputError("<!-- STEP --> is never closed with <!-- END_STEP -->", path, self.current.line)
        if self.ignoring_links:
            raise InputError("<!-- IGNORE_LINKS --> is never closed with <!-- END_IGNORE -->", path, len(lines))
        if not self.steps:
            marked = next((number for number, line in enumerate(lines, start=1)
                           if "<!-- STEP" in line and number not in self.in_code), None)
            if marked is not None:  # a step written where mistune reads no HTML block (e.g. inside a paragraph)
                raise InputError("<!-- STEP is written here, but no step can be read from the file (mechanical-markdown "
                                 "takes a STEP only from an HTML block of its own)", path, marked)
        return Annotated(path, self.steps, self.links, self.loose, self.blocks)


def load_annotated(path: Path) -> Annotated:
    return parse_annotated(read_input(path, "annotated markdown"), path)
