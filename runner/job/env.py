"""The environment an app starts with: the runner's own, less credentials (unless passed on
purpose), plus what its recipe and its spec add."""

from __future__ import annotations

import os

from runner.transcript.masks import is_secret_name


def app_environment(env: dict[str, str], passed: frozenset[str] = frozenset()) -> dict[str, str]:
    """`env` without credential-looking variables, but for those `--pass-env` names."""
    return {name: value for name, value in env.items() if name in passed or not is_secret_name(name)}


def app_env(prepared_env: dict[str, str], spec_env: dict[str, str], pass_env: frozenset[str]) -> dict[str, str]:
    env = app_environment(dict(os.environ), pass_env)
    env.update(prepared_env)
    env.update(spec_env)
    # Under the dapr CLI an app writes to a pipe and prints no colours; on our PTY (kept for
    # line buffering) node and friends would colour their output unless told not to.
    env.setdefault("NO_COLOR", "1")
    env.setdefault("FORCE_COLOR", "0")
    return env
