"""`dapr ...` of a README step handed to the real dapr CLI (`--sidecar dapr`), pointed at the
job's own services: every resources path becomes a copy whose components point at the job's
Redis (and PostgreSQL), the daprds get the job's placement and scheduler and a sqlite name
resolution of the run, and a run template is rewritten into the run's dir. Ports the step
names stay as named; the CLI picks free ones for the rest."""

from __future__ import annotations

import shlex
import tempfile
from pathlib import Path

import yaml

from runner.errors import InputError, read_input
from runner.formats.runtemplate import run_file
from runner.formats.yamlfile import load_yaml
from runner.services.controlplane import ControlPlaneAddresses
from runner.services.redis import RedisEndpoint
from runner.services.ptyout import wrap_command
from runner.services.resources import Endpoints, init_components, init_config, isolated_resources
from runner.services.started import postgres_endpoint
from runner.sidecar.daprdinputs import write_config

_RESOURCE_FLAGS = {"--resources-path", "-d", "--components-path"}
_PATH_KEYS = ("resourcesPath", "resourcesPaths", "componentsPath")


class _Copies:
    def __init__(self, run_dir: Path, redis: RedisEndpoint):
        self.endpoints = Endpoints(redis, postgres_endpoint(run_dir))
        self.run_dir = run_dir
        self.here = Path(tempfile.mkdtemp(prefix="cli-call-", dir=run_dir))  # this call's files
        self.made: dict[Path, Path] = {}

    def of(self, folder: Path) -> Path:
        """The job's copy of a resources folder (made once per folder and README run)."""
        folder = folder.resolve()
        if folder not in self.made:
            if not folder.is_dir():
                raise InputError(f"resources path does not exist: {folder}", "dapr run")
            target = self.here / f"resources-{len(self.made)}"
            self.made[folder] = isolated_resources(folder, target, self.endpoints)
        return self.made[folder]


def _init_config(run_dir: Path, zipkin: str | None) -> Path:
    """The configuration of a `dapr run` that names none: as `dapr init` left it."""
    return write_config(run_dir, init_config(run_dir, zipkin) if zipkin else None)


def _template(path: Path, copies: _Copies, addresses: ControlPlaneAddresses | None, zipkin: str | None) -> Path:
    """The run template with its resources paths on the job's copies, written into the run dir."""
    data = load_yaml(read_input(path, "run template"), path)
    if not isinstance(data, dict):
        raise InputError("a run template must be a YAML mapping with 'apps'", path, 1)
    base = path.parent
    sections = [data.setdefault("common", {}) or {}, *(app for app in data.get("apps") or [] if isinstance(app, dict))]
    data["common"] = sections[0]
    for section, folder in zip(sections, [base, *(base / str(app.get("appDirPath", ".")) for app in sections[1:])]):
        for key in _PATH_KEYS:
            value = section.pop(key, None)
            if value:
                paths = value if isinstance(value, list) else [value]
                section["resourcesPaths"] = [str(copies.of(folder / str(p))) for p in paths]
        if section is not sections[0]:
            section["appDirPath"] = str((base / str(section.get("appDirPath", "."))).resolve())
            if section.get("command"):  # its two streams in the order it wrote them (services/ptyout.py)
                command = section["command"]
                section["command"] = wrap_command(command if isinstance(command, list) else shlex.split(str(command)),
                                                  wrappers(copies.run_dir))
    common = sections[0]
    if not any("resourcesPaths" in section for section in sections):  # as `dapr init` left them
        common["resourcesPaths"] = [str(copies.of(init_components(copies.run_dir / "init-components")))]
    common.setdefault("configFilePath", str(_init_config(copies.run_dir, zipkin)))
    if addresses:
        common.update(placementHostAddress=addresses.placement, schedulerHostAddress=addresses.scheduler)
    target = copies.here / "dapr.yaml"
    target.write_text(yaml.safe_dump(data, sort_keys=False))
    return target


def wrappers(run_dir: Path) -> Path:
    """Where the run's app wrappers are (services/ptyout.py): first on the PATH the CLI runs with."""
    return run_dir / "app-wrappers"


def dapr_cli_argv(argv: list[str], cwd: Path, run_dir: Path, redis: RedisEndpoint,
                  addresses: ControlPlaneAddresses | None, zipkin: str | None = None) -> list[str]:
    """The arguments for the real CLI: `argv` with the job's resources, config and control plane."""
    if argv[:1] != ["run"]:
        return argv
    copies, out, words, given = _Copies(run_dir, redis), ["run"], list(argv[1:]), set()
    while words:
        word = words.pop(0)
        flag, eq, inline = word.partition("=")
        if word == "--":
            out += [word, *wrap_command(words, wrappers(run_dir))] if words else [word]
            break
        value = inline if eq else (words.pop(0) if flag in _RESOURCE_FLAGS | {"-f", "--run-file"} and words else None)
        given.add(flag)
        if flag in _RESOURCE_FLAGS and value is not None:
            out += ["--resources-path", str(copies.of(cwd / value))]
        elif flag in ("-f", "--run-file") and value is not None:
            out += ["-f", str(_template(run_file((cwd / value).resolve()), copies, addresses, zipkin))]
        else:
            out.append(word)
    if not given & {"-f", "--run-file"}:
        extra = [] if given & {"--config", "-c"} else ["--config", str(_init_config(run_dir, zipkin))]
        if not given & _RESOURCE_FLAGS:  # as `dapr init` left them: its Redis state store and pub/sub, the job's Redis
            extra += ["--resources-path", str(copies.of(init_components(run_dir / "init-components")))]
        if addresses:
            extra += [f"--placement-host-address={addresses.placement}", f"--scheduler-host-address={addresses.scheduler}"]
        cut = out.index("--") if "--" in out else len(out)
        out[cut:cut] = extra
    return out
