"""Each step against the live engine, and the echoed command through the real CLI."""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import subprocess
import time

import docker
import pytest

from docdocker.concepts import web
from docdocker.concepts.run import Run
from docdocker.core.console import Console
from docdocker.core.steps import LABEL
from docdocker.grammar import ports
from docdocker.session.tutorial import Tutorial as Engine

DOCKER = shutil.which("docker")


def inspect(name: str) -> dict:
    out = subprocess.run([DOCKER, "inspect", name], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)[0]


def comparable(info: dict) -> dict:
    """The parts of `docker inspect` a learner's command decides."""
    return {
        "image": info["Config"]["Image"],
        "cmd": info["Config"]["Cmd"],
        "env": sorted(info["Config"]["Env"] or []),
        "labels": info["Config"]["Labels"],
        "port_bindings": info["HostConfig"]["PortBindings"] or {},  # None and {} both mean none
        "auto_remove": info["HostConfig"]["AutoRemove"],
        "name": info["Name"],
    }


@pytest.mark.parametrize(
    "options",
    [
        {"detach": True, "publish": "127.0.0.1:{port}:80", "name": "web-{nb}"},
        {"detach": True, "env": {"GREETING": "hello world", "EMPTY": ""}, "name": "env-{nb}",
         "cmd": ["sh", "-c", "sleep 30"], "image": "busybox"},
        {"detach": True, "publish": "127.0.0.1:{port}:80/udp", "name": "udp-{nb}",
         "cmd": ["sleep", "30"], "image": "busybox"},
    ],
    ids=["ports-name-detach", "env-command", "udp"],
)
def test_run_creates_the_same_container_as_the_echoed_cli_command(
    engine: Engine, client: docker.DockerClient, notebook: str, free_port: int, options: dict
) -> None:
    options = dict(options)
    image = options.pop("image", "nginx")
    name = options["name"].format(nb=notebook)
    options["name"] = name
    if "publish" in options:
        options["publish"] = options["publish"].format(port=free_port)
    result = engine.run(image, **options)
    ours = comparable(inspect(name))
    assert ours["labels"][LABEL] == notebook
    client.api.remove_container(name, force=True)

    # The echoed line, run by the real docker CLI, must make an identical container.
    cli = subprocess.run(result.step.argv, capture_output=True, text=True)
    assert cli.returncode == 0, cli.stderr
    theirs = comparable(inspect(name))
    assert ours == theirs


def test_detached_nginx_answers_on_the_published_localhost_port(
    engine: Engine, notebook: str, free_port: int
) -> None:
    result = engine.run("nginx", detach=True, publish=f"127.0.0.1:{free_port}:80",
                        name=f"web-{notebook}")
    assert result.cli.startswith(f"docker run -d --name web-{notebook} -p 127.0.0.1:{free_port}:80")
    assert [link.href for link in result.links] == [f"http://127.0.0.1:{free_port}"]
    assert "Welcome to nginx!" in web.fetch(f"http://127.0.0.1:{free_port}").body
    bindings = inspect(f"web-{notebook}")["HostConfig"]["PortBindings"]
    assert bindings == {"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": str(free_port)}]}


def test_foreground_run_returns_output_and_exit_code(engine: Engine) -> None:
    result = engine.run("busybox", ["sh", "-c", "echo out; echo err >&2; exit 0"])
    assert "out" in result.output and "err" in result.output
    assert result.exit_code == 0


def test_foreground_run_is_stopped_after_the_timeout(engine: Engine, notebook: str) -> None:
    start = time.monotonic()
    result = engine.run("busybox", ["sh", "-c", "while true; do echo tick; sleep 0.5; done"],
                        name=f"fg-{notebook}", timeout=2)
    assert time.monotonic() - start < 15
    assert "tick" in result.output
    assert result.exit_code is not None
    assert inspect(f"fg-{notebook}")["State"]["Running"] is False


def test_run_with_remove_leaves_nothing_behind(engine: Engine, client, notebook: str) -> None:
    result = engine.run("hello-world", remove=True)
    assert "Hello from Docker!" in result.output
    assert result.exit_code == 0
    assert client.api.containers(all=True, filters={"label": f"{LABEL}={notebook}"}) == []


def test_failing_foreground_container_raises_with_its_exit_code(engine: Engine) -> None:
    from docdocker.base.errors import StepFailed

    with pytest.raises(StepFailed) as caught:
        engine.run("busybox", ["sh", "-c", "echo broken >&2; exit 3"])
    assert caught.value.exit_code == 3
    assert "exited with code 3" in str(caught.value)
    assert "broken" in caught.value.stderr


def test_ps_stop_kill_logs_rm(engine: Engine, client, notebook: str) -> None:
    engine.run("nginx", detach=True, name=f"a-{notebook}")
    engine.run("busybox", ["sh", "-c", "echo ready; sleep 60"], detach=True, name=f"b-{notebook}")
    names = {row["NAMES"] for row in engine.ps().rows}
    assert {f"a-{notebook}", f"b-{notebook}"} <= names

    stopped = engine.stop(f"a-{notebook}", timeout=5)
    assert stopped.exit_code == 0  # nginx handles SIGTERM and exits cleanly
    killed = engine.kill(f"b-{notebook}")
    assert killed.exit_code == 137  # 128 + SIGKILL (9)

    running = {row["NAMES"] for row in engine.ps().rows}
    assert f"a-{notebook}" not in running and f"b-{notebook}" not in running
    every = {row["NAMES"]: row["STATUS"] for row in engine.ps(all=True).rows}
    assert every[f"b-{notebook}"].startswith("Exited (137)")

    assert engine.logs(f"b-{notebook}").output == "ready\n"
    engine.rm(f"a-{notebook}")
    with pytest.raises(docker.errors.NotFound):
        client.containers.get(f"a-{notebook}")


