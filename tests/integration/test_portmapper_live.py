"""The PortMapper widget against the live engine, without a browser.

Like ipywidgets' own tests, these set widget values and call ``.click()``; the
engine, the ``docker`` CLI and the published ports are real. Everything a test
creates carries its ``notebook`` label, which the fixture's teardown removes.
"""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import docker
import pytest

from docdocker.base import errors
from docdocker.concepts import web
from docdocker.concepts.run import Run
from docdocker.core.steps import LABEL
from docdocker.grammar import ports
from docdocker.grammar.ports import GRAMMAR, PortMapping
from docdocker.session.tutorial import Tutorial as Engine
from docdocker.widgets.portmapper import PortMapper

DOCKER = shutil.which("docker")


def labelled(client: docker.DockerClient, notebook: str) -> list[str]:
    """Names of the containers (running or not) carrying the test's label."""
    found = client.api.containers(all=True, filters={"label": f"{LABEL}={notebook}"})
    return sorted(c["Names"][0].lstrip("/") for c in found)


def docker_port(container: str) -> set[str]:
    """What the real CLI reports, e.g. {"80/tcp -> 127.0.0.1:8080"}."""
    assert DOCKER, "the docker CLI is needed to compare with"
    out = subprocess.run([DOCKER, "port", container], capture_output=True, text=True, check=True)
    return {line.strip() for line in out.stdout.splitlines() if line.strip()}


def next_free(after: int, protocol: str = "tcp") -> int:
    return ports.find_free("127.0.0.1", after + 1, protocol)


@pytest.fixture(autouse=True)
def closed_after() -> Iterator[None]:
    """Every PortMapper a test makes is closed after it (its engine watcher stops)."""
    made: list[PortMapper] = []
    original = PortMapper.__init__

    def init(self: PortMapper, *args: Any, **kwargs: Any) -> None:
        made.append(self)
        original(self, *args, **kwargs)

    PortMapper.__init__ = init  # type: ignore[method-assign]
    yield
    PortMapper.__init__ = original  # type: ignore[method-assign]
    for pm in made:
        pm.close()


def click_run(pm: PortMapper) -> None:
    """Click Run, as a learner would, and wait for the run it starts in the background."""
    pm.run_button.click()
    assert pm.wait(60), "the run did not finish within 60 s"


def wait_until(predicate: Callable[[], Any], seconds: float = 3.0) -> float:
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > seconds:
            pytest.fail(f"not within {seconds} s")
        time.sleep(0.05)
    return time.monotonic() - start


def test_run_publishes_exactly_what_the_widget_shows(
    engine: Engine, client, notebook: str, free_port: int, capsys
) -> None:
    pm = PortMapper(image="nginx", engine=engine)
    # The container port comes from the image's EXPOSE; the learner picks the host port.
    assert [(row.container_port, row.protocol, row.host_ip) for row in pm.rows] == [
        ("80", "tcp", "127.0.0.1")]
    assert "EXPOSE" in pm.note.value
    pm._row_views[pm.rows[0]].host_port.value = str(free_port)
    udp = next_free(free_port, "udp")
    pm.spec_box.value = f"127.0.0.1:{udp}:5353/udp"
    pm.add_button.click()
    pm.name_box.value = f"pm-{notebook}"
    assert pm.error == ""

    expected_step = Run(
        image="nginx", detach=True, publish=tuple(pm.mappings), name=f"pm-{notebook}"
    ).with_labels(engine.labels)
    assert pm.cli == expected_step.cli
    assert pm.cli == (
        f"docker run -d --name pm-{notebook} -p 127.0.0.1:{free_port}:80 "
        f"-p 127.0.0.1:{udp}:5353/udp --label {LABEL}={notebook} "
        "--label org.docdocker.owner=container nginx"
    )
    assert pm.sdk_ports == {"80/tcp": ("127.0.0.1", free_port), "5353/udp": ("127.0.0.1", udp)}

    click_run(pm)

    result = pm.result
    assert result is not None and pm.run_error is None
    assert result.step == expected_step  # the echo and the action: one step object
    # The widget shows the echo, then the link; nothing went to the cell's output.
    assert f"docker run -d --name pm-{notebook}" in pm.output.value
    assert f'href="http://127.0.0.1:{free_port}"' in pm.output.value
    assert [link.href for link in result.links] == [f"http://127.0.0.1:{free_port}"]
    assert capsys.readouterr() == ("", "")
    # The rows are as they were.
    assert [row.spec for row in pm.rows] == [
        f"127.0.0.1:{free_port}:80", f"127.0.0.1:{udp}:5353/udp"]

    assert docker_port(f"pm-{notebook}") == {
        f"{m.container_key} -> {m.host_ip}:{m.host_port}" for m in pm.mappings
    }
    assert "nginx" in web.fetch(f"http://127.0.0.1:{free_port}").body
    assert labelled(client, notebook) == [f"pm-{notebook}"]


