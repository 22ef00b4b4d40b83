"""The PortMapper widget against the live engine, without a browser.

Like ipywidgets' own tests, these set widget values and call ``.click()``; the
engine, the ``docker`` CLI and the published ports are real. Everything a test
creates carries its ``notebook`` label, which the fixture's teardown removes.
"""

from __future__ import annotations

import shutil
import subprocess
import uuid

import docker
import pytest

from docdocker import errors, ports, web
from docdocker.containers import Run
from docdocker.ports import GRAMMAR, PortMapping
from docdocker.steps import LABEL
from docdocker.tutorial import Tutorial as Engine
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

    pm.run_button.click()

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

    pm.run_button.click()  # a click that slips through runs nothing
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
    pm.run_button.click()
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

    grabber = f"grabber-{notebook}"
    engine.run("nginx", detach=True, publish=f"127.0.0.1:{free_port}:80", name=grabber)
    pm.run_button.click()

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
    assert pm.error == ""


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
