"""Our mechanical-markdown matching gives mm's own verdict, on hand-picked and generated cases."""

from hypothesis import given, settings, strategies as st

from runner.transcript.mmcompat import mm_match, split_output


def mm_verdict(expected, output, mode, order) -> bool:
    from mechanical_markdown.step import Step

    step = Step({"expected_stdout_lines": expected, "output_match_mode": mode, "match_order": order}, "bash -c")

    class Done:  # what mm reads of a finished command
        process = object()
        return_code = 0
        duration_seconds = 0.0
        command = "x"

    done = Done()
    done.output = {"stdout": output, "stderr": ""}
    step.commands = [done]
    ok, _ = step.validate_and_report()
    return ok


def test_examples():
    assert mm_match(["a", "b"], ["a", "x", "b"], "exact", "sequential").ok
    assert not mm_match(["b", "a"], ["a", "b", "a"], "exact", "sequential").ok  # mm takes the first 'a'
    assert mm_match(["b", "a"], ["a", "b"], "exact", "none").ok
    assert mm_match(["Order"], ["== APP == Order 1"], "substring", "none").ok
    assert not mm_match(["Order"], ["== APP == Order 1"], "exact", "none").ok
    result = mm_match(["x", "x"], ["x"], "exact", "none")
    assert result.not_found == ("x",)


words = st.sampled_from(["a", "b", "ab", "", "a b", "== APP == a"])


@settings(max_examples=1500)
@given(st.lists(words, max_size=5), st.lists(words, max_size=8),
       st.sampled_from(["exact", "substring"]), st.sampled_from(["sequential", "none"]))
def test_same_verdict_as_mechanical_markdown(expected, output_lines, mode, order):
    output = "\n".join(output_lines)
    assert mm_match(expected, split_output(output), mode, order).ok == mm_verdict(expected, output, mode, order)


@settings(max_examples=1500)
@given(st.lists(words, max_size=5), st.lists(words, max_size=8),
       st.sampled_from(["exact", "substring"]), st.sampled_from(["sequential", "none"]))
def test_fed_line_by_line_every_prefix_gives_the_whole_pass(expected, output_lines, mode, order):
    """The incremental matcher a running step feeds is, after every line, mm's own pass over
    the output so far (empty expected lines and their quirks included)."""
    from runner.transcript.mmcompat import MmMatcher

    matcher = MmMatcher(expected, mode, order)
    for seen in range(1, len(output_lines) + 1):
        matcher.feed(output_lines[seen - 1])
        assert matcher.result() == mm_match(expected, output_lines[:seen], mode, order)
