"""The doctor names the engine and context it used, and flags where the CLI or SDK differ.

Each test makes its own Docker config folder (DOCKER_CONFIG) and real contexts with
``docker context create``, so the machine's own configuration is never touched.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from docdocker.core import connection
from docdocker.tools.doctor import _compare_with_cli, doctor

DOCKER = shutil.which("docker") or "docker"


@pytest.fixture
def docker_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    config = tmp_path / "docker-config"
    config.mkdir()
    monkeypatch.setenv("DOCKER_CONFIG", str(config))
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    monkeypatch.delenv("DOCKER_CONTEXT", raising=False)
    return config


def docker(*argv: str) -> str:
    return subprocess.run([DOCKER, *argv], capture_output=True, text=True, check=True).stdout


def by_name(report) -> dict:
    return {c.name: c for c in report.checks}


def test_a_context_chosen_with_docker_context_use_is_followed_and_named(
    docker_config: Path, engine_proxy
) -> None:
    host = f"unix://{engine_proxy.path}"
    docker("context", "create", "workshop", "--docker", f"host={host}")
    docker("context", "use", "workshop")
    report = doctor(timeout=30)
    checks = by_name(report)
    assert report.ok, report.text()
    assert engine_proxy.open, "docdocker did not go through the context's socket"
    endpoint = checks["Engine endpoint"]
    assert endpoint.ok is True
    assert f"{host} (context workshop, the docker CLI's current context" in endpoint.detail
    assert "the docker CLI uses the same" in endpoint.detail
    sdk = checks["Docker SDK default"]
    assert sdk.ok is None  # a warning: the tutorial works, a plain from_env() would not
    assert "unix:///var/run/docker.sock" in sdk.detail and host in sdk.fix


def test_a_docker_context_that_does_not_exist_is_flagged(docker_config: Path, monkeypatch) -> None:
    monkeypatch.setenv("DOCKER_CONTEXT", "no-such-context")
    checks = by_name(doctor(timeout=30))
    endpoint = checks["Engine endpoint"]
    assert endpoint.ok is None
    assert "cannot pick its context" in endpoint.detail and "no-such-context" in endpoint.detail
    assert "docker context ls" in endpoint.fix


def test_a_cli_that_talks_to_another_engine_is_flagged(docker_config: Path) -> None:
    docker("context", "create", "elsewhere", "--docker", "host=unix:///tmp/elsewhere.sock")
    docker("context", "use", "elsewhere")
    # What a Jupyter started with DOCKER_HOST set sees, while its terminal does not.
    ours = connection.Endpoint("unix:///var/run/docker.sock", "DOCKER_HOST")
    check = _compare_with_cli(ours, ours.host)
    assert check.ok is None
    assert "the docker CLI uses unix:///tmp/elsewhere.sock (context elsewhere)" in check.detail
    assert "another engine" in check.detail


def test_the_default_endpoint_is_named_and_agrees_with_the_cli(docker_config: Path) -> None:
    checks = by_name(doctor(timeout=30))
    endpoint = checks["Engine endpoint"]
    assert endpoint.ok is True
    assert endpoint.detail.startswith("unix:///var/run/docker.sock (the default")
    assert "Docker SDK default" not in checks


def test_docker_context_is_followed_without_a_config_file(
    docker_config: Path, engine_proxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `docker context create` writes the context store but no config.json; the CLI then
    # follows DOCKER_CONTEXT all the same, and so must the notebooks and doctor.
    host = f"unix://{engine_proxy.path}"
    docker("context", "create", "lab", "--docker", f"host={host}")
    assert not (docker_config / "config.json").exists()
    monkeypatch.setenv("DOCKER_CONTEXT", "lab")
    assert connection.endpoint() == connection.Endpoint(host, "DOCKER_CONTEXT", "lab")
    report = doctor(timeout=30)
    assert report.ok, report.text()
    assert engine_proxy.open, "docdocker did not go through the context's socket"
    endpoint = by_name(report)["Engine endpoint"]
    assert f"{host} (context lab, named by the DOCKER_CONTEXT variable" in endpoint.detail
    assert "the docker CLI uses the same" in endpoint.detail
