"""The Dapr sidecar beside each app."""
