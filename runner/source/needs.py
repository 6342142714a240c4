"""What a quickstart needs beyond its toolchain, and whether this machine has it:

- a model server for its conversation components (a component counts when the quickstart's
  own source names it: which provider an app calls is in its code, not in its declarations);
- a Zipkin where `dapr init` would start one, when a README step reads its traces;
- what its README's `docker` commands stand for, served by the runner's own services: a
  PostgreSQL server for a compose file's PostgreSQL service, `redis-cli` for
  `docker exec dapr_redis redis-cli`, `psql` for `docker exec NAME psql`; any other image
  needs Docker itself.
"""

from __future__ import annotations

import os
import posixpath
import re
import shutil
import socket
from pathlib import Path
from urllib.parse import urlsplit

from runner.errors import read_input
from runner.formats.compose import DAPR_INIT_REDIS, POSTGRES_IMAGES, POSTGRES_TOOLS, find_compose_file, parse_compose
from runner.formats.shellwords import shell_calls
from runner.formats.steps import Annotated, step_selected
from runner.formats.yamlfile import load_yaml_all
from runner.services.postgres import server_binaries
from runner.services.zipkin import reads_traces

SOURCE_SUFFIXES = {".py", ".js", ".mjs", ".ts", ".go", ".java", ".cs"}
SKIP_DIRS = {"node_modules", "target", "bin", "obj", ".dapr", "venv", ".venv", "__pycache__"}
# Where each model provider's server is when a component names no endpoint.
DEFAULT_SERVERS = {"conversation.ollama": "http://localhost:11434", "conversation.openai": "https://api.openai.com/v1"}
LOCAL_ONLY = {"conversation.echo"}  # answers in process
_PLACEHOLDER = re.compile(r"^<.*>$")


def source_files(folder: Path) -> list[Path]:
    """The apps' source files under `folder`, build outputs and installed packages not walked into."""
    found = []
    for top, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        found += [Path(top) / name for name in sorted(files) if Path(name).suffix in SOURCE_SUFFIXES]
    return found


def _conversation_components(folders: tuple[Path, ...]) -> list[tuple[str, str, dict, Path]]:
    found = []
    for folder in folders:
        for path in sorted(folder.rglob("*.y*ml")):
            for doc in load_yaml_all(read_input(path, "component file"), path):
                spec = doc.get("spec") if isinstance(doc, dict) else None
                if isinstance(spec, dict) and str(spec.get("type", "")).startswith("conversation."):
                    meta = {str(m.get("name")): str(m.get("value")) for m in spec.get("metadata") or []
                            if isinstance(m, dict)}
                    found.append((str((doc.get("metadata") or {}).get("name", "")), str(spec["type"]), meta, path))
    return found


def _named_in_source(folder: Path, name: str) -> bool:
    quoted = re.compile(rf"""["']{re.escape(name)}["']""")
    return any(quoted.search(path.read_text(errors="replace")) for path in source_files(folder))


def model_server_answers(server: str) -> bool:
    """Whether a model server on this machine (`http://localhost:11434`) accepts a connection."""
    host, port = urlsplit(server).hostname, urlsplit(server).port
    try:
        with socket.create_connection((host, port or 80), timeout=0.5):
            return True
    except OSError:
        return False


def _reachable(component_type: str, metadata: dict) -> tuple[bool, str]:
    server = metadata.get("endpoint") or DEFAULT_SERVERS.get(component_type, "its provider's service")
    key = metadata.get("key") or metadata.get("apiKey")
    if key is not None and _PLACEHOLDER.match(key):
        return False, f"{server} (its key is the placeholder {key})"
    if urlsplit(server).hostname in ("localhost", "127.0.0.1", "::1"):
        return model_server_answers(server), server
    return key is not None, server  # a remote provider: usable with a real key


