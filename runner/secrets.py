"""Credentials in the environment: kept away from quickstart apps, and out of every report."""

from __future__ import annotations

import re

_SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSWORD|PASSWD|KEY|CREDENTIAL", re.I)
REDACTED = "[REDACTED]"
_MIN_LENGTH = 4  # shorter values would redact ordinary words


def is_secret_name(name: str) -> bool:
    return bool(_SECRET_NAME.search(name))


def app_environment(env: dict[str, str], passed: frozenset[str] = frozenset()) -> dict[str, str]:
    """`env` without credential-looking variables, but for those `--pass-env` names."""
    return {name: value for name, value in env.items() if name in passed or not is_secret_name(name)}


class Redactor:
    def __init__(self, env: dict[str, str]):
        values = sorted({v for k, v in env.items() if is_secret_name(k) and len(v) >= _MIN_LENGTH}, key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, values))) if values else None

    def __call__(self, text: str) -> str:
        return self._pattern.sub(REDACTED, text) if self._pattern else text
