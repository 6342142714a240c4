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
# What was read can be written back (an expected file's front matter, on update).
yaml.SafeDumper.add_representer(LineDict, yaml.representer.SafeRepresenter.represent_dict)


def _settle(value: object, path: Path | str, line: int, offset: int) -> None:
    """Shift mapping lines from the text's to the file's (`offset`), and refuse a NUL: it can be
    written in YAML ("\0") but no path, argument or environment can hold one."""
    if isinstance(value, str) and "\0" in value:
        raise InputError("a value contains a NUL character", path, line)
    if isinstance(value, LineDict):
        value.line += offset
    if isinstance(value, dict):
        for key, item in value.items():
            _settle(key, path, line_of(value, line), 0)
            _settle(item, path, line_of(value, line), offset)
    elif isinstance(value, list):
        for item in value:
            _settle(item, path, line, offset)


def yaml_error(exc: Exception, path: Path | str, first_line: int = 1) -> InputError:
    """The one translation of a YAML parse error into FILE:LINE (lines of `path`, the text
    having started at `first_line`)."""
    if isinstance(exc, yaml.YAMLError):
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = first_line + mark.line if mark is not None else first_line
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return InputError(f"invalid YAML: {problem}", path, line)
    return InputError(f"invalid YAML: {exc}", path, first_line)  # e.g. an unhashable mapping key


def load_yaml(text: str, path: Path | str, first_line: int = 1) -> object:
    """Parse one YAML document; errors become InputError at the right line of `path`."""
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except (yaml.YAMLError, TypeError, ValueError) as exc:
        raise yaml_error(exc, path, first_line) from None
    _settle(data, path, first_line, first_line - 1)
    return data


def load_yaml_all(text: str, path: Path | str) -> list[object]:
    """Every document of a multi-document YAML file (component files may hold several), as
    plain data that can be dumped again."""
    try:
        documents = list(yaml.safe_load_all(text))
    except (yaml.YAMLError, TypeError, ValueError) as exc:
        raise yaml_error(exc, path) from None
    for document in documents:
        _settle(document, path, 1, 0)
    return documents


def line_of(value: object, default: int = 1) -> int:
    return getattr(value, "line", default) or default