def unreachable_model(quickstart: Path, resources: tuple[Path, ...]) -> str | None:
    """Why the quickstart cannot run here for want of a model server, or None."""
    for name, component_type, metadata, path in _conversation_components(resources):
        if component_type in LOCAL_ONLY or not _named_in_source(quickstart, name):
            continue
        reachable, server = _reachable(component_type, metadata)
        if not reachable:
            return f"needs an LLM server: component {name} ({component_type}, {path.name}) calls {server}, not reachable here"
    return None



def _docker_calls(readme: Annotated):
    """Each `docker ...` command of the README's steps as words, with the folder it runs in
    (following the step's `working_dir` and the `cd`s before it in the same block)."""
    base = readme.path.parent
    for step in readme.steps:
        cwd = base / step.working_dir if step.working_dir else base
        for command in step.commands:
            for call in shell_calls(command.text):
                if call.program == "docker":
                    yield list(call.words[1:]), Path(posixpath.normpath(cwd / call.cwd))


def _compose_needs(argv: list[str], cwd: Path) -> list[str]:
    file = next((Path(argv[i + 1]) for i, word in enumerate(argv[:-1]) if word in ("-f", "--file")), None)
    path = (cwd / file if file else find_compose_file(cwd)) if cwd.is_dir() else None
    if path is None or not path.is_file():
        return [f"Docker: `docker compose {' '.join(argv)}` in {cwd.name}/ has no compose file to read"]
    needs = []
    for service in parse_compose(path):
        if service.image_name in POSTGRES_IMAGES:
            needs.append("PostgreSQL")
        else:
            needs.append(f"Docker: compose service {service.name} runs image {service.image}")
    return needs


def readme_services(readme: Annotated) -> list[str]:
    """What the README's docker commands (and its calls to `dapr init`'s Zipkin) need, in order,
    each once."""
    needs: list[str] = ["Zipkin"] if reads_traces(readme) else []
    for argv, cwd in _docker_calls(readme):
        if argv[:1] == ["compose"] and "up" in argv:
            needs += _compose_needs(argv[1:], cwd)
        elif argv[:1] == ["exec"]:
            words = [word for word in argv[1:] if not word.startswith("-")]
            if words[:2] == [DAPR_INIT_REDIS, "redis-cli"]:
                needs.append("redis-cli")
            elif len(words) >= 2 and words[1] in POSTGRES_TOOLS:
                needs.append("PostgreSQL")
    return list(dict.fromkeys(needs))


def missing_service(need: str) -> str | None:
    """Why `need` (one of `readme_services`) is not available here, or None when it is."""
    if need == "PostgreSQL":
        return None if server_binaries() else "needs PostgreSQL: no PostgreSQL server installed (apt-get install postgresql)"
    if need == "Zipkin":
        return None if shutil.which("java") else "needs Zipkin: no Java runtime to run zipkin-server (apt-get install default-jre-headless)"
    if need == "redis-cli":
        return None if shutil.which("redis-cli") else "needs redis-cli: not on PATH (apt-get install redis-tools)"
    return f"needs {need}"


KUBERNETES = ("kubectl", "kind", "helm", "minikube", "k3d")
BROWSERS = ("open", "xdg-open", "start")


def cannot_run_here(words: tuple[str, ...]) -> str | None:
    """Why a command cannot run on this machine (it needs Kubernetes, or a browser), or None."""
    if not words:
        return None
    if words[0] in KUBERNETES or (words[0] == "dapr" and {"-k", "--kubernetes"} & set(words)):
        return f"needs Kubernetes: {' '.join(words)}"
    if words[0] in BROWSERS and any(word.startswith("http") for word in words):
        return f"needs a browser: {' '.join(words)}"
    return None


def first_unrunnable(readme: Annotated, tags: list[str]) -> tuple[int, str] | None:
    """The first step (its README line) of those `tags` select whose commands this machine cannot
    run, and why."""
    for step in readme.steps:
        if not step_selected(step, tags):
            continue
        for command in step.commands:
            for call in shell_calls(command.text):
                if why := cannot_run_here(call.words):
                    return step.line, why
    return None


