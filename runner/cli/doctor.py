"""`quickstart-runner doctor`: what is present here, with versions, and what a missing piece means."""

from __future__ import annotations

import argparse

from dataclasses import dataclass

from runner.provision.dapr_cli import built_clis, installed_cli
from runner.provision import DEFAULT_VERSION
from runner.provision.daprd import HEALTHZ_NOTE, find_control_plane, find_daprd
from runner.provision.releases import Releases
from runner.recipes import RECIPES
from runner.recipes.base import tool_version
from runner.services import netns
from runner.services.containers import engine, images
from runner.services.postgres import server_binaries


@dataclass(frozen=True)
class Check:
    name: str
    version: str | None
    meaning: str  # what its absence (or presence) means for a run


def _docker_engine() -> tuple[str | None, str]:
    """The engine's version (through the Docker SDK), and which of the service images it has."""
    client = engine()
    if client is None:
        return None, "no engine answers: --infra docker unavailable (local services are used)"
    version = client.version().get("Version", "?")
    present = []
    for service, image in images(DEFAULT_VERSION, {}).items():
        try:
            client.images.get(image)
            present.append(f"{service} {image}")
        except Exception:  # noqa: BLE001 - docker.errors.ImageNotFound
            present.append(f"{service} {image} (missing: pulled on first use)")
    return version, "--infra docker: " + "; ".join(present)


def checks() -> list[Check]:
    users = {}
    toolchains = {recipe.name: recipe.detect() for recipe in RECIPES.values()}
    for name, toolchain in toolchains.items():
        users.setdefault(toolchain.missing, []).append(name)
    out = []
    cli = installed_cli()
    built = next(iter(reversed(built_clis())), None)
    if cli is not None:
        out.append(Check("dapr CLI", f"{cli.version} ({cli.path})", "--sidecar auto validates through it"))
    elif built is not None:
        out.append(Check("dapr CLI", f"{built.version} (provisioned: {built.path})",
                         "not on PATH: --sidecar auto uses daprd; --sidecar dapr uses this one"))
    else:
        out.append(Check("dapr CLI", None, "--sidecar auto uses daprd; `quickstart-runner provision dapr` builds the CLI"))
    daprd = find_daprd(DEFAULT_VERSION)
    releases = Releases()
    fetch = f"fetched from {releases.address}'s official release on first use (sha256 verified)"
    out.append(Check("daprd", f"{daprd.version} ({daprd.described})" if daprd else None,
                     "found" if daprd else f"{fetch}, else built from github.com/dapr/dapr (a few minutes; needs go)"))
    plane = find_control_plane(DEFAULT_VERSION)
    official = plane is not None and not plane.origin.startswith("built")
    out.append(Check("placement, scheduler", f"{DEFAULT_VERSION} ({plane.origin})" if plane else None,
                     ("one of each per job" + (f"; {HEALTHZ_NOTE}" if official else "")) if plane
                     else f"{fetch} with daprd, else built with it (needs go)"))
    postgres = server_binaries()
    out.append(Check("postgresql", str(postgres) if postgres else None,
                     "for READMEs that `docker compose up` a PostgreSQL" if postgres else
                     "those READMEs fail (install the postgresql package)"))
    redis = tool_version(["redis-server", "--version"], lambda o: o.split("v=")[1].split()[0] if "v=" in o else o)
    out.append(Check("redis-server", redis, "one per job" if redis else "every job needs it, or --redis HOST:PORT"))
    out.append(Check("docker engine", *_docker_engine()))
    slirp = tool_version(["slirp4netns", "--version"], lambda o: o.split()[2] if len(o.split()) > 2 else o)
    no_netns = netns.unavailable()
    out.append(Check("job networks", slirp if slirp and not no_netns else None,
                     "jobs that name the same port run side by side, each in a network of its own" if not no_netns
                     else f"such jobs take turns on their ports: {no_netns}"))
    tools = [("python3", ["python3", "--version"]), ("node", ["node", "--version"]), ("npm", ["npm", "--version"]),
             ("java", ["java", "-version"]), ("mvn", ["mvn", "-B", "-v"]), ("go", ["go", "version"]),
             ("dotnet", ["dotnet", "--version"])]
    for name, argv in tools:
        version = tool_version(argv)
        languages = users.get(f"{name}: not found", [])
        meaning = f"{', '.join(languages)} quickstarts are skipped" if version is None and languages else ""
        if version is None and not meaning:
            meaning = "missing"
        if name == "dotnet" and toolchains["csharp"].runtimes:  # the runtimes C# apps run on, rolled forward or not
            version = toolchains["csharp"].version
            meaning = ("an app whose .NET runtime is missing runs on the next newer one here, rolled forward (its "
                       "job's notes say so); with none newer, it is skipped")
        out.append(Check(name, version, meaning or "ok"))
    return out


def render(rows: list[Check]) -> str:
    table = [("WHAT", "VERSION", "MEANS")] + [(r.name, r.version or "missing", r.meaning) for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(2)]
    return "\n".join(f"{a.ljust(widths[0])}  {b.ljust(widths[1])}  {c}".rstrip() for a, b, c in table)


def configure(parser: argparse.ArgumentParser) -> None:
    """No options."""


def run(args) -> int:
    print(render(checks()))
    return 0
