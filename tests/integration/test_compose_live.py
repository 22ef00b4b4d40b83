"""Compose steps run the real Compose v2 against the live engine.

Each test works on its own copy of friendlyhello under a unique project name and
notebook label, and removes it afterwards. ``DOCKER_CONFIG`` points at a
temporary folder so that Compose's builds write nothing into the home folder.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from docdocker.base import errors
from docdocker.concepts import compose, web
from docdocker.core.console import Console
from docdocker.core.steps import LABEL, OWNER
from docdocker.grammar import ports
from docdocker.session.tutorial import Tutorial
from docdocker.tools import lesson, reset

APP = Path(__file__).resolve().parents[2] / "notebooks" / "apps" / "friendlyhello"


@pytest.fixture(autouse=True)
def docker_config(tmp_path_factory: pytest.TempPathFactory,
                  monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path_factory.mktemp("docker-config")
    monkeypatch.setenv("DOCKER_CONFIG", str(folder))
    return folder


def binary() -> str:
    path = compose.venv_binary()
    assert path is not None
    return str(path)


def prepare(folder: Path, project: str, notebook: str | None, port: int) -> Path:
    """A copy of friendlyhello on ``port``; with the tutorial's override when ``notebook``."""
    work = lesson.scratch_copy(APP, folder)
    lesson.edit(work / "compose.yaml", "127.0.0.1:8000:80", f"127.0.0.1:{port}:80")
    if notebook:
        (work / lesson.OVERRIDE_FILE).write_text(lesson.override_text(
            project, notebook, services=["web", "redis"], built=["web"],
            volumes=["redis-data"]))
    return work


def down(work: Path, project: str) -> None:
    subprocess.run([binary(), "-p", project, "down", "--volumes", "--rmi", "local"],
                   cwd=work, capture_output=True, timeout=120, check=False)
    # `down --rmi local` removes only images of services that still have containers.
    client = docker.from_env()
    try:
        client.images.remove(f"{project}-web:latest")
    except docker.errors.DockerException:
        pass  # already removed, or never built
    finally:
        client.close()


def state(work: Path, project: str) -> list[tuple[str, str, list[tuple[str, int, int]]]]:
    """Per container: its service, its state and its published ports (Compose's own view)."""
    done = subprocess.run([binary(), "-p", project, "ps", "--all", "--format", "json"],
                          cwd=work, capture_output=True, text=True, timeout=60, check=True)
    rows = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    return sorted((r["Service"], r["State"],
                   sorted((p["URL"], p["PublishedPort"], p["TargetPort"])
                          for p in r["Publishers"] if p["PublishedPort"])) for r in rows)


@pytest.fixture
def project(tmp_path: Path, notebook: str, free_port: int) -> Iterator[tuple[Path, str]]:
    name = f"dd-{notebook}"
    work = prepare(tmp_path / "friendlyhello", name, notebook, free_port)
    yield work, name
    down(work, name)


def test_a_failing_up_is_a_failure_with_composes_words(
    engine: Tutorial, project: tuple[Path, str]
) -> None:
    work, _ = project
    (work / "compose.yaml").write_text("services:\n  web:\n    image: redis:7\n   ports: []\n")
    engine.compose_cd(work)
    with pytest.raises(errors.ComposeFileInvalid) as caught:
        engine.compose_up()
    assert caught.value.exit_code == 1
    assert caught.value.message.startswith("compose.yaml is not valid YAML: line")
    assert "did not find expected key" in caught.value.stderr


