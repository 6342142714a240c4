"""A Docker Compose file and the Dockerfiles it builds, read for what a README's `docker
compose up` would start: each service's container name, image (or the image its Dockerfile
starts FROM), environment, and the files copied or mounted into
`/docker-entrypoint-initdb.d` (what database images run once at first start)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from runner.errors import InputError, read_input
from runner.formats.yamlfile import line_of, load_yaml

COMPOSE_FILES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")
INIT_DIR = "/docker-entrypoint-initdb.d"
POSTGRES_IMAGES = ("postgres", "postgis")  # images a local PostgreSQL stands in for
POSTGRES_TOOLS = ("psql", "pg_dump", "pg_isready", "createdb", "dropdb")  # what `docker exec` runs in them
DAPR_INIT_REDIS = "dapr_redis"  # the container `dapr init` runs Redis in


@dataclass(frozen=True)
class ComposeService:
    name: str
    container_name: str
    image: str  # the image run: `image:`, or the Dockerfile's FROM when the service is built
    environment: dict[str, str]
    init_files: tuple[Path, ...]  # host files the image would run at first start
    line: int  # where the service is defined in the compose file

    @property
    def image_name(self) -> str:
        """The image's repository name without registry, owner or tag: `postgres`, `redis`."""
        return self.image.split("@")[0].rsplit("/", 1)[-1].split(":")[0]


def find_compose_file(folder: Path) -> Path | None:
    return next((folder / name for name in COMPOSE_FILES if (folder / name).is_file()), None)


def _environment(value: object, path: Path, line: int) -> dict[str, str]:
    if value is None:
        return {}
    if isinstance(value, dict):
        return {str(k): "" if v is None else str(v) for k, v in value.items()}
    if isinstance(value, list):
        return dict(str(item).split("=", 1) if "=" in str(item) else (str(item), "") for item in value)
    raise InputError("'environment' must be a mapping or a list of NAME=VALUE", path, line)


def _dockerfile(context: Path, name: str, path: Path, line: int) -> tuple[str, list[Path]]:
    """The Dockerfile's base image and the host files it copies into the init dir."""
    dockerfile = context / name
    if not dockerfile.is_file():
        raise InputError(f"the service builds from {dockerfile}, which does not exist", path, line)
    base, copied = "", []
    for raw in read_input(dockerfile, "Dockerfile").splitlines():
        words = raw.split()
        if not words or words[0].startswith("#"):
            continue
        if words[0].upper() == "FROM" and len(words) > 1:
            base = next(w for w in words[1:] if not w.startswith("--"))
        elif words[0].upper() in ("COPY", "ADD") and len(words) > 2:
            sources, target = [w for w in words[1:-1] if not w.startswith("--")], words[-1]
            if target.rstrip("/").startswith(INIT_DIR):
                copied += [file for source in sources for file in sorted(context.glob(source)) if file.is_file()]
    if not base:
        raise InputError("the Dockerfile has no FROM line", dockerfile, 1)
    return base, copied


def _mounted(volumes: object, base: Path) -> list[Path]:
    files = []
    for volume in volumes if isinstance(volumes, list) else []:
        parts = str(volume).split(":") if isinstance(volume, str) else []
        if len(parts) >= 2 and parts[1].rstrip("/").startswith(INIT_DIR):
            host = (base / parts[0]).resolve()
            files += sorted(p for p in host.glob("*") if p.is_file()) if host.is_dir() else [host]
    return files


def parse_compose(path: Path) -> list[ComposeService]:
    data = load_yaml(read_input(path, "compose file"), path)
    services = data.get("services") if isinstance(data, dict) else None
    if not isinstance(services, dict) or not services:
        raise InputError("a compose file needs a 'services' mapping", path, line_of(data))
    found = []
    for name, spec in services.items():
        line = line_of(spec, line_of(services))
        if not isinstance(spec, dict):
            raise InputError(f"service {name!r} must be a mapping", path, line)
        image, init_files = str(spec.get("image") or ""), _mounted(spec.get("volumes"), path.parent)
        build = spec.get("build")
        if build:
            context = path.parent / (build if isinstance(build, str) else str(build.get("context", ".")))
            dockerfile = "Dockerfile" if isinstance(build, str) else str(build.get("dockerfile", "Dockerfile"))
            image, copied = _dockerfile(context.resolve(), dockerfile, path, line)
            init_files += copied
        if not image:
            raise InputError(f"service {name!r} has neither 'image' nor 'build'", path, line)
        found.append(ComposeService(str(name), str(spec.get("container_name") or name), image,
                                    _environment(spec.get("environment"), path, line), tuple(init_files), line))
    return found


