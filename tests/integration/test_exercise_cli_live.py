"""``python -m docdocker check`` and ``reset --exercises`` from a terminal, on the live engine.

The learner's path through 00, 01 and 02-build: each solution line printed by
``check --json`` is typed, verbatim, into the real ``docker`` CLI (from the
notebooks folder, where the tasks say to work), and ``check`` then reports
that exercise done. ``reset --exercises`` then lists and removes what is left,
and nothing else. (03 and 04 need notebook 03's registry on port 5000 and
Compose's fixed port 8000; their solutions run with test names and ports in
test_exercises_live.py.)
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from docdocker.exercises import Status, all_exercises, for_notebook
from docdocker.grammar import ports

DOCKER = shutil.which("docker") or "docker"
NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
#: The exercises typed verbatim: those that start from a clean engine (02-greet, for one,
#: needs the image its notebook builds first).
PATH = ("00-first-run", "00-own-command", "00-remove", "01-my-web", "01-clean-stop",
        "01-remove-running", "02-build")
CONTAINERS = ("my-hello", "my-kernel", "my-web", "my-quitter")
IMAGES = ("my-hello-app:1.0",)


def cli(*args: str, home: Path, stdin: int | None = subprocess.DEVNULL
        ) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_DATA_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "docdocker", *args], capture_output=True,
                          text=True, timeout=180, env=env, stdin=stdin)


def listing(home: Path, notebook: str | None = None) -> dict[str, dict]:
    args = ["check", "--json"] + (["--notebook", notebook] if notebook else [])
    done = cli(*args, home=home)
    assert done.returncode in (0, 1), done.stderr
    return {entry["id"]: entry for entry in json.loads(done.stdout)}


def docker(line: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    argv = shlex.split(line)
    assert argv[0] == "docker", line
    done = subprocess.run([DOCKER, *argv[1:]], capture_output=True, text=True, timeout=300,
                          cwd=NOTEBOOKS)
    if check:
        assert done.returncode == 0, f"$ {line}\n{done.stdout}{done.stderr}"
    return done


def exists(kind: str, name: str) -> bool:
    return docker(f"docker {kind} inspect {name}", check=False).returncode == 0


@pytest.fixture
def exercise_names(client) -> Iterator[None]:
    """The catalog's own names must be free here; whatever the test made is removed after."""
    taken = [n for n in CONTAINERS if exists("container", n)]
    taken += [i for i in IMAGES if exists("image", i)]
    if taken or not ports.is_free("127.0.0.1", 8090):
        pytest.fail(f"This test types the exercises' solutions verbatim, so it needs "
                    f"{', '.join(taken) or 'port 8090'} to be free on this engine. "
                    "Remove them (python -m docdocker reset --exercises --notebook NAME).",
                    pytrace=False)
    yield
    for name in CONTAINERS:
        docker(f"docker rm --force {name}", check=False)
    for image in IMAGES:
        docker(f"docker rmi {image}", check=False)


def test_check_json_lists_every_exercise(tmp_path: Path) -> None:
    entries = listing(tmp_path)
    assert list(entries) == [e.id for e in all_exercises()]
    for exercise in all_exercises():
        entry = entries[exercise.id]
        assert entry["notebook"] == exercise.notebook and entry["title"] == exercise.title
        assert entry["status"] in {s.value for s in Status}
        assert entry["solution"] == list(exercise.solution)
        assert all(line.startswith("docker ") for line in entry["solution"])
    assert list(listing(tmp_path, "01-containers")) == [e.id for e in
                                                         for_notebook("01-containers")]


def test_check_names_the_notebooks_when_one_is_unknown(tmp_path: Path) -> None:
    done = cli("check", "--notebook", "01-containerz", home=tmp_path)
    assert done.returncode == 2
    assert "'01-containerz'" in done.stderr and "01-containers" in done.stderr
    assert "Fix: python -m docdocker check --notebook" in done.stderr


def test_the_learners_path_through_the_real_cli(tmp_path: Path, exercise_names: None) -> None:
    before = listing(tmp_path)
    for exercise_id in PATH:
        assert before[exercise_id]["status"] == "not done yet", before[exercise_id]

    for exercise_id in PATH:
        notebook = before[exercise_id]["notebook"]
        for line in before[exercise_id]["solution"]:
            docker(line)
        deadline = time.monotonic() + 15  # nginx needs a moment to answer
        while (entry := listing(tmp_path, notebook)[exercise_id])["status"] != "done":
            assert time.monotonic() < deadline, entry
            time.sleep(0.3)

    text = cli("check", "--notebook", "01-containers", home=tmp_path)
    assert text.returncode == 0, text.stdout + text.stderr
    assert "3 of 3 done" in text.stdout and "✔ 01-my-web" in text.stdout
    progress = json.loads((tmp_path / "docdocker" / "progress.json").read_text())
    assert progress["exercises"]["01-clean-stop"]["status"] == "done"

    # What the exercises left behind: my-kernel (00), my-quitter (01), the image tag (02).
    outsider = f"ex-outsider-{uuid.uuid4().hex[:6]}"
    docker(f"docker create --name {outsider} busybox")
    try:
        asked = cli("reset", "--exercises", "--notebook", "01-containers", home=tmp_path)
        assert asked.returncode == 1 and "run again with --yes" in asked.stdout
        assert exists("container", "my-quitter")
        for notebook, gone in (("00-start-here", ("container", "my-kernel")),
                               ("01-containers", ("container", "my-quitter")),
                               ("02-dockerfiles", ("image", "my-hello-app:1.0"))):
            done = cli("reset", "--exercises", "--notebook", notebook, "--yes", home=tmp_path)
            assert done.returncode == 0, done.stdout + done.stderr
            assert gone[1] in done.stdout and outsider not in done.stdout
            assert "Removed 1 object(s)." in done.stdout
            assert not exists(*gone)
        assert exists("container", outsider)
        nothing = cli("reset", "--exercises", "--notebook", "01-containers", home=tmp_path)
        assert nothing.returncode == 0 and "Nothing to remove" in nothing.stdout
    finally:
        docker(f"docker rm --force {outsider}", check=False)
