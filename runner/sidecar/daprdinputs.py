"""What a daprd is given besides its flags: its configuration file (an app's own, or an empty
one, with names resolved through the run's sqlite file), and whether it carries every component
type the resources declare."""

from __future__ import annotations

import functools
from pathlib import Path

import yaml

from runner.errors import read_input
from runner.formats.yamlfile import load_yaml
from runner.provision.daprd import component_types
from runner.services.resources import components


def write_config(workdir: Path, base: Path | None = None) -> Path:
    """The configuration daprd runs with: `base` (an app's own `--config`) or an empty one,
    with names resolved through a sqlite file of the run (nothing is multicast, and every
    daprd of one multi-app run finds the others)."""
    name = f"dapr-config-{base.stem}-{abs(hash(str(base)))}.yaml" if base else "dapr-config.yaml"
    path = workdir / name
    if not path.exists():
        document = load_yaml(read_input(base, "dapr configuration"), base) if base else None
        if not isinstance(document, dict):
            document = {"apiVersion": "dapr.io/v1alpha1", "kind": "Configuration",
                        "metadata": {"name": "quickstart-runner"}}
        spec = document.get("spec") if isinstance(document.get("spec"), dict) else {}
        spec["nameResolution"] = {"component": "sqlite",
                                  "configuration": {"connectionString": str(workdir / "nameresolution.db")}}
        document["spec"] = spec
        path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


@functools.lru_cache(maxsize=8)
def _component_types(daprd: Path) -> frozenset[str] | None:
    return component_types(daprd)


def missing_component(daprd: Path, resources: list[Path]) -> str | None:
    """A component the resources declare and this daprd does not carry: the reason, or None."""
    carried = _component_types(daprd)
    if carried is None:
        return None
    for component in (c for folder in resources for c in components(folder)):
        if component.type not in carried:
            return (f"component type {component.type} ({component.file}) is not in this daprd "
                    f"(it carries {', '.join(sorted(carried))})")
    return None
