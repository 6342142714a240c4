"""External links of an annotated markdown file, checked as mm.py -l does (HEAD, then GET)."""

from __future__ import annotations

import time
import urllib.error
import urllib.request

from runner.formats.steps import Annotated


def check_links(annotated: Annotated, retries: int) -> tuple[bool, str]:
    ok = True
    text = "\nExternal link validation:\n"
    for url, ignored, _line in annotated.links:
        if ignored:
            text += f"\t{url} Status: Ignored\n"
            continue
        status: int | str = "Connection Failed"
        for attempt in range(max(retries, 1)):
            status = _link_status(url)
            if isinstance(status, int) and status < 400:
                break
            time.sleep(0.5)
        good = isinstance(status, int) and status < 400
        ok = ok and good
        text += f"\t{url} Status: {status}\n"
    return ok, text


def _link_status(url: str) -> int | str:
    for method in ("HEAD", "GET"):
        try:
            with urllib.request.urlopen(urllib.request.Request(url, method=method), timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            if method == "GET":
                return exc.code
        except (urllib.error.URLError, OSError):
            if method == "GET":
                return "Connection Failed"
    return "Connection Failed"
