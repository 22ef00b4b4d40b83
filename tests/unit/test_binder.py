"""The binder/ folder builds the environment mybinder.org should build, and nothing else.

repo2docker (the tool behind mybinder.org) is asked for the Dockerfile it would build
from this repository. With ``--no-build`` it only prints that Dockerfile: no Docker
Engine, no network, well under a second.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parents[2]
BINDER = ROOT / "binder"

# What binder/ is allowed to hold. Another file (apt.txt, postBuild, start,
# environment.yml...) changes what repo2docker builds: add it here deliberately.
BINDER_FILES = {"requirements.txt", "runtime.txt"}
PIP_INSTALL = '${KERNEL_PYTHON_PREFIX}/bin/pip install --no-cache-dir -r "binder/requirements.txt"'


def _repo2docker() -> str:
    beside = Path(sys.executable).with_name("jupyter-repo2docker")
    found = str(beside) if beside.exists() else shutil.which("jupyter-repo2docker")
    if not found:
        pytest.fail("jupyter-repo2docker is not installed: pip install -r requirements-dev.txt",
                    pytrace=False)
    return found


@pytest.fixture(scope="module")
def build() -> tuple[list[tuple[str, str]], str]:
    """The Dockerfile as (INSTRUCTION, arguments) pairs, and repo2docker's log."""
    # An engine address that cannot answer: the dry run must not need one.
    env = dict(os.environ, DOCKER_HOST="unix:///nonexistent/docker.sock")
    done = subprocess.run(
        [_repo2docker(), "--no-build", "--no-run", "--user-id", "1000", "--user-name", "jovyan",
         str(ROOT)],
        capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    text = re.sub(r"\\\n", " ", done.stdout)  # join continuation lines
    instructions = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            keyword, _, args = line.strip().partition(" ")
            instructions.append((keyword, " ".join(args.split())))
    assert instructions, f"repo2docker printed no Dockerfile:\n{done.stderr}"
    return instructions, done.stderr


def _requirements(path: Path) -> list[str]:
    """The lines of a requirements file, following -r the way pip does (relative to the file)."""
    lines = []
    for raw in path.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        nested = re.match(r"(?:-r|--requirement)[ =]?(.+)", line)
        if nested:
            lines += _requirements(path.parent / nested[1].strip())
        elif line:
            lines.append(line)
    return lines


def test_binder_holds_only_the_expected_files() -> None:
    found = {p.name for p in BINDER.iterdir()}
    assert found == BINDER_FILES, (
        f"binder/ holds {sorted(found)}, expected {sorted(BINDER_FILES)}: every file there "
        "changes the Binder image (see repo2docker's configuration files)")


def test_binder_installs_the_runtime_pins_and_docdocker() -> None:
    top = _requirements(ROOT / "requirements.txt")
    binder = _requirements(BINDER / "requirements.txt")
    assert sorted(r for r in binder if not r.startswith("-e ")) == sorted(top), (
        "binder/requirements.txt must install exactly the pins of requirements.txt "
        "(it includes them with -r ../requirements.txt)")
    # `.` is resolved against pip's working directory, the repository root (checked below).
    assert [r for r in binder if r.startswith("-e ")] == ["-e ."], (
        "binder/requirements.txt must install docdocker itself with `-e .`")


def test_pip_runs_from_the_root_after_the_repository_is_copied(build) -> None:
    instructions, _ = build
    runs = [i for i, (kw, args) in enumerate(instructions) if kw == "RUN" and args == PIP_INSTALL]
    assert len(runs) == 1, "repo2docker no longer installs binder/requirements.txt as expected"
    before = instructions[:runs[0]]
    # -r ../requirements.txt and -e . need the whole repository, not just the binder file.
    assert ("COPY", "--chown=1000:1000 src/ ${REPO_DIR}/") in before
    assert [args for kw, args in before if kw == "WORKDIR"][-1] == "${REPO_DIR}"


def test_nothing_else_comes_from_the_repository(build) -> None:
    instructions, log = build
    workdir = instructions.index(("WORKDIR", "${REPO_DIR}"))
    ours = [args for kw, args in instructions[workdir:] if kw == "RUN"
            and args != "chown ${NB_USER}:${NB_USER} ${REPO_DIR}"]
    assert ours == [PIP_INSTALL], f"unexpected build steps from the repository: {ours}"
    assert "warn" not in log.lower(), log


def test_python_version_is_pinned_and_allowed_by_the_package(build) -> None:
    instructions, _ = build
    pinned = (BINDER / "runtime.txt").read_text().strip().removeprefix("python-")
    # repo2docker names its base environment file in the Dockerfile, escaped (-2e is ".").
    sources = [re.sub(r"-([0-9a-f]{2})", lambda m: chr(int(m[1], 16)), args)
               for kw, args in instructions if kw == "COPY" and "/tmp/env/environment" in args]
    assert any(f"environment.py-{pinned}-" in s for s in sources), (
        f"repo2docker does not build Python {pinned} from binder/runtime.txt: {sources}")
    # repo2docker ignores pyproject.toml when binder/ exists: check requires-python here.
    requires = re.search(r'^requires-python = "(.+)"$', (ROOT / "pyproject.toml").read_text(),
                         re.MULTILINE)
    assert requires and pinned in SpecifierSet(requires[1]), (
        f"binder/runtime.txt asks for Python {pinned}, outside pyproject's requires-python")
