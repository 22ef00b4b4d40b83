"""The exercises of 06-better-images against the live engine, states made with the CLI.

As in ``test_exercises_datanet_live.py``: from a clean state the check says "not done
yet"; each usual wrong state, typed through the real ``docker`` CLI in the `notebooks`
folder, gives its own near-miss message; the solution makes it pass.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from docdocker import exercises
from docdocker.exercises import Exercise, ProgressStore, Result, Status, nb06
from docdocker.session.tutorial import Tutorial as Engine

DOCKER = shutil.which("docker") or "docker"
NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def docker(line: str, *, check: bool = True, cwd: Path = NOTEBOOKS) -> str:
    """Run one ``docker ...`` command line through the real CLI, as a learner types it."""
    argv = shlex.split(line)
    assert argv[0] == "docker", line
    done = subprocess.run([DOCKER, *argv[1:]], capture_output=True, text=True, timeout=300,
                          cwd=cwd)
    if check:
        assert done.returncode == 0, f"$ {line}\n{done.stdout}{done.stderr}"
    return done.stdout


@pytest.fixture
def prefix(client: object) -> Iterator[str]:
    """A prefix for every name and tag a test makes; what carries it is removed afterwards."""
    tag = f"ex-{uuid.uuid4().hex[:6]}"
    yield tag
    for name in docker(f"docker ps --all -q --filter name={tag}", check=False).split():
        docker(f"docker rm --force --volumes {name}", check=False)
    listed = docker(f"docker images --format {{{{.Repository}}}}:{{{{.Tag}}}} {tag}*",
                    check=False).split()
    for image in listed:
        docker(f"docker rmi {image}", check=False)


@pytest.fixture
def store(tmp_path: Path) -> ProgressStore:
    return ProgressStore(tmp_path / "progress.json")


def check(exercise: Exercise, engine: Engine, store: ProgressStore) -> Result:
    return exercises.check(exercise, engine, store)


def _build(tmp_path: Path, tag: str, dockerfile: str) -> None:
    folder = tmp_path / tag.replace(":", "-")
    folder.mkdir(exist_ok=True)
    (folder / "Dockerfile").write_text(dockerfile)
    docker(f"docker build -q -t {tag} {folder}")


def test_a_small_image_that_runs_as_a_user(engine: Engine, store: ProgressStore, prefix: str,
                                           tmp_path: Path) -> None:
    tag, than = f"{prefix}-small:1.0", f"{prefix}-naive:1.0"
    exercise = nb06.small_non_root().using(tag=tag, than=than)
    assert check(exercise, engine, store).status is Status.NOT_YET
    # 02's Dockerfile: no USER, so root.
    docker(f"docker build -q -t {tag} apps/friendlyhello")
    result = check(exercise, engine, store)
    assert result.status is Status.NEAR_MISS and "runs as root" in result.message, result
    assert "USER" in (result.hint or "")
    docker(f"docker rmi {tag}")
    docker(exercise.solution[0])
    # Not yet comparable: the single-stage image is missing.
    result = check(exercise, engine, store)
    assert result.status is Status.NOT_YET and than in result.message, result
    # A reference smaller than the learner's image: a near miss that names both sizes.
    _build(tmp_path, than, "FROM busybox\n")
    result = check(exercise, engine, store)
    assert result.status is Status.NEAR_MISS and "not smaller" in result.message, result
    docker(f"docker rmi {than}")
    # Clearly bigger on either store (the classic one counts unpacked sizes).
    _build(tmp_path, than, "FROM python:3.11-slim\nRUN head -c 60000000 /dev/urandom > /blob\n")
    result = check(exercise, engine, store)
    assert result.status is Status.DONE and "runs as user app" in result.message, result


def _wait_for(exercise: Exercise, engine: Engine, store: ProgressStore, status: Status,
              within: float = 40.0) -> Result:
    end = time.monotonic() + within
    while True:
        result = check(exercise, engine, store)
        if result.status is status or time.monotonic() > end:
            return result
        time.sleep(1)


def test_a_container_docker_reports_healthy(engine: Engine, store: ProgressStore,
                                            prefix: str) -> None:
    name, image = f"{prefix}-app", f"{prefix}-small:1.0"
    exercise = nb06.healthy().using(name=name, image=image)
    assert check(exercise, engine, store).status is Status.NOT_YET
    docker(f"docker run -d --name {name} busybox sleep 120")
    result = check(exercise, engine, store)
    assert result.status is Status.NEAR_MISS and "no health check" in result.message, result
    docker(f"docker rm --force {name}")
    docker(exercise.solution[0])
    # The image has a HEALTHCHECK; --no-healthcheck turns it off for this container only.
    docker(f"docker run -d --no-healthcheck --name {name} {image}")
    result = check(exercise, engine, store)
    assert result.status is Status.NEAR_MISS and "--no-healthcheck" in result.message, result
    assert "defines no HEALTHCHECK" not in result.message
    docker(f"docker rm --force {name}")
    # The app's image with a command that serves nothing: starting, then unhealthy.
    docker(f"docker run -d --name {name} {image} python -c 'import time; time.sleep(120)'")
    result = _wait_for(exercise, engine, store, Status.NEAR_MISS)
    assert result.status is Status.NEAR_MISS and "unhealthy" in result.message, result
    assert "Connection refused" in result.message and "docker logs" in (result.hint or "")
    docker(f"docker rm --force {name}")
    docker(exercise.solution[1])
    result = _wait_for(exercise, engine, store, Status.DONE)
    assert result.status is Status.DONE, result
