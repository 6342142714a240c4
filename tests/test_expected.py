from pathlib import Path

import pytest

from runner.errors import InputError
from runner.formats.expected import load_expected, parse_expected, render_expected
from runner.transcript.masks import line_pattern as compile_line

P = Path("expected/x/python-sdk.txt")


def test_plain_body_defaults_to_exact_sequential():
    exp = parse_expected("== APP == one\n\n== APP == two\n", P)
    assert [line.text for line in exp.lines] == ["== APP == one", "== APP == two"]
    assert [line.source_line for line in exp.lines] == [1, 3]
    assert (exp.match, exp.order, exp.stream, exp.timeout_s) == ("exact", "sequential", "both", None)


def test_front_matter_options_and_line_numbers():
    exp = parse_expected("---\nmatch: substring\norder: any\ntimeout: 30\n---\nSaving\n", P)
    assert (exp.match, exp.order, exp.timeout_s) == ("substring", "any", 30.0)
    assert exp.lines[0].source_line == 6


def test_wildcard_matches_any_text_within_a_line():
    pattern = compile_line("Order [..] saved at [..]", "exact")
    assert pattern.search("Order 17 saved at 10:00")
    assert not pattern.search("An Order 17 saved at 10:00")
    assert compile_line("a.b", "exact").search("a.b") and not compile_line("a.b", "exact").search("axb")


@pytest.mark.parametrize("text, line, words", [
    ("---\nmatch: fuzzy\n---\nx\n", 2, "'match' is 'fuzzy'"),
    ("---\nmatch: [unclosed\n---\nx\n", 2, "invalid YAML"),
    ("---\nmatch: exact\nx\n", 1, "never closed"),
    ("---\ncolour: red\n---\nx\n", 2, "unknown key"),
    ("---\ntimeout: -1\n---\nx\n", 2, "timeout"),
    ("---\nmatch: regex\n---\n(unbalanced\n", 4, "invalid regular expression"),
    ("---\n---\n\n", 3, "no expected lines"),
    ("---\n- a list\n---\nx\n", 2, "mapping"),
])
def test_bad_files_name_file_and_line(text, line, words):
    with pytest.raises(InputError) as err:
        parse_expected(text, P)
    assert err.value.line == line
    assert words in str(err.value)
    assert str(err.value).startswith(f"{P}:{line}: ")


def test_unreadable_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError):
        load_expected(tmp_path / "missing.txt")


def test_render_keeps_front_matter(tmp_path):
    exp = parse_expected("---\nmatch: substring\n---\nold\n", P)
    text = render_expected(exp, ["new 1", "new 2"])
    again = parse_expected(text, P)
    assert again.match == "substring" and [line.text for line in again.lines] == ["new 1", "new 2"]
