"""A job's own copy of a quickstart's resources folder, pointed at the job's Redis."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from runner.errors import InputError, read_input
from runner.infra.redis import RedisEndpoint

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
        try:
            documents = list(yaml.safe_load_all(read_input(source / path.relative_to(target), "component file")))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            original = source / path.relative_to(target)
            raise InputError(f"invalid component YAML: {getattr(exc, 'problem', None) or exc}",
                             original, mark.line + 1 if mark else None) from None
        if any([patch_document(document, redis, db) for document in documents]):
            path.write_text(yaml.safe_dump_all(documents, sort_keys=False), encoding="utf-8")
    return target
