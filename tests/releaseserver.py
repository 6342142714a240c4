"""A release server on 127.0.0.1 laid out as GitHub's releases are
(`/dapr/<repo>/releases/download/v<V>/<archive>` and `<archive>.sha256`), its archives made from
binaries of ours: for the tests and benchmarks of fetching official Dapr binaries. It counts the
requests it answered, and can be told to publish a wrong digest, or to leave an archive out."""

from __future__ import annotations

import hashlib
import http.server
import socket
import tarfile
import threading
from pathlib import Path

from runner.provision.releases import archive_name


def pack(binaries: dict[str, Path], version: str, root: Path, repo: str = "dapr") -> Path:
    """Each binary as its release archive (a tar.gz holding it alone) with its `.sha256`, under
    `root` as a release server lays them out; the folder of that release."""
    folder = root / "dapr" / repo / "releases" / "download" / f"v{version}"
    folder.mkdir(parents=True, exist_ok=True)
    for program, binary in binaries.items():
        archive = folder / archive_name(program)
        with tarfile.open(archive, "w:gz", compresslevel=1) as tar:
            tar.add(binary, arcname=program)
        digest = hashlib.sha256(archive.read_bytes()).hexdigest()
        (folder / (archive.name + ".sha256")).write_text(f"{digest}  {archive.name}\n")
    return folder


class ReleaseServer:
    """Serves `root` on a free loopback port until stopped; `requests` lists the paths asked for."""

    def __init__(self, root: Path):
        self.root = root
        self.requests: list[str] = []
        server = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, directory=str(server.root), **kwargs)

            def do_GET(self):  # noqa: N802 - the http.server name
                server.requests.append(self.path)
                super().do_GET()

            def log_message(self, *args):  # quiet
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> "ReleaseServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class SilentServer:
    """Takes connections on a loopback port and never answers: a release server that hangs."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def __enter__(self) -> "SilentServer":
        return self

    def __exit__(self, *exc) -> None:
        self.sock.close()


def cli_from_release(xz: Path, version: str, scratch: Path):
    """The dapr CLI in `xz` (an xz-compressed binary), fetched as a user's machine gets it: from a
    loopback release server laid out as dapr/cli's releases, into the runner's cache."""
    import lzma

    from runner.provision.dapr_cli import ensure_cli
    from runner.provision.releases import Releases

    binary = scratch / "dapr"
    binary.write_bytes(lzma.decompress(xz.read_bytes()))
    binary.chmod(0o755)
    pack({"dapr": binary}, version, scratch / "releases", repo="cli")
    with ReleaseServer(scratch / "releases") as server:
        return ensure_cli(version, progress=lambda text: None, releases=Releases(server.base))
