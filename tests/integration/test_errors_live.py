"""The engine's common failures, provoked for real, and the messages a beginner reads."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import docker
import pytest

from docdocker.base import errors
from docdocker.core.console import Console
from docdocker.core.steps import LABEL
from docdocker.session.connect import connect
from docdocker.session.tutorial import Tutorial as Engine


def labelled(client: docker.DockerClient, notebook: str) -> list[dict]:
    return client.api.containers(all=True, filters={"label": f"{LABEL}={notebook}"})


def test_port_held_by_a_container_names_it_and_offers_a_free_port(
    engine: Engine, client, notebook: str, free_port: int
) -> None:
    engine.run("nginx", detach=True, publish=f"127.0.0.1:{free_port}:80", name=f"holder-{notebook}")
    with pytest.raises(errors.PortAllocated) as caught:
        engine.run("nginx", detach=True, publish=f"127.0.0.1:{free_port}:80",
                   name=f"second-{notebook}")
    message = str(caught.value)
    assert f"Port {free_port} is already in use" in message
    assert f"container holder-{notebook}" in message
    assert f"docker stop holder-{notebook}" in message
    assert "-p 127.0.0.1:" in caught.value.fix and ":80`" in caught.value.fix
    assert f"-p 127.0.0.1:{free_port}:80" in caught.value.cli
    # Nothing is left half-made: the failed container is gone, so the same cell can run again.
    assert [c["Names"][0] for c in labelled(client, notebook)] == [f"/holder-{notebook}"]


def test_port_held_by_another_program_says_so(engine: Engine, client, notebook, free_port) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", free_port))
        listener.listen()
        with pytest.raises(errors.PortAllocated) as caught:
            engine.run("nginx", detach=True, publish=f"127.0.0.1:{free_port}:80")
    assert "another program on this machine already listens" in str(caught.value)
    assert labelled(client, notebook) == []


def test_name_conflict_says_how_to_free_the_name(engine: Engine, notebook: str) -> None:
    engine.run("busybox", ["sleep", "30"], detach=True, name=f"twin-{notebook}")
    with pytest.raises(errors.NameConflict) as caught:
        engine.run("busybox", ["sleep", "30"], detach=True, name=f"twin-{notebook}")
    assert f'name "twin-{notebook}" is already in use' in str(caught.value)
    assert f"docker rm --force twin-{notebook}" in caught.value.fix
    assert caught.value.exit_code == 125


def test_missing_image_is_reported_as_not_found(engine: Engine) -> None:
    # The local mirror answers at once with "manifest unknown", as Docker Hub would.
    image = "127.0.0.1:5555/docdocker/no-such-image:1"
    with pytest.raises(errors.ImageNotFound) as caught:
        engine.run(image)
    assert f"Image '{image}' was not found" in str(caught.value)
    assert "spelling" in caught.value.fix
    assert caught.value.cli.endswith(image)


def test_acting_on_a_missing_container_names_it(engine: Engine, notebook: str) -> None:
    with pytest.raises(errors.StepFailed) as caught:
        engine.stop(f"ghost-{notebook}")
    assert f"No such container: ghost-{notebook}" in str(caught.value)
    assert "docker ps --all" in caught.value.fix


def test_connect_to_a_closed_socket_explains_what_to_do(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "docker.sock"
    with socket.socket(socket.AF_UNIX) as dead:
        dead.bind(str(path))  # a socket file with nobody listening
    monkeypatch.setenv("DOCKER_HOST", f"unix://{path}")
    with pytest.raises(errors.EngineUnavailable) as caught:
        connect("test", console=Console())
    message = str(caught.value)
    assert f"nothing answers at unix://{path}" in message
    assert "DOCKER_HOST is set" in message


def test_engine_that_goes_away_mid_step_gives_a_clear_message(
    engine_proxy, client, notebook: str
) -> None:
    proxy = engine_proxy
    host = f"unix://{proxy.path}"
    engine = Engine(notebook, docker.DockerClient(base_url=host, timeout=30), Console(), host=host)
    threading.Timer(2.0, proxy.cut).start()
    start = time.monotonic()
    with pytest.raises(errors.EngineUnavailable) as caught:
        engine.run("busybox", ["sh", "-c", "while true; do echo tick; sleep 0.2; done"])
    assert time.monotonic() - start < 20
    message = str(caught.value)
    assert f"Lost the connection to the Docker Engine at {host}" in message
    assert "docker info" in caught.value.fix
    assert "docker run" in caught.value.cli


def test_doctor_with_a_closed_socket_exits_1_without_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "docker.sock"
    with socket.socket(socket.AF_UNIX) as dead:
        dead.bind(str(path))
    env = {**os.environ, "DOCKER_HOST": f"unix://{path}"}
    done = subprocess.run([sys.executable, "-m", "docdocker", "doctor"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "✘ Docker Engine reachable: Cannot connect to the Docker Engine" in done.stdout
    assert "Fix: Start Docker" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr


def test_doctor_passes_on_a_working_engine() -> None:
    done = subprocess.run([sys.executable, "-m", "docdocker", "doctor"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout
    for check in ("Docker Engine reachable", "Engine version", "Socket permissions",
                  "OS / architecture", "Free disk space", "Pull hello-world"):
        assert f"✔ {check}" in done.stdout
    assert "Ready for the tutorial." in done.stdout


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("setpriv") is None,
                    reason="needs root and setpriv to drop the permission override")
def test_socket_without_permission_points_to_the_docker_group(tmp_path: Path) -> None:
    # root ignores file permissions; setpriv drops that capability, so a socket owned
    # by another user with mode 0600 is refused, as for a user outside the docker group.
    path = tmp_path / "docker.sock"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))
        server.listen()
        os.chown(path, 65534, 65534)
        path.chmod(0o600)
        done = subprocess.run(
            ["setpriv", "--inh-caps=-all", "--bounding-set=-all",
             sys.executable, "-m", "docdocker", "doctor"],
            env={**os.environ, "DOCKER_HOST": f"unix://{path}"},
            capture_output=True, text=True, timeout=60,
        )
    assert done.returncode == 1
    assert f"Permission denied on the Docker socket (unix://{path})" in done.stdout
    assert "sudo usermod -aG docker $USER" in done.stdout
    assert f"✘ Socket permissions: {path} is not readable and writable by you" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr


@pytest.mark.parametrize(("image", "expected", "fix"), [
    ("Nginx", "the repository name 'Nginx' in 'Nginx' must be lowercase", "Use 'nginx' instead."),
    ("nginx:lat est", "invalid character ' ' at position 9", "Remove the spaces"),
])
def test_invalid_image_name_is_refused_before_reaching_the_engine(
    engine: Engine, client, notebook: str, image: str, expected: str, fix: str
) -> None:
    with pytest.raises(errors.InvalidReference) as caught:
        engine.run(image, detach=True)
    assert expected in caught.value.message
    assert caught.value.fix.startswith(fix)
    assert caught.value.cli.endswith(f" {image}") or caught.value.cli.endswith(f" '{image}'")
    assert isinstance(caught.value, ValueError)
    assert labelled(client, notebook) == []


def test_wrong_port_spec_is_explained_and_nothing_runs(engine: Engine, client, notebook) -> None:
    with pytest.raises(errors.InvalidPortSpec) as caught:
        engine.run("nginx", detach=True, publish="127.0.0.1:80800:80")
    message = str(caught.value)
    assert "'127.0.0.1:80800:80'" in message
    assert "80800" in message and "65535" in message
    assert "[host_ip:][host_port[-end]:]container_port[-end][/tcp|udp|sctp]" in message
    assert labelled(client, notebook) == []


def test_connect_honours_docker_host(engine_proxy, monkeypatch, notebook: str) -> None:
    host = f"unix://{engine_proxy.path}"
    monkeypatch.setenv("DOCKER_HOST", host)
    engine = connect(notebook, console=Console())
    try:
        assert engine.host == host
        assert engine.ps(all=True).rows is not None
        assert engine_proxy.open, "the request did not go through DOCKER_HOST"
    finally:
        engine.close()


@pytest.mark.needs("min-api-1.44")
def test_an_engine_that_refuses_an_old_api_version_says_what_to_update(notebook: str) -> None:
    old = docker.DockerClient(base_url="unix:///var/run/docker.sock", version="1.41", timeout=30)
    try:
        with pytest.raises(errors.ApiVersionRefused) as caught:
            Engine(notebook, old, Console()).ps()
    finally:
        old.close()
    assert "refuses the API version 1.41" in caught.value.message
    assert "1.44 and newer" in caught.value.message
    assert "pip install -U -r requirements.txt" in caught.value.fix
    assert "Minimum supported API version is 1.44" in caught.value.stderr
