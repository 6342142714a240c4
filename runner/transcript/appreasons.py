"""What a job's apps' evidence says went wrong, in words a maintainer acts on: an app that
crashed, one that never listened on its app port, a quickstart that races its own start."""

from __future__ import annotations

from runner.results import AppEvidence


def never_listened(apps: list[AppEvidence]) -> str | None:
    """The first app that never listened on the app port its sidecar waits on (nothing reached
    it), with what it said of why, if it said anything."""
    for app in apps:
        if app.port is not None and app.came_up is None and app.ended is None and not app.crashed:
            said = f" (it said: {app.said})" if app.said else ""
            return f"{app.app} never listened on its app port {app.port}{said}"
    return None


def start_race(apps: list[AppEvidence]) -> str | None:
    """An app that was already at work (it printed) before an app with a port it may call listened:
    the quickstart races its own start (what it sent meanwhile went nowhere), named with both times."""
    for server in apps:
        if server.port is None or server.up_s is None or not (server.came_up or "").startswith("listened"):
            continue
        # Times are since the command that started them: apps of one command (`dapr run -f`) only,
        # which start together; the page orders separate commands itself.
        early = [app for app in apps if app is not server and app.port is None and app.first_line_s is not None
                 and app.first_line_s < server.up_s and app.started_by == server.started_by]
        if early:
            first = min(early, key=lambda app: app.first_line_s)
            return (f"start-order race in the quickstart: {first.app} printed `{first.first_line}` at "
                    f"{first.first_line_s:.1f} s, before {server.app} listened on port {server.port} at "
                    f"{server.up_s:.1f} s (what it sent meanwhile went nowhere)")
    return None


def crash_reason(apps: list[AppEvidence]) -> str | None:
    """`app crashed: ...` for the first app that crashed, quoting how and its last lines; None
    when none did."""
    crashed = [app for app in apps if app.crashed]
    if not crashed:
        return None
    first = crashed[0]
    how = first.ended or "printed a crash report"
    where = f" (started by {first.started_by})" if first.started_by else ""
    said = f": {first.said}" if first.said else ""
    last = " | ".join(line.strip() for line in first.last_lines if line.strip() and line.strip() != first.said)
    others = f"; {len(crashed) - 1} more app(s) crashed too" if len(crashed) > 1 else ""
    return f"app crashed: {first.app}{where} {how}{said}" + (f"; its last lines: {last}" if last else "") + others
