"""Volumes, bind mounts, networks and the Map against the live engine, checked with the CLI.

Every name is unique to the test (``notebook`` fixture), lookups between containers run
inside a container (``docker exec``), and published ports bind 127.0.0.1 only.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from docdocker.base import errors
from docdocker.core.steps import LABEL, OWNER
from docdocker.session.tutorial import Tutorial as Engine
from docdocker.tools import reset
from docdocker.widgets.dashboard import Dashboard
from docdocker.widgets.map import Map

DOCKER = shutil.which("docker") or "docker"


def cli(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([DOCKER, *args], capture_output=True, text=True, timeout=120)
    if check:
        assert done.returncode == 0, f"$ docker {' '.join(args)}\n{done.stdout}{done.stderr}"
    return done


def inspect(kind: str, name: str) -> dict[str, Any] | None:
    done = cli(kind, "inspect", name, check=False)
    return json.loads(done.stdout)[0] if done.returncode == 0 else None


class Learner:
    """Objects made with the CLI, as a learner would, removed at the end (only those)."""

    def __init__(self) -> None:
        self.prefix = uuid.uuid4().hex[:6]
        self.containers: list[str] = []
        self.volumes: list[str] = []
        self.networks: list[str] = []

    def cleanup(self) -> None:
        for name in self.containers:
            cli("rm", "--force", "--volumes", name, check=False)
        for name in self.networks:
            cli("network", "rm", name, check=False)
        for name in self.volumes:
            cli("volume", "rm", name, check=False)


@pytest.fixture
def learner(client: Any) -> Iterator[Learner]:
    made = Learner()
    yield made
    made.cleanup()


def until(probe: Callable[[], bool], within: float) -> float:
    """Seconds until ``probe()`` held; fails after ``within`` seconds."""
    start = time.monotonic()
    while not probe():
        assert time.monotonic() - start < within, f"not seen within {within} s"
        time.sleep(0.02)
    return time.monotonic() - start


def redis_ready(name: str) -> bool:
    done = cli("exec", name, "redis-cli", "ping", check=False)
    return done.stdout.strip() == "PONG"


# --------------------------------------------------------------------- volumes
def test_a_named_volume_keeps_redis_data_after_the_container_is_removed(
        engine: Engine, notebook: str) -> None:
    volume, first, second = f"{notebook}-counter", f"{notebook}-r1", f"{notebook}-r2"
    created = engine.volume_create(volume)
    assert created.cli == (f"docker volume create --label {LABEL}={notebook} "
                           f"--label {OWNER}=volume {volume}")
    labels = (inspect("volume", volume) or {}).get("Labels") or {}
    assert labels == {LABEL: notebook, OWNER: "volume"}
    engine.run("redis:7", detach=True, name=first, mounts=[f"{volume}:/data"])
    until(lambda: redis_ready(first), 15)
    engine.exec(first, "redis-cli set counter 41")
    engine.exec(first, "redis-cli save")
    engine.rm(first, force=True)
    engine.run("redis:7", detach=True, name=second,
               mount=f"type=volume,src={volume},dst=/data")
    until(lambda: redis_ready(second), 15)
    assert engine.exec(second, "redis-cli get counter").output.strip() == "41"
    mounts = (inspect("container", second) or {}).get("Mounts") or []
    assert [(m["Type"], m["Name"], m["Destination"]) for m in mounts] == [
        ("volume", volume, "/data")]
    where = engine.volume_inspect(volume).value["Mountpoint"]
    assert where == (inspect("volume", volume) or {})["Mountpoint"]


def test_rm_volumes_removes_the_anonymous_volume_and_never_a_named_one(
        engine: Engine, notebook: str) -> None:
    engine.run("redis:7", detach=True, name=f"{notebook}-anon")
    mounts = (inspect("container", f"{notebook}-anon") or {}).get("Mounts") or []
    anonymous = [m["Name"] for m in mounts if m["Type"] == "volume"]
    assert len(anonymous) == 1 and len(anonymous[0]) == 64  # the image's VOLUME /data
    engine.volume_create(f"{notebook}-named")
    engine.run("busybox", ["sleep", "60"], detach=True, name=f"{notebook}-named-user",
               mounts=[f"{notebook}-named:/data"])
    engine.rm(f"{notebook}-anon", force=True, volumes=True)
    engine.rm(f"{notebook}-named-user", force=True, volumes=True)
    assert inspect("volume", anonymous[0]) is None
    assert inspect("volume", f"{notebook}-named") is not None


def test_a_bad_mount_value_says_what_to_write_before_the_engine_is_called(
        engine: Engine, notebook: str) -> None:
    with pytest.raises(errors.DocDockerError) as caught:
        engine.run("redis:7", detach=True, name=f"{notebook}-bad", mount="src=counter,dest=/data")
    message = str(caught.value)
    assert "'dest'" in message and "type=volume,src=counter,dst=/data" in message
    assert "docker run" in message  # the echoed command
    assert inspect("container", f"{notebook}-bad") is None  # nothing was created


def test_a_bind_mount_shows_the_hosts_file_and_read_only_refuses_writes(
        engine: Engine, notebook: str, tmp_path: Path) -> None:
    (tmp_path / "page.txt").write_text("from the host\n")
    name = f"{notebook}-bind"
    engine.run("busybox", ["sleep", "60"], detach=True, name=name,
               mounts=[f"{tmp_path}:/work:ro"])
    assert engine.exec(name, "cat /work/page.txt").output == "from the host\n"
    (tmp_path / "page.txt").write_text("edited on the host\n")
    assert engine.exec(name, "cat /work/page.txt").output == "edited on the host\n"
    with pytest.raises(errors.StepFailed) as caught:
        engine.exec(name, "touch /work/new")
    assert "Read-only file system" in caught.value.stderr
    assert not (tmp_path / "new").exists()


# -------------------------------------------------------------------- networks
def test_on_a_network_of_its_own_a_container_finds_another_by_name_not_on_the_bridge(
        engine: Engine, notebook: str) -> None:
    net, server, client = f"{notebook}-net", f"{notebook}-web", f"{notebook}-client"
    engine.network_create(net)
    labels = (inspect("network", net) or {}).get("Labels") or {}
    assert labels == {LABEL: notebook, OWNER: "network"}
    engine.run("nginx", detach=True, name=server, network=net)
    engine.run("busybox", ["sleep", "60"], detach=True, name=client, network=net)
    page = engine.exec(client, f"wget -q -O - http://{server}/").output
    assert "Welcome to nginx" in page
    # On the engine's default bridge there is no DNS for container names.
    engine.run("busybox", ["sleep", "60"], detach=True, name=f"{client}-bridge")
    with pytest.raises(errors.StepFailed) as caught:
        engine.exec(f"{client}-bridge", f"ping -c 1 -W 1 {server}")
    assert f"bad address '{server}'" in caught.value.stderr
    # connect, then the same container finds it; disconnect, and it no longer does.
    engine.network_connect(net, f"{client}-bridge")
    assert "Welcome to nginx" in engine.exec(
        f"{client}-bridge", f"wget -q -O - http://{server}/").output
    engine.network_disconnect(net, f"{client}-bridge")
    networks = (inspect("container", f"{client}-bridge") or {})["NetworkSettings"]["Networks"]
    assert sorted(networks) == ["bridge"]


def test_network_none_leaves_only_the_loopback_interface(engine: Engine, notebook: str) -> None:
    engine.run("busybox", ["sleep", "60"], detach=True, name=f"{notebook}-alone", network="none")
    interfaces = engine.exec(f"{notebook}-alone", "ls /sys/class/net").output.split()
    assert interfaces == ["lo"]


def test_clean_up_removes_the_notebooks_network_and_volume_and_anonymous_volumes(
        engine: Engine, notebook: str) -> None:
    engine.network_create(f"{notebook}-net")
    engine.volume_create(f"{notebook}-vol")
    engine.run("redis:7", detach=True, name=f"{notebook}-r", network=f"{notebook}-net")
    anonymous = [m["Name"] for m in (inspect("container", f"{notebook}-r") or {})["Mounts"]]
    engine.clean_up()
    assert inspect("container", f"{notebook}-r") is None
    assert inspect("network", f"{notebook}-net") is None
    assert inspect("volume", f"{notebook}-vol") is None
    assert all(inspect("volume", name) is None for name in anonymous)


# ------------------------------------------------- the learner's volume is safe
def test_reset_prune_clean_up_and_the_dashboard_never_remove_a_learners_volume(
        engine: Engine, notebook: str, learner: Learner) -> None:
    # Same name pattern as the tutorial's volume; one even copies the notebook label.
    plain, copied = f"{notebook}-counter-mine", f"{notebook}-counter-copied"
    learner.volumes += [plain, copied]
    cli("volume", "create", plain)
    cli("volume", "create", "--label", f"{LABEL}={notebook}", copied)
    engine.volume_create(f"{notebook}-counter")
    # A tutorial container that uses the learner's volume, removed from the dashboard.
    engine.run("busybox", ["sleep", "60"], detach=True, name=f"{notebook}-user",
               mounts=[f"{plain}:/data", f"{copied}:/more"])
    dash = Dashboard(engine=engine, live=False)
    try:
        dash.row_buttons(f"{notebook}-user")["remove"].click()
        until(lambda: inspect("container", f"{notebook}-user") is None, 20)
    finally:
        dash.close()
    pruned = engine.volume_prune()
    assert f"{LABEL}={notebook}" in pruned.cli and f"{OWNER}=volume" in pruned.cli
    assert pruned.value == [f"{notebook}-counter"]
    leftovers = reset.find(engine, notebook)
    assert not [item for item in leftovers if item.kind == "volumes"]
    reset.remove(engine, reset.find(engine, None))
    engine.clean_up()
    assert inspect("volume", plain) is not None
    assert inspect("volume", copied) is not None


# -------------------------------------------------------------------- the map
def test_the_map_shows_a_change_made_with_the_cli_within_a_second(
        engine: Engine, notebook: str, learner: Learner) -> None:
    net = f"{notebook}-net"
    engine.network_create(net)
    engine.volume_create(f"{notebook}-data")
    engine.run("redis:7", detach=True, name=f"{notebook}-redis", network=net,
               mounts=[f"{notebook}-data:/data"])
    shown = Map(engine=engine)
    try:
        assert shown.threads and all(t.is_alive() for t in shown.threads)
        lines = shown.model.text.splitlines()
        assert lines == [f"{notebook}-redis (running): networks {net}; "
                         f"mounts {notebook}-data -> /data"]
        # The learner joins the tutorial's network from a terminal.
        mine = f"{notebook}-mine"
        learner.containers.append(mine)
        cli("run", "-d", "--name", mine, "--network", net, "busybox", "sleep", "60")
        seen = until(lambda: any(n.label == mine for n in shown.graph.of_kind("container")),
                     1.0)
        node = next(n for n in shown.graph.of_kind("container") if n.label == mine)
        assert node.tutorial is False and "yours" in shown.svg
        # The tutorial's container goes; its volume stays on the map, now unused.
        cli("rm", "--force", "--volumes", f"{notebook}-redis")
        gone = until(lambda: f"{notebook}-redis" not in shown.model.text, 1.0)
        assert shown.model.text.splitlines()[-1] == (
            f"not used by any container: volume {notebook}-data")
        bundle = shown._repr_mimebundle_()
        assert "<svg" in bundle["text/html"] and f"{notebook}-data" in bundle["text/plain"]
        print(f"map updated {seen:.2f} s and {gone:.2f} s after the CLI's change")
    finally:
        shown.close()
    assert not any(t.is_alive() for t in shown.threads)


def test_when_the_engine_goes_away_the_map_says_so_and_stops_watching(
        engine_proxy: Any, notebook: str) -> None:
    import docker

    from docdocker.core.console import Console

    host = f"unix://{engine_proxy.path}"
    client = docker.DockerClient(base_url=host, timeout=5)
    shown = Map(engine=Engine(notebook, client, Console(), host=host))
    try:
        threads = shown.threads
        assert shown.model.live and shown.model.error is None
        engine_proxy.cut()
        until(lambda: not shown.model.live, 5)
        assert isinstance(shown.model.error, errors.EngineUnavailable)
        html = shown._repr_mimebundle_()["text/html"]
        assert f"Docker Engine at {host}" in html and "Not live" in html
        until(lambda: not any(t.is_alive() for t in threads), 5)
    finally:
        shown.close()
        client.close()


def test_clean_up_keeps_a_network_a_learners_container_still_uses_and_says_why(
        engine: Engine, notebook: str, learner: Learner) -> None:
    net = f"{notebook}-net"
    engine.network_create(net)
    mine = f"{notebook}-mine"
    learner.containers.append(mine)
    cli("run", "-d", "--name", mine, "--network", net, "busybox", "sleep", "60")
    shown: list[str] = []
    engine.console.text = shown.append  # type: ignore[method-assign]
    engine.clean_up()  # does not raise
    said = "".join(shown)
    assert f"Kept the network {net}" in said and f"--filter network={net}" in said
    assert inspect("container", mine) is not None and inspect("network", net) is not None
    cli("rm", "--force", mine)
    engine.clean_up()
    assert inspect("network", net) is None


def test_volume_create_never_adopts_the_learners_volume(engine: Engine, notebook: str) -> None:
    """`docker volume create NAME` hands back an existing volume; docdocker refuses to take
    a learner's, keeps its data, and still hands back its own on a re-run."""
    name = f"learners-{notebook}"
    cli("volume", "create", name)
    try:
        cli("run", "--rm", "-v", f"{name}:/data", "busybox", "sh", "-c", "echo mine > /data/f")
        with pytest.raises(errors.NameConflict) as refused:
            engine.volume_create(name)
        assert f'A volume named "{name}" already exists' in refused.value.message
        assert f"docker volume rm {name}" in (refused.value.fix or "")
        kept = cli("run", "--rm", "-v", f"{name}:/data", "busybox", "cat", "/data/f")
        assert kept.stdout == "mine\n"
        assert LABEL not in ((inspect("volume", name) or {}).get("Labels") or {})
    finally:
        cli("volume", "rm", name, check=False)
    ours = f"ours-{notebook}"
    assert engine.volume_create(ours).output == f"{ours}\n"
    assert engine.volume_create(ours).output == f"{ours}\n"  # a re-run of the lesson
    made = inspect("volume", ours) or {}
    assert (made.get("Labels") or {}).get(OWNER) == "volume"


def _anonymous_volume_of(name: str) -> str:
    mounts = (inspect("container", name) or {}).get("Mounts") or []
    found = [m["Name"] for m in mounts if m.get("Type") == "volume"]
    assert len(found) == 1, mounts
    return found[0]


def test_the_tutorials_prune_and_the_dashboards_remove_leave_no_anonymous_volume(
        engine: Engine, notebook: str, image: Callable[[str], str]) -> None:
    """redis's VOLUME /data gives each container an anonymous volume; the tutorial's own
    clean-up paths take it with the container (a named volume is never taken)."""
    from docdocker.widgets.dashboard_model import action_step

    redis = image("redis:7")
    pruned, removed = f"pruned-{notebook}", f"removed-{notebook}"
    engine.run(redis, detach=True, name=pruned)
    engine.run(redis, detach=True, name=removed)
    volumes = {_anonymous_volume_of(pruned), _anonymous_volume_of(removed)}
    engine.stop(pruned)
    engine.container_prune()
    engine.execute(action_step("remove", removed))
    assert inspect("container", pruned) is None and inspect("container", removed) is None
    left = [v for v in volumes if inspect("volume", v) is not None]
    assert left == [], f"anonymous volumes left behind: {left}"
