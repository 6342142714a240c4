"""The dapr CLI's own status lines, word for word as the CLI built here prints them
(github.com/dapr/cli v1.16.5, cmd/run.go and pkg/print: an emoji, two spaces, the text):
printed in daprd mode and by the `dapr` shim, so expectations written against `dapr run`
hold without the CLI; and how a one-app run's app lines differ from CLI 1.17 on."""

import re

from runner.formats.shellwords import shell_calls

# A terminal's escape sequences, as apps and the CLI write them: CSI and OSC sequences, then the
# two-character ones, ESC with one byte of 0x30-0x7E (a .NET console on a terminal starts with
# `ESC =`, keypad mode).
ESCAPE_SEQUENCE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[0-Z\\-~]")

INFO, SUCCESS, FAILURE = "\u2139\ufe0f  ", "\u2705  ", "\u274c  "

# `dapr run` of one app
STARTING = INFO + "Starting Dapr with id {app_id}. HTTP Port: {http}. gRPC Port: {grpc}"
STARTING_SOCKETS = INFO + "Starting Dapr with id {app_id}. HTTP Socket: {http}. gRPC Socket: {grpc}."
CHECKING_HTTP = INFO + "Checking if Dapr sidecar is listening on HTTP port {http}"
CHECKING_GRPC = INFO + "Checking if Dapr sidecar is listening on GRPC port {grpc}"
CHECKING_HTTP_SOCKET = INFO + "Checking if Dapr sidecar is listening on HTTP socket {http}"
CHECKING_GRPC_SOCKET = INFO + "Checking if Dapr sidecar is listening on GRPC socket {grpc}"
SIDECAR_UP = INFO + "Dapr sidecar is up and running."
UPDATING_PID = INFO + "Updating metadata for appPID: {pid}"
UPDATING_COMMAND = INFO + "Updating metadata for app command: {command}"
UP = SUCCESS + "You're up and running! Both Dapr and your app logs will appear here."
UP_ALONE = SUCCESS + "You're up and running! Dapr logs will appear here."  # a `dapr run` with no app
EXITED_APP = "Exited App successfully"
APP_OK = SUCCESS + EXITED_APP
APP_EXIT_ERROR = "The App process exited with error code"
APP_FAILED = FAILURE + APP_EXIT_ERROR + ": exit status {code}"
TERMINATED = "terminated signal received: shutting down"  # printed after an INFO and a line break
DAPR_OK = SUCCESS + "Exited Dapr successfully"

# `dapr run -f` (a multi-app run template)
VALIDATING = INFO + 'Validating config and starting app "{app_id}"'
STARTED = INFO + 'Started Dapr with app id "{app_id}". HTTP Port: {http}. gRPC Port: {grpc}'
WRITING_LOGS = INFO + "Writing log files to directory : {folder}"
RECEIVED_SIGNAL = INFO + "Received signal to stop Dapr and app processes. Shutting down Dapr and app processes."
# ...and to each app's own writer, which is no terminal of its own: no emoji there.
APP_EXITED_PLAIN = EXITED_APP
APP_FAILED_PLAIN = APP_EXIT_ERROR + ": exit status {code}"
TERMINATION = "termination signal received: shutting down"  # after a blank line, once per app

# `dapr stop`
STOPPED = SUCCESS + "app stopped successfully: {app_id}"

# Where a started app's sidecar takes HTTP calls, as STARTING and STARTED say it.
_SIDECAR_HTTP = re.compile(r'(?:Starting Dapr with id (?P<one>\S+?)|Started Dapr with app id "(?P<many>[^"]+)")\. '
                           r"HTTP Port: (?P<port>\d+)\.")


def sidecar_http_port(line: str) -> tuple[str, int] | None:
    """(app id, its daprd's HTTP port) from the CLI's line that starts an app's sidecar, or None."""
    found = _SIDECAR_HTTP.search(line)
    return (found.group("one") or found.group("many"), int(found.group("port"))) if found else None


ONE_APP_LABEL = "== APP == "
# From CLI 1.17 a one-app `dapr run` hands its app the terminal (cmd/run.go): the app's lines come
# bare, a blank line after the CLI's "up and running", and an app's failure as its exit code alone.
BARE_FROM = (1, 17)
APP_FAILED_BARE = FAILURE + APP_EXIT_ERROR + ": {code}"
LABELLED_CLI = "1.16.5"  # the last CLI that labels a one-app run's lines: the form the runner's own faces read


def app_prefix(app_id: str, multi: bool) -> str:
    """What the CLI puts before an app's line: the app id too for a multi-app run (`dapr run -f`)."""
    return f"== APP - {app_id} == " if multi else ONE_APP_LABEL


def prints_bare_app_lines(cli_version: str | None) -> bool:
    """Whether that CLI version prints a one-app `dapr run`'s app lines bare (no `== APP == `)."""
    parts = (cli_version or "").lstrip("v").split(".")
    return len(parts) >= 2 and parts[0].isdigit() and parts[1].isdigit() and (int(parts[0]), int(parts[1])) >= BARE_FROM


