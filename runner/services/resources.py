"""A job's own copy of a quickstart's resources folder, pointed at the job's Redis."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from runner.errors import read_input
from runner.formats.yamlfile import load_yaml_all
from runner.services.redis import RedisEndpoint

_REDIS_HOST_KEYS = {"redisHost"}


def patch_document(document: object, redis: RedisEndpoint, db: int | None = None) -> bool:
    """Point one component at `redis`; True when something changed."""
    if not isinstance(document, dict) or not isinstance(document.get("spec"), dict):
        return False
    metadata = document["spec"].get("metadata")
    if not isinstance(metadata, list):
        return False
    changed = False
    for item in metadata:
        if isinstance(item, dict) and item.get("name") in _REDIS_HOST_KEYS:
            item["value"] = redis.address
            changed = True
    if changed and db is not None:
        metadata[:] = [item for item in metadata if not (isinstance(item, dict) and item.get("name") == "redisDB")]
        metadata.append({"name": "redisDB", "value": str(db)})
    return changed


def isolated_resources(source: Path, target: Path, redis: RedisEndpoint, db: int | None = None) -> Path:
    """Copy `source` to `target`, rewriting every Redis host in its component files."""
    shutil.copytree(source, target)
    for path in sorted(target.rglob("*")):
        if path.suffix not in (".yaml", ".yml") or not path.is_file():
            continue
        original = source / path.relative_to(target)
        documents = load_yaml_all(read_input(original, "component file"), original)
        if any([patch_document(document, redis, db) for document in documents]):
            path.write_text(yaml.safe_dump_all(documents, sort_keys=False), encoding="utf-8")
    return target
