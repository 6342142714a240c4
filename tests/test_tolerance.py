"""One tolerance: a printed line is the line a page shows, or not, whichever face reads the page
(a README's block, a docs tab's output block, what `docs check --write` keeps)."""

import pytest

from runner.docs.tabjob import TAB_NORMALIZERS
from runner.formats.expected import Expectation, ExpectedLine
from runner.formats.readmepage import OutputBlock
from runner.transcript.matcher import StreamMatcher
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
    ("divisor is 2", "input is 2", False),
    ("Order passed: 1", "Order passed: 2", False),
    ("Saved order 1", "Saved order 1 twice", False),
    ('Output: "{\\"is_success\\":true}"', 'Output: "{\\"is_success\\": false}"', False),
    ('Order: {"orderId": 1, "item": "car"}', 'Order: {"orderId": 1}', False),
    ("", "", True),  # an empty line of the app's (`== APP ==` alone on the page)
    ("", "Saved order 1", False),
]


def _readme_verdict(page: str, printed: str) -> bool:
    match = PageMatch([OutputBlock(10, ((page, 11),), "It prints:", None, 9)])
    match.feed(printed)
    return match.complete


def _tab_verdict(page: str, printed: str) -> bool:
    """As tabjob.tab_script builds a tab's expectation, and its terminal's lines come labelled."""
    expectation = Expectation(lines=(ExpectedLine(f"== APP == {page}", 11),), match="exact", order="per-app",
                              groups=("t1",), normalizers=TAB_NORMALIZERS, tolerance="reader")
    matcher = StreamMatcher(expectation)
    matcher.feed(f"== APP == {printed}", "stdout", 0.0, source="t1")
    return matcher.complete


@pytest.mark.parametrize("page, printed, same", CASES)
def test_a_readme_and_a_docs_tab_showing_the_same_block_give_the_same_verdict(page, printed, same):
    assert _readme_verdict(page, printed) is same
    assert _tab_verdict(page, printed) is same
    assert page_fits(page, printed) is same


def test_a_page_line_labelled_with_an_app_is_that_apps_only():
    assert page_fits("== APP - checkout == Order passed: 1", "== APP - checkout == Order passed: 1")
    assert not page_fits("== APP - checkout == Order passed: 1", "== APP - order-processor == Order passed: 1")
    assert page_fits("== APP == Order passed: 1", "Order passed: 1")  # CLI 1.17 on prints it bare
