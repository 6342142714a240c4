"""Zipkin, as `dapr init` gives a maintainer one: the real zipkin-server, its exec jar from
Maven Central (checked against the SHA-1 published beside it), run with the machine's Java."""

from __future__ import annotations

import hashlib
import shutil
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable

from runner.cache import build_once, cache_root
from runner.errors import ProvisionError

ZIPKIN_VERSION = "3.6.1"
_CENTRAL = "https://repo1.maven.org/maven2/io/zipkin/zipkin-server/{v}/zipkin-server-{v}-exec.jar"


def _fetch(url: str) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.read()
    except (urllib.error.URLError, OSError) as exc:
        raise ProvisionError(f"zipkin-server: cannot download {url}: {exc}") from None


def ensure_zipkin(version: str = ZIPKIN_VERSION, offline: bool = False,
                  progress: Callable[[str], None] = lambda text: None) -> Path:
    """The zipkin-server jar, downloaded once into the cache."""
    target = cache_root() / "zipkin" / version
    jar = target / "zipkin-server-exec.jar"
    if jar.is_file():
        return jar
    if offline:
        raise ProvisionError(f"zipkin-server {version} is not in the cache, and --offline forbids downloading it "
                             "(run `quickstart-runner provision zipkin` once online)")

    def download(folder: Path) -> None:
        url = _CENTRAL.format(v=version)
        progress(f"downloading zipkin-server {version}")
        body = _fetch(url)
        published = _fetch(url + ".sha1").decode().split()[0]
        if hashlib.sha1(body).hexdigest() != published:
            raise ProvisionError(f"zipkin-server: {url} does not match its published SHA-1")
        (folder / jar.name).write_bytes(body)

    build_once(target, download)
    return jar


def java() -> str | None:
    return shutil.which("java")
