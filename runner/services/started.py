"""What the shims of one README run started and left running (`docker compose up -d`): a
record per service in the run's dir, so that the `dapr` shim can point components at it,
`docker exec` can reach it, and the run stops it at its end whatever happened."""

from __future__ import annotations

import contextlib
import json
import shutil
from pathlib import Path

from runner.services.groups import stop_group, untrack, untrack_dir


def _folder(run_dir: Path) -> Path:
    return run_dir / "services"


def record(run_dir: Path, name: str, kind: str, pgid: int, endpoint: dict, source: str,
           dirs: list[str] = ()) -> None:
    """A service a shim started and left running; `dirs` go with it when it is stopped."""
    folder = _folder(run_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    path.with_suffix(".tmp").write_text(json.dumps({"name": name, "kind": kind, "pgid": pgid, "endpoint": endpoint,
                                                    "source": source, "dirs": list(dirs)}))
    path.with_suffix(".tmp").replace(path)


def recorded(run_dir: Path | None) -> list[dict]:
    if run_dir is None or not _folder(run_dir).is_dir():
        return []
    found = []
    for path in sorted(_folder(run_dir).glob("*.json")):
        with contextlib.suppress(OSError, ValueError):
            found.append(json.loads(path.read_text()))
    return found


def stop(run_dir: Path, name: str) -> bool:
    """Stop one recorded service (its whole process group); False when there was none."""
    path = _folder(run_dir) / f"{name}.json"
    try:
        entry = json.loads(path.read_text())
    except (OSError, ValueError):
        return False
    stop_group(entry["pgid"], None, grace=5.0)
    untrack(entry["pgid"])
    for made in entry.get("dirs", []):
        shutil.rmtree(made, ignore_errors=True)
        untrack_dir(Path(made))
    path.unlink(missing_ok=True)
    return True


def stop_all(run_dir: Path) -> None:
    for entry in recorded(run_dir):
        stop(run_dir, entry["name"])


def postgres_endpoint(run_dir: Path | None) -> tuple[str, int] | None:
    """Where the PostgreSQL a shim started for this run listens (host, port), if it started one."""
    found = [entry["endpoint"] for entry in recorded(run_dir) if entry["kind"] == "postgres"]
    return (found[-1]["host"], found[-1]["port"]) if found else None


def record_fault(run_dir: Path, text: str) -> None:
    """What a shim saw die (a daprd it started, say): the README run's verdict leads with it."""
    folder = run_dir / "faults"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{len(list(folder.iterdir())):04d}.txt").write_text(text)


def faults(run_dir: Path | None) -> list[str]:
    folder = run_dir / "faults" if run_dir else None
    if folder is None or not folder.is_dir():
        return []
    return [path.read_text() for path in sorted(folder.glob("*.txt"))]


def record_app(run_dir: Path, app_id: str, facts: dict) -> None:
    """An app a `dapr run` of the run started, and its sidecar's ports: what `dapr list`, `dapr
    invoke` and `dapr publish` find (the CLI finds them in its own run metadata)."""
    folder = run_dir / "apps"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{app_id}.json"
    path.with_suffix(".tmp").write_text(json.dumps({"app_id": app_id, **facts}))
    path.with_suffix(".tmp").replace(path)


def forget_app(run_dir: Path, app_id: str) -> None:
    (run_dir / "apps" / f"{app_id}.json").unlink(missing_ok=True)


def running_apps(run_dir: Path | None) -> list[dict]:
    folder = run_dir / "apps" if run_dir else None
    found = []
    for path in sorted(folder.glob("*.json")) if folder and folder.is_dir() else ():
        with contextlib.suppress(OSError, ValueError):
            found.append(json.loads(path.read_text()))
    return found


def zipkin_endpoint(run_dir: Path | None) -> str | None:
    """The span endpoint of a Zipkin a shim started for the run (`docker run openzipkin/zipkin`)."""
    found = [entry["endpoint"]["spans"] for entry in recorded(run_dir) if entry["kind"] == "zipkin"]
    return found[-1] if found else None


def _on_purpose(run_dir: Path) -> Path:
    return run_dir / "stopped-on-purpose"


def stopped_on_purpose(run_dir: Path | None, name: str) -> bool:
    """Whether a step stopped this service of the run itself (`docker stop dapr_redis`: the fault a
    resiliency quickstart simulates), so its death is no fault of the run."""
    return run_dir is not None and (_on_purpose(run_dir) / name).exists()


def mark_stopped_on_purpose(run_dir: Path, name: str) -> None:
    _on_purpose(run_dir).mkdir(parents=True, exist_ok=True)
    (_on_purpose(run_dir) / name).touch()
