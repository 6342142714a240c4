"""daprd driven directly: one per app, on free loopback ports, with a per-job configuration,
ready once its health endpoint answers; printing what the dapr CLI would around the apps."""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from runner.services.controlplane import ControlPlaneAddresses
from runner.services.daemon import how_it_ended
from runner.services.groups import check_interrupted
from runner.services.ports import free_port, is_listening, listener, port_free, release, wait_let_go
from runner.services.pty import PtyProcess
from runner.services.shell import ShellCommand
from runner.services.started import forget_app, record_app
from runner.services.together import together
from runner.sidecar.base import AppLaunch, Exit, SidecarError, Sidecars
from runner.sidecar.daprdinputs import write_config
from runner.services.daprdhealth import answers
from runner.formats.cli_lines import (APP_EXITED_PLAIN, APP_FAILED, APP_FAILED_PLAIN, APP_OK, CHECKING_GRPC,
                                      CHECKING_GRPC_SOCKET, CHECKING_HTTP, CHECKING_HTTP_SOCKET, DAPR_OK, INFO,
                                      SIDECAR_UP, STARTED, STARTING, STARTING_SOCKETS, TERMINATED, UP, UP_ALONE,
                                      UPDATING_COMMAND, UPDATING_PID, VALIDATING, WRITING_LOGS, app_prefix)
from runner.formats.runflags import is_init_control_plane, socket_paths

DAPRD_STOP_GRACE_S = 5.0
APP_STOP_GRACE_S = 0.5  # the verdict is in when we stop an app (npm alone takes ~2 s over SIGTERM)
VERDICT_IN_GRACE_S = 0.2  # ...and when all its lines are in: what it prints now is the stop's doing


@dataclass(frozen=True)
class SidecarPorts:
    http: int
    grpc: int
    metrics: int
    internal_grpc: int

    @classmethod
    def allocate(cls, http: int | None = None, grpc: int | None = None) -> "SidecarPorts":
        return cls(http or free_port(), grpc or free_port(), free_port(), free_port())


class PortsTaken(SidecarError):
    """A port the sidecar was to listen on is another process's (taken since it was picked)."""


_PICKS = 3  # free ports picked again for a sidecar whose first pick another process took meanwhile


class DaprdSidecar:
    def __init__(self, binary: Path, app_id: str, resources: list[Path], workdir: Path,
                 ports: SidecarPorts, on_line: Callable[[str], None], app_port: int | None = None,
                 app_protocol: str | None = None, log_level: str = "info", config: Path | None = None,
                 addresses: ControlPlaneAddresses | None = None, cwd: Path | None = None, named: bool = False,
                 flags: tuple[tuple[str, str | None], ...] = ()):
        self.binary = binary
        self.app_id = app_id
        self.resources = resources
        self.workdir = workdir
        self.ports = ports
        self.named = named  # its ports are the ones a README names (a previous holder's going away is waited for)
        self.on_line = on_line
        self.app_port = app_port
        self.app_protocol = app_protocol
        self.log_level = log_level
        self.config = config
        self.addresses = addresses  # of placement and scheduler
        self.flags = flags  # the `dapr run` flags the CLI hands daprd as they are (runflags)
        self.sockets = socket_paths(flags, app_id)  # its API's HTTP and gRPC sockets, if it listens on them
        self.cwd = cwd or workdir  # as under the CLI, the app's dir: components' relative paths start there
        self.process: ShellCommand | None = None
        self.tail: list[str] = []

    def argv(self) -> list[str]:
        argv = [
            str(self.binary), "--app-id", self.app_id, "--mode", "standalone",
            "--dapr-http-port", str(self.ports.http), "--dapr-grpc-port", str(self.ports.grpc),
            "--metrics-port", str(self.ports.metrics), "--metrics-listen-address", "127.0.0.1",
            "--dapr-internal-grpc-port", str(self.ports.internal_grpc),
            "--dapr-internal-grpc-listen-address", "127.0.0.1", "--dapr-listen-addresses", "127.0.0.1",
            "--config", str(write_config(self.workdir, self.config)), "--log-level", self.log_level,
        ]
        for path in self.resources:
            argv += ["--resources-path", str(path)]
        if self.app_port:
            argv += ["--app-port", str(self.app_port), "--app-channel-address", "127.0.0.1"]
        if self.app_protocol:
            argv += ["--app-protocol", self.app_protocol]
        if self.addresses:
            argv += ["--placement-host-address", self.addresses.placement,
                     "--scheduler-host-address", self.addresses.scheduler]
        for flag, value in self.flags:  # after ours: daprd takes a flag's last value
            if not is_init_control_plane(flag, value):  # `dapr init`'s placement or scheduler: the job's own stands in
                argv += [flag] if value is None else [flag, value]
        return argv

    def _heard(self, _stream: str, line: str) -> None:
        line = line.rstrip("\r")
        self.tail = (self.tail + [line])[-20:]
        self.on_line(line)

    def start(self, timeout: float = 30.0) -> None:
        for name, port in (("HTTP", self.ports.http), ("gRPC", self.ports.grpc)):
            if not port_free(port) and (not self.named or wait_let_go([port])):
                raise PortsTaken(f"the dapr {name} port {port} wanted for {self.app_id} is taken by another process"
                                 + (f" ({who})" if (who := listener(port)) else ""))
        self.process = ShellCommand(self.argv(), self.cwd, None, self._heard, merge_stderr=True)
        self.process.start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.process.running():
                self.process.wait_read(timeout=2)
                said = self.fatal_line()
                kind = PortsTaken if "address already in use" in said else SidecarError
                raise kind(f"daprd exited with code {self.process.exit_code()} before it was ready: {said}")
            if answers(self.ports.http, self.sockets[0] if self.sockets else None):
                return
            time.sleep(0.02)
        raise SidecarError(f"daprd was not ready within {timeout:.0f}s: {self.fatal_line()}")

    def fatal_line(self) -> str:
        """What daprd's log says went wrong: the message of its last fatal (else error) line."""
        for level in ("fatal", "error"):
            for line in reversed(self.tail):
                if f"level={level}" in line:
                    message = re.search(r'msg="((?:[^"\\]|\\.)*)"', line)
                    return message.group(1).replace('\\"', '"') if message else line
        return self.tail[-1] if self.tail else "no output"

    def alive(self) -> bool:
        return self.process is not None and self.process.running()

    def stop(self) -> int | None:
        code = None
        if self.process is not None:
            code = self.process.stop(DAPRD_STOP_GRACE_S)
            self.process = None
        release(self.ports.http, self.ports.grpc, self.ports.metrics, self.ports.internal_grpc)
        for path in self.sockets or ():  # as the CLI removes them once its daprd is gone
            Path(path).unlink(missing_ok=True)
        return code