def test_prune_is_scoped_to_the_label(engine: Engine, client, notebook: str) -> None:
    mine = engine.run("busybox", ["true"], name=f"mine-{notebook}")
    assert mine.exit_code == 0
    outsider = client.containers.run("busybox", ["true"], detach=True, name=f"outsider-{notebook}")
    try:
        outsider.wait()
        result = engine.container_prune()
        assert "Deleted Containers:" in result.output
        with pytest.raises(docker.errors.NotFound):
            client.containers.get(f"mine-{notebook}")
        assert client.containers.get(f"outsider-{notebook}").status == "exited"
    finally:
        outsider.remove(force=True)


def test_pull_streams_layers_and_reports_the_image(engine: Engine) -> None:
    result = engine.pull("busybox:1.36")
    assert "busybox:1.36" in result.output
    assert result.cli == "docker pull busybox:1.36"


def test_published_port_matches_docker_port(engine: Engine, notebook: str, free_port: int) -> None:
    spec = f"127.0.0.1:{free_port}:80"
    engine.run("nginx", detach=True, publish=ports.parse(spec), name=f"p-{notebook}")
    out = subprocess.run([DOCKER, "port", f"p-{notebook}"], capture_output=True, text=True)
    assert out.stdout.strip() == f"80/tcp -> 127.0.0.1:{free_port}"


def test_run_step_object_is_the_single_source(engine: Engine, notebook: str) -> None:
    step = Run(image="busybox", cmd=("echo", "from a step"), remove=True)
    result = engine.execute(step)
    assert result.output == "from a step\n"
    assert result.cli == (f"docker run --rm --label {LABEL}={notebook} "
                          "--label org.docdocker.owner=container busybox echo 'from a step'")


def test_fetch_refuses_addresses_off_this_machine() -> None:
    from docdocker.base.errors import DocDockerError

    with pytest.raises(DocDockerError) as caught:
        web.fetch("http://192.168.1.10:8080")
    assert "only talks to this machine" in str(caught.value)


def test_fetch_explains_a_port_where_nothing_answers(free_port: int) -> None:
    from docdocker.base.errors import DocDockerError

    with pytest.raises(DocDockerError) as caught:
        web.fetch(f"http://127.0.0.1:{free_port}", wait=0.5)
    assert f"Nothing answered at http://127.0.0.1:{free_port}" in str(caught.value)
    assert "docker ps" in caught.value.fix


class RecordingConsole(Console):
    """Keeps what a step echoed and streamed, as a notebook would show it."""

    def __init__(self) -> None:
        self.commands: list[str] = []
        self.texts: list[str] = []
        self.progress_states: list[str] = []

    def command(self, cli: str) -> None:
        self.commands.append(cli)

    def progress(self, progress, *, final: bool = False) -> None:
        self.progress_states.append(progress.text())

    def text(self, chunk: str) -> None:
        self.texts.append(chunk)


def test_run_of_a_missing_image_pulls_it_with_progress(client, notebook: str) -> None:
    image = "busybox:1.36"
    for c in client.containers.list(all=True, filters={"ancestor": image}):
        c.remove(force=True)
    with contextlib.suppress(docker.errors.ImageNotFound):
        client.images.remove(image, force=True)
    console = RecordingConsole()
    result = Engine(notebook, client, console).run(image, ["echo", "pulled and ran"], remove=True)
    assert console.commands == [f"docker run --rm --label {LABEL}={notebook} "
                                f"--label org.docdocker.owner=container {image} echo "
                                "'pulled and ran'"]
    assert console.texts[0] == f"Unable to find image '{image}' locally\n"
    assert console.progress_states, "no progress was streamed"
    assert "Status: Downloaded newer image for busybox:1.36" in console.progress_states[-1]
    final = console.progress_states[-1].splitlines()
    assert final[0] == "1.36: Pulling from library/busybox"
    # One line per layer, as the CLI leaves them; the containerd image store names only
    # the layers whose content it did not have already (busybox:1.36 shares its one layer
    # with busybox:latest), so there may be none before the digest.
    layers = final[1:-2]
    assert all(re.fullmatch(r"[0-9a-f]{12}: (Pull complete|Already exists)", line)
               for line in layers), final
    assert re.fullmatch(r"Digest: sha256:[0-9a-f]{64}", final[-2]), final
    assert result.output == "pulled and ran\n"


def test_a_host_port_picked_by_the_engine_gets_its_link(engine: Engine, notebook: str) -> None:
    result = engine.run("nginx", detach=True, publish="127.0.0.1::80", name=f"any-{notebook}")
    binding = inspect(f"any-{notebook}")["NetworkSettings"]["Ports"]["80/tcp"][0]
    url = f"http://127.0.0.1:{binding['HostPort']}"
    assert [link.href for link in result.links] == [url]
    assert "Welcome to nginx!" in web.fetch(url).body


def test_a_command_given_as_one_string_is_split_like_a_shell_line(engine: Engine) -> None:
    result = engine.run("busybox", "sh -c 'echo one; echo two'", remove=True)
    assert result.output == "one\ntwo\n"
    assert result.step.cmd == ("sh", "-c", "echo one; echo two")
