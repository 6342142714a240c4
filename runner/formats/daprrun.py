"""A `dapr run ...` command line, as the dapr CLI reads it: its flags and the app command."""

from __future__ import annotations

import contextlib
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from runner.errors import InputError
from runner.formats.runtemplate import AppSpec, parse_run_template, run_file
from runner.formats.shellwords import shell_calls

# Flags that take a value, by every name the CLI accepts.
_VALUE_FLAGS = {
    "--app-id": "app_id", "-a": "app_id",
    "--resources-path": "resources_path", "-d": "resources_path",
    "--components-path": "components_path",
    "--app-port": "app_port", "-p": "app_port",
    "--app-protocol": "app_protocol", "-P": "app_protocol",
    "--dapr-http-port": "dapr_http_port", "-H": "dapr_http_port",
    "--dapr-grpc-port": "dapr_grpc_port", "-G": "dapr_grpc_port",
    "--run-file": "run_file", "-f": "run_file",
    "--config": "config", "-c": "config",
    "--log-level": "log_level",
    "--app-max-concurrency": "other", "--metrics-port": "other", "-M": "other",
    "--placement-host-address": "other", "--scheduler-host-address": "other",
    "--dapr-internal-grpc-port": "other", "--unix-domain-socket": "other", "-u": "other",
    "--app-health-probe-interval": "other", "--app-health-probe-timeout": "other",
    "--app-health-threshold": "other", "--app-health-check-path": "other",
    "--max-body-size": "other", "--read-buffer-size": "other", "--runtime-path": "other",
}
DEPRECATED = {"--components-path": "--resources-path"}


class DaprRunError(ValueError):
    pass


@dataclass
class DaprRun:
    app_id: str | None = None
    resources_paths: list[str] = field(default_factory=list)
    app_port: int | None = None
    app_protocol: str | None = None
    dapr_http_port: int | None = None
    dapr_grpc_port: int | None = None
    run_file: str | None = None
    config: str | None = None
    log_level: str | None = None
    command: list[str] = field(default_factory=list)
    deprecated: list[str] = field(default_factory=list)  # deprecated flags used


def _port(flag: str, value: str) -> int:
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise DaprRunError(f"{flag} wants a port number, not {value!r}")
    return int(value)


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
        if not word.startswith("-"):
            # The CLI also takes the app command without `--`, and reads its own flags after it
            # (`dapr run --app-id a node app.js --resources-path ../components`).
            run.command.append(word)
            i += 1
            continue
        flag, eq, inline = word.partition("=")
        if flag not in _VALUE_FLAGS:
            i += 1  # a boolean flag (e.g. --enable-api-logging)
            continue
        if eq:
            value = inline
            i += 1
        else:
            if i + 1 >= len(words):
                raise DaprRunError(f"{flag} needs a value")
            value = words[i + 1]
            i += 2
        if flag in DEPRECATED:
            run.deprecated.append(flag)
        key = _VALUE_FLAGS[flag]
        if key in ("resources_path", "components_path"):
            run.resources_paths.append(value)
        elif key in ("app_port", "dapr_http_port", "dapr_grpc_port"):
            setattr(run, key, _port(flag, value))
        elif key != "other":
            setattr(run, key, value)
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
