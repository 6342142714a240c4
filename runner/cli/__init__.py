"""The command line: argument parsing only, one module per command (`main.py` wires them);
every command calls down into source/, job/, docs/, mm/ and report/."""

import sys


def say(message: str) -> None:
    """Progress for a person: on stderr, so stdout stays the results."""
    print(message, file=sys.stderr)
