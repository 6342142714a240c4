"""Whether an app receives messages (a subscriber of a topic or of a configuration store's
changes, an input binding's handler): what it prints of them comes in delivery order, beside its
own threads, which no page can promise. Decided from what the
quickstart declares (its components, its declarative subscriptions) and what its sources say
(they subscribe, they name the binding), never from a page's or an app's name."""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

from runner.errors import InputError, read_input
from runner.formats.yamlfile import load_yaml_all
from runner.services.resources import components
from runner.source.needs import source_files
from runner.workspace import BUILD_OUTPUTS

# How an app subscribes in code, in the SDKs and plain HTTP of the five languages: to a topic, and
# to a configuration store's changes.
_SUBSCRIBES = re.compile(r"/dapr/subscribe|\bsubscribe\s*\(|\.subscribe\(|AddTopicEventHandler|@Topic\b|\[Topic\(|"
                         r"\bsubscriptions\s*=|WithTopic\(|@app\.subscribe")
# An app hosting a workflow runtime: the engine delivers its activities as work items, side by
# side (a fan-out, child workflows), in the engine's order.
_WORKFLOW_WORKER = re.compile(r"\bWorkflowRuntime\b|\bWorkflowRuntimeBuilder\b|\bregisterWorkflow\b|\bRegisterWorkflow\b|"
                              r"\bAddDaprWorkflow\b|\bworkflow_runtime\b|\bNewWorker\(")
_SUBSCRIBES_CONFIGURATION = re.compile(r"(?i)subscribe_?configuration|/configuration/[^/\s]+/subscribe")
# Bindings that deliver to the app (input bindings).
_INPUT_BINDINGS = ("bindings.cron", "bindings.kafka", "bindings.rabbitmq", "bindings.mqtt3", "bindings.aws.sqs",
                   "bindings.azure.storagequeues", "bindings.azure.servicebusqueues", "bindings.azure.eventhubs",
                   "bindings.gcp.pubsub", "bindings.redis")


def _source_text(app_dir: Path) -> str:
    texts = []
    for path in source_files(app_dir):
        with contextlib.suppress(OSError):
            texts.append(path.read_text(errors="replace"))
    return "\n".join(texts)


def _declared_subscription(folder: Path, app_id: str) -> bool:
    """A `kind: Subscription` in the resources that scopes (or does not scope) this app."""
    for path in sorted(folder.rglob("*.y*ml")) if folder.is_dir() else ():
        with contextlib.suppress(InputError):
            for document in load_yaml_all(read_input(path, "resource file"), path):
                if isinstance(document, dict) and document.get("kind") == "Subscription":
                    scopes = document.get("scopes")
                    if not isinstance(scopes, list) or app_id in scopes:
                        return True
    return False


def receives_messages(app_id: str, app_dir: Path, resources: list[Path]) -> str | None:
    """Why the app receives messages (its lines of them come in any order), or None. An app run
    from its build output (`appDirPath: ./order-processor/target/`) is read from its sources."""
    source = _source_text(app_dir.parent if app_dir.name in BUILD_OUTPUTS else app_dir)
    if _WORKFLOW_WORKER.search(source):
        return "it runs a workflow runtime: the engine delivers its activities"
    for folder in resources:
        with contextlib.suppress(InputError):
            for component in components(folder):
                quoted = re.search(rf"""["'`]/?{re.escape(component.name)}["'`]""", source) if component.name else None
                if component.type.startswith("pubsub.") and quoted and _SUBSCRIBES.search(source):
                    return f"it subscribes to {component.name}"
                if component.type in _INPUT_BINDINGS and quoted:
                    return f"it handles the input binding {component.name}"
                if component.type.startswith("configuration.") and _SUBSCRIBES_CONFIGURATION.search(source):
                    return f"it subscribes to the changes of {component.name}"
        if _declared_subscription(folder, app_id):
            return "a declarative subscription delivers to it"
    return None
