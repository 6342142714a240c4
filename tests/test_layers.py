"""The house: each folder one layer, imports only downward (data flows one way)."""

import ast
from pathlib import Path

RUNNER = Path(__file__).resolve().parent.parent / "runner"

# Lower numbers are lower layers. A module may import its own folder and lower layers only.
LAYERS = {
    "__init__": 0, "errors": 0, "cache": 0, "results": 0, "workspace": 0, "page": 0,
    "formats": 1,
    "transcript": 2, "services": 2,
    "recipes": 3, "provision": 3,
    "sidecar": 4, "mm": 4,
    "job": 5,
    "source": 6, "report": 6,
    "docs": 7,
    "cli": 8, "shim": 8, "testing": 8, "__main__": 9,
}


def layer_of(module: str) -> tuple[str, int]:
    parts = module.split(".")
    for size in (2, 1):
        key = ".".join(parts[:size])
        if key in LAYERS:
            return key, LAYERS[key]
    raise AssertionError(f"runner.{module} belongs to no layer: add it to LAYERS")


def imports_of(path: Path) -> list[tuple[str, int]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("runner."):
            found.append((node.module.removeprefix("runner."), node.lineno))
        elif isinstance(node, ast.Import):
            found += [(alias.name.removeprefix("runner."), node.lineno) for alias in node.names
                      if alias.name.startswith("runner.")]
    return found


def test_every_import_goes_down_a_layer_or_stays_in_its_folder():
    wrong = []
    for path in sorted(RUNNER.rglob("*.py")):
        module = ".".join(path.relative_to(RUNNER).with_suffix("").parts).removesuffix(".__init__")
        home, rank = layer_of(module)
        for target, line in imports_of(path):
            their_home, their_rank = layer_of(target)
            if their_home != home and their_rank >= rank:
                wrong.append(f"runner/{path.relative_to(RUNNER)}:{line}: {home} (layer {rank}) imports "
                             f"{target} (layer {their_rank})")
    assert not wrong, "\n".join(wrong)


def test_the_layer_table_rejects_an_upward_import():
    assert layer_of("formats.steps")[1] < layer_of("job.run")[1]
    assert layer_of("services.shimenv")[1] < layer_of("mm.runner")[1] < layer_of("shim.dapr")[1]


MODULE_LINES, FUNCTION_LINES = 300, 60


def sizes_over(path: Path) -> list[str]:
    """What of one module is longer than a reader takes in at once."""
    source = path.read_text()
    over = [f"{path.name}: {len(source.splitlines())} lines"] if len(source.splitlines()) > MODULE_LINES else []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            length = node.end_lineno - node.lineno + 1
            if length > FUNCTION_LINES:
                over.append(f"{path.name}:{node.lineno}: {node.name} is {length} lines")
    return over


def test_no_module_over_300_lines_and_no_function_over_60():
    over = [line for path in sorted(RUNNER.rglob("*.py")) for line in sizes_over(path)]
    assert not over, "\n".join(over)


def test_the_size_check_sees_a_long_function(tmp_path):
    module = tmp_path / "long.py"
    module.write_text("def f():\n" + "    x = 1\n" * 60 + "\n" * 240)
    assert sizes_over(module) == ["long.py: 301 lines", "long.py:1: f is 61 lines"]
