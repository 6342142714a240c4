"""The pytest plugin (registered through the `pytest11` entry point: `plugin.py`) and what
hand-written example tests use: `assert_lines` (importing this package never needs pytest)."""

from runner.testing.lines import assert_lines

__all__ = ["assert_lines"]
