"""The redaction table, per-line marks and the one update path."""

from pathlib import Path

import pytest

from runner.errors import InputError
from runner.formats.expected import parse_expected, render_expected
from runner.transcript.masks import PORT, TIMESTAMP, Redactor
from runner.transcript.matcher import StreamMatcher
from runner.transcript.normalize import normalizer
from runner.transcript.update import updated_lines

P = Path("expected/x/go-sdk.txt")


def matches(expected_text: str, output: list[str]) -> bool:
    matcher = StreamMatcher(parse_expected(expected_text, P))
    for line in output:
        matcher.feed(line)
    return matcher.complete


def test_builtin_masks_have_one_home_and_are_idempotent():
    normal = normalizer()
    line = "2022/04/01 09:16:03 listening on 127.0.0.1:53689"
    assert normal(line) == f"{TIMESTAMP} listening on 127.0.0.1:{PORT}"
    assert normal(normal(line)) == normal(line)
    # A span's epoch time (ms, us, ns) is a time; other long numbers stay numbers.
    for epoch in ("1613170216016", "1613170216016911", "1613170216016911123"):
        assert normal(f'"timestamp": {epoch},') == f'"timestamp": {TIMESTAMP},'
    for number in ("1613170216", "16131702160169", "9613170216016911", "42"):
        assert normal(f'"count": {number},') == f'"count": {number},'


def test_a_file_declares_its_own_masks():
    text = "---\nmasks:\n  ORDER_ID: '[0-9a-f]{8}'\n---\n== APP == order [ORDER_ID] saved\n"
    assert matches(text, ["== APP == order 1a2b3c4d saved"])
    assert not matches(text, ["== APP == order zzzz saved"])
    # A mask never eats a placeholder already in the line, so masking twice changes nothing.
    normal = normalizer(masks=(("WORD", r"[A-Z]+"),))
    assert normal("abc [TIMESTAMP] XYZ") == normal(normal("abc [TIMESTAMP] XYZ")) == "abc [TIMESTAMP] [WORD]"


def test_per_line_marks_re_and_glob():
    text = "== APP == Saving Order: [0-9]+ (re)\n== APP == Deleting * done? (glob)\n"
    assert matches(text, ["== APP == Saving Order: 17", "== APP == Deleting order 5 done!"])
    assert not matches(text, ["== APP == Saving Order: x", "== APP == Deleting order 5 done!"])
    assert not matches(text, ["== APP == Saving Order: 17 and more", "== APP == Deleting order 5 done!"])
    exp = parse_expected(text, P)
    assert [(line.text, line.mark) for line in exp.lines][0] == ("== APP == Saving Order: [0-9]+", "re")
    assert exp.lines[1].written == "== APP == Deleting * done? (glob)"


def test_a_bad_regex_mark_or_mask_is_refused_at_its_line():
    with pytest.raises(InputError) as error:
        parse_expected("== APP == fine\n== APP == ([ (re)\n", P)
    assert error.value.line == 2
    with pytest.raises(InputError) as error:
        parse_expected("---\nmatch: exact\nmasks:\n  ID: '('\n---\nx\n", P)
    assert error.value.line == 4


def test_update_keeps_wildcards_masks_and_marks_of_lines_that_still_fit():
    text = ("---\ntimeout: 60\nmasks:\n  ID: 'id-[0-9]+'\n---\n"
            "== APP == Saving Order: [..]\n== APP == order [ID] (glob)\n== APP == Got [0-9]+ (re)\n== APP == gone\n")
    exp = parse_expected(text, P)
    observed = ["== APP == Saving Order: 7", "== APP == order id-12", "== APP == Got 3", "== APP == new line"]
    lines = updated_lines(exp, observed)
    assert lines == ["== APP == Saving Order: [..]", "== APP == order [ID] (glob)", "== APP == Got [0-9]+ (re)",
                     "== APP == new line"]
    again = parse_expected(render_expected(exp, lines), P)
    assert again.masks == (("ID", "id-[0-9]+"),) and again.timeout_s == 60
    matcher = StreamMatcher(again)
    for line in observed:
        matcher.feed(line)
    assert matcher.complete


def test_secrets_are_redacted_from_the_same_table():
    redact = Redactor({"MY_TOKEN": "hunter22", "HOME": "/root"})
    assert redact("token hunter22 at /root") == "token [REDACTED] at /root"


def test_what_a_readme_wrote_out_itself_is_not_redacted():
    """`SECRET_STORE: localsecretstore` in a step's env names a component, not a credential."""
    env = {"SECRET_STORE": "localsecretstore", "MY_TOKEN": "hunter22"}
    redact = Redactor(env, shown=frozenset({"SECRET_STORE"}))
    assert redact("secrets/localsecretstore/x hunter22") == "secrets/localsecretstore/x [REDACTED]"


def test_generated_ids_are_masked_numbers_and_words_are_not():
    from runner.transcript.masks import BUILTIN_MASKS

    ids = BUILTIN_MASKS["ids"]
    assert ids("Starting workflow 571a6e25 purchasing 1 Cars") == "Starting workflow [ID] purchasing 1 Cars"
    assert ids("instance 0d3b8c1f-1111-2222-3333-444455556666") == "instance [ID]"
    assert ids("order 12345678 at deadbeef, commit 1f2e3d4") == "order 12345678 at deadbeef, commit 1f2e3d4"
