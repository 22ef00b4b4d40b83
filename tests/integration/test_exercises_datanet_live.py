"""The exercises of 04-data-and-networks against the live engine, states made with the CLI.

As in ``test_exercises_live.py``: from a clean state the check says "not done yet"; each
usual wrong state, typed through the real ``docker`` CLI, gives its own near-miss
message; the solution makes it pass. Names are unique per test (``Exercise.using``).
"""

from __future__ import annotations

import dataclasses
import shlex
import shutil
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from docdocker import exercises
from docdocker.exercises import Exercise, ProgressStore, Result, Status, base, cleanup, nb04
from docdocker.exercises.base import INSIDE_SECONDS, Context
from docdocker.session.tutorial import Tutorial as Engine

DOCKER = shutil.which("docker") or "docker"


def docker(line: str, *, check: bool = True) -> str:
    """Run one ``docker ...`` command line through the real CLI, as a learner types it."""
    argv = shlex.split(line)
    assert argv[0] == "docker", line
    done = subprocess.run([DOCKER, *argv[1:]], capture_output=True, text=True, timeout=120)
    if check:
        assert done.returncode == 0, f"$ {line}\n{done.stdout}{done.stderr}"
    return done.stdout


@pytest.fixture
def prefix(client: object) -> Iterator[str]:
    """A prefix for every name a test makes; what carries it is removed afterwards."""
    tag = f"ex-{uuid.uuid4().hex[:6]}"
    yield tag
    for kind in ("container", "network", "volume"):
        flag = "--all" if kind == "container" else ""
        names = docker(f"docker {kind} ls {flag} -q --filter name={tag}", check=False).split()
        for name in names:
            extra = "--force --volumes" if kind == "container" else ""
            docker(f"docker {kind} rm {extra} {name}", check=False)


@pytest.fixture
def store(tmp_path: Path) -> ProgressStore:
    return ProgressStore(tmp_path / "progress.json")


def check(exercise: Exercise, engine: Engine, store: ProgressStore) -> Result:
    return exercises.check(exercise, engine, store)


def test_redis_keeps_its_data_in_the_named_volume(engine: Engine, store: ProgressStore,
                                                  prefix: str) -> None:
    name, volume = f"{prefix}-redis", f"{prefix}-data"
    exercise = nb04.redis_volume().using(name=name, volume=volume)
    assert check(exercise, engine, store).status is Status.NOT_YET
    states = {
        "forgot -v": (f"docker run -d --name {name} redis:7", "anonymous volume"),
        "wrong path": (f"docker run -d --name {name} -v {volume}:/var/lib/redis redis:7",
                       "mounted at /var/lib/redis"),
        "bind mount": (f"docker run -d --name {name} -v /tmp:/data redis:7", "bind mount"),
        "other volume": (f"docker run -d --name {name} -v {prefix}-other:/data redis:7",
                         f"the volume {prefix}-other"),
        "wrong image": (f"docker run -d --name {name} -v {volume}:/data busybox sleep 60",
                        "not redis"),
        "stopped": (f"docker create --name {name} -v {volume}:/data redis:7", "has created"),
    }
    messages = {}
    for label, (line, phrase) in states.items():
        docker(line)
        result = check(exercise, engine, store)
        assert result.status is Status.NEAR_MISS, (label, result)
        assert phrase in result.message, (label, result)
        assert result.hint, label
        messages[label] = result.message
        docker(f"docker rm --force --volumes {name}")
    assert len(set(messages.values())) == len(messages)
    for line in exercise.solution:
        docker(line)
    result = check(exercise, engine, store)
    assert result.status is Status.DONE, result
    # `reset --exercises` offers to remove the container, never the learner's volume.
    found = cleanup.find(engine, [exercise])
    assert [(i.kind, i.name) for i in found] == [("containers", name)]


def test_a_server_that_accepts_and_never_answers_is_a_near_miss_within_seconds(
        engine: Engine, store: ProgressStore, prefix: str) -> None:
    """The check runs wget inside the learner's client: bounded, and nothing is left running."""
    net, server, client = f"{prefix}-net", f"{prefix}-server", f"{prefix}-client"
    exercise = nb04.reach_by_name().using(network=net, server=server, client=client)
    docker(f"docker network create {net}")
    # Accepts a connection on port 80 and never sends a byte back.
    docker(f"docker run -d --name {server} --network {net} busybox "
           "sh -c 'sleep 3600 | nc -l -p 80'")
    docker(f"docker run -d --name {client} --network {net} busybox sleep 3600")
    start = time.monotonic()
    result = check(exercise, engine, store)
    took = time.monotonic() - start
    assert result.status is Status.NEAR_MISS, result
    assert f"{server} did not answer" in result.message, result
    assert f"within {INSIDE_SECONDS} s" in result.message
    assert took < INSIDE_SECONDS + 8, f"the check took {took:.1f} s"
    processes = docker(f"docker top {client}")
    assert "wget" not in processes, processes


def test_a_check_that_does_not_end_gives_up_after_its_bound(
        engine: Engine, store: ProgressStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever a check waits for, the learner reads an answer within CHECK_SECONDS."""
    monkeypatch.setattr(base, "CHECK_SECONDS", 1.0)
    stuck = threading.Event()

    def never_ends(ctx: Context) -> Result:
        stuck.wait(30)
        return Result(Status.DONE, "too late")

    exercise = dataclasses.replace(nb04.reach_by_name(), check_fn=never_ends)
    start = time.monotonic()
    result = check(exercise, engine, store)
    stuck.set()
    assert time.monotonic() - start < 3
    assert result.status is Status.CANNOT_CHECK
    assert "gave up after 1 s" in result.message


def test_two_containers_reach_each_other_by_name_on_the_learners_network(
        engine: Engine, store: ProgressStore, prefix: str) -> None:
    net, server, client = f"{prefix}-net", f"{prefix}-server", f"{prefix}-client"
    exercise = nb04.reach_by_name().using(network=net, server=server, client=client)
    assert check(exercise, engine, store).status is Status.NOT_YET
    # Both on the default bridge: no names there.
    docker(f"docker run -d --name {server} nginx")
    docker(f"docker run -d --name {client} busybox sleep 600")
    result = check(exercise, engine, store)
    assert result.status is Status.NEAR_MISS
    assert "not on " + net in result.message and "default bridge" in result.message
    # The network exists and the server is on it, the client is not yet.
    docker(f"docker network create {net}")
    docker(f"docker network connect {net} {server}")
    result = check(exercise, engine, store)
    assert result.status is Status.NEAR_MISS and client in result.message
    assert result.hint == f"Attach it: `docker network connect {net} {client}`."
    # A server that is no web server: the lookup from inside the client fails.
    docker(f"docker rm --force {server}")
    docker(f"docker run -d --name {server} --network {net} busybox sleep 600")
    docker(f"docker network connect {net} {client}")
    result = check(exercise, engine, store)
    assert result.status is Status.NEAR_MISS and "inside " + client in result.message
    docker(f"docker rm --force {server} {client}")
    for line in exercise.solution[1:3]:  # the network is there already
        docker(line)
    result = check(exercise, engine, store)
    assert result.status is Status.DONE, result
    assert [i.kind for i in cleanup.find(engine, [exercise])] == [
        "containers", "containers", "networks"]
