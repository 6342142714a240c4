"""The command line: argument parsing only, one module per command (`main.py` wires them);
every command calls down into source/, job/, docs/, mm/ and report/."""
