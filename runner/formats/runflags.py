"""The dapr CLI's `dapr run` flags (dapr/cli cmd/run.go, pkg/standalone/run.go), each with what
the runner does with it: a setting of the run it reads, handed to daprd as the CLI hands it, or
refused aloud. Never dropped: a flag the CLI does not know fails as the CLI fails."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Flag:
    """One flag of the CLI's `dapr run` (dapr/cli cmd/run.go), and what the runner does with it."""

    names: tuple[str, ...]  # every name the CLI accepts
    takes_value: bool
    role: str  # a DaprRun field; DAPRD: handed to daprd as the CLI hands it; REFUSED: the step fails, saying why
    template_key: str = ""  # the same setting in a run template (dapr.yaml), where it has one
    why: str = ""


DAPRD, REFUSED = "daprd", "refused"
FLAGS = (
    Flag(("--app-id", "-a"), True, "app_id"),
    Flag(("--resources-path", "-d"), True, "resources_paths"),
    Flag(("--components-path",), True, "resources_paths"),
    Flag(("--app-port", "-p"), True, "app_port"),
    Flag(("--app-protocol", "-P"), True, "app_protocol"),
    Flag(("--app-ssl",), False, "app_ssl"),
    Flag(("--dapr-http-port", "-H"), True, "dapr_http_port"),
    Flag(("--dapr-grpc-port", "-G"), True, "dapr_grpc_port"),
    Flag(("--run-file", "-f"), True, "run_file"),
    Flag(("--config", "-c"), True, "config"),
    Flag(("--log-level",), True, "log_level"),
    Flag(("--app-channel-address",), True, DAPRD, "appChannelAddress"),
    Flag(("--app-health-check-path",), True, DAPRD, "appHealthCheckPath"),
    Flag(("--app-health-probe-interval",), True, DAPRD, "appHealthProbeInterval"),
    Flag(("--app-health-probe-timeout",), True, DAPRD, "appHealthProbeTimeout"),
    Flag(("--app-health-threshold",), True, DAPRD, "appHealthThreshold"),
    Flag(("--app-max-concurrency",), True, DAPRD, "appMaxConcurrency"),
    Flag(("--dapr-internal-grpc-port", "-I"), True, DAPRD, "daprInternalGRPCPort"),
    Flag(("--dapr-listen-addresses",), True, DAPRD, "apiListenAddresses"),
    Flag(("--enable-api-logging",), False, DAPRD, "enableApiLogging"),
    Flag(("--enable-app-health-check",), False, DAPRD, "enableAppHealthCheck"),
    Flag(("--enable-profiling",), False, DAPRD, "enableProfiling"),
    Flag(("--max-body-size",), True, DAPRD, "maxBodySize"),
    Flag(("--metrics-port", "-M"), True, DAPRD, "metricsPort"),
    Flag(("--placement-host-address",), True, DAPRD, "placementHostAddress"),
    Flag(("--profile-port",), True, DAPRD, "profilePort"),
    Flag(("--read-buffer-size",), True, DAPRD, "readBufferSize"),
    Flag(("--scheduler-host-address",), True, DAPRD, "schedulerHostAddress"),
    Flag(("--unix-domain-socket", "-u"), True, DAPRD, "unixDomainSocket"),
    Flag(("--kubernetes", "-k"), False, REFUSED, why="runs on Kubernetes, which the runner does not drive"),
    Flag(("--runtime-path",), True, REFUSED,
         why="names an installed daprd; the runner runs the daprd it provisioned (--daprd names another)"),
    Flag(("--log-as-json",), False, REFUSED, why="would print the CLI's lines as JSON; the runner prints them as text"),
    Flag(("--help", "-h"), False, REFUSED, why="prints the CLI's help, which the runner does not"),
)
BY_NAME = {name: flag for flag in FLAGS for name in flag.names}
DEPRECATED = {"--components-path": "--resources-path"}  # and what replaces each
# `dapr init`'s placement and scheduler, where the CLI looks when a flag names no port: the job's own stand in.
INIT_CONTROL_PLANE = {"--placement-host-address": "50005", "--scheduler-host-address": "50006"}


def switch_value(flag: str, value: str | None) -> bool:
    if value is None or value.lower() in ("true", "1", "t"):
        return True
    if value.lower() in ("false", "0", "f"):
        return False
    raise ValueError(f"{flag} is true or false, not {value!r}")


def template_daprd_flags(entry: dict) -> list[tuple[str, str | None]]:
    """The daprd flags a run template's app (or `common`) section sets, as `dapr run` flags set them."""
    flags: list[tuple[str, str | None]] = []
    for flag in FLAGS:
        value = entry.get(flag.template_key) if flag.template_key and flag.role == DAPRD else None
        if value is None or value is False:
            continue
        flags.append((flag.names[0], None if value is True else str(value)))
    return flags


def as_template(daprd_flags) -> dict:
    """Those daprd flags as a run template's app section sets them (the way back of template_daprd_flags),
    `dapr init`'s placement and scheduler aside."""
    return {BY_NAME[flag].template_key: True if value is None else value for flag, value in daprd_flags
            if not is_init_control_plane(flag, value)}


def socket_paths(daprd_flags, app_id: str) -> tuple[str, str] | None:
    """The HTTP and gRPC sockets daprd listens on for `--unix-domain-socket DIR` (dapr/cli utils.GetSocket)."""
    folder = dict(daprd_flags).get("--unix-domain-socket")
    return (f"{folder}/dapr-{app_id}-http.socket", f"{folder}/dapr-{app_id}-grpc.socket") if folder else None


def is_init_control_plane(flag: str, value: str | None) -> bool:
    """`--placement-host-address localhost` and the like: `dapr init`'s service, which the job's own stands in for."""
    if flag not in INIT_CONTROL_PLANE or not value:
        return False
    host, _, port = value.rpartition(":") if ":" in value else (value, "", "")
    return host in ("localhost", "127.0.0.1") and port in ("", INIT_CONTROL_PLANE[flag])
