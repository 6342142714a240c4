"""A README that reads traces (`curl localhost:9411/...`) gets the real zipkin-server where
`dapr init` puts one, and its sidecars trace to it as `dapr init`'s configuration has them. The
README's curl comes right after the call, as a page's does: validate waits for the sidecar's
batched spans to be sent, as a reader's few seconds do."""

import pytest

from conftest import run_cli

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

APP = '''
import http.server, os

class App(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        print("order received", flush=True)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass

http.server.HTTPServer(("127.0.0.1", int(os.environ["APP_PORT"])), App).serve_forever()
'''
README = '''# traced

<!-- STEP
name: run
background: true
sleep: 3
expected_stdout_lines:
  - order received
output_match_mode: substring
-->

```bash
dapr run --app-id traced --app-port {port} -- python3 app.py
```

<!-- END_STEP -->

<!-- STEP
name: invoke
expected_stdout_lines:
  - App invoked successfully
output_match_mode: substring
-->

```bash
dapr invoke --app-id traced --method neworder --data '{{"id": 1}}'
```

<!-- END_STEP -->

<!-- STEP
name: traces
expected_stdout_lines:
  - '"dapr.api": "POST /v1.0/invoke/traced/method/neworder"'
output_match_mode: substring
-->

```bash
curl -s "http://localhost:9411/api/v2/traces?spanName=calllocal%2Ftraced%2Fneworder" | python3 -m json.tool
```

<!-- END_STEP -->

<!-- STEP
name: stop
-->

```bash
dapr stop --app-id traced
```

<!-- END_STEP -->
'''


def test_a_sidecars_spans_reach_the_runs_own_zipkin(tmp_path, daprd_path, no_leftovers):
    from runner.services.ports import free_port

    folder = tmp_path / "tutorials" / "traced"
    folder.mkdir(parents=True)
    (folder / "app.py").write_text(APP)
    (folder / "README.md").write_text(README.format(port=free_port()))
    listed = run_cli("list", "--repo", str(tmp_path))
    assert "Zipkin" in listed.stdout, listed.stdout + listed.stderr
    result = run_cli("validate", "tutorials/traced", "--repo", str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "PASS  tutorials/traced" in result.stdout