def test_a_taken_host_port_is_flagged_before_running(
    engine: Engine, client, notebook: str, free_port: int
) -> None:
    holder = f"holder-{notebook}"
    engine.run("nginx", detach=True, publish=f"127.0.0.1:{free_port}:80", name=holder)
    pm = PortMapper(image="nginx", engine=engine, publish=[f"127.0.0.1:{free_port}:80"])

    row = pm.rows[0]
    assert isinstance(row.problem, errors.PortAllocated)
    assert f"container {holder} publishes it" in pm.error
    assert f"docker stop {holder}" in pm.error
    view = pm._row_views[row]
    assert f"container {holder} publishes it" in view.message.value
    assert pm.run_button.disabled

    click_run(pm)  # a click that slips through runs nothing
    assert pm.result is None
    assert "Nothing was run" in pm.output.value
    assert labelled(client, notebook) == [holder]

    # One click on the suggestion, and Run goes.
    suggestion = row.suggestion
    assert suggestion is not None and ports.is_free("127.0.0.1", suggestion)
    view.use.click()
    assert row.host_port == str(suggestion) and pm.error == ""
    assert not pm.run_button.disabled
    result = pm.run()
    assert result is not None
    assert "nginx" in web.fetch(f"http://127.0.0.1:{suggestion}").body
    assert len(labelled(client, notebook)) == 2


def test_an_invalid_spec_shows_the_grammar_and_runs_nothing(
    engine: Engine, client, notebook: str, free_port: int, monkeypatch
) -> None:
    calls = []
    monkeypatch.setattr(engine, "execute", lambda *a, **k: calls.append(a))
    pm = PortMapper(image="nginx", engine=engine, publish=())
    pm.spec_box.value = f"127.0.0.1:{free_port}:80/http"
    pm.spec_box._handle_custom_msg({"event": "submit"}, [])  # Enter

    assert pm.rows == []
    assert GRAMMAR in pm.spec_message.value
    assert f"&#x27;127.0.0.1:{free_port}:80/http&#x27;" in pm.spec_message.value
    assert "unknown protocol" in pm.error
    assert pm.run_button.disabled
    click_run(pm)
    assert pm.run() is None
    assert calls == []
    assert labelled(client, notebook) == []


def test_a_port_taken_between_check_and_run_shows_port_allocated(
    engine: Engine, client, notebook: str, free_port: int
) -> None:
    name = f"late-{notebook}"
    pm = PortMapper(image="nginx", engine=engine, publish=[f"127.0.0.1:{free_port}:80"],
                    name=name)
    assert pm.error == "" and not pm.run_button.disabled
    before = [row.spec for row in pm.rows]

    # The port is taken in the instant between the last check and the click: the
    # widget has not heard of it yet (its watcher, which would tell it, is stopped).
    assert pm._watcher is not None
    pm._watcher.stop()
    grabber = f"grabber-{notebook}"
    engine.run("nginx", detach=True, publish=f"127.0.0.1:{free_port}:80", name=grabber)
    click_run(pm)

    assert pm.result is None
    assert isinstance(pm.run_error, errors.PortAllocated)
    shown = pm.output.value
    assert "Port already in use" in shown
    assert f"Port {free_port} is already in use" in shown
    assert f"container {grabber}" in shown
    assert f"docker run -d --name {name}" in shown  # the echoed command
    assert "Traceback" not in shown
    # Nothing is lost: the rows are as they were, and they now say who holds the port.
    assert [row.spec for row in pm.rows] == before
    assert f"container {grabber} publishes it" in pm.error
    assert pm.rows[0].suggestion is not None
    assert labelled(client, notebook) == [grabber]


def test_without_an_engine_it_reads_expose_and_connects_on_run(
    client, notebook: str, free_port: int, capsys
) -> None:
    pm = PortMapper(image="nginx", notebook=notebook)
    assert pm.engine is None
    assert [row.container_port for row in pm.rows] == ["80"]
    assert f"--label {LABEL}={notebook}" in pm.cli
    pm.rows[0].host_port = str(free_port)
    line = pm.cli

    result = pm.run()

    assert result is not None and pm.engine is not None
    assert result.cli == line
    assert pm.engine.notebook == notebook
    assert capsys.readouterr() == ("", "")
    container = client.containers.get(result.container.id)
    assert container.labels[LABEL] == notebook
    assert container.ports["80/tcp"][0]["HostPort"] == str(free_port)
    pm.engine.close()


def test_an_image_not_on_this_machine_leaves_the_container_port_to_the_learner(
    engine: Engine, client
) -> None:
    image = f"docdocker-test/not-here:{uuid.uuid4().hex[:8]}"
    with pytest.raises(docker.errors.ImageNotFound):
        client.images.get(image)  # the premise; nothing here pulls it
    pm = PortMapper(image=image, engine=engine)
    assert [row.container_port for row in pm.rows] == [""]
    assert "not on this machine" in pm.note.value
    assert "No container port yet" in pm.error
    assert pm.run_button.disabled
    pm.rows[0].container_port = "5000"
    # The host port was free when the row was made; on a shared machine it may not
    # be by now, and that is said on the row itself.
    assert "No container port yet" not in pm.error
    assert pm.error == "" or pm.error.startswith("Row 1: Host port")


