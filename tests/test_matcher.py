from pathlib import Path

from hypothesis import given, settings, strategies as st

from runner.formats.expected import parse_expected
from runner.transcript.explain import explain
from runner.transcript.matcher import StreamMatcher

P = Path("expected.txt")


def matcher(body: str, **front) -> StreamMatcher:
    head = "".join(f"{k}: {v}\n" for k, v in front.items())
    return StreamMatcher(parse_expected((f"---\n{head}---\n" if head else "") + body, P))


def feed_all(m: StreamMatcher, lines: list[str]) -> StreamMatcher:
    for i, line in enumerate(lines):
        m.feed(line, t=float(i))
    return m


def test_sequential_is_an_ordered_subsequence_with_noise_between():
    m = feed_all(matcher("a\nb\nc\n"), ["x", "a", "noise", "b", "b", "c", "y"])
    assert m.complete and m.last_match_t == 5.0
    assert [h.output_number for h in m.hits()] == [2, 4, 6]


def test_sequential_fails_when_order_breaks_and_says_where():
    m = feed_all(matcher("a\nb\nc\n"), ["c", "a", "b"])
    assert not m.complete and m.unmatched() == [2]
    misses = explain(m)
    assert misses[0].order_note and "output line 1" in misses[0].order_note


def test_complete_the_moment_the_last_expectation_arrives():
    m = matcher("ready\n")
    assert m.feed("starting") == [] and not m.complete
    assert m.feed("ready", t=1.5) == [0] and m.complete
    assert m.last_match_t == 1.5
    assert m.feed("ready") == []  # later lines change nothing


def test_any_order_uses_each_output_line_once():
    m = feed_all(matcher("x\nx\n", order="any"), ["x"])
    assert m.matched == 1
    m.feed("x")
    assert m.complete


def test_any_order_reassigns_a_line_that_fits_several_patterns():
    # 'A1' fits both; greedy would give it to the wildcard and leave 'A1' unmatched.
    m = feed_all(matcher("A[..]\nA1\n", order="any"), ["A1", "A2"])
    assert m.complete


def test_substring_and_regex_modes():
    assert feed_all(matcher("Saving Order\n", match="substring"), ["== APP == Saving Order: 1"]).complete
    assert feed_all(matcher("^== APP == Saving Order: \\d+$\n", match="regex"), ["== APP == Saving Order: 12"]).complete
    assert not feed_all(matcher("Saving Order\n"), ["== APP == Saving Order: 1"]).complete


def test_status_emoji_and_timestamps_do_not_matter():
    m = feed_all(matcher("[TIMESTAMP] Saving 1\nExited App successfully\n"),
                 ["2022/04/01 09:16:03 Saving 1", "\u2705  Exited App successfully"])
    assert m.complete


def test_stream_filter():
    m = matcher("boom\n", stream="stderr")
    m.feed("boom", stream="stdout")
    assert not m.complete
    m.feed("boom", stream="stderr")
    assert m.complete


def test_explain_names_the_closest_line_and_its_position():
    m = feed_all(matcher("== APP == Saving Order: {'orderId': '1'}\n"),
                 ["daprd says hi", "== APP == Saving Order: 1", "unrelated"])
    (miss,) = explain(m)
    assert miss.closest[0].output_number == 2
    assert "line 1: expected" in miss.summary() and "Saving Order: 1" in miss.summary()


line_text = st.text(alphabet="ab[.]x ", max_size=6)


@settings(max_examples=400)
@given(st.lists(line_text, min_size=1, max_size=5), st.lists(st.text(max_size=30), max_size=30))
def test_matcher_never_raises_on_arbitrary_text(expected, output):
    body = "\n".join(line if line.strip() else "x" for line in expected) + "\n"
    for mode in ("exact", "substring"):
        for order in ("sequential", "any"):
            m = matcher(body, match=mode, order=order)
            for line in output:
                m.feed(line)
            explain(m)
            assert 0 <= m.matched <= m.total


@settings(max_examples=400)
@given(st.lists(line_text.filter(str.strip), min_size=1, max_size=5), st.lists(line_text, max_size=12))
def test_what_matches_sequential_also_matches_any(expected, noise):
    body = "\n".join(expected) + "\n"
    output = list(noise) + [line.replace("[..]", "zz") for line in expected] + list(noise)
    assert feed_all(matcher(body), output).complete  # the expected lines are all there, in order
    assert feed_all(matcher(body, order="any"), output).complete


def test_cli_lines_are_cut_where_an_app_line_starts():
    from runner.sidecar.dapr_cli import split_cli_line

    assert split_cli_line('time="t" level=info msg=up\x1b[94;1m== APP == Saving Order: 1\x1b[0;22m') == [
        'time="t" level=info msg=up', "\x1b[94;1m== APP == Saving Order: 1\x1b[0;22m"]
    assert split_cli_line("\x1b[94;1m== APP == one") == ["\x1b[94;1m== APP == one"]
    assert split_cli_line("== APP - a == x== APP - b == y") == ["== APP - a == x", "== APP - b == y"]
    assert split_cli_line("") == []


def test_per_app_order_is_sequential_within_each_app_only():
    from runner.formats.expected import Expectation, ExpectedLine

    lines = ["== APP - checkout == Published 1", "== APP - checkout == Published 2",
             "== APP - processor == Received 1", "== APP - processor == Received 2"]
    expectation = Expectation(lines=tuple(ExpectedLine(t, n) for n, t in enumerate(lines, 1)), match="exact",
                              order="per-app", source="t")
    matcher = StreamMatcher(expectation)
    for text in ["== APP - processor == Received 1", "== APP - checkout == Published 1",
                 "== APP - checkout == Published 2", "== APP - processor == Received 2"]:
        matcher.feed(text)
    assert matcher.complete
    swapped = StreamMatcher(expectation)
    for text in ["== APP - checkout == Published 2", "== APP - checkout == Published 1",
                 "== APP - processor == Received 1", "== APP - processor == Received 2"]:
        swapped.feed(text)
    assert swapped.unmatched() == [1]  # Published 2 came before Published 1: that app's order broke
