"""Getting the real Dapr binaries the runner drives: daprd and the dapr CLI, found or built
from their Go modules (gobuild.py holds what both builds share)."""
