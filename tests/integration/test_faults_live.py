"""A hung, garbled or vanishing engine, and hostile input: the learner always gets a
docdocker message with the echoed command, within a bound, never a traceback or a hang.

The engine sits behind a socket proxy (tests/conftest.py) that forwards to the real
engine and then freezes, garbles or cuts on demand.
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import threading
import time

import docker
import pytest

from docdocker.base import errors
from docdocker.concepts import foreground
from docdocker.core.console import Console
from docdocker.core.steps import LABEL
from docdocker.session.connect import connect
from docdocker.session.tutorial import Tutorial as Engine

#: Seconds any single request may wait in these tests (the default is 60): what ends a step
#: on a hung engine is the request's bound, whatever its length.
REQUEST = 2


@functools.lru_cache(maxsize=1)
def api_version() -> str:
    """The real engine's API version, asked once: a client behind a proxy that may hang
    must not have to negotiate it (an engine refuses versions below its minimum)."""
    client = docker.from_env(timeout=30)
    try:
        return str(client.version()["ApiVersion"])
    finally:
        client.close()


def proxied(proxy, notebook: str, timeout: float = REQUEST) -> Engine:
    host = f"unix://{proxy.path}"
    client = docker.DockerClient(base_url=host, timeout=timeout, version=api_version())
    return Engine(notebook, client, Console(), host=host)


def labelled(client: docker.DockerClient, notebook: str) -> list[dict]:
    return client.api.containers(all=True, filters={"label": f"{LABEL}={notebook}"})


# ----------------------------------------------------------------- a hung engine
def test_connect_to_a_hung_engine_ends_in_seconds(engine_proxy, monkeypatch) -> None:
    engine_proxy.freeze()
    monkeypatch.setenv("DOCKER_HOST", f"unix://{engine_proxy.path}")
    start = time.monotonic()
    with pytest.raises(errors.EngineUnavailable) as caught:
        connect("test-hung")
    assert time.monotonic() - start < 15
    assert "did not answer in time" in caught.value.message
    assert "docker info" in caught.value.fix


def test_doctor_on_a_hung_engine_ends_in_seconds(engine_proxy) -> None:
    engine_proxy.freeze()
    env = {**os.environ, "DOCKER_HOST": f"unix://{engine_proxy.path}"}
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "docdocker", "doctor"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert time.monotonic() - start < 30
    assert done.returncode == 1
    assert "✘ Docker Engine reachable: Cannot connect to the Docker Engine: the Docker " \
           "Engine at" in done.stdout
    assert "did not answer in time" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr


def test_pull_from_a_hung_engine_ends_with_the_friendly_message(
    engine_proxy, notebook: str
) -> None:
    engine = proxied(engine_proxy, notebook)
    engine_proxy.freeze()
    start = time.monotonic()
    with pytest.raises(errors.EngineUnavailable) as caught:
        engine.pull("busybox:1.36")
    assert time.monotonic() - start < 4 * REQUEST
    assert "stopped answering while this step was running" in caught.value.message
    assert caught.value.cli == "docker pull busybox:1.36"


def test_ps_on_a_hung_engine_ends_with_the_friendly_message(engine_proxy, notebook) -> None:
    engine = proxied(engine_proxy, notebook)
    engine_proxy.freeze()
    start = time.monotonic()
    with pytest.raises(errors.EngineUnavailable) as caught:
        engine.ps()
    assert time.monotonic() - start < 4 * REQUEST
    assert "stopped answering" in caught.value.message
    assert caught.value.cli.startswith("docker ps --filter label=")


def test_foreground_run_with_a_timeout_ends_when_the_engine_hangs_mid_run(
    engine_proxy, client, notebook: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Silence for a heartbeat, then a check bounded as long; the stop the timeout asks for
    # waits a request's time. Shorter than a learner's (10 s, 60 s): the same rule, sooner.
    monkeypatch.setattr(foreground, "HEARTBEAT_SECONDS", 2.0)
    engine = proxied(engine_proxy, notebook, timeout=3)
    threading.Timer(2.0, engine_proxy.freeze).start()
    start = time.monotonic()
    with pytest.raises(errors.EngineUnavailable) as caught:
        engine.run("busybox", ["sh", "-c", "while true; do echo tick; sleep 0.2; done"],
                   timeout=5)
    assert time.monotonic() - start < 30
    assert "stopped answering while this step was running" in caught.value.message
    assert caught.value.cli.startswith("docker run --label")
    # The stop never reached the engine: the container is still there, labelled, and
    # the notebook fixture (as `reset --notebook`) removes it.
    assert len(labelled(client, notebook)) == 1


# --------------------------------------------------------------- a garbled engine
def test_ps_answered_with_something_else_than_json(engine_proxy, notebook: str) -> None:
    engine = proxied(engine_proxy, notebook)
    engine_proxy.garble()
    with pytest.raises(errors.EngineUnavailable) as caught:
        engine.ps(all=True)
    message = str(caught.value)
    assert "but not as a Docker Engine does (the answer is not JSON" in message
    assert "DOCKER_HOST" in caught.value.fix
    assert caught.value.cli.startswith("docker ps --all --filter label=")
    assert isinstance(caught.value.__cause__, ValueError)


def test_connect_to_something_that_is_not_an_engine(engine_proxy, monkeypatch) -> None:
    engine_proxy.garble()
    monkeypatch.setenv("DOCKER_HOST", f"unix://{engine_proxy.path}")
    with pytest.raises(errors.EngineUnavailable) as caught:
        connect("test-garbled")
    assert "but not as a Docker Engine does" in caught.value.message


def test_connection_dropped_inside_the_pull_response_headers(engine_proxy, notebook) -> None:
    engine = proxied(engine_proxy, notebook)
    engine_proxy.cut_in_headers()
    with pytest.raises(errors.EngineUnavailable) as caught:
        engine.pull("busybox:1.36")
    assert "Lost the connection to the Docker Engine" in caught.value.message
    assert caught.value.cli == "docker pull busybox:1.36"


# ----------------------------------------------------------------- hostile input
def test_a_command_with_an_unclosed_quote_is_refused_before_anything_runs(
    engine: Engine, client, notebook: str
) -> None:
    with pytest.raises(errors.InvalidCommand) as caught:
        engine.run("busybox", "sh -c 'echo hi")
    assert "the ' quote at position 6 is never closed" in caught.value.message
    assert caught.value.cli == "docker run busybox sh -c 'echo hi"
    assert '["sh", "-c", "echo hi"]' in caught.value.fix
    assert isinstance(caught.value, ValueError)
    assert labelled(client, notebook) == []


# ------------------------------------------------------------------- kill returns
@pytest.mark.parametrize(("image", "cmd", "signal"), [
    ("nginx", [], "SIGHUP"),                        # nginx reloads its configuration
    ("busybox", ["sleep", "600"], "SIGTERM"),       # PID 1 ignores SIGTERM without a handler
])
def test_kill_with_a_signal_that_does_not_stop_returns_at_once(
    engine: Engine, client, notebook: str, image: str, cmd: list[str], signal: str
) -> None:
    name = f"sig-{notebook}"
    engine.run(image, cmd, detach=True, name=name)
    done: list[object] = []
    worker = threading.Thread(target=lambda: done.append(engine.kill(name, signal=signal)),
                              daemon=True)
    worker.start()
    worker.join(timeout=30)
    assert done, f"kill --signal {signal} did not return"
    result = done[0]
    assert repr(result) == name                     # what `docker kill` prints
    assert result.exit_code is None                 # still running: no exit code yet
    assert client.containers.get(name).status == "running"
    cli = subprocess.run(["docker", "kill", "--signal", signal, name], capture_output=True,
                         text=True, timeout=30)
    assert cli.stdout.strip() == name and client.containers.get(name).status == "running"


def test_kill_with_sigkill_reports_the_exit_code(engine: Engine, notebook: str) -> None:
    name = f"killed-{notebook}"
    engine.run("busybox", ["sleep", "600"], detach=True, name=name)
    result = engine.kill(name)
    assert repr(result) == name
    assert result.exit_code == 137


# ------------------------------------------------------------------ huge output
class CountingConsole(Console):
    """Counts what reaches the page."""

    def __init__(self) -> None:
        self.chars = 0
        self.writes = 0
        self.last = ""

    def text(self, chunk: str) -> None:
        self.chars += len(chunk)
        self.writes += 1
        self.last = chunk


# The engine itself serves logs at a few MB/s on a shared machine (`docker logs` of
# 50 MB takes 30 s or more), so the test prints 4 MB: enough to see that memory does
# not grow with the output (keeping it all would take 8 MB of Python strings).
PRINTED = 4_000_000
LOUD = f"yes 0123456789012345678901234567890123456789012345678 | head -c {PRINTED}"


def test_a_container_printing_megabytes_reaches_the_page_capped_in_bounded_memory(
    client, notebook: str
) -> None:
    import tracemalloc

    console = CountingConsole()
    engine = Engine(notebook, client, console)
    name = f"loud-{notebook}"
    tracemalloc.start()
    try:
        with pytest.raises(errors.StepFailed) as caught:
            engine.run("busybox", ["sh", "-c", f"{LOUD}; exit 3"], name=name)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert caught.value.exit_code == 3                       # the exit status is kept
    assert peak < 3_000_000, f"peak {peak:,} bytes for {PRINTED:,} printed"
    assert console.chars < 100_000
    assert "characters not shown" in console.last
    assert f"read everything with `docker logs {name}` in a terminal" in console.last
    assert console.last.endswith("0123456789012345678901234567890123456789012345678\n")

    tracemalloc.start()
    try:
        logs = engine.logs(name)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 3_000_000, f"peak {peak:,} bytes for a log of {PRINTED:,}"
    assert len(logs.output) < 100_000
    assert "or pass tail=N" in logs.output
    assert len(engine.logs(name, tail=3).output.splitlines()) == 3


# ---------------------------------------------------------------------- secrets
def test_a_secret_reaches_the_container_but_no_output_of_a_real_notebook(
    tmp_path, notebook: str
) -> None:
    import hashlib
    import json as jsonlib

    import nbformat

    # The secret is assembled at run time, so that the notebook's source holds no copy.
    secret = "hun" + "ter2-s3cr3t"
    cells = [
        "import docdocker as dd\n"
        f"eng = dd.connect({notebook!r})\n"
        "secret = ''.join(['hun', 'ter2-s3cr3t'])",
        # The container gets the real value: it prints the value's MD5 sum.
        "ok = eng.run('busybox', ['sh', '-c', 'printf %s \"$DB_PASSWORD\" | md5sum'],\n"
        "             env={'DB_PASSWORD': secret, 'MODE': 'demo'}, remove=True)\nok",
        "ok.cli",
        "ok.step",
        "print(ok.step.env, repr(ok))",
        f"eng.run('busybox', ['true'], env={{'API_TOKEN': secret}}, detach=True, "
        f"name='secret-{notebook}')",
        "eng.run('busybox', ['sh', '-c', 'exit 3'], env={'API_TOKEN': secret})",
    ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    path = tmp_path / "secret.ipynb"
    nbformat.write(nb, path)
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    done = subprocess.run(
        [sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
         "--allow-errors", "--inplace", str(path)],
        env=env, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    saved = path.read_text()
    outputs = jsonlib.dumps([c.get("outputs") for c in jsonlib.loads(saved)["cells"]])
    assert hashlib.md5(secret.encode()).hexdigest() in outputs   # the container had it
    assert "DB_PASSWORD=******" in outputs               # the echo, masked
    assert "API_TOKEN=******" in outputs                 # in the error box too
    assert "exited with code 3" in outputs
    assert secret not in saved
    assert secret not in done.stdout + done.stderr


# ------------------------------------------------------------- published ports
class RecordingConsole(Console):
    def __init__(self) -> None:
        self.commands: list[str] = []
        self.warnings: list[str] = []

    def command(self, cli: str) -> None:
        self.commands.append(cli)

    def warning(self, message: str) -> None:
        self.warnings.append(message)


def test_a_port_published_without_an_address_listens_on_localhost_only(
    client, notebook: str, free_port: int
) -> None:
    console = RecordingConsole()
    engine = Engine(notebook, client, console)
    engine.run("nginx", detach=True, publish=f"{free_port}:80", name=f"local-{notebook}")
    assert f"-p 127.0.0.1:{free_port}:80" in console.commands[0]
    assert console.warnings == []
    port = subprocess.run(["docker", "port", f"local-{notebook}", "80"], capture_output=True,
                          text=True, timeout=30).stdout.split()
    assert port == [f"127.0.0.1:{free_port}"]


def test_an_address_for_every_interface_is_kept_and_warned_about(
    client, notebook: str, free_port: int
) -> None:
    # The shared test engine publishes on 127.0.0.1 only: the image is missing, so the
    # step fails after the echo and the warning and before anything listens.
    console = RecordingConsole()
    engine = Engine(notebook, client, console)
    with pytest.raises(errors.ImageNotFound):
        engine.run("127.0.0.1:5555/docdocker/no-such-image:1", detach=True,
                   publish=[f"0.0.0.0:{free_port}:80", f"[::]:{free_port}:80"])
    assert f"-p 0.0.0.0:{free_port}:80 -p '[::]:{free_port}:80'" in console.commands[0]
    assert console.warnings[0].startswith("0.0.0.0 means every network interface")
    assert console.warnings[1].startswith(":: means every network interface")
    assert "bypass host firewalls" in console.warnings[0]
    assert labelled(client, notebook) == []
