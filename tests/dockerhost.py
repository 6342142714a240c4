"""A real Docker engine for the `--infra docker` tests: Debian's dockerd on a socket of the
session's own (vfs storage, no iptables, no bridge: containers use the host's network), and
the service images built without a registry, `FROM scratch` with the host's own programs and
the libraries `ldd` lists, tagged under the default names."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path


def start_engine(root: Path) -> tuple[subprocess.Popen, str]:
    root.mkdir(parents=True, exist_ok=True)
    socket = root / "docker.sock"
    log = open(root / "dockerd.log", "w")
    process = subprocess.Popen(
        ["dockerd", "--data-root", str(root / "data"), "--exec-root", str(root / "exec"), "--pidfile",
         str(root / "docker.pid"), "--host", f"unix://{socket}", "--storage-driver", "vfs", "--iptables=false",
         "--bridge=none"], stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if socket.exists() and subprocess.run(["docker", "-H", f"unix://{socket}", "version"],
                                              capture_output=True).returncode == 0:
            return process, f"unix://{socket}"
        if process.poll() is not None:
            break
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"dockerd did not start: {(root / 'dockerd.log').read_text()[-2000:]}")


def stop_engine(process: subprocess.Popen, root: Path) -> None:
    """dockerd stopped, what it mounted under `root` (its network namespace) unmounted, `root` gone."""
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=60)
    mounts = [line.split()[1] for line in Path("/proc/mounts").read_text().splitlines()]
    for mount in sorted((m for m in mounts if m.startswith(str(root))), reverse=True):
        subprocess.run(["umount", "-l", mount], capture_output=True)
    shutil.rmtree(root)


def _libraries(binary: Path) -> list[Path]:
    output = subprocess.run(["ldd", str(binary)], capture_output=True, text=True).stdout
    found = [Path(m) for m in re.findall(r"(/\S+) \(0x", output)]
    return [path for path in found if path.exists()]


def build_image(client, tag: str, files: dict[Path, str], context: Path) -> None:
    """`FROM scratch` with each host file at the path given, and the libraries each needs."""
    shutil.rmtree(context, ignore_errors=True)
    rootfs = context / "rootfs"
    for source, target in files.items():
        for path, where in [(source, target), *((lib, str(lib)) for lib in _libraries(source))]:
            dest = rootfs / where.lstrip("/")
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(os.path.realpath(path), dest)
    (rootfs / "tmp").mkdir(exist_ok=True)
    (context / "Dockerfile").write_text("FROM scratch\nCOPY rootfs/ /\n")
    client.images.build(path=str(context), tag=tag, rm=True)


def build_service_images(client, placement: Path, scheduler: Path, version: str, context: Path) -> float:
    """redis:6 and daprio/dapr:VERSION as the runner's defaults name them; seconds it took."""
    started = time.monotonic()
    build_image(client, "redis:6", {Path(shutil.which("redis-server")): "/usr/bin/redis-server"}, context / "redis")
    build_image(client, f"daprio/dapr:{version}", {placement: "/placement", scheduler: "/scheduler"}, context / "dapr")
    return time.monotonic() - started
