"""What an example's requirements.txt still needs where its tests run."""

from __future__ import annotations

from importlib import metadata

from runner.testing.exampleenv import meets, unmet_requirements


def test_what_the_environment_meets_is_not_installed_again(tmp_path):
    have = metadata.version("pytest")
    listed = tmp_path / "requirements.txt"
    listed.write_text(
        "# an example's own\n"
        "--no-index\n"
        f"pytest >= {have}  # met: the environment's own is kept\n"
        "PyYAML[extra]>=1.0\n"
        f"pytest > {have}\n"
        "surely-not-installed-anywhere-pkg==1.0\n"
        "./a-local-wheel.whl\n"
        "-r base.txt\n"
        "\n")
    assert unmet_requirements(listed) == ["--no-index", f"pytest > {have}", "surely-not-installed-anywhere-pkg==1.0",
                                          "./a-local-wheel.whl", f"-r {tmp_path / 'base.txt'}"]


def test_a_dev_release_is_met_by_the_checkout_under_test():
    """`dapr[grpc] >= 1.19.0.dev`, as python-sdk's examples list the SDK, met by its checkout."""
    assert meets("dapr[grpc] >= 1.19.0.dev", "1.19.0.dev")
    assert meets("dapr>=1.16", "1.19.0.dev")
    assert not meets("dapr >= 1.19.0", "1.19.0.dev")
