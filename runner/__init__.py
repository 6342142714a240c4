"""quickstart-runner: validate Dapr quickstarts by running them."""

__version__ = "0.1.0"
