"""`python -m docdocker reset` removes labelled objects and never touches anything else."""

from __future__ import annotations

import io
import subprocess
import sys
import uuid

import docker
import pytest

from docdocker import reset
from docdocker.steps import LABEL, OWNER
from docdocker.tutorial import Tutorial as Engine


def build(client: docker.DockerClient, tag: str, labels: dict[str, str]) -> str:
    # A distinct file per image so the two builds cannot share a cached layer.
    dockerfile = f"FROM busybox\nRUN echo {uuid.uuid4().hex} > /id\n".encode()
    image, _ = client.images.build(fileobj=io.BytesIO(dockerfile), tag=tag, labels=labels, rm=True)
    return image.id


@pytest.fixture
def mixed(engine: Engine, client: docker.DockerClient, notebook: str):
    """Labelled and unlabelled containers, images, a network and a volume."""
    engine.run("busybox", ["sleep", "60"], detach=True, name=f"mine-{notebook}")
    outsider = client.containers.run("busybox", ["sleep", "60"], detach=True,
                                     name=f"outsider-{notebook}")
    my_image = build(client, f"docdocker-test/mine:{notebook}",
                     {LABEL: notebook, OWNER: f"docdocker-test/mine:{notebook}"})
    their_image = build(client, f"docdocker-test/theirs:{notebook}", {})
    client.networks.create(f"net-{notebook}", labels={LABEL: notebook})
    client.volumes.create(f"vol-{notebook}", labels={LABEL: notebook})
    yield {"my_image": my_image, "their_image": their_image}
    outsider.remove(force=True)
    client.images.remove(their_image, force=True)


def test_reset_removes_labelled_objects_and_spares_the_rest(client, notebook: str, mixed) -> None:
    listed = subprocess.run(
        [sys.executable, "-m", "docdocker", "reset", "--notebook", notebook, "--yes"],
        capture_output=True, text=True, timeout=120,
    )
    assert listed.returncode == 0, listed.stdout + listed.stderr
    assert f"mine-{notebook}" in listed.stdout
    assert f"outsider-{notebook}" not in listed.stdout
    assert "Removed 4 object(s)." in listed.stdout

    with pytest.raises(docker.errors.NotFound):
        client.containers.get(f"mine-{notebook}")
    with pytest.raises(docker.errors.NotFound):
        client.images.get(mixed["my_image"])
    with pytest.raises(docker.errors.NotFound):
        client.networks.get(f"net-{notebook}")
    with pytest.raises(docker.errors.NotFound):
        client.volumes.get(f"vol-{notebook}")
    assert client.containers.get(f"outsider-{notebook}").status == "running"
    assert client.images.get(mixed["their_image"]).id == mixed["their_image"]


def test_reset_without_yes_lists_but_removes_nothing(
    engine: Engine, client, notebook: str, mixed
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "docdocker", "reset", "--notebook", notebook],
        capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 1
    assert "run again with --yes" in done.stdout
    assert f"$ docker rm --force --volumes {client.containers.get(f'mine-{notebook}').id[:12]}" \
        in done.stdout
    assert len(reset.find(engine, notebook)) == 4


def test_reset_of_all_notebooks_finds_every_notebook(
    engine: Engine, client, notebook: str, mixed
) -> None:
    kinds = {item.kind for item in reset.find(engine) if item.notebook == notebook}
    assert kinds == {"containers", "images", "networks", "volumes"}
