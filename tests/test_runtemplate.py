from pathlib import Path

import pytest

from runner.errors import InputError
from runner.formats.runtemplate import parse_run_template


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "dapr.yaml"
    path.write_text(text)
    return path


def test_upstream_shape(tmp_path):
    t = parse_run_template(write(tmp_path, """version: 1
common:
  resourcesPath: ../../resources/
apps:
  - appID: order-processor
    appDirPath: ./order-processor/
    command: ["python3", "app.py"]
  - appDirPath: ./checkout/
    appPort: 6001
    command: npm start
    env:
      DEBUG: 1
"""))
    assert [a.app_id for a in t.apps] == ["order-processor", "checkout"]
    assert t.apps[0].command == ("python3", "app.py")
    assert t.apps[1].command == ("npm", "start") and t.apps[1].app_port == 6001
    assert t.apps[1].env == {"DEBUG": "1"}
    assert t.resources == ((tmp_path / "../../resources").resolve(),)


@pytest.mark.parametrize("text, line, words", [
    ("apps: [\n", 2, "invalid YAML"),
    ("version: 1\n", 1, "'apps'"),
    ("apps:\n  - appID: a\n", 2, "appDirPath"),
    ("apps:\n  - appDirPath: a\n    appPort: web\n", 2, "appPort"),
    ("apps:\n  - appDirPath: a\n    command: {a: 1}\n", 2, "command"),
    ("- 1\n", 1, "mapping"),
])
def test_bad_templates(tmp_path, text, line, words):
    path = write(tmp_path, text)
    with pytest.raises(InputError) as err:
        parse_run_template(path)
    assert str(err.value).startswith(f"{path}:{line}: ") and words in str(err.value)
