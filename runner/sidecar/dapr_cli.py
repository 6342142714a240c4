"""The real dapr CLI as the sidecar: it starts daprd and the app(s) itself; its output is
taken as it prints it (status lines and `== APP == ` lines; a 1.17+ one-app run's bare app lines
labelled as 1.16 did). Each app runs under a terminal
of ours inside the CLI's run (services/ptyout.py), so its two streams keep the order the app
wrote them in, as in daprd mode."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import yaml

from runner.formats.cli_lines import labelled, prints_bare_app_lines
from runner.provision.dapr_cli import DaprCli
from runner.services.pty import PtyProcess
from runner.services.ptyout import with_wrappers, wrap_command
from runner.sidecar.base import Exit, Sidecars
from runner.formats.runflags import as_template, is_init_control_plane
from runner.sidecar.daprdinputs import write_config

CLI_STOP_GRACE_S = 5.0  # the dapr CLI stops daprd and the app itself on SIGTERM: let it
_CLI_APP_LINE = re.compile(r"(?:\x1b\[[0-9;]*m)?== APP[ =-]")


def split_cli_line(text: str) -> list[str]:
    """One CLI output line, cut wherever an app line starts (its colour code included): the
    CLI writes daprd's and the apps' output to one terminal without keeping lines whole."""
    starts = [m.start() for m in _CLI_APP_LINE.finditer(text) if m.start() > 0]
    bounds = [0, *starts, len(text)]
    return [text[a:b] for a, b in zip(bounds, bounds[1:]) if text[a:b]]


class DaprCliSidecars(Sidecars):
    def __init__(self, sink, show_app_ids: bool, addresses, cli: DaprCli):
        super().__init__(sink, show_app_ids, addresses)
        self.cli = cli
        # The job's own placement and scheduler; empty: none (never the CLI's default ports).
        self.placement = addresses.placement if addresses else ""
        self.scheduler = addresses.scheduler if addresses else ""

    def start(self, apps, resources, workdir, stack) -> int:
        env: dict[str, str] = {}
        for app in apps:
            env.update(app.env)
        env.update(self.cli.env())
        wrappers = workdir / "app-wrappers"  # each app under a terminal of ours (services/ptyout.py)
        env = with_wrappers(env, wrappers)
        if self.show_app_ids:
            # `dapr run -f`: a template of ours, with the job's resources copy and config.
            rel = lambda path: os.path.relpath(path, workdir)  # noqa: E731 - the CLI joins paths to the template's dir
            config = write_config(workdir)
            template = {"version": 1,
                        "common": {"resourcesPaths": [rel(r) for r in resources], "configFilePath": rel(config),
                                   "placementHostAddress": self.placement, "schedulerHostAddress": self.scheduler},
                        "apps": [{"appID": app.spec.app_id, "appDirPath": rel(app.spec.app_dir),
                                  "command": wrap_command(app.argv, wrappers), "env": app.spec.env,
                                  **({"appPort": app.spec.app_port} if app.spec.app_port else {}),
                                  **as_template(app.spec.daprd_flags)}
                                 for app in apps]}
            (workdir / "dapr.yaml").write_text(yaml.safe_dump(template, sort_keys=False))
            argv, cwd = [str(self.cli.path), "run", "-f", str(workdir / "dapr.yaml")], workdir
        else:
            spec = apps[0].spec
            argv = [str(self.cli.path), "run", "--app-id", spec.app_id, "--config", str(write_config(workdir, spec.config)),
                    "--placement-host-address", self.placement, "--scheduler-host-address", self.scheduler]
            for path in resources:
                argv += ["--resources-path", str(path)]
            for flag, value in (("--app-port", spec.app_port), ("--app-protocol", spec.app_protocol),
                                ("--dapr-http-port", spec.dapr_http_port), ("--dapr-grpc-port", spec.dapr_grpc_port),
                                ("--log-level", spec.log_level)):
                if value:
                    argv += [flag, str(value)]
            for flag, value in spec.daprd_flags:
                if not is_init_control_plane(flag, value):
                    argv += [flag] if value is None else [flag, value]
            app = ["--", *wrap_command(apps[0].argv, wrappers)] if apps[0].argv else []  # none: a sidecar alone
            argv, cwd = [*argv, *app], spec.app_dir
        # From CLI 1.17 a one-app run's app lines come bare: labelled here as the job reads every
        # app line, whichever CLI printed it (formats/cli_lines.py).
        bare = prints_bare_app_lines(self.cli.version) and not self.show_app_ids
        read = labelled if bare else lambda piece: piece  # noqa: E731
        process = PtyProcess(argv, Path(cwd), env,
                             on_line=lambda line: [self.say(read(piece)) for piece in split_cli_line(line)],
                             on_exit=lambda code: self.sink(Exit("dapr", code)))
        stack.callback(process.stop, CLI_STOP_GRACE_S)
        self.apps_started = time.monotonic()
        process.start()
        return 1
