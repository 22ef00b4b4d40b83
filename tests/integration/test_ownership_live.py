"""Every clean-up path spares what the learner made from the tutorial's objects.

``FROM`` a tutorial image and ``docker commit`` of a tutorial container copy the
tutorial's labels, its ownership mark included, into the learner's own images and
containers. The objects here are made with the real ``docker`` CLI, as a learner
would in a terminal, and each clean-up path runs against them.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from docdocker.core.steps import LABEL, OWNER
from docdocker.session.tutorial import Tutorial as Engine


def docker_cli(*args: str, stdin: str | None = None) -> str:
    done = subprocess.run(["docker", *args], input=stdin, capture_output=True, text=True,
                          timeout=180)
    assert done.returncode == 0, f"docker {' '.join(args)}: {done.stderr}"
    return done.stdout


def exists(kind: str, name: str) -> bool:
    return subprocess.run(["docker", kind, "inspect", name], capture_output=True,
                          timeout=60).returncode == 0


@pytest.fixture
def learner(engine: Engine, notebook: str, tmp_path: Path) -> Iterator[dict[str, str]]:
    """The tutorial's image and stopped container, and what the learner made from them."""
    u = notebook
    names = {"base": f"p1base-{u}:1", "unused": f"p1unused-{u}:1",
             "commit": f"p1commit-{u}:1", "tutorial": f"tut-{u}", "fromcommit": f"mine-{u}"}
    (tmp_path / "Dockerfile").write_text(f"FROM busybox\nRUN echo {u} > /t\n")
    engine.build(str(tmp_path), tag=names["base"])
    engine.run("busybox", ["true"], name=names["tutorial"])
    docker_cli("build", "-t", names["unused"], "-",
               stdin=f"FROM {names['base']}\nRUN echo learner > /l\n")
    docker_cli("commit", names["tutorial"], names["commit"])
    docker_cli("create", "--name", names["fromcommit"], names["commit"], "true")
    labels = json.loads(docker_cli("inspect", names["fromcommit"]))[0]["Config"]["Labels"]
    assert labels[LABEL] == notebook and labels[OWNER] == "container"
    yield names
    subprocess.run(["docker", "rm", "-f", names["fromcommit"], names["tutorial"]],
                   capture_output=True, timeout=120)
    subprocess.run(["docker", "rmi", names["unused"], names["commit"], names["base"]],
                   capture_output=True, timeout=120)


def test_image_prune_all_keeps_the_learners_child_image_and_removes_the_tutorials(
        engine: Engine, learner: dict[str, str]) -> None:
    docker_cli("rm", learner["fromcommit"])
    docker_cli("rm", learner["tutorial"])
    result = engine.image_prune(all=True)
    assert exists("image", learner["unused"]), "prune --all deleted the learner's FROM child"
    assert exists("image", learner["commit"]), "prune --all deleted the learner's commit"
    assert not exists("image", learner["base"])
    assert f"Untagged: {learner['base']}" in repr(result)
    assert f"kept {learner['unused']}: not built by docdocker" in repr(result)


def test_image_prune_keeps_the_learners_untagged_commit(
        engine: Engine, learner: dict[str, str]) -> None:
    image_id = docker_cli("commit", learner["tutorial"]).strip()  # no name: dangling
    assert exists("image", image_id)
    engine.image_prune()
    assert exists("image", image_id), "image prune deleted the learner's untagged commit"
    docker_cli("rmi", image_id)


@pytest.mark.needs("classic-store")
def test_image_prune_still_removes_the_tutorials_own_replaced_build(
        engine: Engine, notebook: str, tmp_path: Path) -> None:
    tag = f"rebuilt-{notebook}:1"
    (tmp_path / "Dockerfile").write_text(f"FROM busybox\nRUN echo {notebook} one > /t\n")
    first = engine.build(str(tmp_path), tag=tag).value
    (tmp_path / "Dockerfile").write_text(f"FROM busybox\nRUN echo {notebook} two > /t\n")
    engine.build(str(tmp_path), tag=tag)
    assert exists("image", first)  # left behind, without a name
    engine.image_prune()
    assert not exists("image", first)
    assert exists("image", tag)


@pytest.mark.needs("containerd-store")
def test_a_replaced_build_leaves_nothing_for_image_prune_on_the_containerd_store(
        engine: Engine, notebook: str, tmp_path: Path) -> None:
    # The containerd store keeps an image only while a name points at it: moving the
    # tag to a rebuild removes the old image at once, with nothing left dangling.
    tag = f"rebuilt-{notebook}:1"
    (tmp_path / "Dockerfile").write_text(f"FROM busybox\nRUN echo {notebook} one > /t\n")
    first = engine.build(str(tmp_path), tag=tag).value
    (tmp_path / "Dockerfile").write_text(f"FROM busybox\nRUN echo {notebook} two > /t\n")
    engine.build(str(tmp_path), tag=tag)
    assert not exists("image", first)
    assert "Total reclaimed space" in repr(engine.image_prune())
    assert exists("image", tag)


def test_container_prune_and_clean_up_keep_containers_run_from_a_commit(
        engine: Engine, learner: dict[str, str]) -> None:
    result = engine.container_prune()
    assert exists("container", learner["fromcommit"]), "prune removed the learner's container"
    assert not exists("container", learner["tutorial"])
    assert f"kept {learner['fromcommit']}: not created by docdocker" in repr(result)
    engine.run("busybox", ["sleep", "60"], detach=True, name=learner["tutorial"])
    engine.clean_up()
    assert exists("container", learner["fromcommit"]), "clean_up removed the learner's container"
    assert not exists("container", learner["tutorial"])


def test_the_dashboard_remove_button_refuses_a_container_run_from_a_commit(
        engine: Engine, learner: dict[str, str]) -> None:
    from docdocker.widgets.dashboard import Dashboard

    board = Dashboard(engine=engine, show_all=True)
    try:
        board.refresh()
        row = next(r for r in board.rows if r["NAMES"] == learner["fromcommit"])
        assert not row["managed"]  # shown read-only, like any container not the tutorial's
        buttons = board.row_buttons(learner["fromcommit"])
        buttons["remove"].click()
        if board._worker is not None:
            board._worker.join(timeout=60)
        assert exists("container", learner["fromcommit"]), "the dashboard removed it"
        assert "was not created by the tutorial" in str(board.model.error)
    finally:
        board.close()


def test_image_prune_all_keeps_a_tutorial_image_the_learner_gave_a_name(
        engine: Engine, notebook: str, tmp_path: Path) -> None:
    built, mine = f"named-{notebook}:1", f"mytag-{notebook}:keep"
    (tmp_path / "Dockerfile").write_text(f"FROM busybox\nRUN echo {notebook} > /n\n")
    engine.build(str(tmp_path), tag=built)
    docker_cli("tag", built, mine)
    try:
        result = engine.image_prune(all=True)
        assert exists("image", mine), "prune --all untagged the learner's own name"
        assert exists("image", built)
        assert f"kept {built}: it also has the name {mine}" in repr(result)
    finally:
        subprocess.run(["docker", "rmi", mine, built], capture_output=True, timeout=120)
