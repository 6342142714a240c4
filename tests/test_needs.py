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
