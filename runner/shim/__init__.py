"""Executables README steps call instead of the real ones (`dapr` today): written into a
bin dir first on the steps' PATH (install.py), each running `python -m runner.shim NAME`."""
