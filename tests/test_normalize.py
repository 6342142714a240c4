from hypothesis import given, settings, strategies as st

from runner.transcript.masks import TIMESTAMP
from runner.transcript.normalize import normalizer, strip_ansi


def test_strips_ansi_status_emoji_and_trailing_space():
    n = normalizer()
    assert n("\x1b[32m\u2705  Exited App successfully\x1b[0m  \r") == "Exited App successfully"
    assert n("\u2139\ufe0f  Starting Dapr with id order-processor.") == "Starting Dapr with id order-processor."
    assert n("\u274c  The App process exited with error code: 1") == "The App process exited with error code: 1"


def test_masks_go_log_and_iso_timestamps():
    n = normalizer()
    assert n("2022/04/01 09:16:03 Saving Order: 1") == f"{TIMESTAMP} Saving Order: 1"
    assert n('time="2026-11-28T04:03:56.598638948Z" level=info') == f'time="{TIMESTAMP}" level=info'
    assert n("at 2024-01-02 03:04:05+02:00 done") == f"at {TIMESTAMP} done"


def test_keeps_app_text_alone():
    line = "== APP == INFO:root:Saving Order: {'orderId': '1'}"
    assert normalizer()(line) == line


def test_only_the_named_normalizers_apply():
    assert normalizer(("whitespace",))("\x1b[1mx\x1b[0m  ") == "\x1b[1mx\x1b[0m"


def test_nested_ansi_is_removed_completely():
    assert strip_ansi("\x1b\x1b[0m[31mred") == "red"


_alphabet = st.sampled_from(list("ab 0129:/-.T+Z\r\t\x1b[m;\u2705\u2139\ufe0f\u274c\u26a0\x07]\\"))


@settings(max_examples=2000)
@given(st.text(alphabet=_alphabet, max_size=40) | st.text(max_size=40))
def test_normalizers_are_idempotent(text):
    n = normalizer()
    once = n(text)
    assert n(once) == once
