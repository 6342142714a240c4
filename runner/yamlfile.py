"""YAML with line numbers, so bad input can be reported as FILE:LINE."""

from __future__ import annotations

from pathlib import Path

import yaml

from runner.errors import InputError


class LineDict(dict):
    """A mapping that remembers the 1-based line it started on."""

    line: int = 0


class _Loader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    mapping = LineDict(loader.construct_pairs(node, deep=True))
    mapping.line = node.start_mark.line + 1
    return mapping


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _reject_nul(value: object, path: Path | str, line: int) -> None:
    # A NUL can be written in YAML ("\0") but no path, argument or environment can hold one.
    if isinstance(value, str) and "\0" in value:
        raise InputError("a value contains a NUL character", path, line)
    if isinstance(value, dict):
        for key, item in value.items():
            _reject_nul(key, path, line_of(value, line))
            _reject_nul(item, path, line_of(value, line))
    elif isinstance(value, list):
        for item in value:
            _reject_nul(item, path, line)


def load_yaml(text: str, path: Path | str, first_line: int = 1) -> object:
    """Parse one YAML document; errors become InputError at the right line of `path`."""
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
        _reject_nul(data, path, first_line)
        return data
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = first_line + mark.line if mark is not None else first_line
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(f"invalid YAML: {problem}", path, line) from None
    except (TypeError, ValueError) as exc:  # e.g. an unhashable mapping key
        raise InputError(f"invalid YAML: {exc}", path, first_line) from None


def line_of(value: object, default: int = 1) -> int:
    return getattr(value, "line", default) or default
