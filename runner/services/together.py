"""Starting several things at once: each call on a thread of its own, all waited for; the first
failure (an interrupt included) is raised once every call has ended, so nothing is left half
started behind the caller's back."""

from __future__ import annotations

import threading
from typing import Any, Callable

from runner.services.groups import current_run, working_for


def together(*calls: Callable[[], Any]) -> list[Any]:
    """The calls' results, in order."""
    results: list[Any] = [None] * len(calls)
    errors: list[BaseException] = []
    owner = current_run()

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            with working_for(owner):
                results[index] = call()
        except BaseException as exc:  # noqa: BLE001 - raised again below, on the caller's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, call), daemon=True) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results
