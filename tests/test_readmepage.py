"""A README read as its reader reads it: which blocks show output and whose, the order the page
promises, placeholders and where their values come from; what validate runs of it beyond the
STEPs; and the page's output matched against what a run printed. README fragments, as upstream
writes them."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from runner.formats.readmepage import filled, intro_of, output_blocks
from runner.formats.steps import parse_annotated
from runner.source.readerblocks import page_plan
from runner.transcript.pagematch import PageMatch

FENCE = "```"


def readme(tmp_path: Path, text: str, files: dict[str, str] | None = None) -> Path:
    """A README (its ``` written as '''), with the files beside it that its commands read."""
    path = tmp_path / "README.md"
    path.write_text(textwrap.dedent(text).replace("'''", FENCE))
    for name, content in (files or {}).items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(content)
    return path


WORKFLOW = """\
    # Fan-out/Fan-in

    ## Run the tutorial

    1. Use a terminal to navigate to the `app` folder.
    2. Install the dependencies using pip:

        '''bash
        pip3 install -r requirements.txt
        '''

    3. Navigate back one level and use the Dapr CLI to run the Dapr Multi-App run file

        <!-- STEP
        name: Run multi app run template
        expected_stdout_lines:
        - 'Started Dapr with app id "fanoutfanin"'
        output_match_mode: substring
        background: true
        sleep: 15
        -->
        '''bash
        dapr run -f .
        '''
        <!-- END_STEP -->

    4. Use this cURL command to start the workflow:

        '''bash
        curl -i --request POST \\
        --url http://localhost:5256/start \\
        --data '["which","word"]'
        '''

        The input for the workflow is an array of strings:

        '''json
        ["which", "word"]
        '''

        The expected app logs are as follows:

        '''text
        get_word_length: Received input: word.
        get_word_length: Received input: which.
        '''

        > Note that the order of the logs may vary.

    5. Use this cURL command to get the status of the workflow:

        '''bash
        curl --request GET --url http://localhost:3556/v1.0/workflows/dapr/<INSTANCEID>
        '''

        Where `<INSTANCEID>` is the workflow instance ID you received in the `instance_id` property in the previous step.

        The expected serialized output of the workflow is:

        '''txt
        "\\"is\\""
        '''

    6. Stop the Dapr Multi-App run process by pressing `Ctrl+C`.
    """
def line_of(path: Path, needle: str, after: int = 0) -> int:
    """The README line of the first line after line `after` holding `needle`."""
    return next(number for number, text in enumerate(path.read_text().splitlines(), start=1)
                if number > after and needle in text)


FILES = {"app/requirements.txt": "dapr\n", "app/app.py": "print('hi')\n",
         "dapr.yaml": "version: 1\napps:\n  - appID: fanoutfanin\n    appDirPath: app\n    command: [\"python3\", \"app.py\"]\n"}


def test_output_blocks_are_those_the_prose_introduces_as_output_never_as_input(tmp_path):
    path = readme(tmp_path, WORKFLOW)
    annotated = parse_annotated(path.read_text(), path)
    blocks = output_blocks(annotated, starts={line_of(path, "dapr run -f .")})
    assert [block.intro for block in blocks] == ["The expected app logs are as follows:",
                                                 "The expected serialized output of the workflow is:"]
    logs, serialized = blocks
    assert logs.of_command is None, "app logs: the running apps' output"
    assert logs.unordered == "the page says their order may vary"
    assert [text for text, _ in logs.lines] == ["get_word_length: Received input: word.",
                                               "get_word_length: Received input: which."]
    assert serialized.of_command == line_of(path, "curl --request GET"), "the answer of the curl right above it"
    assert serialized.unordered is None and serialized.lines == (('"\\"is\\""', line_of(path, '"\\"is')),)


def test_an_intro_is_the_last_sentence_that_leads_into_the_block():
    assert intro_of("The input for the workflow is a string with the value `This`. The expected app logs are as "
                    "follows:") == "The expected app logs are as follows:"
    assert intro_of("The terminal console output should look similar to this, where:\n\n- The `R2-D2` job is "
                    "scheduled.\n- The `C-3PO` job is run.") == "The terminal console output should look similar to this, where:"
    assert intro_of("3. Expected output") == "3. Expected output"


def test_a_block_shown_for_another_configuration_is_not_checked(tmp_path):
    text = WORKFLOW.replace("The expected app logs are as follows:", "When running `after.py`, the expected app logs are:")
    path = readme(tmp_path, text, FILES)
    plan = page_plan(parse_annotated(path.read_text(), path), tmp_path, [])
    skipped = {check.block.lines[0][0]: check.skip for check in plan.outputs}
    assert skipped["get_word_length: Received input: word."] == ("the page shows it for `after.py`, which the apps this "
                                                                 "run starts do not run")
    assert skipped['"\\"is\\""'] is None


def test_validate_runs_the_readers_blocks_in_their_folders(tmp_path):
    path = readme(tmp_path, WORKFLOW, FILES)
    plan = page_plan(parse_annotated(path.read_text(), path), tmp_path, [])
    kinds = [(block.line, block.kind, block.folder.name, block.fills) for block in plan.blocks]
    assert kinds == [(line_of(path, "pip3 install") - 1, "build", "app", ()),
                     (line_of(path, "curl -i") - 1, "client", "app", ()),
                     (line_of(path, "curl --request GET") - 1, "client", "app", (("INSTANCEID", "instance_id"),))]
    assert all(check.skip is None for check in plan.outputs)


def test_an_unannotated_readme_starts_its_apps_and_skips_optional_sections(tmp_path):
    text = """\
        ## Run

        '''bash
        pip3 install -r requirements.txt
        '''

        '''bash
        dapr run --app-id app --app-port 5000 -- python3 app.py
        '''

        The app logs should look similar to the following:

        '''text
        Started.
        '''

        ## Run with Docker (Optional)

        '''bash
        dapr run --app-id app -- python3 app.py --docker
        '''
        """
    path = readme(tmp_path, text, {"requirements.txt": "", "app.py": ""})
    plan = page_plan(parse_annotated(path.read_text(), path), tmp_path, [])
    assert [(block.text, block.kind) for block in plan.blocks] == [
        ("pip3 install -r requirements.txt", "build"), ("dapr run --app-id app --app-port 5000 -- python3 app.py", "start")]
    assert [check.skip for check in plan.outputs] == [None]


def test_annotated_readmes_run_clients_only_while_their_apps_run(tmp_path):
    text = WORKFLOW.replace("6. Stop the Dapr", """6. Stop

        <!-- STEP
        name: stop
        -->
        '''bash
        dapr stop -f .
        '''
        <!-- END_STEP -->

    7. Then

        '''bash
        curl http://localhost:5256/late
        '''

        You should see:

        '''text
        late
        '''

    8. Stop the Dapr""")
    path = readme(tmp_path, text, FILES)
    plan = page_plan(parse_annotated(path.read_text(), path), tmp_path, [])
    assert "curl http://localhost:5256/late" not in [block.text for block in plan.blocks]
    late = next(check for check in plan.outputs if check.block.lines[0][0] == "late")
    assert late.skip and "is not run here" in late.skip


def test_a_placeholder_is_filled_from_the_one_field_of_its_name_never_guessed():
    answer = 'HTTP/1.1 202 Accepted\r\ncontent-type: application/json\r\n\r\n{"instance_id":"4f0c2a"}'
    assert filled("curl x/<INSTANCEID>", (("INSTANCEID", "instance_id"),), [answer]) == ("curl x/4f0c2a", [])
    assert filled("curl x/<INSTANCEID>", (("INSTANCEID", "INSTANCEID"),), [answer]) == ("curl x/4f0c2a", [])
    two = json.dumps({"a": {"instanceId": "1"}, "b": {"instance-id": "2"}})
    assert filled("curl x/<INSTANCEID>", (("INSTANCEID", "INSTANCEID"),), [two]) == ("curl x/<INSTANCEID>", ["INSTANCEID"])
    assert filled("curl x/<ORDER_ID>", (("ORDER_ID", "ORDER_ID"),), ["no json"])[1] == ["ORDER_ID"]


def _apps_block(lines: list[str], unordered: bool = False):
    from runner.page.model import OutputBlock

    return OutputBlock(10, tuple((text, 11 + i) for i, text in enumerate(lines)), "output:", None, 5,
                       "may vary" if unordered else None)


def test_app_lines_keep_their_order_within_each_app_whatever_the_apps_interleave():
    page = ["Order received : 1", "Order passed: 1", "Order received : 2", "Order passed: 2"]
    match = PageMatch([_apps_block(page)])
    for line in ["== APP - checkout == Order passed: 1", "== APP - order-processor == Order received : 1",
                 "== APP - order-processor == Order received : 2", "== APP - checkout == Order passed: 2"]:
        match.feed(line)
    assert match.complete
    match = PageMatch([_apps_block(["step one", "step two"])])
    match.feed("== APP - app == step two")
    match.feed("== APP - app == step one")
    assert not match.complete, "within one app the page's order counts"
    match = PageMatch([_apps_block(["step one", "step two"], unordered=True)])
    match.feed("== APP - app == step two")
    match.feed("== APP - app == step one")
    assert match.complete, "unless the page says it may vary"


def test_app_lines_compare_as_a_reader_compares_them():
    page = ['127.0.0.1 - - [DATE] "POST /orders HTTP/1.1" 200 -', "Saved   order 4f0c2a3e-1111-2222-3333-444455556666",
            "2023-09-04 14:25:37.624  INFO 88784 --- [nio-8080-exec-1] c.s.c.CheckoutServiceApplication : Published data: 1"]
    match = PageMatch([_apps_block(page)])
    match.feed('== APP - p == 127.0.0.1 - - [02/Dec/2026 22:10:01] "POST /orders HTTP/1.1" 200 -')
    match.feed("== APP - p == Saved order 9a9a9a9a-1111-2222-3333-444455556666")
    match.feed("== APP - c == 2026-12-02 22:10:01.001  INFO 4242 --- [main] c.s.c.CheckoutServiceApplication : Published data: 1")
    assert match.complete
    miss = PageMatch([_apps_block(["Order passed: 1"])])
    miss.feed("== APP - c == Order failed: 1")
    (found,) = miss.misses()
    assert found.miss.source_line == 11 and found.miss.closest[0].text == "Order failed: 1"
    assert found.reason("README.md") == ("README.md:11: the page shows `Order passed: 1`, never printed; the closest "
                                         "printed line (80% alike): `Order failed: 1` (`passed` expected, `failed` printed)")


def test_a_blocks_line_that_differs_in_words_leads_its_reason_before_one_that_differs_in_numbers():
    """tutorials/observability: the span's `"duration"` differs first, its tags in words after; a
    writer acts on the tags. A block whose lines differ in numbers alone still says the number."""
    match = PageMatch([_apps_block(['"duration": 93671,', '"opencensus.status_description": "OK",'])])
    match.feed('== APP == "duration": 82975,')
    match.feed('== APP == "otel.status_description": "OK",')
    (found,) = match.misses()
    assert found.miss.expected == '"opencensus.status_description": "OK",' and found.more == 1
    assert "(`opencensus` expected, `otel` printed)" in found.reason("R.md")
    numbers = PageMatch([_apps_block(["Starting server on port: 6400", "Order 1 done"])])
    numbers.feed("== APP == Starting server on port: 6600")
    numbers.feed("== APP == Order 2 done")
    (found,) = numbers.misses()
    assert found.reason("R.md").endswith("(`6400` expected, `6600` printed)")


def test_the_punctuation_a_line_ends_on_is_forgiven_a_word_never():
    match = PageMatch([_apps_block(["Successfully persisted state"])])
    match.feed("== APP == Successfully persisted state.")
    assert match.complete
    drifted = PageMatch([_apps_block(["Successfully persisted state"])])
    drifted.feed("== APP == Successfully persisted states.")
    (found,) = drifted.misses()
    assert found.reason("R.md").endswith("(`state` expected, `states` printed)")
    page = '"{\\"is_success\\":true, \\"message\\":\\"Order 1 processed successfully.\\"}"'
    answer = ('{"properties":{"dapr.workflow.output":'
              '"{\\"is_success\\": true, \\"message\\": \\"Order 1 processed successfully\\"}"}}')
    assert _answered(page, answer).complete, "JSON inside a JSON string: its spacing and a string's last period"
    assert not _answered(page, answer.replace("Order 1", "Order 2")).complete


def test_a_commands_answer_is_read_with_the_one_tolerance():
    """tutorials/observability: the page's span shows `"serviceName": "hello-tracing",` with an
    `ipv4` field after it; daprd's span has none, so its line ends without the comma. A reader sees
    the line; a different name is still not it."""
    answer = '[\n  {\n    "localEndpoint": {\n      "serviceName": "hello-tracing"\n    }\n  }\n]'
    assert _answered('"serviceName": "hello-tracing",', answer).complete
    assert not _answered('"serviceName": "hello-tracking",', answer).complete


def test_a_line_is_not_passed_over_for_a_later_one_when_its_app_prints_lines_of_its_shape():
    """The page shows orders 1, 2 with their `persisted` lines; the app first answers an order of
    another id (a step's `curl`). Its `persisted` must not take the block's second line past the
    first, which comes later: a reader reads the block as the sequence it is."""
    page = ["Got a new order! Order ID: 1", "Successfully persisted state", "Got a new order! Order ID: 2",
            "Successfully persisted state"]
    match = PageMatch([_apps_block(page)])
    for order in (42, 1, 2):
        match.feed(f"== APP == Got a new order! Order ID: {order}")
        match.feed("== APP == Successfully persisted state.")
    assert match.complete
    two_apps = PageMatch([_apps_block(["Order received: 1", "Order passed: 1", "Order received: 2", "Order passed: 2"])])
    for line in ("== APP - p == Order received: 1", "== APP - p == Order received: 2", "== APP - c == Order passed: 1",
                 "== APP - c == Order passed: 2"):
        two_apps.feed(line)
    assert two_apps.complete, "another app's lines are passed over"


def test_a_commands_answer_holds_the_page_lines_or_its_json():
    from runner.page.model import OutputBlock

    serialized = OutputBlock(20, (('"\\"is\\""', 21),), "output:", 15, 15)
    document = OutputBlock(30, (('{"name":"c-3po", "dueTime": "30s"}', 31),), "output:", 25, 25, json=True)
    match = PageMatch([serialized, document])
    match.answered([15], '{"runtimeStatus":"COMPLETED","properties":{"dapr.workflow.output":"\\"is\\""}}')
    match.answered([25], 'HTTP/1.1 200 OK\r\n\r\n{"dueTime":"30s","name":"c-3po","data":{}}')
    assert match.complete
    wrong = PageMatch([serialized])
    wrong.answered([15], '{"runtimeStatus":"FAILED"}')
    assert not wrong.complete and wrong.misses()[0].miss.source_line == 21
    assert wrong.misses()[0].reason("R.md") == ('R.md:21: the page shows `"\\"is\\""`, never printed: the command at '
                                                "line 15 did not print it")


def test_list_says_how_each_readme_is_checked_and_why_one_cannot_run(snapshot_tree):
    import pytest

    from conftest import SNAPSHOT, run_cli

    if not SNAPSHOT.is_dir():
        pytest.skip(f"no snapshot at {SNAPSHOT}")
    done = run_cli("list", "--repo", str(SNAPSHOT), "--ref", "v1.17.0", "--lang", "python,java", "--json", "--offline")
    assert done.returncode == 0, done.stderr
    rows = {row["path"]: row for row in json.loads(done.stdout)}
    assert rows["service_invocation/python/http"]["expectation"] == "README + page"
    assert rows["service_invocation/python/http"]["weak"] is None, "its twenty order lines are checked"
    assert rows["state_management/python/sdk"]["expectation"] == "README"
    assert rows["tutorials/workflow/python/fan-out-fan-in"]["expectation"] == "README + page"
    assert rows["tutorials/workflow/python/workflow-management"]["weak"] == "checks only that Dapr started"
    versioning = rows["tutorials/workflow/python/versioning"]
    assert versioning["expectation"] == "README page" and versioning["runnable"]
    tips = rows["tutorials/workflow/python/challenges-tips"]
    assert not tips["runnable"] and tips["why_not"].startswith("its README starts no app")
    java = [row for path, row in rows.items() if path.startswith("tutorials/workflow/java/")]
    assert len(java) == 11
    for row in java:
        if row["path"].endswith("challenges-tips"):
            continue
        assert row["expectation"] == "README page"
        assert row["why_not"].startswith("needs Docker: ") and "DaprTestContainersConfig.java:" in row["why_not"], row


def test_what_a_reader_passes_over_and_what_they_do_not():
    cases = [  # page line, printed line, met
        ('127.0.0.1 - - "POST /job/R2-D2 HTTP/1.1" 200 -', '127.0.0.1 - - [02/Dec/2026 22:10:01] "POST /job/R2-D2 HTTP/1.1" 200 -', True),
        ("Starting Dapr with id nodeapp. HTTP Port: 3500. gRPC Port: 9165",
         "Starting Dapr with id nodeapp. HTTP Port: 3500. gRPC Port: 50047", True),  # the CLI picks it per run
        ("Starting server on port: 6400", "Starting server on port: 6600", False),  # the app's own port is the page's word
        ('Job details: {"name":"C-3PO", "dueTime": "30s"}', 'Job details: {"dueTime":"30s","name":"C-3PO"}', True),
        ('Job details: {"name":"C-3PO", "dueTime": "30s"}', 'Job details: {"name":"C-3PO","dueTime":"15s"}', False),
        ("1175 [main] INFO com.service.Checkout - Published data: 2", "[main] INFO com.service.Checkout - Published data: 2", True),
        ("Successfully persisted state", "Successfully persisted state.", True),  # the punctuation it ends on
        ("Successfully persisted state", "Successfully persisted states", False),
    ]
    for page, printed, met in cases:
        match = PageMatch([_apps_block([page])])
        match.feed(f"== APP - app == {printed}" if "Dapr with id" not in printed else printed)
        assert match.complete is met, (page, printed)


def test_a_receivers_lines_and_a_count_the_page_says_varies():
    match = PageMatch([_apps_block(["received: 1", "received: 2"])], receivers=("sub",))
    match.feed("== APP - sub == received: 2")
    match.feed("== APP - sub == received: 1")
    assert match.complete, "a subscriber's lines come in delivery order"
    from dataclasses import replace

    varies = replace(_apps_block(["check: 0.", "check: 1.", "check: 2.", "check: 3."]), count_varies=True)
    match = PageMatch([varies])
    match.feed("== APP == check: 0.")
    match.feed("== APP == check: 1.")
    assert match.complete and match.matched == match.total == 4
    match = PageMatch([varies])
    match.feed("== APP == other")
    assert not match.complete and match.misses()[0].miss.expected == "check: 0."


def test_a_block_awaited_once_is_not_awaited_again():
    match = PageMatch([_apps_block(["never"])])
    assert not match.shown_above(100)
    match.give_up(100)
    assert match.shown_above(100) and not match.complete, "still a miss, only not waited for again"


def _answered(page_line: str, answer: str) -> PageMatch:
    """A page whose line 21 shows the output of the command at line 15, that command's answer given."""
    from runner.page.model import OutputBlock

    match = PageMatch([OutputBlock(20, ((page_line, 21),), "output:", 15, 15)])
    match.answered([15], answer)
    return match


def test_a_serialized_output_compares_as_the_json_it_holds():
    page = '"[\\"Item 1 is processed.\\",\\"Item 2 is processed.\\"]"'
    answer = ('{"runtimeStatus":"COMPLETED", "properties":{"dapr.workflow.output":'
              '"[\\"Item 1 is processed.\\", \\"Item 2 is processed.\\"]"}}')
    assert _answered(page, answer).complete
    assert not _answered(page, answer.replace("Item 2", "Item 3")).complete


def test_a_serialized_output_that_drifted_names_the_value_the_answer_holds():
    page = '"\\"Status is healthy after checking 3 times.\\""'
    answer = ('{"runtimeStatus":"COMPLETED", "properties":{"dapr.workflow.input":"4", '
              '"dapr.workflow.output":"\\"Status is healthy after 4 times.\\""}}')
    (miss,) = _answered(page, answer).misses()
    assert [line.text for line in miss.miss.closest] == ['"\\"Status is healthy after 4 times.\\""']


def test_two_lines_threads_printed_onto_one_meet_the_page_lines_they_are():
    page = ["get_word_length: Received input: word.", "get_word_length: Received input: which."]
    match = PageMatch([_apps_block(page, unordered=True)])
    match.feed("== APP - app == get_word_length: Received input: word.get_word_length: Received input: which.")
    assert match.complete
    match = PageMatch([_apps_block(page, unordered=True)])
    match.feed("== APP - app == get_word_length: Received input: word.and something else")
    assert match.matched == 0, "only lines the page shows, whole, back to back"


def test_a_line_glued_to_another_writers_line_meets_its_page_line_once_its_break_comes_apart():
    page = ["activity1: Received input: This.", "activity2: Received input: This is."]
    glued = "== APP - chaining == activity1: Received input: This.INFO:     127.0.0.1:34180 - \"POST /start HTTP/1.1\" 202"
    match = PageMatch([_apps_block(page)])
    match.feed(glued)
    assert match.matched == 0, "not before the line break on its own shows the text was written apart"
    match.feed("== APP - chaining == ")
    match.feed("== APP - chaining == activity2: Received input: This is.")
    assert match.complete
    match = PageMatch([_apps_block(["Order 1"])])
    match.feed("== APP - app == Order 10 passed")
    match.feed("== APP - app == ")
    assert match.matched == 0, "a page line is met whole, never as a number or word cut short"
    match = PageMatch([_apps_block(page)])
    match.feed(glued)
    match.feed("== APP - chaining == something else")
    match.feed("== APP - chaining == ")
    assert match.matched == 0, "only the line just before the lone break"



def test_a_curl_formatted_by_a_standard_library_tool_shows_its_own_answer_not_the_apps(tmp_path):
    """`curl ... -o out.json && python3 -m json.tool out.json` (tutorials/observability) asks and
    prints: the block under it is that answer, not the running app's output."""
    path = readme(tmp_path, """\
        # traced

        '''bash
        dapr run --app-id traced -- python3 app.py
        '''

        '''bash
        curl -s localhost:9411/api/v2/traces -o out.json && python3 -m json.tool out.json
        '''

        You should see output like the following:

        '''
        [{"name": "calllocal/traced/neworder"}]
        '''
        """, {"app.py": "print('hi')\n"})
    plan = page_plan(parse_annotated(path.read_text(), path), tmp_path, [])
    (check,) = plan.outputs
    assert check.block.of_command == line_of(path, "python3 -m json.tool"), "the curl's answer, formatted"
