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


def step(name: str, command: str, extra: str = "") -> str:
    return (f"<!-- STEP\nname: {name}\nexpected_stdout_lines:\n  - done\n{extra}-->\n\n```bash\n{command}\n```\n\n"
            "<!-- END_STEP -->\n")


def test_a_kubernetes_step_ends_the_run_skipped_unless_tags_leave_it_out(tmp_path):
    from runner.source.catalog import discover
    from runner.source.plan import detect_toolchains, plan_job

    local = tmp_path / "tutorials" / "local-first"
    cluster = tmp_path / "tutorials" / "cluster-only"
    for folder in (local, cluster):
        folder.mkdir(parents=True)
    (local / "README.md").write_text(step("hello", "echo done") + step("deploy", "kubectl apply -f ./deploy/app.yaml")
                                     + step("after", "echo done"))
    (cluster / "README.md").write_text(step("status", "dapr status -k", "tags:\n  - cluster\n")
                                       + step("local", "echo done", "tags:\n  - local\n"))
    plans = {qs.name: qs for qs in discover(tmp_path)}
    toolchains = detect_toolchains(list(plans.values()))
    first = plan_job(plans["tutorials/local-first"], toolchains)
    assert first.skip_reason is None and first.unrunnable == (12, "needs Kubernetes: kubectl apply -f ./deploy/app.yaml")
    only = plan_job(plans["tutorials/cluster-only"], toolchains)
    assert only.skip_reason == "needs Kubernetes: dapr status -k (line 1)"  # nothing before it runs
    tagged = plan_job(plans["tutorials/cluster-only"], toolchains, tags=("local",))  # as mm.py -t local
    assert tagged.skip_reason is None and tagged.unrunnable is None


def test_a_readme_that_reads_traces_gets_a_zipkin_where_dapr_init_puts_it(tmp_path, monkeypatch):
    from runner.source import needs
    from runner.source.plan import fixed_ports

    readme = readme_with(tmp_path, 'curl -s "http://localhost:9411/api/v2/traces?spanName=x" -o out.json')
    assert needs.readme_services(readme) == ["Zipkin"] and 9411 in fixed_ports((), readme)
    assert needs.readme_services(readme_with(tmp_path, "curl localhost:94110/x")) == []
    monkeypatch.setattr(needs.shutil, "which", lambda name: None)
    assert needs.missing_service("Zipkin").startswith("needs Zipkin: no Java runtime")


def test_an_app_ended_by_a_stop_did_not_fail():
    from runner.job.verdict import app_failure

    stopped = ["== APP == serving", "\u274c  The App process exited with error code: exit status 143"]
    crashed = ["== APP == TypeError: x is undefined", "\u274c  The App process exited with error code: exit status 1"]
    assert app_failure(stopped) is None
    assert app_failure(crashed) == "an app exited with an error: TypeError: x is undefined"