# The label the CLI puts before an app's line: `== APP == ` (one app, up to CLI 1.16) or
# `== APP - <app-id> == ` (a multi-app run): the one reading of it.
APP_LABEL = re.compile(r"^== APP(?: - (?P<app>\S+))? == ?")


def split_label(line: str) -> tuple[str | None, str] | None:
    """A labelled line as (its app id, None under the one-app label; the app's own text), or None."""
    found = APP_LABEL.match(line)
    return (found.group("app"), line[found.end():]) if found else None


def without_label(line: str) -> str:
    """A one-app run's line without the CLI's framing (`== APP == `): the app's own line, whichever
    CLI printed it. A multi-app run's `== APP - id == ` stays: every CLI prints it."""
    return line[len(ONE_APP_LABEL):] if line.startswith(ONE_APP_LABEL) else line


def runs_template(words: tuple[str, ...] | list[str]) -> bool:
    """Whether a `dapr run`'s words run a multi-app run template (`-f`)."""
    return any(word in ("-f", "--run-file") or word.startswith("--run-file=") for word in words)


def stop_targets(words: tuple[str, ...] | list[str]) -> tuple[tuple[str, ...], bool]:
    """The app ids a `dapr stop`'s words name, in order, and whether it stops a run template's
    apps (`-f`)."""
    named = [words[i + 1] for i, word in enumerate(words[:-1]) if word in ("--app-id", "-a")]
    named += [word.split("=", 1)[1] for word in words if word.startswith("--app-id=")]
    return tuple(named), runs_template(words)


# daprd's log lines: logfmt on a pipe, `INFO[0000] ... scope=dapr.runtime` on a terminal.
_DAPRD_LOG = re.compile(r'^(?:time="|[A-Z]{4}\[\d+\] .*\bscope=dapr)')


def is_cli_line(text: str) -> bool:
    """Whether a line of a `dapr run`'s output is the CLI's or its daprd's own, not the app's:
    a status line (an emoji first), a daprd log line, the CLI's words when it stops."""
    return text[:1] in ("\u2139", "\u2705", "\u274c", "\u26a0", "\u231b", "\U0001f197") or bool(_DAPRD_LOG.match(text)) \
        or text in (TERMINATED, TERMINATION, EXITED_APP)


def labelled(line: str) -> str:
    """A line of a one-app run whose CLI prints app lines bare (1.17 on), as the runner reads every
    app line: labelled as the app's, unless it is the CLI's or its daprd's own (or blank)."""
    text = _ANSI.sub("", line).strip()
    return line if not text or text.startswith("== APP") or is_cli_line(text) else ONE_APP_LABEL + line


_ANSI = re.compile(r"\x1b\[[0-9;]*m")  # the colours the CLI puts around its status lines


def stop_output(block: str) -> str:
    """What a README block's `dapr run` prints when it is stopped (nothing for other commands)."""
    runs = [call for call in shell_calls(block) if call.words[:2] == ("dapr", "run")]
    if len(runs) != 1:
        return ""
    multi = runs_template(runs[0].words)
    return stop_lines(multi) if not multi else ""  # a template's closing lines depend on its apps: not promised


def stop_lines(multi: bool, apps: int = 1) -> str:
    """What the CLI prints when `dapr run` is stopped (SIGTERM, Ctrl-C) with its app still running:
    for one app, that it shuts down and both exited; for a run template, the signal, then each app's
    termination (cmd/run.go)."""
    if multi:
        return f"\n{RECEIVED_SIGNAL}" + f"\n\n{TERMINATION}" * apps
    return f"{INFO}\n{TERMINATED}\n{DAPR_OK}\n{APP_OK}"


# The dapr CLI's lines about starting and stopping (not what an app or `dapr invoke` answered):
# the fixed words of each, between its placeholders.
_RUN_LINES = (STARTING, CHECKING_HTTP, CHECKING_GRPC, SIDECAR_UP, UPDATING_PID, UPDATING_COMMAND, UP, EXITED_APP,
              TERMINATED, DAPR_OK, VALIDATING, STARTED, WRITING_LOGS, RECEIVED_SIGNAL, TERMINATION, STOPPED, UP_ALONE)
_RUN_WORDS = tuple(part.strip(" .\"'") for line in _RUN_LINES
                   for part in line.replace(INFO, "").replace(SUCCESS, "").replace(FAILURE, "").split("{")
                   for part in [part.split("}", 1)[-1]] if len(part.strip(" .\"'")) >= 8)


def is_run_line(expected: str) -> bool:
    """Whether an expected line is one the CLI prints about starting or stopping Dapr and the
    app (`Started Dapr with app id "x"`, `Exited App successfully`): printed whether the app
    works or not."""
    text = expected.strip().lstrip("\u2139\ufe0f\u2705\u274c ").strip()
    return bool(text) and not text.startswith("== APP") and any(words in text or (len(text) >= 8 and text in words) for words in _RUN_WORDS)
