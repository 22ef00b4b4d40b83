"""What a step prints and does matches the real ``docker`` CLI, hidden actions included."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from docdocker.base import errors
from docdocker.core.console import Console
from docdocker.session.tutorial import Tutorial as Engine

DOCKER = shutil.which("docker") or "docker"
TICKER = "i=0; while true; do i=$((i+1)); echo tick $i; sleep 1; done"


class Recording(Console):
    """Keeps everything a step echoes and prints, in order."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def command(self, cli: str) -> None:
        self.lines.append(f"$ {cli}")

    def text(self, chunk: str) -> None:
        self.lines.append(chunk)


def cli(*argv: str) -> str:
    return subprocess.run([DOCKER, *argv], capture_output=True, text=True, check=True).stdout


@pytest.fixture
def recorded(engine: Engine) -> tuple[Engine, Recording]:
    console = Recording()
    return engine.using(console), console  # type: ignore[return-value]


def test_stop_and_kill_print_the_name_and_inspect_shows_the_exit_code(
    engine: Engine, notebook: str
) -> None:
    name = f"sleeper-{notebook}"
    engine.run("busybox", ["sleep", "600"], detach=True, name=name)
    stopped = engine.stop(name, timeout=1)
    assert stopped.cli == f"docker stop -t 1 {name}"
    assert repr(stopped) == name  # what `docker stop` prints
    code = engine.inspect(name, format="{{.State.ExitCode}}")
    # sleep as PID 1 ignores SIGTERM, so the grace period ran out: SIGKILL, 137.
    assert repr(code) == "137" == cli("inspect", "-f", "{{.State.ExitCode}}", name).strip()
    status = engine.ps(all=True, status="exited").rows
    assert status is not None and status[0]["STATUS"].startswith("Exited (137)")


def test_inspect_shows_nginx_stops_on_sigquit_as_the_cli_does(engine: Engine) -> None:
    template = "{{.Config.StopSignal}}"
    ours = engine.inspect("nginx", format=template)
    assert ours.cli == "docker inspect -f '{{.Config.StopSignal}}' nginx"
    assert repr(ours) == cli("inspect", "-f", template, "nginx").strip() == "SIGQUIT"
    both = "{{.State.Status}} {{json .Config.Cmd}}"
    as_json = "{{json .Config.Cmd}}"
    assert repr(engine.inspect("nginx", format=as_json)) == \
        cli("inspect", "-f", as_json, "nginx").strip()
    with pytest.raises(errors.InvalidTemplate, match="StopSignal"):
        engine.inspect("nginx", format="{{.Config.Stopsignal}}")
    with pytest.raises(errors.InvalidTemplate, match="has no State"):
        engine.inspect("nginx", format="{{.State.ExitCode}}")
    with pytest.raises(errors.InvalidTemplate, match="field paths"):
        engine.inspect("nginx", format="{{range .Config.Env}}{{.}}{{end}}")
    with pytest.raises(errors.StepFailed, match="No such object"):
        engine.inspect("no-such-thing-anywhere", format=both)


def test_start_exec_and_quiet_ps_print_what_the_cli_prints(engine: Engine, notebook: str) -> None:
    name = f"box-{notebook}"
    engine.run("busybox", ["sleep", "600"], detach=True, name=name)
    engine.kill(name)
    started = engine.start(name)
    assert (started.cli, repr(started)) == (f"docker start {name}", name)
    assert cli("inspect", "-f", "{{.State.Running}}", name).strip() == "true"
    hostname = engine.exec(name, "cat /etc/hostname")
    assert hostname.cli == f"docker exec {name} cat /etc/hostname"
    assert hostname.output == cli("exec", name, "cat", "/etc/hostname")
    with pytest.raises(errors.StepFailed) as failed:
        engine.exec(name, ["ls", "/nope"])
    assert failed.value.exit_code == 1 and "/nope" in failed.value.stderr
    with pytest.raises(errors.DocDockerError, match="needs a command"):
        engine.exec(name, [])
    quiet = engine.ps(quiet=True)
    label = f"label=org.docdocker.notebook={notebook}"
    assert quiet.cli == f"docker ps -q --filter {label}"
    assert quiet.output == cli("ps", "-q", "--filter", label) != ""


def test_follow_logs_is_bounded_and_shows_new_lines(
    recorded: tuple[Engine, Recording], notebook: str
) -> None:
    engine, console = recorded
    name = f"ticker-{notebook}"
    engine.run("busybox", ["sh", "-c", TICKER], detach=True, name=name)
    followed = engine.logs(name, follow=True, tail=1, timeout=2.5)
    assert followed.cli == f"docker logs -f --tail 1 {name}"
    ticks = [line for line in followed.value.splitlines() if line.startswith("tick")]
    assert len(ticks) >= 2, followed.value  # lines written while following arrived
    shown = "".join(line for line in console.lines if not line.startswith("$ "))
    assert shown.count("tick") == len(ticks)  # shown as they came
    assert "stopped following after 2.5 s" in followed.output
    assert cli("inspect", "-f", "{{.State.Running}}", name).strip() == "true"


def test_foreground_timeout_echoes_the_stop_it_runs(
    recorded: tuple[Engine, Recording], notebook: str
) -> None:
    engine, console = recorded
    name = f"counter-{notebook}"
    result = engine.run("busybox", ["sh", "-c", TICKER], name=name, timeout=2)
    assert f"$ docker stop -t 2 {name}" in console.lines
    assert console.lines[console.lines.index(f"$ docker stop -t 2 {name}") + 1:].count(
        f"{name}\n") == 1
    # sh as PID 1 ignores SIGTERM: the grace period runs out and SIGKILL ends it.
    assert result.exit_code == 137


def test_a_failed_port_binding_echoes_the_removal_of_the_created_container(
    recorded: tuple[Engine, Recording], notebook: str, free_port: int
) -> None:
    engine, console = recorded
    spec = f"127.0.0.1:{free_port}:80"
    engine.run("nginx", detach=True, name=f"first-{notebook}", publish=spec)
    second = f"second-{notebook}"
    with pytest.raises(errors.PortAllocated) as failed:
        engine.run("nginx", detach=True, name=second, publish=spec)
    assert console.lines[-2:] == [f"$ docker rm {second}", f"{second}\n"]
    assert "docdocker removed the container" in (failed.value.fix or "")
    assert "port is already allocated" in failed.value.stderr  # the engine's own words
    assert cli("ps", "-a", "-q", "--filter", f"name=^{second}$") == ""
