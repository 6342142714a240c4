"""What a quickstart needs that no local service of the runner provides: a model server for
its conversation components. A component counts when the quickstart's own source names it
(which provider an app calls is in its code, not in its files' declarations)."""

from __future__ import annotations

import re
import socket
from pathlib import Path
from urllib.parse import urlsplit

from runner.errors import read_input
from runner.formats.yamlfile import load_yaml_all

SOURCE_SUFFIXES = {".py", ".js", ".mjs", ".ts", ".go", ".java", ".cs"}
SKIP_DIRS = {"node_modules", "target", "bin", "obj", ".dapr", "venv", ".venv", "__pycache__"}
# Where each model provider's server is when a component names no endpoint.
DEFAULT_SERVERS = {"conversation.ollama": "http://localhost:11434", "conversation.openai": "https://api.openai.com/v1"}
LOCAL_ONLY = {"conversation.echo"}  # answers in process
_PLACEHOLDER = re.compile(r"^<.*>$")


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
    for path in folder.rglob("*"):
        if path.suffix in SOURCE_SUFFIXES and not SKIP_DIRS & set(path.relative_to(folder).parts) and path.is_file():
            if quoted.search(path.read_text(errors="replace")):
                return True
    return False


def _reachable(component_type: str, metadata: dict) -> tuple[bool, str]:
    server = metadata.get("endpoint") or DEFAULT_SERVERS.get(component_type, "its provider's service")
    key = metadata.get("key") or metadata.get("apiKey")
    if key is not None and _PLACEHOLDER.match(key):
        return False, f"{server} (its key is the placeholder {key})"
    host, port = urlsplit(server).hostname, urlsplit(server).port
    if host in ("localhost", "127.0.0.1", "::1"):
        try:
            with socket.create_connection((host, port or 80), timeout=0.5):
                return True, server
        except OSError:
            return False, server
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
