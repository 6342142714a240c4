"""dapr.yaml, the dapr CLI's multi-app run template: which apps, where, started how."""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from pathlib import Path

from runner.errors import InputError, read_input
from runner.formats.runflags import template_daprd_flags
from runner.formats.yamlfile import line_of, load_yaml


@dataclass(frozen=True)
class AppSpec:
    app_id: str
    app_dir: Path
    command: tuple[str, ...]
    app_port: int | None = None
    app_protocol: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    resources: tuple[Path, ...] = ()  # empty: the template's common resources
    dapr_http_port: int | None = None  # None: a free one
    dapr_grpc_port: int | None = None
    config: Path | None = None  # the app's own dapr configuration (`--config`, `configFilePath`)
    log_level: str | None = None  # daprd's log level (`--log-level`, `logLevel`)
    daprd_flags: tuple[tuple[str, str | None], ...] = ()  # handed to daprd as the CLI hands them (runflags)


@dataclass(frozen=True)
class RunTemplate:
    path: Path
    apps: tuple[AppSpec, ...]
    resources: tuple[Path, ...]


def _resources(section: dict, base: Path) -> tuple[Path, ...]:
    paths = section.get("resourcesPaths") or ([section["resourcesPath"]] if section.get("resourcesPath") else [])
    if not paths and section.get("componentsPath"):
        paths = [section["componentsPath"]]
    if isinstance(paths, str):
        paths = [paths]
    return tuple((base / str(p)).resolve() for p in paths)


def _config(section: dict, base: Path, path: Path) -> Path | None:
    value = section.get("configFilePath")
    if not value:
        return None
    config = (base / str(value)).resolve()
    if not config.is_file():
        raise InputError(f"configFilePath {value!r} does not exist", path, line_of(section))
    return config


def _command(value: object, path: Path, line: int) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(shlex.split(value))
    if isinstance(value, list) and all(isinstance(part, (str, int, float)) for part in value):
        return tuple(str(part) for part in value)
    raise InputError("'command' must be a list of strings", path, line)


def _env(value: object, path: Path, line: int) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InputError("'env' must be a mapping", path, line)
    return {str(k): "" if v is None else str(v) for k, v in value.items()}


def _optional_port(entry: dict, key: str, path: Path, line: int) -> int | None:
    port = entry.get(key)
    if port is not None and (isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536):
        raise InputError(f"'{key}' must be a port number, not {port!r}", path, line)
    return port


def run_file(path: Path) -> Path:
    """The template `dapr run -f PATH` reads: PATH, or its dapr.yaml when PATH is a folder."""
    return path / "dapr.yaml" if path.is_dir() else path


def parse_run_template(path: Path) -> RunTemplate:
    data = load_yaml(read_input(path, "run template"), path)
    if not isinstance(data, dict):
        raise InputError("a run template must be a YAML mapping with 'apps'", path, 1)
    base = path.parent
    common = data.get("common") or {}
    if not isinstance(common, dict):
        raise InputError("'common' must be a mapping", path, line_of(data))
    apps_data = data.get("apps")
    if not isinstance(apps_data, list) or not apps_data:
        raise InputError("'apps' must be a non-empty list", path, line_of(data))
    common_env = _env(common.get("env"), path, line_of(common))
    apps = []
    for entry in apps_data:
        line = line_of(entry)
        if not isinstance(entry, dict):
            raise InputError("each app must be a mapping", path, line)
        app_dir_text = entry.get("appDirPath")
        if not isinstance(app_dir_text, str) or not app_dir_text.strip():
            raise InputError("app is missing 'appDirPath'", path, line)
        app_dir = (base / app_dir_text).resolve()
        app_id = entry.get("appID") or app_dir.name
        port = _optional_port(entry, "appPort", path, line)
        command = _command(entry["command"], path, line) if entry.get("command") is not None else ()
        apps.append(AppSpec(
            app_id=str(app_id), app_dir=app_dir, command=command, app_port=port,
            app_protocol=entry.get("appProtocol") or common.get("appProtocol"),
            env={**common_env, **_env(entry.get("env"), path, line)},
            resources=_resources(entry, app_dir),
            dapr_http_port=_optional_port(entry, "daprHTTPPort", path, line),
            dapr_grpc_port=_optional_port(entry, "daprGRPCPort", path, line),
            config=_config(entry, app_dir, path) or _config(common, base, path),
            log_level=str(entry.get("logLevel") or common.get("logLevel") or "") or None,
            daprd_flags=(*template_daprd_flags(common), *template_daprd_flags(entry)),
        ))
    return RunTemplate(path, tuple(apps), _resources(common, base))
