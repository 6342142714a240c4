"""A quickstart whose app reaches Redis at `dapr init`'s address itself (its own client on
127.0.0.1:6379, while its component says localhost:6379): its job's Redis listens there, so the
app, the component and the README meet one store, under `readme` and `validate` alike. Where a
Redis already answers there (as `dapr init` leaves one), that Redis is the store: the job uses it
and says so, instead of failing for the port; unless the job runs in a network of its own, where
6379 is its own."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest

from conftest import run_cli
from runner.cache import locked
from runner.services.ports import listener, wait_let_go
from runner.services.redis import RedisEndpoint, RedisServer, command

pytestmark = pytest.mark.e2e

# Writes its configuration item with its own Redis client (raw RESP), then reads it through Dapr.
APP = """\
import json, os, socket, time, urllib.request
with socket.create_connection(("127.0.0.1", 6379), timeout=5) as redis:
    redis.sendall(b"*3\\r\\n$3\\r\\nSET\\r\\n$8\\r\\norderId1\\r\\n$3\\r\\n101\\r\\n")
    redis.recv(64)
port = os.environ["DAPR_HTTP_PORT"]
with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1.0/configuration/configstore?key=orderId1", timeout=10) as got:
    items = json.loads(got.read())
print("Configuration for orderId1:", items["orderId1"]["value"], flush=True)
"""
COMPONENT = """\
apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: configstore
spec:
  type: configuration.redis
  metadata:
  - name: redisHost
    value: localhost:6379
"""
README = """# configuration read back

<!-- STEP
name: Run the app
expected_stdout_lines:
  - 'Configuration for orderId1: 101'
output_match_mode: substring
timeout_seconds: 60
-->

```bash
dapr run --app-id order-processor --resources-path ./components -- python3 app.py
```

<!-- END_STEP -->
"""


@pytest.fixture
def quickstart(tmp_path):
    # These tests put a Redis on 6379 themselves: one at a time across the session's workers.
    with locked(Path(tempfile.gettempdir()) / "quickstart-runner-test-6379"):
        if wait_let_go([6379]):
            pytest.skip(f"6379 is held by another program here ({listener(6379)}): the test needs `dapr init`'s port")
        folder = tmp_path / "tree" / "configuration" / "python" / "http"
        (folder / "components").mkdir(parents=True)
        (folder / "components" / "configstore.yaml").write_text(COMPONENT)
        (folder / "app.py").write_text(APP)
        (folder / "README.md").write_text(README)
        yield folder


@pytest.fixture(params=["none", "dapr init's"])
def redis_at_6379(request, tmp_path, no_leftovers):
    """Nothing on 6379 (the job starts its Redis there), or a real Redis already answering there,
    started as `dapr init` leaves one (not the runner's). Stopped before `no_leftovers` looks."""
    if request.param == "none":
        yield None
        return
    (tmp_path / "init-redis").mkdir()
    redis = RedisServer(tmp_path / "init-redis", port=6379)
    redis.start()
    try:
        yield RedisEndpoint("127.0.0.1", 6379)
    finally:
        redis.stop()


@pytest.mark.parametrize("network", ["auto", "shared"])
def test_validate_gives_the_job_the_redis_where_the_app_looks(quickstart, tmp_path, daprd_path, redis_at_6379, network):
    out = tmp_path / "r.json"
    result = run_cli("validate", "--repo", str(tmp_path / "tree"), "--job-network", network, "--json", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    run = json.loads(out.read_text())
    (job,) = run["jobs"]
    assert job["status"] == "passed"
    # In a network of its own the job's 6379 is its own: a Redis on the host's is neither in its way nor its store.
    shared_redis = redis_at_6379 is not None and run["run"]["job_network"] == "shared"
    how = ("the Redis already answering on 6379 (where `dapr init` puts one) serves it" if shared_redis else
           "its Redis on 6379, where `dapr init` puts it")
    assert job["notes"] == [f"{how}: configuration/python/http/app.py:2 reaches Redis there itself"]
    if redis_at_6379:
        assert command(redis_at_6379, "GET", "orderId1") == (b"$3" if shared_redis else b"$-1")


def test_readme_gives_the_run_the_redis_where_the_app_looks(quickstart, daprd_path, redis_at_6379):
    result = run_cli("readme", "README.md", cwd=quickstart)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Configuration for orderId1: 101" in result.stdout
    assert ("using the Redis already answering on 6379" in result.stdout + result.stderr) == bool(redis_at_6379)