def _wait_for_app_ports(processes: list[tuple[AppLaunch, PtyProcess]], timeout: float = 60.0) -> None:
    """An app with an appPort counts as started once it listens (or exits, or time is up)."""
    deadline = time.monotonic() + timeout
    for app, process in processes:
        while app.spec.app_port and not is_listening(app.spec.app_port) and time.monotonic() < deadline:
            check_interrupted()
            if not process.alive():
                break
            time.sleep(0.05)


class DaprdSidecars(Sidecars):
    """One daprd per app on free loopback ports, the apps under a PTY beside them, and the
    CLI's status lines around them (those of `dapr run`, or of `dapr run -f`)."""

    def __init__(self, sink, show_app_ids: bool, addresses, daprd: Path, run_dir: Path | None = None,
                 log_level: str = "info", stderr_apart: bool = False):
        super().__init__(sink, show_app_ids, addresses)
        self.daprd = daprd
        self.run_dir = run_dir  # shared by every daprd of one README run (name resolution)
        self.log_level = log_level
        self.stderr_apart = stderr_apart and not show_app_ids  # a one-app run hands its app the terminal (CLI 1.17+)
        self.sidecars: list[DaprdSidecar] = []
        self.processes: list[PtyProcess] = []

    def status(self, text: str, stream: str = "stdout") -> None:
        self.say(text, stream, from_app=False)

    def start(self, apps, resources, workdir, stack) -> int:
        processes = []
        for app in apps:
            spec = app.spec
            if self.show_app_ids:
                self.status(VALIDATING.format(app_id=spec.app_id))
            sidecar = self._sidecar(spec, resources, workdir, stack)
            ports = sidecar.ports
            self.sidecars.append(sidecar)
            if not self.show_app_ids and not spec.app_port:  # the CLI waits for a sidecar with no app port
                if sidecar.sockets:
                    self.status(CHECKING_HTTP_SOCKET.format(http=sidecar.sockets[0]))
                    self.status(CHECKING_GRPC_SOCKET.format(grpc=sidecar.sockets[1]))
                else:
                    self.status(CHECKING_HTTP.format(http=ports.http))
                    self.status(CHECKING_GRPC.format(grpc=ports.grpc))
                self.status(SIDECAR_UP)
            if self.apps_started is None:
                self.apps_started = time.monotonic()
            process = self._start_app(app, sidecar, stack) if app.argv else None  # none: a sidecar alone
            if process is not None:
                processes.append((app, process))
            if self.run_dir is not None:  # `dapr list`, `dapr invoke`, `dapr publish` of the run find it
                record_app(self.run_dir, spec.app_id, {
                    "http": ports.http, "grpc": ports.grpc, "app_port": spec.app_port or 0,
                    "command": " ".join(app.argv), "created": time.time(), "daprd_pid": sidecar.process.pid,
                    "cli_pid": os.getpid(), "app_pid": process.child.pid if process else 0})
                stack.callback(forget_app, self.run_dir, spec.app_id)
            if self.show_app_ids:
                self.status(STARTED.format(app_id=spec.app_id, http=ports.http, grpc=ports.grpc))
                self.status(WRITING_LOGS.format(folder=spec.app_dir / ".dapr" / "logs"))
            elif process is None:
                self.status(UP_ALONE)
                self.status("")
            else:
                self.status(UPDATING_PID.format(pid=process.child.pid))
                self.status(UPDATING_COMMAND.format(command=" ".join(app.argv)))
                self.status(UP)
                self.status("")
        _wait_for_app_ports(processes)
        return len(processes)

    def _sidecar(self, spec, resources, workdir: Path, stack) -> DaprdSidecar:
        """A started daprd for `spec`: on the ports it names, else on free ones, picked again when
        another process took one since it was picked (a race no verdict may depend on)."""
        for pick in range(1, _PICKS + 1):
            ports = SidecarPorts.allocate(spec.dapr_http_port, spec.dapr_grpc_port)
            sidecar = DaprdSidecar(
                self.daprd, spec.app_id, resources, self.run_dir or workdir, ports,
                on_line=lambda line: self.say(line, from_app=False), app_port=spec.app_port,
                app_protocol=spec.app_protocol, log_level=spec.log_level or self.log_level, config=spec.config,
                addresses=self.addresses, cwd=spec.app_dir, named=bool(spec.dapr_http_port or spec.dapr_grpc_port),
                flags=spec.daprd_flags,
            )
            stack.callback(self._stop, sidecar)
            try:
                sidecar.start()
                if not self.show_app_ids:
                    self.status(STARTING_SOCKETS.format(app_id=spec.app_id, http=sidecar.sockets[0], grpc=sidecar.sockets[1])
                                if sidecar.sockets else STARTING.format(app_id=spec.app_id, http=ports.http, grpc=ports.grpc))
                return sidecar
            except PortsTaken:
                named = spec.dapr_http_port or spec.dapr_grpc_port
                sidecar.stop()
                if named or pick == _PICKS:
                    raise
        raise AssertionError("not reached")

    def _start_app(self, app: AppLaunch, sidecar: DaprdSidecar, stack) -> PtyProcess:
        prefix = app_prefix(app.spec.app_id, self.show_app_ids)
        process = PtyProcess(
            list(app.argv), app.spec.app_dir, {**app.env, **sidecar_env(app, sidecar.ports)},
            on_line=lambda line: self.say(prefix + line),
            on_exit=lambda code: self._exited(app.spec.app_id, code),
            on_err_line=(lambda line: self.say(prefix + line, "stderr")) if self.stderr_apart else None,
        )
        stack.callback(process.stop, APP_STOP_GRACE_S)
        process.start()
        self.processes.append(process)
        return process

    def _exited(self, app_id: str, code: int | None) -> None:
        if code == 0:
            self.status(APP_EXITED_PLAIN if self.show_app_ids else APP_OK)
        else:
            self.status((APP_FAILED_PLAIN if self.show_app_ids else APP_FAILED).format(code=code), "stderr")
        self.sink(Exit(app_id, code))

    def problem(self) -> str | None:
        dead = next((s for s in self.sidecars if s.process is not None and not s.alive()), None)
        if dead is None:
            return None
        code = dead.process.exit_code()
        said = f": {dead.fatal_line()}" if code is None or code >= 0 else ""  # a signal leaves no last word
        return f"daprd for {dead.app_id} {how_it_ended(code)} during the run{said}"

    def stop_now(self) -> None:
        # The verdict is in: a moment for a graceful end, then the kill (a JVM's shutdown hooks take a second).
        together(*(lambda process=process: process.stop(VERDICT_IN_GRACE_S) for process in self.processes),
                 *(lambda sidecar=sidecar: self._stop(sidecar) for sidecar in self.sidecars))

    def apps_done(self) -> None:
        """As the CLI does once the apps are gone: `dapr run` stops daprd; `dapr run -f` waits
        to be stopped, its daprds running on."""
        if not self.show_app_ids:
            self.status(INFO)  # the CLI prints its info mark, then a line break, then the text
            self.status(TERMINATED)
            for sidecar in self.sidecars:
                self._stop(sidecar)

    def _stop(self, sidecar: DaprdSidecar) -> None:
        if sidecar.process is not None:
            sidecar.stop()
            if not self.show_app_ids:  # `dapr run -f` logs this to its daprd log file only
                self.status(DAPR_OK)


def sidecar_env(app: AppLaunch, ports: SidecarPorts) -> dict[str, str]:
    """What an app learns of its sidecar, as the CLI tells it."""
    env = {"APP_ID": app.spec.app_id, "DAPR_HTTP_PORT": str(ports.http), "DAPR_GRPC_PORT": str(ports.grpc),
           "DAPR_METRICS_PORT": str(ports.metrics)}
    if app.spec.app_port:
        env["APP_PORT"] = str(app.spec.app_port)
    return env
