"""The dapr CLI's calls on the apps a README run started: `dapr invoke`, `dapr publish` and `dapr
list`, served against the run's own sidecars (found in its run dir, where each `dapr run` records
its app) with the CLI's flags and its output word for word (cmd/invoke.go, cmd/publish.go,
cmd/list.go of github.com/dapr/cli): `✅  App invoked successfully`, a table for `dapr list`."""

from __future__ import annotations

import json
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path

from runner.services.shimenv import ShimContext
from runner.services.started import running_apps
from runner.formats.cli_lines import FAILURE, SUCCESS

INVOKE_FLAGS = {"--app-id": "app_id", "-a": "app_id", "--method": "method", "-m": "method", "--data": "data",
                "-d": "data", "--data-file": "data_file", "-f": "data_file", "--verb": "verb", "-v": "verb"}
PUBLISH_FLAGS = {"--publish-app-id": "app_id", "-i": "app_id", "--pubsub": "pubsub", "-p": "pubsub",
                 "--topic": "topic", "-t": "topic", "--data": "data", "-d": "data", "--data-file": "data_file",
                 "-f": "data_file", "--metadata": "metadata", "-m": "metadata"}
# The flags cobra requires (MarkFlagRequired), by the name it gives them, in its (sorted) order.
INVOKE_REQUIRED = {"app-id": "app_id", "method": "method"}
PUBLISH_REQUIRED = {"publish-app-id": "app_id", "pubsub": "pubsub", "topic": "topic"}
LIST_COLUMNS = ("APP ID", "HTTP PORT", "GRPC PORT", "APP PORT", "COMMAND", "AGE", "CREATED", "DAPRD PID", "CLI PID",
                "APP PID", "RUN_TEMPLATE_PATH", "APP_LOG_PATH", "DAPRD_LOG_PATH")


def _flags(argv: list[str], table: dict[str, str]) -> dict[str, str]:
    found, words = {}, list(argv)
    while words:
        word = words.pop(0)
        flag, eq, value = word.partition("=")
        if flag in table:
            found[table[flag]] = value if eq else (words.pop(0) if words else "")
    return found


def _missing(flags: dict[str, str], required: dict[str, str]) -> int | None:
    """As cobra ends a call without a required flag (the usage it prints after it left out)."""
    missing = [name for name, key in required.items() if key not in flags]
    if not missing:
        return None
    text = f"required flag(s) {', '.join(f'{chr(34)}{name}{chr(34)}' for name in missing)} not set"
    print(f"Error: {text}", file=sys.stderr)
    print(text)
    return 255


def _fail(text: str) -> int:
    print(f"{FAILURE}{text}", file=sys.stderr)
    return 1


def _payload(flags: dict[str, str], command: str) -> bytes | None:
    if flags.get("data") and flags.get("data_file"):
        _fail(f"Only one of --data and --data-file allowed in the same {command} command")
        return None
    if flags.get("data_file"):
        try:
            return Path(flags["data_file"]).read_bytes()
        except OSError as exc:
            _fail(f"Error reading payload from '{flags['data_file']}'. Error: {exc}")
            return None
    return flags.get("data", "").encode()


def _app(context: ShimContext, app_id: str) -> dict | None:
    return next((app for app in running_apps(context.run_dir) if app["app_id"] == app_id), None)


def _call(argv: list[str], table: dict[str, str], required: dict[str, str],
          command: str) -> tuple[dict[str, str], bytes] | int:
    """The call's flags and payload, or the exit code of a call the CLI refuses (said as it says it)."""
    flags = _flags(argv, table)
    if (code := _missing(flags, required)) is not None:
        return code
    payload = _payload(flags, command)
    return 1 if payload is None else (flags, payload)


def invoke(context: ShimContext, argv: list[str]) -> int:
    call = _call(argv, INVOKE_FLAGS, INVOKE_REQUIRED, "invoke")
    if isinstance(call, int):
        return call
    flags, payload = call
    app_id = flags.get("app_id", "")
    app = _app(context, app_id)
    if app is None:
        return _fail(f"error invoking app {app_id}: app ID {app_id} not found")
    url = f"http://127.0.0.1:{app['http']}/v1.0/invoke/{app_id}/method/{flags.get('method', '')}"
    request = urllib.request.Request(url, data=payload if payload else None, method=flags.get("verb", "POST"),
                                     headers={"Content-Type": "application/json"})
    status, body = _send(request)
    if status == 0 or status >= 400:
        return _fail(f"error invoking app {app_id}: " + (f"{status} {body}" if status else body))
    if body:
        print(body)
    print(f"{SUCCESS}App invoked successfully")
    return 0


