"""Shared fixtures. Integration and notebook tests need a live Docker Engine:
they fail (not skip) without one, so a green run always means the engine was used."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator

import docker
import pytest

from docdocker import reset
from docdocker.console import Console
from docdocker.engine import Engine


@pytest.fixture(scope="session")
def client() -> Iterator[docker.DockerClient]:
    try:
        c = docker.from_env(timeout=120)
        c.ping()
    except Exception as err:  # pragma: no cover - depends on the machine
        pytest.fail(f"These tests need a running Docker Engine ({err}). "
                    "Run ../shared/engine/provision or start Docker.", pytrace=False)
    yield c
    c.close()


@pytest.fixture
def notebook(client: docker.DockerClient) -> Iterator[str]:
    """A label value unique to this test; everything carrying it is removed afterwards."""
    name = f"test-{uuid.uuid4().hex[:8]}"
    yield name
    reset.remove(client, reset.find(client, name))


@pytest.fixture
def engine(client: docker.DockerClient, notebook: str) -> Engine:
    return Engine(notebook, client, Console())


@pytest.fixture
def free_port() -> int:
    """A host port on 127.0.0.1 that nothing listens on right now."""
    from docdocker import ports

    return ports.find_free("127.0.0.1", random.randint(20000, 40000))
