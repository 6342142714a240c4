"""A PostgreSQL of a job's own, where a README asks Docker for one: Debian's real server
(`/usr/lib/postgresql/<major>/bin`), `initdb` in the job's dir, on a free loopback port,
with the user, password and database the compose file asks for, and the init SQL the image
would run (`/docker-entrypoint-initdb.d`) run once. PostgreSQL refuses to run as root: as
root it runs as the `postgres` user (or `nobody`)."""

from __future__ import annotations

import os
import pwd
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from runner.formats.compose import ComposeService
from runner.services.daemon import Daemon, DaemonService, ServiceError
from runner.services.groups import track_dir, untrack_dir
from runner.services.ports import free_port, release

BIN_ROOT = Path("/usr/lib/postgresql")


@dataclass(frozen=True)
class PostgresSpec:
    user: str = "postgres"
    password: str = "postgres"
    database: str = ""  # default: the user's name, as the image does
    init_files: tuple[Path, ...] = ()  # .sql files run once, in name order, on `database`

    @property
    def db(self) -> str:
        return self.database or self.user

    @classmethod
    def of(cls, service: ComposeService) -> "PostgresSpec":
        """What a compose file's PostgreSQL service asks for: its user, password, database and init SQL."""
        env = service.environment
        user = env.get("POSTGRES_USER", "postgres")
        return cls(user, env.get("POSTGRES_PASSWORD", ""), env.get("POSTGRES_DB", user), service.init_files)


@dataclass(frozen=True)
class PostgresEndpoint:
    host: str
    port: int
    socket_dir: str
    user: str
    password: str
    database: str


def server_binaries() -> Path | None:
    """The newest PostgreSQL server's bin dir, or None where the server is not installed."""
    versions = sorted((p for p in BIN_ROOT.glob("*/bin") if (p / "postgres").is_file()),
                      key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
    return versions[-1] if versions else None


def _run_as() -> tuple[int, int] | None:
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            entry = pwd.getpwnam(name)
            return entry.pw_uid, entry.pw_gid
        except KeyError:
            continue
    raise ServiceError("PostgreSQL will not run as root, and there is no postgres or nobody user to run it as")


class PostgresServer(DaemonService):
    def __init__(self, workdir: Path, spec: PostgresSpec):
        self.workdir = workdir
        self.spec = spec
        self.port: int | None = None
        self.endpoint: PostgresEndpoint | None = None
        self.sockets: Path | None = None

    def _tool(self, bin_dir: Path, argv: list[str], user) -> None:
        result = subprocess.run([str(bin_dir / argv[0]), *argv[1:]], capture_output=True, text=True,
                                stdin=subprocess.DEVNULL, **({"user": user[0], "group": user[1]} if user else {}))
        if result.returncode != 0:
            lines = [line.strip() for line in (result.stderr + result.stdout).splitlines() if line.strip()]
            cause = next((line for line in lines if re.search(r"error|fatal|could not|cannot", line, re.I)),
                         lines[-1] if lines else f"exit code {result.returncode}")
            raise ServiceError(f"PostgreSQL {argv[0]} failed: {cause}")

    def start(self, timeout: float = 60.0) -> PostgresEndpoint:
        bin_dir = server_binaries()
        if bin_dir is None:
            raise ServiceError(f"PostgreSQL server not found under {BIN_ROOT} (install the postgresql package)")
        user = _run_as()
        home = self.workdir / "postgres"
        home.mkdir(parents=True, exist_ok=True)
        data = home / "data"
        # A Unix socket's path holds at most 107 bytes: its folder is a short one of its own.
        sockets = self.sockets = Path(tempfile.mkdtemp(prefix="qsr-pg-", dir="/tmp"))
        track_dir(sockets)
        (home / "pwfile").write_text(self.spec.password + "\n")
        if user:
            # The server's user must pass through the job's private temp dirs to reach its own.
            for folder in home.parents:
                mode = folder.stat().st_mode
                if folder.stat().st_uid == os.geteuid() and not mode & 0o001:
                    folder.chmod(mode | 0o011)
            for path in (home, sockets, home / "pwfile"):
                os.chown(path, *user)
        self._tool(bin_dir, ["initdb", "-D", str(data), "-U", self.spec.user, "--pwfile", str(home / "pwfile"),
                             "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--no-sync"], user)
        self.port = free_port()
        self.daemon = Daemon("postgres", [
            str(bin_dir / "postgres"), "-D", str(data), "-p", str(self.port), "-k", str(sockets),
            "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
            "-c", "full_page_writes=off",
        ], home / "postgres.log", preexec_user=user)
        psql = [str(bin_dir / "psql"), "-X", "-q", "-h", str(sockets), "-p", str(self.port), "-U", self.spec.user]
        ping = lambda: subprocess.run([*psql, "-d", "postgres", "-c", "select 1"], capture_output=True,  # noqa: E731
                                      stdin=subprocess.DEVNULL).returncode == 0
        self.daemon.start(ping, timeout)
        if self.spec.db != "postgres":
            self._tool(bin_dir, ["psql", *psql[1:], "-d", "postgres", "-c", f'CREATE DATABASE "{self.spec.db}"'], None)
        for sql in sorted(self.spec.init_files, key=lambda p: p.name):
            copy = home / sql.name  # readable by the server's user, wherever the original is
            shutil.copyfile(sql, copy)
            self._tool(bin_dir, ["psql", *psql[1:], "-v", "ON_ERROR_STOP=1", "-d", self.spec.db, "-f", str(copy)], None)
        self.endpoint = PostgresEndpoint("127.0.0.1", self.port, str(sockets), self.spec.user, self.spec.password,
                                         self.spec.db)
        return self.endpoint

    def stop(self) -> None:
        super().stop()
        if self.sockets is not None:
            shutil.rmtree(self.sockets, ignore_errors=True)
            untrack_dir(self.sockets)
            self.sockets = None
        if self.port is not None:
            release(self.port)
