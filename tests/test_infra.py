import subprocess

import pytest
import yaml

from runner.errors import InputError
from runner.services.ports import free_port, is_listening
from runner.services.redis import RedisEndpoint, RedisServer, parse_address, ping
from runner.services.resources import Endpoints, components, isolated_resources

from conftest import require_tool


def test_free_ports_are_distinct_and_free():
    ports = {free_port() for _ in range(20)}
    assert len(ports) == 20
    assert not any(is_listening(port) for port in ports)


def test_parse_address():
    assert parse_address("127.0.0.1:6380") == RedisEndpoint("127.0.0.1", 6380)
    for bad in ("localhost", ":1", "h:0", "h:99999", "h:x"):
        with pytest.raises(ValueError):
            parse_address(bad)


def test_resources_copy_points_redis_components_at_the_job_redis(tmp_path):
    src = tmp_path / "resources"
    src.mkdir()
    (src / "statestore.yaml").write_text(
        "apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: statestore\nspec:\n"
        "  type: state.redis\n  version: v1\n  metadata:\n  - name: redisHost\n    value: localhost:6379\n")
    (src / "notes.txt").write_text("left alone")
    out = isolated_resources(src, tmp_path / "copy", Endpoints(RedisEndpoint("127.0.0.1", 7001)), db=3)
    doc = yaml.safe_load((out / "statestore.yaml").read_text())
    meta = {item["name"]: item["value"] for item in doc["spec"]["metadata"]}
    assert meta == {"redisHost": "127.0.0.1:7001", "redisDB": "3"}
    assert "localhost:6379" in (src / "statestore.yaml").read_text()  # the original is untouched
    assert (out / "notes.txt").read_text() == "left alone"


def test_bad_component_yaml_names_the_original_file(tmp_path):
    src = tmp_path / "resources"
    src.mkdir()
    (src / "broken.yaml").write_text("kind: Component\nspec: [\n")
    with pytest.raises(InputError) as err:
        isolated_resources(src, tmp_path / "copy", Endpoints(RedisEndpoint("127.0.0.1", 7001)))
    assert str(err.value).startswith(f"{src / 'broken.yaml'}:")


def test_redis_server_starts_on_its_own_port_and_stops(tmp_path):
    require_tool("redis-server")
    server = RedisServer(tmp_path / "redis")
    endpoint = server.start()
    pid = server.daemon.process.pid
    assert ping(endpoint)
    server.stop()
    assert not ping(endpoint)
    assert subprocess.run(["kill", "-0", str(pid)], capture_output=True).returncode != 0


def test_a_free_port_taken_before_redis_binds_it_is_picked_again(tmp_path, monkeypatch):
    """Between picking a free port and redis-server binding it, another program may take it (an
    outgoing connection's ephemeral port, another worker's server): a fresh port is picked."""
    require_tool("redis-server")
    import socket

    import runner.services.redis as redis_module

    taker = socket.socket()
    taker.bind(("127.0.0.1", 0))
    taker.listen()  # it never answers PING: a server of another program's
    taken = taker.getsockname()[1]
    picks = iter([taken])
    monkeypatch.setattr(redis_module, "free_port", lambda: next(picks, None) or free_port())
    server = RedisServer(tmp_path / "redis")
    try:
        endpoint = server.start()
        assert endpoint.port != taken and ping(endpoint)
    finally:
        server.stop()
        taker.close()


def test_a_named_port_taken_is_not_retried_elsewhere(tmp_path):
    """6379 when the job holds its turn there: another program on it is an error naming the port."""
    require_tool("redis-server")
    import socket

    taker = socket.socket()
    taker.bind(("127.0.0.1", 0))
    taker.listen()
    port = taker.getsockname()[1]
    try:
        with pytest.raises(Exception, match=f"redis-server did not start on port {port}"):
            RedisServer(tmp_path / "redis", port=port).start(timeout=5)
    finally:
        taker.close()


def test_postgres_components_point_at_the_job_postgres(tmp_path):
    src = tmp_path / "resources"
    src.mkdir()
    (src / "db.yaml").write_text(
        "apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: sqldb\nspec:\n  type: bindings.postgres\n"
        "  version: v1\n  metadata:\n  - name: url\n    value: \"user=postgres password=docker host=localhost "
        "port=5432 dbname=orders\"\n---\nkind: Component\nmetadata:\n  name: s\nspec:\n  type: state.postgresql\n"
        "  metadata:\n  - name: connectionString\n    value: postgres://u:p@localhost:5432/db\n")
    out = isolated_resources(src, tmp_path / "copy", Endpoints(RedisEndpoint("127.0.0.1", 7001), ("127.0.0.1", 6543)))
    first, second = yaml.safe_load_all((out / "db.yaml").read_text())
    assert first["spec"]["metadata"][0]["value"] == "user=postgres password=docker host=127.0.0.1 port=6543 dbname=orders"
    assert second["spec"]["metadata"][0]["value"] == "postgres://u:p@127.0.0.1:6543/db"
    assert [(c.type, c.name, c.file.name) for c in components(src)] == [
        ("bindings.postgres", "sqldb", "db.yaml"), ("state.postgresql", "s", "db.yaml")]
