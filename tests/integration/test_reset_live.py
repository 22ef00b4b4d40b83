"""`python -m docdocker reset` removes labelled objects and never touches anything else."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import uuid
from pathlib import Path

import docker
import pytest

from docdocker.core.steps import LABEL, OWNER
from docdocker.session.tutorial import Tutorial as Engine
from docdocker.tools import reset

#: The classic builder (these fixtures use the SDK's) on the containerd image store can
#: reuse a cached step whose parent image was removed since, and then fails with
#: 'unable to find image'; building without its cache avoids that (seen on Engine 28.5).
NOCACHE = True


def build(client: docker.DockerClient, tag: str, labels: dict[str, str]) -> str:
    # A distinct file per image so the two builds cannot share a cached layer.
    dockerfile = f"FROM busybox\nRUN echo {uuid.uuid4().hex} > /id\n".encode()
    image, _ = client.images.build(fileobj=io.BytesIO(dockerfile), tag=tag, labels=labels, rm=True,
                                   nocache=NOCACHE)
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
    client.networks.create(f"net-{notebook}", labels={LABEL: notebook, OWNER: "network"})
    client.volumes.create(f"vol-{notebook}", labels={LABEL: notebook, OWNER: "volume"})
    # Labelled by someone else, without docdocker's ownership mark: never removed.
    client.volumes.create(f"theirvol-{notebook}", labels={LABEL: notebook})
    yield {"my_image": my_image, "their_image": their_image}
    client.volumes.get(f"theirvol-{notebook}").remove()
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
    assert client.volumes.get(f"theirvol-{notebook}")  # not the tutorial's: still there
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


def docker_cli(*args: str, stdin: str | None = None) -> str:
    done = subprocess.run(["docker", *args], input=stdin, capture_output=True, text=True,
                          timeout=180, check=True)
    return done.stdout.strip()


def exists(kind: str, name: str) -> bool:
    return subprocess.run(["docker", kind, "inspect", name], capture_output=True,
                          timeout=60).returncode == 0


def test_reset_leaves_the_learners_objects_that_inherited_the_label(
    engine: Engine, notebook: str, tmp_path
) -> None:
    """Docker copies image labels into child images, containers and commits: the learner's
    objects made from a labelled image carry the label too, and must survive reset."""
    u = notebook
    learners = {
        "base": f"learner-{u}/base:1", "child": f"learner-{u}/child:1",
        "retag": f"learner-{u}/user-retag:keep", "ontut": f"learner-{u}/on-tutorial:1",
        "snap": f"learner-{u}/snapshot:1",
    }
    containers = [f"userbase-{u}", f"userchild-{u}", f"fromtut-{u}", f"fromsnap-{u}"]
    tutorial_tag = f"docdocker-test/tutorial-{u}:1"
    try:
        # The learner, in a terminal: a base image that sets the label itself, a child
        # of it, another tag of it, and a container run from each.
        docker_cli("build", "-t", learners["base"], "-",
                   stdin=f"FROM busybox\nLABEL {LABEL}={notebook}\n")
        docker_cli("build", "-t", learners["child"], "-",
                   stdin=f"FROM {learners['base']}\nRUN echo {u} > /d\n")
        docker_cli("tag", learners["base"], learners["retag"])
        docker_cli("run", "-d", "--name", containers[0], learners["base"], "sleep", "600")
        docker_cli("run", "-d", "--name", containers[1], learners["child"], "sleep", "600")
        # The tutorial makes a container and an image ...
        engine.run("busybox", ["sleep", "600"], detach=True, name=f"mine-{u}")
        (tmp_path / "Dockerfile").write_text(f"FROM busybox\nRUN echo {u} > /t\n")
        engine.build(str(tmp_path), tag=tutorial_tag)
        # ... and the learner builds on them: a container and a child image of the
        # tutorial's image, a commit of the tutorial's container and a container from it.
        docker_cli("run", "-d", "--name", containers[2], tutorial_tag, "sleep", "600")
        docker_cli("build", "-t", learners["ontut"], "-",
                   stdin=f"FROM {tutorial_tag}\nRUN echo x > /e\n")
        docker_cli("commit", f"mine-{u}", learners["snap"])
        docker_cli("run", "-d", "--name", containers[3], learners["snap"], "sleep", "600")
        inherited = json.loads(docker_cli("inspect", containers[3]))[0]["Config"]["Labels"]
        assert inherited[LABEL] == notebook and inherited[OWNER] == "container"

        done = subprocess.run(
            [sys.executable, "-m", "docdocker", "reset", "--notebook", notebook, "--yes"],
            capture_output=True, text=True, timeout=180,
        )
        # The tutorial's container goes; its image stays while the learner's container
        # uses it (no --force), and reset says why.
        assert done.returncode == 1, done.stdout + done.stderr
        assert "Removed 1 object(s)." in done.stdout
        assert f"kept image {tutorial_tag}: conflict" in done.stdout
        assert "is using its referenced image" in done.stdout
        assert not exists("container", f"mine-{u}")
        for name in containers:
            assert exists("container", name), f"reset removed the learner's container {name}"
            assert name not in done.stdout
        for tag in learners.values():
            assert exists("image", tag), f"reset removed the learner's image {tag}"
        # Once the learner's container is gone, the tutorial's image can go too.
        docker_cli("rm", "-f", containers[2])
        again = subprocess.run(
            [sys.executable, "-m", "docdocker", "reset", "--notebook", notebook, "--yes"],
            capture_output=True, text=True, timeout=180,
        )
        assert again.returncode == 0, again.stdout + again.stderr
        assert "Removed 1 object(s)." in again.stdout
        assert f"$ docker rmi {tutorial_tag}" in again.stdout
        assert not exists("image", tutorial_tag)  # the tag; its layers stay under the child
        for tag in learners.values():
            assert exists("image", tag), f"reset removed the learner's image {tag}"
    finally:
        subprocess.run(["docker", "rm", "-f", *containers, f"mine-{u}"], capture_output=True,
                       timeout=120)
        subprocess.run(["docker", "rmi", *learners.values(), tutorial_tag], capture_output=True,
                       timeout=120)


def test_reset_refuses_an_empty_notebook_name() -> None:
    done = subprocess.run([sys.executable, "-m", "docdocker", "reset", "--notebook", "",
                           "--yes"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "--notebook needs a name" in done.stderr
    assert "Removed" not in done.stdout


def test_the_clean_up_button_says_what_docker_refused_and_what_still_uses_it(
    client, notebook: str, capsys: pytest.CaptureFixture[str]  # type: ignore[no-untyped-def]
) -> None:
    from docdocker.core.console import Console
    from docdocker.session.tutorial import Tutorial
    from docdocker.tools import lesson

    engine = Tutorial(notebook, client, Console())
    tag = f"docdocker-test/cleanup-{notebook}:1"
    context = Path(__file__).parent.parent.parent / "notebooks" / "apps" / "friendlyhello"
    engine.build(str(context), tag=tag)
    mine = f"learners-{notebook}"
    subprocess.run(["docker", "create", "--name", mine, tag], check=True, capture_output=True)
    try:
        lesson.clean_up_button(engine, images=True).children[0].click()
        said = capsys.readouterr().out
        assert f"Not removed: image {tag}" in said or f"Not removed: tag {tag}" in said, said
        assert f"still used by: {mine}" in said and f"docker rm --force {mine}" in said
        assert client.images.get(tag)  # Docker kept it, and the button says so
    finally:
        subprocess.run(["docker", "rm", "--force", mine], capture_output=True)
        subprocess.run(["docker", "rmi", tag], capture_output=True)


def test_reset_keeps_a_learners_network_that_carries_only_the_notebook_label(
        engine: Engine, notebook: str) -> None:
    """A network made with the CLI and the tutorial's notebook label, not by docdocker:
    neither reset nor a clean-up button removes it; docdocker's own network goes."""
    import subprocess

    theirs, ours = f"learners-net-{notebook}", f"tutorial-net-{notebook}"
    subprocess.run(["docker", "network", "create", "--label", f"{LABEL}={notebook}", theirs],
                   check=True, capture_output=True, timeout=60)
    try:
        engine.network_create(ours)
        found = {i.name for i in reset.find(engine, notebook) if i.kind == "networks"}
        assert found == {ours}
        reset.remove(engine, reset.find(engine, notebook))
        names = subprocess.run(["docker", "network", "ls", "--format", "{{.Name}}"],
                               capture_output=True, text=True, timeout=60).stdout.split()
        assert theirs in names and ours not in names
    finally:
        subprocess.run(["docker", "network", "rm", theirs], capture_output=True, timeout=60)