def test_counter_rises_and_three_replicas_answer_on_a_port_range(
    engine: Tutorial, project: tuple[Path, str], client: docker.DockerClient
) -> None:
    work, name = project
    engine.compose_cd(work)
    engine.compose_up()
    url = f"http://{engine.compose_port('web', 80).value}"
    visits = [web.fetch(url).body.rsplit("</b> ", 1)[-1] for _ in range(3)]
    assert [int(v) for v in visits] == [1, 2, 3]
    assert engine.compose_exec("redis", "redis-cli get counter").value.strip() == "3"

    with pytest.raises(errors.PortAllocated) as caught:
        engine.compose_up(scale={"web": 3})
    assert "A fixed host port fits one container only" in caught.value.message

    start = ports.find_free("127.0.0.1", 30000 + int(name[-4:], 16) % 20000)
    while not all(ports.is_free("127.0.0.1", p) for p in range(start, start + 3)):
        start = ports.find_free("127.0.0.1", start + 3)
    line = [ln for ln in (work / "compose.yaml").read_text().splitlines() if "127.0.0.1:" in ln]
    lesson.edit(work / "compose.yaml", line[0].split('"')[1],
                 f"127.0.0.1:{start}-{start + 2}:80")
    engine.compose_up(scale={"web": 3})
    hosts, counts = set(), []
    for index in (1, 2, 3):
        address = engine.compose_port("web", 80, index=index).value
        body = web.fetch(f"http://{address}").body
        hosts.add(body.split("Hostname:</b> ")[1].split("<")[0])
        counts.append(int(body.rsplit("</b> ", 1)[-1]))
    assert len(hosts) == 3
    assert counts == [4, 5, 6]
    for c in client.containers.list(filters={"label": f"com.docker.compose.project={name}"}):
        assert c.labels[LABEL] == engine.notebook and c.labels[OWNER] == "container"

    # ps prints Compose's own table, whole and unwrapped, in a box that scrolls sideways.
    listed = engine.compose_ps()
    assert not listed.streamed and listed.output.splitlines()[0].split()[:3] == [
        "NAME", "IMAGE", "COMMAND"]
    assert sum(f"{name}-web-" in line for line in listed.output.splitlines()) == 3
    html = listed._repr_html_()
    assert "white-space:pre;" in html and "overflow-x:auto" in html


def test_echoed_commands_reach_the_same_state_through_the_real_compose(
    engine: Tutorial, tmp_path: Path, notebook: str, free_port: int, docker_config: Path
) -> None:
    name = f"dd-{notebook}"
    work = prepare(tmp_path / "a" / "friendlyhello", name, notebook, free_port)
    lines: list[str] = []

    class Recorder(Console):
        def command(self, cli: str) -> None:
            lines.append(cli)

    recorded = engine.using(Recorder())
    recorded.compose_cd(work)
    try:
        recorded.compose_up()
        recorded.compose_up(scale={"redis": 1})
        by_docdocker = state(work, name)
    finally:
        down(work, name)
    assert lines[0] == f"cd {work}"
    assert lines[1:] == ["docker compose up -d", "docker compose up -d --scale redis=1"]

    # The same lines, typed into a shell, with Compose installed as the docker CLI plugin.
    plugins = docker_config / "cli-plugins"
    plugins.mkdir()
    (plugins / "docker-compose").symlink_to(binary())
    try:
        for line in lines:
            if line.startswith("cd "):
                continue
            done = subprocess.run(line, shell=True, cwd=work, capture_output=True, text=True,
                                  timeout=300, env=dict(os.environ))
            assert done.returncode == 0, done.stderr
        by_cli = state(work, name)
    finally:
        down(work, name)
    assert by_docdocker == by_cli
    assert ("web", "running", [("127.0.0.1", free_port, 80)]) in by_cli
    assert [s[0] for s in by_cli] == ["redis", "web"]


@pytest.mark.parametrize(("broken", "kind", "says"), [
    ("services:\n  web:\n    image: redis:7\n   ports: []\n", errors.ComposeFileInvalid,
     "is not valid YAML: line"),
    ("services:\n  web:\n    image: redis:7\n    port: ['127.0.0.1::80']\n",
     errors.ComposeFileInvalid, "`port` is not a key Compose knows in service 'web'"),
    ("services:\n  web:\n    image: docdocker-nosuch/image:1\n    pull_policy: never\n",
     errors.ImageNotFound, "for service 'web'"),
])
def test_each_broken_file_gives_its_message(
    engine: Tutorial, tmp_path: Path, notebook: str, broken: str, kind: type, says: str
) -> None:
    work = tmp_path / "broken"
    work.mkdir()
    (work / "compose.yaml").write_text(broken)
    (work / lesson.OVERRIDE_FILE).write_text(f"name: dd-{notebook}\n")
    engine.compose_cd(work)
    try:
        with pytest.raises(kind) as caught:
            engine.compose_up()
    finally:
        down(work, f"dd-{notebook}")
    assert says in caught.value.message
    assert caught.value.stderr


