"""A `dapr run ...` command line, as the dapr CLI reads it: its flags and the app command."""

from __future__ import annotations

import contextlib
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from runner.errors import InputError
from runner.formats.runflags import BY_NAME, DAPRD, DEPRECATED, REFUSED, Flag, switch_value
from runner.formats.runtemplate import AppSpec, parse_run_template, run_file
from runner.formats.shellwords import shell_calls


class DaprRunError(ValueError):
    pass


@dataclass
class DaprRun:
    app_id: str | None = None
    resources_paths: list[str] = field(default_factory=list)
    app_port: int | None = None
    app_protocol: str | None = None
    app_ssl: bool = False
    dapr_http_port: int | None = None
    dapr_grpc_port: int | None = None
    run_file: str | None = None
    config: str | None = None
    log_level: str | None = None
    daprd_flags: list[tuple[str, str | None]] = field(default_factory=list)  # as daprd takes them (None: a switch)
    refused: list[str] = field(default_factory=list)  # "--flag: why"
    command: list[str] = field(default_factory=list)
    deprecated: list[str] = field(default_factory=list)  # deprecated flags used


def _port(flag: str, value: str) -> int:
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise DaprRunError(f"{flag} wants a port number, not {value!r}")
    return int(value)


def _with_ssl(protocol: str | None) -> str:
    """The protocol `--app-ssl` makes of `--app-protocol`, as the CLI reads the two together."""
    protocol = protocol or "http"
    return {"http": "https", "grpc": "grpcs"}.get(protocol, protocol)


def _take(run: DaprRun, flag: Flag, name: str, value: str | None) -> None:
    if name in DEPRECATED:
        run.deprecated.append(name)
    if flag.role == REFUSED:
        run.refused.append(f"{name} {flag.why}")
    elif flag.role == DAPRD:
        if flag.takes_value:
            run.daprd_flags.append((flag.names[0], value))
        elif switch_value(name, value):
            run.daprd_flags.append((flag.names[0], None))
    elif flag.role == "resources_paths":
        run.resources_paths.append(value)
    elif flag.role in ("app_port", "dapr_http_port", "dapr_grpc_port"):
        setattr(run, flag.role, _port(name, value))
    elif flag.role == "app_ssl":
        run.app_ssl = switch_value(name, value)
    else:
        setattr(run, flag.role, value)


def parse_dapr_run(line: str) -> DaprRun:
    try:
        words = shlex.split(line, comments=True)
    except ValueError as exc:
        raise DaprRunError(f"cannot split the command line: {exc}") from None
    if words[:2] != ["dapr", "run"]:
        raise DaprRunError("not a `dapr run` command")
    run = DaprRun()
    i = 2
    while i < len(words):
        word = words[i]
        if word == "--":
            run.command += words[i + 1:]
            break
        if not word.startswith("-") or word == "-":
            # The CLI also takes the app command without `--`, and reads its own flags after it
            # (`dapr run --app-id a node app.js --resources-path ../components`).
            run.command.append(word)
            i += 1
            continue
        name, eq, inline = word.partition("=")
        flag = BY_NAME.get(name)
        if flag is None:  # as the CLI refuses it, before it starts anything
            raise DaprRunError(f"unknown flag: {name}")
        value: str | None = inline if eq else None
        i += 1
        if flag.takes_value and not eq:
            if i >= len(words):
                raise DaprRunError(f"{name} needs a value")
            value = words[i]
            i += 1
        try:
            _take(run, flag, name, value)
        except ValueError as exc:
            raise DaprRunError(str(exc)) from None
    if run.app_ssl:
        run.app_protocol = _with_ssl(run.app_protocol)
    return run


def apps_started(block: str, cwd: Path) -> list[AppSpec] | None:
    """The apps a block's `dapr run`s start (as far as their words and run templates say), or
    None when it runs no `dapr run`."""
    apps: list[AppSpec] = []
    runs = False
    for call in shell_calls(block):
        if call.words[:2] != ("dapr", "run"):
            continue
        runs = True
        folder = cwd / call.cwd
        with contextlib.suppress(DaprRunError, InputError):  # the `dapr run` itself will say what is wrong
            run = parse_dapr_run(shlex.join(call.words))
            if run.run_file:
                apps += parse_run_template(run_file((folder / run.run_file).resolve())).apps
            elif run.command:
                apps.append(AppSpec(run.app_id or folder.resolve().name, folder.resolve(), tuple(run.command),
                                    run.app_port))
    return apps if runs else None


def what_runs(text: str) -> str:
    """What a `dapr run` runs: its app id, or its run template (a second start of the same stops
    the first); any other command, itself."""
    try:
        run = parse_dapr_run(text)
    except DaprRunError:
        return text
    if run.app_id:
        return run.app_id
    return f"-f {run.run_file}" if run.run_file else text
