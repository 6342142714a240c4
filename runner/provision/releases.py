"""The official Dapr release archives: `<base>/dapr/<repo>/releases/download/v<V>/<archive>`, each
checked against the `<archive>.sha256` published beside it before anything is unpacked, and
unpacked into the cache whole or not at all (a refused or interrupted download leaves nothing).

The base stands for https://github.com (`QUICKSTART_RUNNER_RELEASES`, or `--releases`): a mirror or
an air-gapped copy laid out the same way serves as well. `--offline` never downloads.
"""

from __future__ import annotations

import hashlib
import io
import os
import platform
import re
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

from runner.cache import cache_root, is_built, locked
from runner.services.executable import write_executable

RELEASES_ENV = "QUICKSTART_RUNNER_RELEASES"
DEFAULT_BASE = "https://github.com"
TIMEOUT_S = 30.0  # per request: a server that does not answer in this long is not waited for
_DIGEST = re.compile(r"\b[0-9a-fA-F]{64}\b")


class ReleaseRefused(Exception):
    """Why an archive was not taken (not published, no answer, a wrong digest): one line."""


@dataclass(frozen=True)
class Releases:
    """Where official archives come from, and whether they may be fetched at all."""

    base: str = ""  # "" reads QUICKSTART_RUNNER_RELEASES, else github.com
    offline: bool = False
    timeout_s: float = TIMEOUT_S

    @property
    def address(self) -> str:
        return (self.base or os.environ.get(RELEASES_ENV) or DEFAULT_BASE).rstrip("/")

    def url(self, repo: str, version: str, archive: str) -> str:
        return f"{self.address}/dapr/{repo}/releases/download/v{version.lstrip('v')}/{archive}"


def host_platform() -> tuple[str, str]:
    """This machine as the archives name it: (`linux`, `amd64`)."""
    machine = platform.machine().lower()
    arch = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(machine, machine)
    return platform.system().lower(), arch


def archive_name(program: str) -> str:
    """`daprd_linux_amd64.tar.gz` (a zip on Windows, as published)."""
    system, arch = host_platform()
    return f"{program}_{system}_{arch}.{'zip' if system == 'windows' else 'tar.gz'}"


def release_dir(repo: str, version: str) -> Path:
    """Where the archives of one release are unpacked: a folder of its programs."""
    return cache_root() / "releases" / repo / version.lstrip("v")


def fetched(repo: str, version: str, programs: tuple[str, ...]) -> Path | None:
    """The folder holding every one of `programs` of that release, fetched before; or None."""
    folder = release_dir(repo, version)
    return folder if is_built(folder) and all((folder / name).is_file() for name in programs) else None


def _get(url: str, timeout: float) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.read()
    except urllib.error.HTTPError as exc:
        raise ReleaseRefused(f"{url}: HTTP {exc.code}" + (" (not published there)" if exc.code == 404 else "")) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ReleaseRefused(f"{url}: no answer ({reason})") from None


def _published_digest(text: bytes, url: str) -> str:
    found = _DIGEST.search(text.decode("utf-8", "replace"))
    if not found:
        raise ReleaseRefused(f"{url}: holds no sha256 digest")
    return found.group(0).lower()


def _unpack(data: bytes, program: str, into: Path, name: str) -> None:
    """The one program of an archive (a file of that name, at any depth) into `into`."""
    wanted = {program, program + ".exe"}
    try:
        if name.endswith(".zip"):
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                member = next((m for m in archive.namelist() if Path(m).name in wanted), None)
                if member is None:
                    raise ReleaseRefused(f"{name} holds no {program}")
                target = into / Path(member).name
                write_executable(target, archive.read(member))
        else:
            with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
                member = next((m for m in archive.getmembers() if m.isfile() and Path(m.name).name in wanted), None)
                if member is None:
                    raise ReleaseRefused(f"{name} holds no {program}")
                target = into / Path(member.name).name
                write_executable(target, archive.extractfile(member).read())
    except (tarfile.TarError, zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ReleaseRefused(f"{name} cannot be unpacked: {exc}") from None


def published(releases: Releases, repo: str, version: str, program: str) -> bool:
    """Whether the release's archive of `program` is published where `releases` point (its digest
    answers); never asked offline."""
    if releases.offline:
        return False
    try:
        _get(releases.url(repo, version, archive_name(program)) + ".sha256", releases.timeout_s)
    except ReleaseRefused:
        return False
    return True


def fetch_program(releases: Releases, repo: str, version: str, program: str, into: Path, progress=print) -> str:
    """One program of a release into the folder `into`, its archive verified against the digest
    published beside it; the archive's address. Raises ReleaseRefused with why it was not taken."""
    if releases.offline:
        raise ReleaseRefused("--offline: nothing is downloaded")
    name = archive_name(program)
    url = releases.url(repo, version, name)
    published = _published_digest(_get(url + ".sha256", releases.timeout_s), url + ".sha256")
    progress(f"downloading {url}")
    data = _get(url, releases.timeout_s)
    actual = hashlib.sha256(data).hexdigest()
    if actual != published:
        raise ReleaseRefused(f"{name}: its sha256 {actual} is not the published {published} ({url}.sha256): "
                             "refused, nothing kept")
    into.mkdir(parents=True, exist_ok=True)
    _unpack(data, program, into, name)
    return url


def fetch_release(releases: Releases, repo: str, version: str, programs: tuple[str, ...],
                  progress=print) -> Path:
    """The release's `programs` in one cache folder, made whole or not at all (fetched into a
    sibling, then renamed); what was fetched once is not fetched again. Raises ReleaseRefused with
    the first reason one could not be taken."""
    if (found := fetched(repo, version, programs)) is not None:
        return found
    if releases.offline:
        raise ReleaseRefused("--offline: nothing is downloaded")
    folder = release_dir(repo, version)
    folder.parent.mkdir(parents=True, exist_ok=True)
    with locked(folder):
        if (found := fetched(repo, version, programs)) is not None:
            return found
        for stale in folder.parent.glob(f".{folder.name}.partial-*"):  # a fetch killed outright
            shutil.rmtree(stale, ignore_errors=True)
        partial = Path(tempfile.mkdtemp(prefix=f".{folder.name}.partial-", dir=folder.parent))
        try:
            for program in programs:
                fetch_program(releases, repo, version, program, partial, progress)
            (partial / ".complete").touch()
            shutil.rmtree(folder, ignore_errors=True)  # fetched before with fewer programs
            os.replace(partial, folder)
        finally:
            shutil.rmtree(partial, ignore_errors=True)
    return folder
