"""Who acts on a failure, decided from its evidence: the page drifted (a docs writer), the
quickstart is broken or races itself (its code owner), this machine lacks something (whoever
runs it: the reason names what), or the runner failed (a bug to report). Reports group
failures by it, so a maintainer of a large tree sees at once who has work."""

from __future__ import annotations

import re

PAGE, QUICKSTART, ENVIRONMENT, RUNNER = "page drifted", "quickstart broken", "environment", "runner"
OWNERS = {
    PAGE: "the page says what the apps do not: a docs writer acts",
    QUICKSTART: "the quickstart is broken or races itself: its code owner acts",
    ENVIRONMENT: "this machine lacks what it needs (named in the reason): whoever runs it acts",
    RUNNER: "the runner failed: a bug to report",
}

# What a machine lacks, not what a quickstart does wrong: a package its registries do not serve,
# a port another program holds, a name that does not resolve.
_ENVIRONMENT = re.compile("|".join([
    r"error NU110[12]\b", r"no configured source serves", r"Could not find a version that satisfies",
    r"No matching distribution found", r"npm (?:ERR!|error) code E(?:TARGET|404|NOTFOUND|AI_AGAIN)\b",
    r"Could not (?:resolve dependencies|transfer artifact)", r"Non-resolvable (?:parent POM|import POM)",
    r"\b410 Gone\b", r"is taken by another process", r"^needs Docker", r"Temporary failure in name resolution",
    r"not served here", r"can be neither found nor built here",
]), re.M)
# A command the page gives that names what is not there (a path, a program), or a cleanup of its
# that finds nothing left to kill (`... | xargs kill` with no pid: what it stops had ended, as the CLI
# from 1.17 ends a `dapr run`'s whole process group): the page's to fix.
_PAGE = re.compile(r"` returned 127\b|For more details see kill\(1\)|\bkill: usage:")
# What the quickstart's own code or files do, as its tools print it: a compile error, a file it misreads.
_QUICKSTART_OUTPUT = [r"\berror CS\d{4}\b", r"^\S+\.go:\d+:\d+: ", r"COMPILATION ERROR", r"\bSyntaxError\b",
                      r"error was encountered when reading '[^']*launchSettings\.json'",
                      r"^The conflict is caused by:"]  # pip: the requirements' own pins cannot all hold
_QUICKSTART_SAID = re.compile("|".join(_QUICKSTART_OUTPUT), re.M)
# ...and as the runner's reason puts it: a start it races, a port it never listens on, a file of its own.
_QUICKSTART = re.compile("|".join([
    *_QUICKSTART_OUTPUT, r"start-order race in the quickstart", r"never listened on its app port",
    r"\.(?:ya?ml|json|csproj|xml):\d+: ", r"^app crashed: ", r"^prepare failed: ",
]), re.M)


def owner(result) -> str | None:
    """Who acts on `result` (a JobResult), or None when it did not fail."""
    if result.status != "failed":
        return None
    reason = result.reason or ""
    if reason.startswith("internal error"):
        return RUNNER
    for text in (reason, *(app.said or "" for app in result.apps)):
        if _ENVIRONMENT.search(text):
            return ENVIRONMENT
    if _PAGE.search(reason):
        return PAGE
    if _QUICKSTART.search(reason) or any(app.crashed for app in result.apps):
        return QUICKSTART
    said = "\n".join(result.transcript)  # a step's own output: what was missing, or what failed to build
    if _ENVIRONMENT.search(said):
        return ENVIRONMENT
    if _QUICKSTART_SAID.search(said):
        return QUICKSTART
    if result.bad_input:
        return PAGE if re.search(r"\.md:\d+", reason) else QUICKSTART
    if result.fault:  # something under it died: its daprd (over its components), else a service of the machine's
        return QUICKSTART if "daprd" in result.fault else ENVIRONMENT
    return ENVIRONMENT if result.blocked else PAGE


def by_owner(results) -> dict[str, int]:
    """How many failures each owner has, in the order of OWNERS (owners with none left out)."""
    counts = {name: 0 for name in OWNERS}
    for result in results:
        if (name := owner(result)) is not None:
            counts[name] += 1
    return {name: count for name, count in counts.items() if count}


def summary_line(results) -> str | None:
    """`failures: 9 page drifted, 3 quickstart broken, 10 environment`; None without failures."""
    counts = by_owner(results)
    return ("failures by who acts: " + ", ".join(f"{count} {name}" for name, count in counts.items())) if counts else None
