"""The real dapr CLI as the sidecar mode: the same quickstarts, the same verdicts as daprd mode."""

import json
import socket
from pathlib import Path

import pytest

from conftest import EXPECTED, run_cli

pytestmark = pytest.mark.e2e

CHECKOUT = '''
import json, os, time, urllib.request
url = f"http://127.0.0.1:{os.environ['DAPR_HTTP_PORT']}/v1.0/invoke/order-processor/method/orders"
for order_id in range(1, 4):
    body = json.dumps({"orderId": order_id}).encode()
    for attempt in range(100):  # until order-processor and its sidecar are up
        try:
            urllib.request.urlopen(urllib.request.Request(url, data=body, method="POST",
                                                          headers={"Content-Type": "application/json"}))
            break
        except OSError:
            time.sleep(0.1)
    print("Order passed:", json.dumps({"orderId": order_id}), flush=True)
'''
ORDER_PROCESSOR = '''
import http.server, json, os

class Orders(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        print("Order received:", json.dumps(json.loads(body)), flush=True)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass

http.server.HTTPServer(("127.0.0.1", int(os.environ["APP_PORT"])), Orders).serve_forever()
'''


def verdicts(path: Path) -> dict:
    return {j["quickstart"]: (j["status"], j["matched"], j["expected"]) for j in json.loads(path.read_text())["jobs"]}


def test_python_and_go_through_the_cli_same_verdicts_as_daprd(tmp_path, dapr_cli, daprd_path, no_leftovers):
    expected = tmp_path / "expected"
    (expected / "state_management").mkdir(parents=True)
    for name in ("python-sdk.txt", "go-sdk.txt"):
        text = (EXPECTED / "state_management" / name).read_text()
        if name == "go-sdk.txt":  # one failing job, so both verdicts are compared
            text = text.replace('Getting Order: {"orderId":3}', 'Getting Order: {"orderId":33}')
        (expected / "state_management" / name).write_text(text)
    runs, reasons = {}, {}
    for mode in ("daprd", "dapr"):
        out = tmp_path / f"{mode}.json"
        result = run_cli("validate", "--lang", "python,go", "--expected", str(expected), "--sidecar", mode,
                         "--json", str(out))
        assert result.returncode == 1, result.stdout + result.stderr
        assert json.loads(out.read_text())["run"]["sidecar"] == mode
        runs[mode] = verdicts(out)
        reasons[mode] = {j["quickstart"]: (j["reason"], j["transcript"][-40:]) for j in json.loads(out.read_text())["jobs"]}
    assert runs["dapr"] == runs["daprd"], reasons
    assert runs["dapr"]["state_management/python/sdk"] == ("passed", 12, 12)
    assert runs["dapr"]["state_management/go/sdk"][0] == "failed"


@pytest.mark.parametrize("mode", ["daprd", "dapr"])
def test_multi_app_template_with_service_invocation(tmp_path, mode, dapr_cli, daprd_path, no_leftovers):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        app_port = probe.getsockname()[1]
    tree = tmp_path / "tree/service_invocation/python/http"
    for app, code in (("checkout", CHECKOUT), ("order-processor", ORDER_PROCESSOR)):
        (tree / app).mkdir(parents=True)
        (tree / app / "app.py").write_text(code)
        (tree / app / "requirements.txt").write_text("")
    (tree.parent.parent / "resources").mkdir()
    (tree / "dapr.yaml").write_text(json.dumps({"version": 1, "apps": [
        {"appID": "order-processor", "appDirPath": "./order-processor/", "appPort": app_port,
         "command": ["python3", "app.py"]},
        {"appID": "checkout", "appDirPath": "./checkout/", "command": ["python3", "app.py"]},
    ]}))
    expected = tmp_path / "expected/service_invocation"
    expected.mkdir(parents=True)
    (expected / "python-http.txt").write_text(
        "---\norder: any\n---\n"
        '== APP - checkout == Order passed: {"orderId": 3}\n'
        '== APP - order-processor == Order received: {"orderId": 1}\n'
        '== APP - order-processor == Order received: {"orderId": 3}\n')
    result = run_cli("validate", "--repo", str(tmp_path / "tree"), "--expected", str(tmp_path / "expected"),
                     "--sidecar", mode)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "PASS  service_invocation/python/http" in result.stdout


def test_doctor_lists_every_piece():
    result = run_cli("doctor")
    assert result.returncode == 0
    names = [line.split("  ")[0] for line in result.stdout.splitlines()[1:]]
    assert names == ["dapr CLI", "daprd", "redis-server", "docker engine", "python3", "node", "npm", "java",
                     "mvn", "go", "dotnet"]
    assert "\x1b" not in result.stdout