def test_a_taken_port_names_the_container_holding_it(
    engine: Tutorial, project: tuple[Path, str], notebook: str, free_port: int
) -> None:
    engine.run("busybox", "sleep 60", detach=True, name=f"holder-{notebook}",
               publish=f"127.0.0.1:{free_port}:80")
    work, _ = project
    engine.compose_cd(work)
    with pytest.raises(errors.PortAllocated) as caught:
        engine.compose_up()
    assert f"container holder-{notebook} already publishes 127.0.0.1:{free_port}" \
        in caught.value.message
    assert "port is already allocated" in caught.value.stderr


def test_reset_removes_the_tutorials_project_and_never_a_learners(
    engine: Tutorial, tmp_path: Path, notebook: str, client: docker.DockerClient
) -> None:
    mine, theirs = f"dd-{notebook}", f"learner-{notebook}"
    port = ports.find_free("127.0.0.1", 31000)
    work = prepare(tmp_path / "mine" / "friendlyhello", mine, notebook, port)
    other = prepare(tmp_path / "theirs" / "friendlyhello", theirs, None,
                    ports.find_free("127.0.0.1", port + 1))
    engine.compose_cd(work)
    engine.compose_up()
    # A rebuild leaves the previous image without a tag; it is the tutorial's too.
    lesson.edit(work / "app.py", "Hello", "Hi")
    engine.compose_up(build=True)
    subprocess.run([binary(), "-p", theirs, "up", "-d"], cwd=other, check=True,
                   capture_output=True, timeout=300)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "docdocker", "reset", "--notebook", notebook, "--yes"],
            capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, done.stdout + done.stderr
        left = client.containers.list(all=True, filters={
            "label": f"com.docker.compose.project={mine}"})
        assert left == []
        assert client.networks.list(filters={"label": f"com.docker.compose.project={mine}"}) \
            == []
        assert client.volumes.list(filters={"label": f"com.docker.compose.project={mine}"}) \
            == []
        assert client.images.list(all=True, filters={
            "label": f"com.docker.compose.project={mine}"}) == []
        assert reset.find(engine, notebook) == []
        theirs_running = client.containers.list(filters={
            "label": f"com.docker.compose.project={theirs}"})
        assert sorted(c.labels["com.docker.compose.service"] for c in theirs_running) \
            == ["redis", "web"]
        assert client.volumes.list(filters={"label": f"com.docker.compose.project={theirs}"})
    finally:
        down(work, mine)
        down(other, theirs)


def test_doctor_reports_compose_v2() -> None:
    from docdocker.tools.doctor import _check_compose

    check = _check_compose()
    assert check.ok is not False
    assert check.detail.startswith("Compose v2.")


def test_the_down_exercise_tells_down_from_down_v(
    engine: Tutorial, tmp_path: Path, notebook: str, free_port: int
) -> None:
    from docdocker.exercises import Status, nb05

    project = f"learner-{notebook}"
    work = prepare(tmp_path / "app", project, None, free_port)
    exercise = nb05.compose_down_keep_data(project=project, file=str(work / "compose.yaml"))
    run = [binary(), "-p", project, "-f", str(work / "compose.yaml")]
    try:
        subprocess.run([*run, "up", "-d"], check=True, capture_output=True, timeout=300)
        assert exercise.check(engine, lambda _id: True).status is Status.NOT_YET
        subprocess.run([*run, "down"], check=True, capture_output=True, timeout=120)
        kept = exercise.check(engine, lambda _id: True)
        assert kept.status is Status.DONE and f"{project}_redis-data" in kept.message
        subprocess.run([*run, "down", "-v"], check=True, capture_output=True, timeout=120)
        gone = exercise.check(engine, lambda _id: True)
        assert gone.status is Status.NEAR_MISS and "`-v` deleted" in gone.message
        assert exercise.check(engine, lambda _id: False).status is Status.NOT_YET
    finally:
        down(work, project)


def test_compose_goes_to_the_engine_the_tutorial_is_connected_to(
    engine_proxy, project: tuple[Path, str], notebook: str
) -> None:
    proxied = docker.DockerClient(base_url=f"unix://{engine_proxy.path}", timeout=30)
    through = Tutorial(notebook, proxied, Console(), host=f"unix://{engine_proxy.path}")
    work, _ = project
    through.compose_cd(work)
    assert through.compose_ps().exit_code == 0
    engine_proxy.cut()
    with pytest.raises(errors.EngineUnavailable) as caught:
        through.compose_ps()
    assert str(engine_proxy.path) in caught.value.message
