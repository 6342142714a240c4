"""A component an official daprd carries and our build's list lacks (bindings.http): the job
gets a daprd of ours that carries it too, built once from dapr's own registration file."""

import http.server
import threading

import pytest

from conftest import run_cli
from runner.provision.daprd import component_types
from runner.provision.officialcomponents import registrations

_COMPONENT = """apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: web
spec:
  type: bindings.http
  version: v1
  metadata:
  - name: url
    value: http://127.0.0.1:{port}/greeting
"""

_APP = """import json, os, urllib.request

request = urllib.request.Request(f"http://127.0.0.1:{os.environ['DAPR_HTTP_PORT']}/v1.0/bindings/web",
                                 data=json.dumps({"operation": "get"}).encode(), method="POST")
with urllib.request.urlopen(request, timeout=10) as response:
    print("the binding answered:", response.read().decode())
"""

_README = """# An HTTP output binding

<!-- STEP
name: call the binding
expected_stdout_lines:
  - "the binding answered: hello from {port}"
-->

```bash
dapr run --app-id web --resources-path ./components -- python3 app.py
```

<!-- END_STEP -->
"""


class _Greeting(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = f"hello from {self.server.server_port}".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_registrations_are_read_from_dapr_own_files(tmp_path):
    (tmp_path / "bindings_http.go").write_text(
        '//go:build allcomponents\n\npackage components\n\nimport (\n\t"github.com/dapr/components-contrib/bindings/http"\n'
        '\tbindingsLoader "github.com/dapr/dapr/pkg/components/bindings"\n)\n\nfunc init() {\n'
        '\tbindingsLoader.DefaultRegistry.RegisterOutputBinding(http.NewHTTP, "http")\n}\n')
    (tmp_path / "state_pg.go").write_text(
        'package components\n\nimport (\n\tstateLoader "github.com/dapr/dapr/pkg/components/state"\n)\n\nfunc init() {\n'
        '\tstateLoader.DefaultRegistry.RegisterComponentWithVersions("postgresql", components.Versioning{\n'
        '\t\tPreferred: components.VersionConstructor{Version: "v2", Constructor: pg.New},\n\t\tDefault: "v1",\n\t})\n}\n')
    assert registrations(tmp_path) == {"bindings.http": tmp_path / "bindings_http.go",
                                       "state.postgresql": tmp_path / "state_pg.go"}


@pytest.mark.e2e
def test_a_component_our_list_lacks_runs_on_a_daprd_built_to_carry_it(tmp_path, daprd_path, no_leftovers):
    carried = component_types(daprd_path)
    if carried is None:
        pytest.skip(f"{daprd_path} is not a build of ours: it carries every component already")
    assert "bindings.http" not in carried  # else this test proves nothing
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Greeting)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_port
        (tmp_path / "components").mkdir()
        (tmp_path / "components" / "web.yaml").write_text(_COMPONENT.format(port=port))
        (tmp_path / "app.py").write_text(_APP)
        (tmp_path / "README.md").write_text(_README.format(port=port))
        result = run_cli("readme", "README.md", cwd=tmp_path, timeout=1800)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
        assert f"the binding answered: hello from {port}" in result.stdout
    finally:
        server.shutdown()
        server.server_close()
