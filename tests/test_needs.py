"""Which conversation quickstarts need a model server that is not here."""

import socket

from runner.source.needs import unreachable_model


def component(folder, name, kind, metadata=""):
    (folder / f"{name}.yaml").write_text(
        f"apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\nspec:\n  type: {kind}\n"
        f"  version: v1\n" + (f"  metadata:\n{metadata}" if metadata else ""))


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_only_the_components_an_app_names_count(tmp_path):
    resources, app = tmp_path / "components", tmp_path / "qs" / "app"
    resources.mkdir()
    app.mkdir(parents=True)
    component(resources, "echo", "conversation.echo")
    component(resources, "ollama", "conversation.ollama",
              f"  - name: endpoint\n    value: http://127.0.0.1:{closed_port()}\n")
    component(resources, "openai", "conversation.openai", "  - name: key\n    value: <YOUR_API_KEY>\n")
    (app / "app.py").write_text('provider_component = "echo"\n')
    assert unreachable_model(tmp_path / "qs", (resources,)) is None
    (app / "app.py").write_text("NAME = 'ollama'\n")
    reason = unreachable_model(tmp_path / "qs", (resources,))
    assert reason.startswith("needs an LLM server: component ollama (conversation.ollama, ollama.yaml) calls http://127.0.0.1:")
    (app / "app.py").write_text('component = "openai"\n')
    assert "its key is the placeholder <YOUR_API_KEY>" in unreachable_model(tmp_path / "qs", (resources,))


def test_a_model_server_listening_on_loopback_is_reachable(tmp_path):
    resources, app = tmp_path / "components", tmp_path / "qs"
    resources.mkdir()
    app.mkdir()
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        component(resources, "ollama", "conversation.ollama",
                  f"  - name: endpoint\n    value: http://127.0.0.1:{server.getsockname()[1]}\n")
        (app / "main.go").write_text('const name = "ollama"\n')
        assert unreachable_model(app, (resources,)) is None


def readme_with(folder, block):
    from runner.formats.steps import load_annotated

    readme = folder / "README.md"
    readme.write_text(f"# q\n\n<!-- STEP\nname: s\n-->\n\n```bash\n{block}\n```\n\n<!-- END_STEP -->\n")
    return load_annotated(readme)


def test_what_a_readme_s_docker_commands_need(tmp_path, monkeypatch):
    from runner.source import needs

    qs, db = tmp_path / "bindings" / "go" / "sdk", tmp_path / "bindings" / "db"
    qs.mkdir(parents=True)
    db.mkdir()
    (db / "docker-compose.yml").write_text("services:\n  db:\n    image: postgres:16\n  cache:\n    image: memcached\n")
    readme = readme_with(qs, "cd ../../db\ndocker compose up -d\ncd -\ndocker exec dapr_redis redis-cli MSET a 1")
    assert needs.readme_services(readme) == ["PostgreSQL", "Docker: compose service cache runs image memcached",
                                             "redis-cli"]
    assert needs.readme_services(readme_with(qs, "docker compose up")) == [
        "Docker: `docker compose up` in sdk/ has no compose file to read"]
    monkeypatch.setattr(needs, "server_binaries", lambda: None)
    assert needs.missing_service("PostgreSQL").startswith("needs PostgreSQL: no PostgreSQL server installed")
    monkeypatch.setattr(needs.shutil, "which", lambda name: None)
    assert needs.missing_service("redis-cli").startswith("needs redis-cli: not on PATH")
    assert needs.missing_service("Docker: compose service cache runs image memcached") == (
        "needs Docker: compose service cache runs image memcached")
