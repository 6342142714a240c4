"""The dapr CLI's own status lines, emoji and all: printed in daprd mode (and by the `dapr`
shim) so expectations written against `dapr run` hold."""

STARTING = "\u2139\ufe0f  Starting Dapr with id {app_id}. HTTP Port: {http}. gRPC Port: {grpc}"
UP = "\u2705  You're up and running! Both Dapr and your app logs will appear here."
APP_OK = "\u2705  Exited App successfully"
APP_FAILED = "\u274c  The App process exited with error code: {code}"
DAPR_OK = "\u2705  Exited Dapr successfully"
STOPPED = "\u2705  app stopped successfully: {app_id}"


def app_prefix(app_id: str, multi: bool) -> str:
    """What the CLI puts before an app's line: the app id too for a multi-app run (`dapr run -f`)."""
    return f"== APP - {app_id} == " if multi else "== APP == "
