"""The doctor names the image store and the builder, as the engine and the CLI report them."""

from __future__ import annotations

import subprocess

import pytest

from docdocker.tools.doctor import doctor


def checks() -> dict:
    return {c.name: c for c in doctor(timeout=30).checks}


def cli(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["docker", *argv], capture_output=True, text=True, check=False)


@pytest.mark.needs("containerd-store")
def test_the_containerd_image_store_is_named() -> None:
    assert "io.containerd.snapshotter" in cli("info", "--format", "{{.DriverStatus}}").stdout
    store = checks()["Image store"]
    assert store.ok is True
    assert store.detail.startswith("the containerd image store")


@pytest.mark.needs("classic-store")
def test_the_classic_image_store_is_named() -> None:
    driver = cli("info", "--format", "{{.Driver}}").stdout.strip()
    store = checks()["Image store"]
    assert store.detail.startswith(f"the classic image store ({driver})")
    assert "docs/engines.md" in store.detail


@pytest.mark.needs("buildkit")
def test_buildkit_is_named_with_the_buildx_version() -> None:
    version = cli("buildx", "version").stdout.split()[1].lstrip("v")
    found = checks()["Builder"]
    assert found.ok is True
    assert f"runs BuildKit (buildx {version.split('+')[0]}" in found.detail


@pytest.mark.needs("buildkit")
def test_docker_buildkit_0_is_named_as_the_classic_builder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DOCKER_BUILDKIT", "0")
    found = checks()["Builder"]
    assert found.ok is None and "classic builder" in found.detail and "buildx" in found.fix


@pytest.mark.needs("classic-builder")
def test_an_engine_without_buildx_is_named_as_the_classic_builder() -> None:
    assert cli("buildx", "version").returncode != 0
    found = checks()["Builder"]
    assert found.ok is None and "Step 1/7" in found.detail


@pytest.mark.needs("compose-plugin")
def test_the_compose_plugin_is_named() -> None:
    assert cli("compose", "version").returncode == 0
    assert checks()["Docker Compose"].detail.endswith("the docker compose plugin")


@pytest.mark.needs("no-compose-plugin")
def test_compose_without_the_plugin_says_how_to_get_it() -> None:
    assert cli("compose", "version").returncode != 0
    found = checks()["Docker Compose"]
    assert found.ok is None and "no `docker compose` plugin" in found.detail
