"""Getting the real Dapr binaries the runner drives: daprd and the dapr CLI, found or built
from their Go modules (gobuild.py holds what both builds share)."""

DEFAULT_VERSION = "1.17.0"  # the Dapr runtime version built when none is asked for
