"""The one entry of a job: a plan in, a result out (`run_job`). A plan runs a README's steps
(job/readme.py), a docs tab's commands (job/script.py), or its apps beside sidecars
(job/run.py); the ports it names are its own (in a network of its own, or on its turn on
them); it runs again on failure when asked (a later pass is flaky), and with an SDK override
(`--sdk`) runs in a copy of its building block whose pins say that version (job/overrides.py). Whatever goes wrong in a job stays in it: the
job fails with the error as its reason; only an interrupt leaves it."""

from __future__ import annotations

import contextlib
import threading
import traceback
from dataclasses import replace
from typing import Callable, Iterator

from runner.job.overrides import with_sdk
from runner.job.plan import JobPlan
from runner.job.readme import run_readme
from runner.job.run import run_apps
from runner.job.settings import RunSettings
from runner.job.verdict import as_flaky, failed
from runner.results import JobResult, OnProgress, Progress
from runner.services.groups import current_run, tracked_tempdir, working_for
from runner.errors import InputError, JobError
from runner.services.netns import own_network, returns_home
from runner.services.ports import port_turns
from runner.services.redis import RedisEndpoint, answering_redis
from runner.services.timeline import SERVICES, current as current_timeline, phase, recording


def with_existing_redis(plan: JobPlan) -> JobPlan:
    """The plan using the Redis already answering where its files reach one themselves (as its
    reader's app does), instead of failing for the port: said in its notes."""
    port = plan.redis_port
    notes = tuple(note.replace(f"its Redis on {port}, where `dapr init` puts it",
                               f"the Redis already answering on {port} (where `dapr init` puts one) serves it")
                  for note in plan.notes)
    return replace(plan, redis=RedisEndpoint("127.0.0.1", port), notes=notes)


def in_own_network(plan: JobPlan, settings: RunSettings) -> bool:
    """Whether `plan` runs in a network of its own: it names ports, and the run makes such networks."""
    return settings.own_networks and bool(plan.fixed_ports)


@contextlib.contextmanager
def named_ports_owned(plan: JobPlan, settings: RunSettings, on_progress: OnProgress) -> Iterator[set[int]]:
    """The block with the ports `plan` names all its own: in a network of the job's own, or
    (where none is made) on the machine-wide turn of each, which whoever else names one waits
    for. Yields the named ports kept for a Redis already answering there (turns only)."""
    if in_own_network(plan, settings):
        with contextlib.ExitStack() as network:
            with phase(SERVICES, "a network of its own"):
                network.enter_context(own_network())
            yield set()
        return
    with port_turns(plan.fixed_ports, plan.name, on_wait=lambda text: on_progress(Progress(plan.name, text)),
                    reusable=lambda port: port == plan.redis_port and answering_redis(port)) as kept:
        yield kept


def run_job(plan: JobPlan, settings: RunSettings, on_progress: OnProgress = lambda p: None,
            retries: int = 0) -> JobResult:
    """Run `plan`; a failed run is run again up to `retries` times (a later pass is flaky)."""
    if in_own_network(plan, settings) and not returns_home():  # its thread will not come back from its network
        return on_a_thread_of_its_own(lambda: _run_job(plan, settings, on_progress, retries), plan.name)
    return _run_job(plan, settings, on_progress, retries)


def on_a_thread_of_its_own(work: Callable[[], JobResult], name: str) -> JobResult:
    """`work` on a new thread, which ends with it; what it raised is raised here."""
    outcome: dict[str, object] = {}
    run, timeline = current_run(), current_timeline()  # what this thread works for and records into, that one too

    def body() -> None:
        try:
            with working_for(run), (recording(timeline) if timeline else contextlib.nullcontext()):
                outcome["result"] = work()
        except BaseException as exc:  # noqa: BLE001 - an interrupt above all: the caller raises it
            outcome["error"] = exc

    thread = threading.Thread(target=body, name=f"job-{name}", daemon=True)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


def _run_job(plan: JobPlan, settings: RunSettings, on_progress: OnProgress, retries: int) -> JobResult:
    with contextlib.ExitStack() as stack:
        overrides: list[str] = []
        if plan.sdk_version:
            scratch = stack.enter_context(tracked_tempdir("qsr-sdk-"))
            plan, overrides = with_sdk(plan, plan.sdk_version, scratch)
        runner = run_readme if plan.readme is not None else run_apps
        try:
            with named_ports_owned(plan, settings, on_progress) as kept:
                if plan.redis_port in kept:
                    plan = with_existing_redis(plan)
                result = first = runner(plan, settings, on_progress)
                for attempt in range(2, retries + 2):
                    if result.status != "failed":
                        break
                    result = runner(plan, settings, on_progress)
                    if result.status == "passed":
                        result = as_flaky(result, first, attempt, retries + 1)
        except JobError as exc:  # it could not run (a port another program holds, a service that did not start)
            result = failed(plan, exc.reason)
        except InputError as exc:  # a malformed file of its own: the others run on, the run's exit is 2
            result = failed(plan, str(exc))
            result.bad_input = True
        except Exception as exc:  # noqa: BLE001 - a fault of ours: this job fails with it, the run goes on
            result = failed(plan, f"internal error: {type(exc).__name__}: {exc}")
            result.transcript = traceback.format_exc().splitlines()
    result.runtime, result.sdk, result.overrides = settings.runtime, plan.sdk_version, overrides
    return result
