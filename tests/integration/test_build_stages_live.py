"""--target, --secret and a secret build argument on the live engine, checked with the CLI."""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
import time
from pathlib import Path

import docker
import pytest

from docdocker.base import errors
from docdocker.core.console import Console
from docdocker.core.progress import Progress
from docdocker.session.tutorial import Tutorial as Engine

DOCKER = shutil.which("docker") or "docker"
TWO_STAGES = """FROM busybox AS first
RUN echo first > /stage
FROM busybox AS second
RUN echo second > /stage
CMD ["cat", "/stage"]
"""


class Recorder(Console):
    """Keeps every state of the build log the console was shown."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def progress(self, progress: Progress, *, final: bool = False) -> None:
        self.seen.append(progress.text())


def _run(ref: str) -> str:
    return subprocess.run([DOCKER, "run", "--rm", ref, "cat", "/stage"], capture_output=True,
                          text=True, check=True, timeout=60).stdout.strip()


def test_target_builds_the_named_stage(engine: Engine, notebook: str, tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(TWO_STAGES)
    tag = f"docdocker-test/stages-{notebook}"
    result = engine.build(str(tmp_path), tag=tag, target="first")
    assert "--target first" in result.cli
    assert _run(tag) == "first"
    engine.build(str(tmp_path), tag=tag)
    assert _run(tag) == "second"


@pytest.mark.needs("buildkit")
def test_a_secret_reaches_one_run_and_no_layer_nor_log(
    client: docker.DockerClient, notebook: str, tmp_path: Path
) -> None:
    value = secrets.token_urlsafe(12)
    (tmp_path / "token.txt").write_text(value)
    (tmp_path / "Dockerfile").write_text(
        "FROM busybox\nARG PASSWORD\n"
        'RUN --mount=type=secret,id=token test "$(cat /run/secrets/token)" = "$PASSWORD" '
        '&& echo "$PASSWORD" | wc -c > /length\n')
    console = Recorder()
    engine = Engine(notebook, client, console)
    tag = f"docdocker-test/secret-{notebook}"
    started = time.monotonic()
    result = engine.build(str(tmp_path), tag=tag, buildargs={"PASSWORD": value},
                          secrets=(f"id=token,src={tmp_path / 'token.txt'}",))
    assert time.monotonic() - started < 120
    # The RUN saw the secret (the test inside it compared both), and nothing shown kept it.
    assert value not in "\n".join(console.seen) and value not in result.cli
    assert any("******" in text for text in console.seen)
    shown = subprocess.run([DOCKER, "history", "--no-trunc", "--format", "{{json .}}", tag],
                           capture_output=True, text=True, check=True).stdout
    # The ARG is in the real history (why the notebook warns); the secret file is not.
    assert value in shown and "token.txt" not in shown
    assert json.loads(shown.splitlines()[0])


@pytest.mark.needs("classic-builder")
def test_the_classic_builder_refuses_a_secret(engine: Engine, notebook: str,
                                              tmp_path: Path) -> None:
    (tmp_path / "token.txt").write_text("x")
    (tmp_path / "Dockerfile").write_text("FROM busybox\n")
    with pytest.raises(errors.BuildFailed) as caught:
        engine.build(str(tmp_path), tag=f"docdocker-test/secret-{notebook}",
                     secrets=(f"id=token,src={tmp_path / 'token.txt'}",))
    assert "classic builder" in str(caught.value) and "--secret" in caught.value.command