def test_the_engine_picks_the_port_when_the_host_port_is_empty(
    engine: Engine, client, notebook: str
) -> None:
    pm = PortMapper(image="nginx", engine=engine, publish=["127.0.0.1::80"])
    assert pm.mappings == [PortMapping(80, "tcp", "127.0.0.1")]
    result = pm.run()
    assert result is not None
    (line,) = docker_port(result.container.id)
    picked = int(line.rsplit(":", 1)[1])
    assert line == f"80/tcp -> 127.0.0.1:{picked}"
    # The link is the port the engine picked, read back after the start.
    assert [link.href for link in result.links] == [f"http://127.0.0.1:{picked}"]
    assert f'href="http://127.0.0.1:{picked}"' in pm.output.value


def docker_cli(*args: str) -> None:
    assert DOCKER, "the docker CLI is needed"
    subprocess.run([DOCKER, *args], capture_output=True, text=True, check=True, timeout=60)


def test_a_click_runs_in_the_background_and_says_so(
    engine: Engine, client, notebook: str, free_port: int
) -> None:
    pm = PortMapper(image="nginx", engine=engine, publish=[f"127.0.0.1:{free_port}:80"])
    started = time.monotonic()
    pm.run_button.click()
    returned = time.monotonic() - started
    # The click came back at once: the kernel is free while the engine works.
    assert pm.run_button.disabled and pm.run_button.description == "Running…"
    assert "Running…" in pm.output.value
    assert pm.wait(60)
    assert returned < 0.5, f"the click held the kernel for {returned:.2f} s"
    assert pm.result is not None and "Started container" in pm.output.value


def test_run_twice_offers_a_new_name_instead_of_a_name_conflict(
    engine: Engine, client, notebook: str, free_port: int
) -> None:
    name = f"web-{notebook}"
    pm = PortMapper(image="nginx", engine=engine, publish=[f"127.0.0.1:{free_port}:80"],
                    name=name)
    click_run(pm)
    assert pm.result is not None
    # At once, before any event: the name and the port are now taken, and Run says why,
    # as news about the container it just started, not as an error under its success.
    assert pm.run_button.disabled
    assert f'"{name}" is the container this port mapper just started' in pm.error
    assert f"now belongs to {name}, the container this port mapper just started" in pm.error
    shown = pm.message.value + "".join(v.message.value for v in pm._row_views.values())
    assert "docdocker-error" not in shown and "already in use" not in shown
    # run() again (a cell after a click) is not "Nothing was run": it ran, once.
    first = pm.result
    assert pm.run() is first and "Nothing was run" not in pm.output.value
    assert "Started container" in pm.run_button.tooltip
    assert "suggested name and host ports" in pm.run_button.tooltip
    assert pm.use_name.description == f"use {name}-2"
    pm.use_name.click()
    pm._row_views[pm.rows[0]].use.click()
    assert pm.error == "" and not pm.run_button.disabled
    assert pm.run_button.description == "Run another"
    click_run(pm)
    assert pm.run_error is None and pm.result is not None
    assert labelled(client, notebook) == sorted([name, f"{name}-2"])


def test_warnings_disappear_when_the_container_they_name_is_removed(
    engine: Engine, client, notebook: str, free_port: int
) -> None:
    holder = f"holder-{notebook}"
    engine.run("nginx", detach=True, publish=f"127.0.0.1:{free_port}:80", name=holder)
    pm = PortMapper(image="nginx", engine=engine, publish=[f"127.0.0.1:{free_port}:80"],
                    name=holder)
    assert f'The container name "{holder}" is already in use' in pm.error
    assert f"container {holder} publishes it" in pm.error
    assert pm.run_button.disabled
    docker_cli("rm", "--force", holder)  # from a terminal: the widget is not told directly
    took = wait_until(lambda: pm.error == "")
    assert not pm.run_button.disabled and pm.use_name.layout.display == "none"
    assert took < 2


def test_a_success_message_does_not_outlive_its_container(
    engine: Engine, client, notebook: str, free_port: int
) -> None:
    name = f"brief-{notebook}"
    pm = PortMapper(image="nginx", engine=engine, publish=[f"127.0.0.1:{free_port}:80"],
                    name=name)
    click_run(pm)
    assert "Started container" in pm.output.value
    docker_cli("rm", "--force", name)
    wait_until(lambda: "has been removed since" in pm.output.value)
    assert "removed since" in repr(pm)
    wait_until(lambda: pm.error == "")
    assert pm.run_button.description == "Run"
