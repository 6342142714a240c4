"""The components an official daprd carries beyond our build's list: dapr's own registration
files (cmd/daprd/components/*.go), each one registering a component type, taken as they are
into a build of ours when a job's resources name a type our list lacks."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from runner.errors import ProvisionError

_LOADER = re.compile(r'^\s*(\w+\s+)?"github\.com/dapr/dapr/pkg/components/([\w/]+)"', re.M)
_CALL = re.compile(r"\b(\w+)\.DefaultRegistry\.Register\w*\(")
_VERSION = re.compile(r'\b(?:Version|Default):\s*"[^"]*"')  # a version's name, not a component's
_NAME = re.compile(r'"([^"]+)"')
_PACKAGE = "components"  # the package the files are copied into, beside our daprd's main


def _call_text(text: str, start: int) -> str:
    """From an opening parenthesis to the one closing it."""
    depth = 0
    for end in range(start, len(text)):
        depth += {"(": 1, ")": -1}.get(text[end], 0)
        if depth == 0:
            return text[start:end + 1]
    return text[start:]


def registrations(folder: Path) -> dict[str, Path]:
    """Each component type dapr's registration files register (`bindings.http`), and the file."""
    found: dict[str, Path] = {}
    for path in sorted(folder.glob("*.go")):
        text = path.read_text()
        if "!allcomponents" in text.split("package", 1)[0]:  # the build without components
            continue
        loaders = {(alias or category.rsplit("/", 1)[-1]).strip(): category.replace("/", ".")
                   for alias, category in _LOADER.findall(text)}
        for call in _CALL.finditer(text):
            category = loaders.get(call.group(1))
            if category is None:
                continue
            for name in _NAME.findall(_VERSION.sub("", _call_text(text, call.end() - 1))):
                found.setdefault(f"{category}.{name}", path)
    return found


def add_to_build(src: Path, dapr_dir: Path, types: frozenset[str]) -> None:
    """Copy the files registering `types` into the build in `src` (module quickstart-runner/daprd),
    and have its main import them and list their types."""
    known = registrations(dapr_dir / "cmd" / "daprd" / "components")
    unknown = sorted(types - known.keys())
    if unknown:
        raise ProvisionError(f"no official daprd {dapr_dir.name.partition('@')[2]} carries {', '.join(unknown)} either "
                             "(a typo, or a component of another release?)")
    target = src / _PACKAGE
    target.mkdir(exist_ok=True)
    for path in {known[kind] for kind in types}:
        shutil.copy(path, target / path.name)
    # Registered by the copied files' own init; listed beside ours for `daprd --component-types`.
    listed = "".join(f'\t\t{{"{kind}", func() {{}}}},\n' for kind in sorted(types))
    (src / "official_components.go").write_text(
        f'package main\n\nimport _ "quickstart-runner/daprd/{_PACKAGE}"\n\n'
        "func init() {\n\tcomponents = append(components, []struct {\n\t\tType     string\n\t\tRegister func()\n"
        f"\t}}{{\n{listed}\t}}...)\n}}\n")
