"""One tolerance: a printed line is the line a page shows, or not, whichever face reads the page
(a README's block, a docs tab's output block, what `docs check --write` keeps)."""

import pytest

from pathlib import Path

from runner.docs.static import page_reports
from runner.page.model import OutputBlock
from runner.docs.tabjob import tab_page
from runner.formats.docspage import load_page
from runner.formats.steps import parse_annotated
from runner.source.readerblocks import page_plan
from runner.transcript.pagematch import PageMatch
from runner.transcript.tolerance import page_fits

# (what the page shows, what the app printed, whether a reader calls them the same line)
CASES = [
    ("Successfully persisted state", "Successfully persisted state.", True),
    ("Saved order 1", "Saved order 1   ", True),
    ("Order passed:  1", "Order passed: 1", True),
    ('Result: {"is_success":true, "n": 1}', 'Result: {"is_success": true, "n": 1}', True),
    ('Order: {"orderId": 1, "item": "car"}', 'Order: {"item": "car", "orderId": 1}', True),
    ('Output: "{\\"is_success\\":true}"', 'Output: "{\\"is_success\\": true}"', True),
    ("Saved at 2024-01-01T10:00:00Z", "Saved at 2026-12-07T15:04:05.123Z", True),
    ("Saved order 1", "INFO:root:Saved order 1", True),
    ("Workflow started: 4f2a9c1e7b3d", "Workflow started: 9e8d7c6b5a41", True),
    ("Instance <INSTANCE_ID> started", "Instance a1b2c3 started", True),
    ('"timestamp": 1613170216016911,', '"timestamp": 1796694835479877,', True),  # a span's epoch time
    ('"serviceName": "hello-tracing",', '"serviceName": "hello-tracing"', True),  # the field after it gone
    ('"serviceName": "hello-tracing",', '"serviceName": "hello-tracking"', False),
    ("divisor is 2", "input is 2", False),
    ("Order passed: 1", "Order passed: 2", False),
    ("Saved order 1", "Saved order 1 twice", False),
    ('Output: "{\\"is_success\\":true}"', 'Output: "{\\"is_success\\": false}"', False),
    ('Order: {"orderId": 1, "item": "car"}', 'Order: {"orderId": 1}', False),
    ("", "", True),  # an empty line of the app's (`== APP ==` alone on the page)
    ("", "Saved order 1", False),
]


README = """# Orders

Run it:

```bash
dapr run --app-id orders -- python3 app.py
```

It prints:

```
== APP == {page}
```
"""

TAB = """---
title: "a page of our own"
---

{{{{< tabs "Python" >}}}}
{{{{% codetab %}}}}

```bash
cd orders
dapr run --app-id orders -- python3 app.py
```

The expected output:

```
== APP == {page}
```

{{{{% /codetab %}}}}
{{{{< /tabs >}}}}
"""


def _verdict(plan, printed: str) -> bool:
    """What the engine's page match says of one printed line, as the app's terminal feeds it."""
    match = PageMatch(plan.checked, plan.receivers)
    match.feed(f"== APP == {printed}", "orders")
    return match.total == 1 and match.complete


def _readme_verdict(tree: Path, page: str, printed: str) -> bool:
    readme = tree / "orders" / "README.md"
    readme.write_text(README.format(page=page))
    return _verdict(page_plan(parse_annotated(readme.read_text(), readme), tree, []), printed)


def _tab_verdict(tree: Path, page: str, printed: str) -> bool:
    path = tree / "page.md"
    path.write_text(TAB.format(page=page))
    ((tab, report),) = page_reports(load_page(path), tree)
    _, plan = tab_page(tab, report, tree, tree)
    return _verdict(plan, printed)


@pytest.mark.parametrize("page, printed, same", CASES)
def test_a_readme_and_a_docs_tab_showing_the_same_block_give_the_same_verdict(tmp_path, page, printed, same):
    """Both pages become the one page model (reader blocks, output blocks), matched by one engine."""
    (tmp_path / "orders").mkdir()
    (tmp_path / "orders" / "app.py").write_text("print('hi')\n")
    assert _readme_verdict(tmp_path, page, printed) is same
    assert _tab_verdict(tmp_path, page, printed) is same
    assert page_fits(page, printed) is same


def test_a_page_line_labelled_with_an_app_is_that_apps_only():
    assert page_fits("== APP - checkout == Order passed: 1", "== APP - checkout == Order passed: 1")
    assert not page_fits("== APP - checkout == Order passed: 1", "== APP - order-processor == Order passed: 1")
    assert page_fits("== APP == Order passed: 1", "Order passed: 1")  # CLI 1.17 on prints it bare


def test_an_empty_page_line_never_passes_over_a_line_still_due():
    """npm's start banner: an empty app line, the script's lines, another empty one. The second
    empty page line is not met by the first empty line printed, which would leave the banner
    behind it unmet (the apps printed it, in the page's order)."""
    match = PageMatch([OutputBlock(10, (("== APP ==", 11), ("== APP == > order-processor@1.0.0 start", 12),
                                        ("== APP == > node index.js", 13), ("== APP ==", 14),
                                        ("== APP == Fetched Secret: 1", 15)), "It prints:", None, 9)])
    for printed in ["", "== APP == ", "== APP == > order-processor@1.0.0 start", "== APP == > node index.js",
                    "== APP == ", "== APP == Fetched Secret: 1"]:
        match.feed(printed, "order-processor")
    assert match.complete, match.record()["unmet"]


def test_the_same_app_run_again_is_read_apart_from_its_first_run():
    """A README runs `dapr run -f .`, then the same app alone: the block after the second shows the
    CLI's line, then the app's. The first run's lines do not leave the second's CLI line behind."""
    block = OutputBlock(10, (("You're up and running! Both Dapr and your app logs will appear here.", 11),
                             ("Saved Order: 1", 12), ("Deleted Order: 1", 13)), "It prints:", None, 9)
    match = PageMatch([block])
    for printed in ["== APP - order-processor == Saved Order: 1", "== APP - order-processor == Deleted Order: 1"]:
        match.feed(printed, None, 1)
    for printed in ["✅  You're up and running! Both Dapr and your app logs will appear here.", "",
                    "== APP == Saved Order: 1", "== APP == Deleted Order: 1"]:
        match.feed(printed, "order-processor", 2)
    assert match.complete, match.record()["unmet"]
