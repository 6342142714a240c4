"""Getting the real Dapr binaries the runner drives."""