def publish(context: ShimContext, argv: list[str]) -> int:
    call = _call(argv, PUBLISH_FLAGS, PUBLISH_REQUIRED, "publish")
    if isinstance(call, int):
        return call
    flags, payload = call
    topic = flags.get("topic", "")
    for key, what in (("app_id", "publishAppID"), ("pubsub", "pubsubName"), ("topic", "topic")):
        if not flags.get(key):
            return _fail(f"Error publishing topic {topic}: {what} is missing")
    app = _app(context, flags["app_id"])
    if app is None:
        return _fail(f"Error publishing topic {topic}: couldn't find a running Dapr instance")
    try:
        metadata = json.loads(flags["metadata"]) if flags.get("metadata") else {}
    except ValueError as exc:
        return _fail(f"Error parsing metadata as JSON. Error: {exc}")
    query = "".join(f"metadata.{key}={value}&" for key, value in metadata.items())
    url = f"http://localhost:{app['http']}/v1.0/publish/{flags['pubsub']}/{topic}" + (f"?{query.rstrip('&')}" if query else "")
    request = urllib.request.Request(url, data=payload, method="POST", headers={"Content-Type": _content_type(payload)})
    status, said = _send(request)
    if status == 0:
        return _fail(f"Error publishing topic {topic}: {said}")
    if status >= 400:
        return _fail(f"Error publishing topic {topic}: unexpected status code {status} on publishing to {topic} "
                     f"in {flags['pubsub']}")
    print(f"{SUCCESS}Event published successfully")
    return 0


def _send(request: urllib.request.Request) -> tuple[int, str]:
    """The response's status and body; status 0 and why where none came back."""
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, str(exc.reason)
    except (urllib.error.URLError, OSError) as exc:
        return 0, str(exc)


def _content_type(payload: bytes) -> str:
    """A CloudEvent is sent as one (`application/cloudevents+json`), anything else as JSON."""
    try:
        event = json.loads(payload)
    except ValueError:
        return "application/json"
    if isinstance(event, dict) and {"id", "source", "specversion", "type", "data"} <= set(event):
        return "application/cloudevents+json"
    return "application/json"


def list_apps(context: ShimContext, argv: list[str]) -> int:
    apps = running_apps(context.run_dir)
    if "-o" in argv or "--output" in argv or any(word.startswith("--output=") for word in argv):
        print(json.dumps([{"appId": app["app_id"], "httpPort": app["http"], "grpcPort": app["grpc"],
                           "appPort": app["app_port"], "command": app["command"]} for app in apps], indent=2))
        return 0
    if not apps:
        print("No Dapr instances found.")
        return 0
    rows = [(app["app_id"], str(app["http"]), str(app["grpc"]), str(app["app_port"]),
             _truncated(app["command"], 20), _age(app["created"]),
             datetime.fromtimestamp(app["created"]).strftime("%Y-%m-%d %H:%M.%S"),
             str(app["daprd_pid"]), str(app["cli_pid"]), str(app["app_pid"]), "", "", "") for app in apps]
    kept = [i for i in range(len(LIST_COLUMNS)) if any(row[i].strip() for row in rows)]  # blank columns go
    table = [[row[i] for i in kept] for row in [LIST_COLUMNS, *rows]]
    widths = [max(len(row[i]) for row in table) for i in range(len(kept))]
    for row in table:  # as the CLI's table writer lays it out: each cell padded by one each side, left-trimmed
        print("".join(f" {cell.ljust(width)} " for cell, width in zip(row, widths)).lstrip(" "))
    return 0


def _truncated(text: str, most: int) -> str:
    return text if len(text) <= most else text[:most - 3] + "..."


def _age(created: float) -> str:
    seconds = time.time() - created
    if seconds <= 60:
        return f"{int(seconds)}s"
    if seconds <= 3600:
        return f"{int(seconds / 60)}m"
    return f"{int(seconds / 3600)}h" if seconds <= 86400 else f"{int(seconds / 86400)}d"