# Client libraries of hosted LLM services: an app importing one calls out of this machine.
_LLM_CLIENTS = re.compile(r"^\s*(?:from|import)\s+(openai|anthropic|google\.generativeai|google\.genai|mistralai|cohere)\b"
                          r"|^\s*from\s+google\s+import\s+(genai|generativeai)\b", re.M)
# Testcontainers in an app's sources (`import io.dapr.testcontainers.DaprContainer`): what it runs with
# (`mvn spring-boot:test-run`) starts daprd and its stores as containers.
_TESTCONTAINERS = re.compile(r"^\s*import\s+(?:static\s+)?[\w.]*\btestcontainers\.", re.M)


def needs_docker_engine(folder: Path) -> str | None:
    """Where a quickstart's apps start their services in containers of their own: `FILE:LINE`."""
    for path in source_files(folder):
        text = path.read_text(errors="replace")
        if found := _TESTCONTAINERS.search(text):
            return f"{path.relative_to(folder.parent)}:{text.count(chr(10), 0, found.start()) + 1}"
    return None


def hosted_model(folder: Path) -> str | None:
    """Where an app calls a hosted LLM service itself (`import openai`): `FILE:LINE (openai)`."""
    for path in source_files(folder):
        text = path.read_text(errors="replace")
        if found := _LLM_CLIENTS.search(text):
            library = found.group(1) or f"google.{found.group(2)}"
            return f"{path.relative_to(folder.parent)}:{text.count(chr(10), 0, found.start()) + 1} ({library})"
    return None


def unrunnable_page(folder: Path, page) -> str | None:
    """Why what a README's reader runs (its blocks outside any STEP) cannot run here, or None."""
    for block in page.blocks:
        for call in shell_calls(block.text):
            if why := cannot_run_here(call.words):
                return f"{why} (line {block.line})"
    if (where := needs_docker_engine(folder)) is not None and any(block.kind == "start" for block in page.blocks):
        from runner.services.containers import engine  # asked only here: the Docker SDK is slow to import

        if engine() is None:
            return f"needs Docker: {where} uses Testcontainers, and no Docker engine answers here"
    if (where := hosted_model(folder)) is not None:
        return f"needs a hosted LLM service: {where} calls it (an API key and the network)"
    if not any(block.kind == "start" for block in page.blocks if block.skip is None):
        skipped = next((block for block in page.blocks if block.kind == "start" and block.skip), None)
        return (f"its start at line {skipped.line} cannot run: {skipped.skip}" if skipped else
                "its README starts no app: nothing for its reader to run (code to read)")
    return None


REDIS_PORT = 6379  # where `dapr init` puts Redis (its dapr_redis container)
# `127.0.0.1:6379`, `("localhost", 6379)`, `host="localhost", port=6379`, `redis://localhost`
_REDIS_BY_ITSELF = re.compile(r"(?:localhost|127\.0\.0\.1)['\"]?\s*[,:]\s*(?:port\s*=\s*)?6379\b"
                              r"|redis://(?:localhost|127\.0\.0\.1)(?![:\d])")


def reaches_init_redis(folder: Path, readme: Annotated | None) -> str | None:
    """Where a quickstart reaches Redis at `dapr init`'s address by itself, not through a component
    (an app's own Redis client on `127.0.0.1:6379`, a README's bare `redis-cli`): `FILE:LINE`, or
    None. Its job's Redis then listens there, so the app, its components and the README's
    commands meet the same store, as they do after `dapr init`."""
    for path in source_files(folder):
        try:
            text = path.read_text(errors="replace")
        except OSError:
            continue
        if found := _REDIS_BY_ITSELF.search(text):
            return f"{path}:{text.count(chr(10), 0, found.start()) + 1}"
    for step in readme.steps if readme else ():
        for command in step.commands:
            for call in shell_calls(command.text):
                if call.program == "redis-cli" and not {"-p", "-h", "-u", "-s"} & set(call.words):
                    return f"{readme.path}:{command.line}"
    return None
