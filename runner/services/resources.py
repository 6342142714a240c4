"""A job's own copy of a quickstart's resources folder, its components pointed at the job's
own services: every Redis host at the job's Redis, every PostgreSQL connection at the
PostgreSQL the job's README started (if any)."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import yaml

from runner.errors import read_input
from runner.formats.yamlfile import load_yaml_all
from runner.services.redis import RedisEndpoint

_REDIS_HOST_KEYS = {"redisHost"}
_CONNECTION_KEYS = {"url", "connectionString"}
_KEY_VALUE = {"host": re.compile(r"\bhost=\S+"), "port": re.compile(r"\bport=\d+")}


@dataclass(frozen=True)
class Endpoints:
    """Where a job's components must point."""

    redis: RedisEndpoint
    postgres: tuple[str, int] | None = None  # host, port


@dataclass(frozen=True)
class Component:
    type: str
    name: str
    file: Path


def _metadata(document: object) -> list | None:
    if not isinstance(document, dict) or not isinstance(document.get("spec"), dict):
        return None
    metadata = document["spec"].get("metadata")
    return metadata if isinstance(metadata, list) else None


def _postgres_connection(value: str, host: str, port: int) -> str:
    if value.startswith(("postgres://", "postgresql://")):
        parts = urlsplit(value)
        credentials = parts.netloc.rpartition("@")[0]
        return urlunsplit(parts._replace(netloc=f"{credentials + '@' if credentials else ''}{host}:{port}"))
    for key, pattern in _KEY_VALUE.items():
        replacement = f"{key}={host if key == 'host' else port}"
        value = pattern.sub(replacement, value) if pattern.search(value) else f"{value} {replacement}"
    return value


def patch_document(document: object, endpoints: Endpoints, db: int | None = None) -> bool:
    """Point one component at the job's services; True when something changed."""
    metadata = _metadata(document)
    if metadata is None:
        return False
    postgres = endpoints.postgres if "postgres" in str(document["spec"].get("type", "")) else None
    changed = False
    for item in metadata:
        if not isinstance(item, dict):
            continue
        if item.get("name") in _REDIS_HOST_KEYS:
            item["value"] = endpoints.redis.address
            changed = True
        elif postgres and item.get("name") in _CONNECTION_KEYS and isinstance(item.get("value"), str):
            item["value"] = _postgres_connection(item["value"], *postgres)
            changed = True
    if changed and db is not None:
        metadata[:] = [item for item in metadata if not (isinstance(item, dict) and item.get("name") == "redisDB")]
        metadata.append({"name": "redisDB", "value": str(db)})
    return changed


def _component_files(folder: Path) -> list[Path]:
    return [path for path in sorted(folder.rglob("*")) if path.suffix in (".yaml", ".yml") and path.is_file()]


def isolated_resources(source: Path, target: Path, endpoints: Endpoints, db: int | None = None) -> Path:
    """Copy `source` to `target`, pointing its components at `endpoints`."""
    shutil.copytree(source, target)
    for path in _component_files(target):
        original = source / path.relative_to(target)
        documents = load_yaml_all(read_input(original, "component file"), original)
        if any([patch_document(document, endpoints, db) for document in documents]):
            path.write_text(yaml.safe_dump_all(documents, sort_keys=False), encoding="utf-8")
    return target


def components(folder: Path) -> list[Component]:
    """The components a resources folder declares (`kind: Component`), with their files."""
    found = []
    for path in _component_files(folder):
        for document in load_yaml_all(read_input(path, "component file"), path):
            if isinstance(document, dict) and document.get("kind") == "Component" and isinstance(document.get("spec"), dict):
                name = (document.get("metadata") or {}).get("name", "") if isinstance(document.get("metadata"), dict) else ""
                found.append(Component(str(document["spec"].get("type", "")), str(name), path))
    return found


# What `dapr init` puts in ~/.dapr/components, and `dapr run` uses when given no resources path.
_INIT_COMPONENTS = {
    "statestore.yaml": "apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: statestore\nspec:\n"
                       "  type: state.redis\n  version: v1\n  metadata:\n  - name: redisHost\n    value: localhost:6379\n"
                       "  - name: redisPassword\n    value: \"\"\n  - name: actorStateStore\n    value: \"true\"\n",
    "pubsub.yaml": "apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: pubsub\nspec:\n  type: pubsub.redis\n"
                   "  version: v1\n  metadata:\n  - name: redisHost\n    value: localhost:6379\n  - name: redisPassword\n"
                   "    value: \"\"\n",
}


def init_components(folder: Path) -> Path:
    """The components `dapr init` gives a maintainer (a Redis state store for actors too, a Redis
    pub/sub), written in `folder` once: what a `dapr run` without a resources path runs with."""
    if not folder.is_dir():
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in _INIT_COMPONENTS.items():
            (folder / name).write_text(text)
    return folder


def init_config(folder: Path, zipkin: str) -> Path:
    """The configuration `dapr init` gives a maintainer (every span to its Zipkin), pointed at the
    run's own Zipkin: what a `dapr run` without --config runs with when the README reads traces."""
    path = folder / "init-config.yaml"
    if not path.exists():
        document = {"apiVersion": "dapr.io/v1alpha1", "kind": "Configuration", "metadata": {"name": "daprConfig"},
                    "spec": {"tracing": {"samplingRate": "1", "zipkin": {"endpointAddress": zipkin}}}}
        path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path
