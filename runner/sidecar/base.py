"""What a job asks of a sidecar, whichever way it runs: start the apps beside it, say when
it died, stop it once the apps are done. Output reaches the job the moment it is read, as
events handed to the job's sink from the reader threads: `Line(text, stream, from_app)` and
`Exit(app_id, code)` (an app's Exit comes after the last line it printed)."""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Union

from runner.errors import JobError
from runner.formats.runtemplate import AppSpec
from runner.services.controlplane import ControlPlaneAddresses


@dataclass(frozen=True)
class Line:
    text: str
    stream: str = "stdout"
    from_app: bool = True  # False: the sidecar's own log and status lines (not the app's first output)


@dataclass(frozen=True)
class Exit:
    app_id: str
    code: int | None


@dataclass(frozen=True)
class AppLaunch:
    """One app, ready to start: its spec, the argv to run in its dir, and its environment
    (without the sidecar's ports, which the sidecar adds)."""

    spec: AppSpec
    argv: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)


Event = Union[Line, Exit]
Sink = Callable[[Event], None]


class SidecarError(JobError):
    pass


class Sidecars(ABC):
    """A job's sidecar(s) and apps. Everything started is registered on `stack`."""

    def __init__(self, sink: Sink, show_app_ids: bool, addresses: ControlPlaneAddresses | None):
        self.sink = sink
        self.show_app_ids = show_app_ids  # `== APP - <id> == `, as `dapr run -f` prints
        self.addresses = addresses  # of the placement and scheduler every daprd uses; None: none
        self.apps_started: float | None = None  # monotonic time the apps were started (timings count from it)

    def say(self, text: str, stream: str = "stdout", from_app: bool = True) -> None:
        self.sink(Line(text, stream, from_app))

    @abstractmethod
    def start(self, apps: list[AppLaunch], resources: list[Path], workdir: Path,
              stack: contextlib.ExitStack) -> int:
        """Start the sidecar(s) and the apps; return how many processes will send an Exit."""

    def problem(self) -> str | None:
        """Why the run cannot go on (a sidecar died), or None."""
        return None

    def stop_now(self) -> None:
        """The verdict is in: stop the apps and sidecars at once, side by side (what the stack would
        stop one after another); what they print now is the stop's doing."""

    def apps_done(self) -> None:
        """Every app has exited: stop what stays up, as the CLI does."""
