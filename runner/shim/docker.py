"""`docker ...` as quickstart READMEs run it, served by real local services of the README run:

- `docker compose [-f FILE] up [-d]` / `down`: each service of the compose file whose image
  is PostgreSQL (named so, or built FROM it) becomes a PostgreSQL of the run's own, with
  the compose file's user, password and database and the image's init SQL run once;
- `docker ps` lists the run's Redis (as `dapr_redis`) and what compose started;
- `docker run [-d] -p PORT:9411 openzipkin/zipkin` starts the real zipkin-server on PORT (the
  run's sidecars trace to it), as `dapr init`'s Zipkin container would serve;
- `docker stop dapr_redis` / `docker start dapr_redis` stop the run's Redis and start it again
  on its port: the outage a resiliency quickstart simulates, seen by its sidecars;
- `docker exec NAME psql ...` runs `psql` against that service; `docker exec dapr_redis
  redis-cli ...` runs `redis-cli` against the run's Redis (`dapr init` names its Redis
  container dapr_redis);
- anything else exits 1 with `needs Docker: <command>`.

Each README run gets its own services: parallel runs never share a database.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from runner.errors import InputError, ProvisionError
from runner.formats.compose import DAPR_INIT_REDIS, POSTGRES_IMAGES, POSTGRES_TOOLS, find_compose_file, parse_compose
from runner.services import started
from runner.services.daemon import ServiceError
from runner.provision.zipkin import ensure_zipkin
from runner.services.postgres import PostgresServer, PostgresSpec, server_binaries
from runner.services.redis import RedisServer, ping
from runner.services.shimenv import COMPOSE_STARTED, ShimContext, is_zipkin, parse_docker_run
from runner.services.zipkin import ZIPKIN_PORT, ZipkinServer

_CONNECTION_FLAGS = {"-h", "--host", "-p", "--port"}


def needs_docker(argv: list[str], why: str = "") -> int:
    print(f"needs Docker: docker {shlex.join(argv)}" + (f" ({why})" if why else ""), file=sys.stderr)
    return 1


def _run_dir() -> Path:
    run_dir = ShimContext.from_env().run_dir
    if run_dir is None:
        raise InputError("the docker shim runs inside a README run of quickstart-runner only", "docker")
    return run_dir


def _compose(argv: list[str]) -> int:
    args, file, command = list(argv), None, None
    while args:
        word = args.pop(0)
        if word in ("-f", "--file") and args:
            file = Path(args.pop(0))
        elif word in ("-p", "--project-name", "--project-directory", "--env-file") and args:
            args.pop(0)
        elif not word.startswith("-"):
            command = word
            break
    path = (file if file and file.is_absolute() else Path.cwd() / file) if file else find_compose_file(Path.cwd())
    if path is None or not path.is_file():
        return needs_docker(["compose", *argv], "no compose file here")
    services = parse_compose(path)
    wanted = [word for word in args if not word.startswith("-")]
    services = [s for s in services if not wanted or s.name in wanted]
    if command == "up":
        return _up(path, services, detach=bool({"-d", "--detach"} & set(args)), argv=argv)
    if command in ("down", "stop", "rm"):
        for service in services:
            if started.stop(_run_dir(), service.container_name):
                print(f" \u2714 Container {service.container_name}  Removed")
        return 0
    return needs_docker(["compose", *argv])


def _up(path: Path, services, detach: bool, argv: list[str]) -> int:
    run_dir = _run_dir()
    others = [s for s in services if s.image_name not in POSTGRES_IMAGES]
    if others:
        return needs_docker(["compose", *argv], f"service {others[0].name}: image {others[0].image}")
    servers = []
    for service in services:
        server = PostgresServer(run_dir / "services" / service.container_name, PostgresSpec.of(service))
        endpoint = server.start()
        started.record(run_dir, service.container_name, "postgres", server.daemon.process.pid,
                       endpoint.__dict__, str(path), dirs=[str(server.sockets)])
        servers.append(server)
        print(COMPOSE_STARTED.format(name=service.container_name), flush=True)
    if detach:
        return 0
    signal.sigwait({signal.SIGINT, signal.SIGTERM})  # in the foreground until stopped, as compose is
    for service in services:
        started.stop(run_dir, service.container_name)
    return 0


def _without_connection_flags(words: list[str]) -> list[str]:
    kept, skip = [], False
    for word in words:
        if skip:
            skip = False
        elif word in _CONNECTION_FLAGS:
            skip = True
        elif not any(word.startswith(flag + "=") for flag in _CONNECTION_FLAGS if flag.startswith("--")):
            kept.append(word)
    return kept


def _exec(argv: list[str]) -> int:
    args = list(argv)
    env = dict(os.environ)
    while args and args[0].startswith("-"):
        flag = args.pop(0)
        if flag in ("-e", "--env", "-u", "--user", "-w", "--workdir") and args:
            value = args.pop(0)
            if flag in ("-e", "--env") and "=" in value:
                env.update([value.split("=", 1)])
    if len(args) < 2:
        return needs_docker(["exec", *argv], "no container and command")
    name, command = args[0], args[1:]
    redis = ShimContext.from_env().redis
    if name == DAPR_INIT_REDIS and command[0] == "redis-cli" and redis is not None:
        return subprocess.run(["redis-cli", "-h", redis.host, "-p", str(redis.port),
                               *_without_connection_flags(command[1:])], env=env).returncode
    service = next((s for s in started.recorded(_run_dir()) if s["name"] == name), None)
    if service and service["kind"] == "postgres" and command[0] in POSTGRES_TOOLS:
        endpoint = service["endpoint"]
        tool = shutil.which(command[0]) or str((server_binaries() or Path("/usr/bin")) / command[0])
        env["PGPASSWORD"] = endpoint["password"]
        return subprocess.run([tool, "-h", endpoint["socket_dir"], "-p", str(endpoint["port"]),
                               *_without_connection_flags(command[1:])], env=env).returncode
    return needs_docker(["exec", *argv], f"no service of this run is named {name}" if not service else "")


def _run(argv: list[str]) -> int:
    """`docker run` of the Zipkin image `dapr init` runs: the real zipkin-server on the host port."""
    wanted = parse_docker_run(argv)
    if not is_zipkin(wanted.image):
        return needs_docker(["run", *argv], f"image {wanted.image}" if wanted.image else "no image")
    port, detach = wanted.host_port or ZIPKIN_PORT, wanted.detach
    run_dir = _run_dir()
    java = shutil.which("java")
    if java is None:
        return needs_docker(["run", *argv], "no Java runtime to run zipkin-server in its place")
    if started.zipkin_endpoint(run_dir) or ShimContext.from_env().zipkin:
        print("zipkin: already running for this run")
        return 0
    server = ZipkinServer(run_dir / "services" / "zipkin", ensure_zipkin(), java, port)
    spans = server.start()
    started.record(run_dir, "zipkin", "zipkin", server.daemon.process.pid, {"spans": spans, "port": port},
                   "docker run")
    print(f"zipkin (quickstart-runner's zipkin-server, http://127.0.0.1:{port})", flush=True)
    if detach:
        return 0
    signal.sigwait({signal.SIGINT, signal.SIGTERM})
    started.stop(run_dir, "zipkin")
    return 0


def _redis_stop_start(command: str, argv: list[str]) -> int:
    """`docker stop|start dapr_redis`: the run's Redis shut down, or started again where it listened."""
    run_dir, redis = _run_dir(), ShimContext.from_env().redis
    names = [word for word in argv if not word.startswith("-")]
    if names != [DAPR_INIT_REDIS] or redis is None:
        return needs_docker([command, *argv], f"no service of this run is named {names[0]}" if names else "")
    if command == "stop":
        started.mark_stopped_on_purpose(run_dir, DAPR_INIT_REDIS)  # before it dies: its death is no fault
        subprocess.run(["redis-cli", "-h", redis.host, "-p", str(redis.port), "shutdown", "nosave"],
                       capture_output=True)
        print(DAPR_INIT_REDIS)
        return 0
    if ping(redis):
        print(DAPR_INIT_REDIS)  # running: `docker start` of a running container says its name too
        return 0
    again = RedisServer(run_dir / "services" / "redis-again", port=redis.port)
    again.workdir.mkdir(parents=True, exist_ok=True)
    again.start()
    started.record(run_dir, "redis-again", "redis", again.daemon.process.pid, redis.__dict__, "docker start")
    print(DAPR_INIT_REDIS)
    return 0


def _ps() -> int:
    """What `docker ps` would list of the run: the Redis `dapr init` runs, and what compose started."""
    rows = [("CONTAINER ID", "IMAGE", "STATUS", "NAMES"), ("-", "redis", "Up", DAPR_INIT_REDIS)]
    rows += [("-", entry["kind"], "Up", entry["name"]) for entry in started.recorded(_run_dir())]
    for row in rows:
        print("   ".join(cell.ljust(12) for cell in row).rstrip())
    return 0


def main(argv: list[str]) -> int:
    try:
        if argv[:1] == ["compose"]:
            return _compose(argv[1:])
        if argv[:1] == ["exec"]:
            return _exec(argv[1:])
        if argv[:1] == ["ps"]:
            return _ps()
        if argv[:1] == ["run"]:
            return _run(argv[1:])
        if argv[:1] in (["stop"], ["start"]):
            return _redis_stop_start(argv[0], argv[1:])
    except (ServiceError, ProvisionError) as exc:  # what Docker would have given, the local service could not
        print(f"docker {shlex.join(argv)}: {exc}", file=sys.stderr)
        return 1
    return needs_docker(argv)
