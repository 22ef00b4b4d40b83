"""The dashboard against the live engine: containers made with the real CLI, buttons clicked."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import docker
import pytest

from docdocker.base import errors
from docdocker.core.console import Console
from docdocker.core.steps import LABEL, OWNER
from docdocker.session.tutorial import Tutorial as Engine
from docdocker.widgets.dashboard import READ_ONLY_TIP, Dashboard

DOCKER = shutil.which("docker") or "docker"
#: A container that exits at once on SIGTERM (a plain `sleep` as PID 1 ignores it,
#: so `docker stop` would wait its full 10 s grace period).
POLITE = ["sh", "-c", "trap 'exit 0' TERM; echo hello from the dashboard test; sleep 60 & wait"]


def docker_cli(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run([DOCKER, *args], capture_output=True, text=True, check=check,
                          timeout=60)


def inspect(name: str) -> dict[str, Any] | None:
    done = docker_cli("inspect", name, check=False)
    return json.loads(done.stdout)[0] if done.returncode == 0 else None


def run_labelled(notebook: str, name: str, *cmd: str) -> None:
    """Run a container with the labels docdocker's own create call sets."""
    docker_cli("run", "-d", "--name", name, "--label", f"{LABEL}={notebook}",
               "--label", f"{OWNER}=container", "busybox", *(cmd or ("sleep", "60")))


def wait_until(predicate: Callable[[], Any], seconds: float = 2.0) -> float:
    """Poll every 0.1 s; return the seconds it took, fail after ``seconds``."""
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > seconds:
            pytest.fail(f"not within {seconds} s")
        time.sleep(0.1)
    return time.monotonic() - start


def row(dash: Dashboard, name: str) -> dict[str, Any] | None:
    return next((r for r in dash.rows if r["NAMES"] == name), None)


@pytest.fixture
def dash(engine: Engine) -> Iterator[Dashboard]:
    board = Dashboard(engine=engine)
    yield board
    board.close()


def test_cli_containers_appear_within_two_seconds(dash: Dashboard, notebook: str,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    labelled, unlabelled = f"lab-{notebook}", f"nolab-{notebook}"
    try:
        # Unlabelled first: once the labelled one shows, the other has had its chance.
        docker_cli("run", "-d", "--name", unlabelled, "busybox", "sleep", "60")
        started = time.monotonic()
        run_labelled(notebook, labelled)
        cli_took = time.monotonic() - started
        seen = wait_until(lambda: row(dash, labelled))
        assert row(dash, unlabelled) is None
        shown = row(dash, labelled)
        assert shown is not None
        assert shown["managed"] is True and shown["notebook"] == notebook
        assert shown["IMAGE"] == "busybox"
        assert {"NAMES", "IMAGE", "STATUS", "PORTS", "CREATED", "notebook", "managed"} <= set(shown)

        dash.show_all = True
        assert dash.toggle.value is True
        toggled = wait_until(lambda: row(dash, unlabelled))
        other = row(dash, unlabelled)
        assert other is not None and other["managed"] is False and other["notebook"] == ""
        buttons = dash.row_buttons(unlabelled)
        assert all(b.disabled for b in buttons.values())
        assert all(b.tooltip == READ_ONLY_TIP for b in buttons.values())
        assert not any(b.disabled for b in dash.row_buttons(labelled).values()
                       if b.description in ("remove", "logs"))

        dash.toggle.value = False
        assert row(dash, unlabelled) is None
        with capsys.disabled():
            print(f"\n[dashboard] labelled container shown {seen:.2f} s after `docker run -d` "
                  f"returned ({cli_took:.2f} s for the CLI); show_all {toggled:.2f} s")
    finally:
        docker_cli("rm", "--force", unlabelled, check=False)


def test_changes_from_the_terminal_update_the_status(dash: Dashboard, notebook: str) -> None:
    name = f"term-{notebook}"
    run_labelled(notebook, name, *POLITE)
    wait_until(lambda: (r := row(dash, name)) and r["STATUS"].startswith("Up"))
    docker_cli("stop", name)
    wait_until(lambda: (r := row(dash, name)) and r["STATUS"].startswith("Exited"))
    docker_cli("rm", name)
    wait_until(lambda: row(dash, name) is None)


def test_stop_button_stops_the_container(dash: Dashboard, notebook: str) -> None:
    name = f"stop-{notebook}"
    run_labelled(notebook, name, *POLITE)
    wait_until(lambda: (r := row(dash, name)) and r["STATE"] == "running")
    dash.row_buttons(name)["stop"].click()
    assert dash.wait(30)
    info = inspect(name)
    assert info is not None and info["State"]["Status"] == "exited"
    assert f"docker stop {name}" in dash.status_line.value
    assert dash.model.error is None
    shown = row(dash, name)
    assert shown is not None and shown["STATUS"].startswith("Exited")
    assert dash.row_buttons(name)["stop"].disabled


def test_kill_button_kills_the_container(dash: Dashboard, notebook: str) -> None:
    name = f"kill-{notebook}"
    run_labelled(notebook, name)
    wait_until(lambda: (r := row(dash, name)) and r["STATE"] == "running")
    dash.row_buttons(name)["kill"].click()
    assert dash.wait(30)
    info = inspect(name)
    assert info is not None and info["State"]["ExitCode"] == 137
    assert f"docker kill {name}" in dash.status_line.value


def test_remove_button_removes_the_container(dash: Dashboard, notebook: str) -> None:
    name = f"rm-{notebook}"
    run_labelled(notebook, name)
    wait_until(lambda: row(dash, name))
    dash.row_buttons(name)["remove"].click()
    assert dash.wait(30)
    assert inspect(name) is None
    assert f"docker rm --force --volumes {name}" in dash.status_line.value
    assert row(dash, name) is None


def test_logs_button_shows_the_output(dash: Dashboard, notebook: str) -> None:
    name = f"logs-{notebook}"
    run_labelled(notebook, name, *POLITE)
    wait_until(lambda: "hello from the dashboard test" in docker_cli("logs", name).stdout)
    wait_until(lambda: row(dash, name))
    dash.row_buttons(name)["logs"].click()
    assert dash.wait(30)
    assert "hello from the dashboard test" in dash.logs_area.value
    assert name in dash.logs_area.value
    assert f"docker logs --tail 20 {name}" in dash.status_line.value
    result = dash.logs(name)
    assert result.output == "hello from the dashboard test\n"


def test_failure_shows_a_friendly_message(dash: Dashboard, notebook: str) -> None:
    name = f"gone-{notebook}"
    run_labelled(notebook, name)
    wait_until(lambda: row(dash, name))
    stale = dash.row_buttons(name)["stop"]
    docker_cli("rm", "--force", name)
    stale.click()  # the row was there when the learner aimed; the container is not
    assert dash.wait(30)
    assert isinstance(dash.model.error, errors.StepFailed)
    assert f"No such container: {name}" in dash.status_line.value
    assert "docdocker-error" in dash.status_line.value
    assert "Traceback" not in dash.status_line.value
    run_labelled(notebook, f"{name}-x", "true")
    docker_cli("wait", f"{name}-x")
    with pytest.raises(errors.StepFailed, match="is not running"):
        dash.kill(f"{name}-x")
    assert "is not running" in dash.status_line.value


def test_close_stops_the_threads_and_the_refreshes(engine: Engine, notebook: str) -> None:
    dash = Dashboard(engine=engine)
    threads = dash.threads
    assert len(threads) == 2 and all(t.is_alive() and t.daemon for t in threads)
    started = time.monotonic()
    dash.close()
    assert time.monotonic() - started < 3
    assert not any(t.is_alive() for t in threads)
    assert dash.model.live is False
    count, rows = dash.refreshes, dash.rows
    run_labelled(notebook, f"after-{notebook}")
    time.sleep(1.5)
    assert dash.refreshes == count
    assert dash.rows == rows
    dash.close()  # closing twice is harmless


def test_without_an_engine_argument_it_connects_itself() -> None:
    dash = Dashboard(live=False)
    try:
        assert dash.engine is not None and dash.model.error is None
        assert all(r["managed"] for r in dash.rows)
    finally:
        dash.close()


def test_without_an_engine_and_no_docker_it_shows_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/docker.sock")
    dash = Dashboard()
    try:
        assert dash.engine is None and dash.rows == [] and not dash.threads
        assert isinstance(dash.model.error, errors.EngineUnavailable)
        assert "Cannot connect to the Docker Engine" in dash.status_line.value
        assert "Fix:" in dash.status_line.value
        assert dash.refresh() == []
    finally:
        dash.close()


def test_unreachable_engine_shows_the_friendly_message(tmp_path: Path) -> None:
    host = f"unix://{tmp_path}/docker.sock"
    # An explicit API version: the client would otherwise ask the (missing) engine for it.
    client = docker.DockerClient(base_url=host, version="1.41", timeout=5)
    engine = Engine("t", client, Console(), host=host)
    dash = Dashboard(engine=engine)
    try:
        assert isinstance(dash.model.error, errors.EngineUnavailable)
        assert not dash.threads and dash.model.live is False
        assert "Cannot connect to the Docker Engine" in dash.status_line.value
        assert "Live refresh stopped" in dash.status_line.value
        assert "Traceback" not in dash.status_line.value
        with pytest.raises(errors.EngineUnavailable):
            dash.stop("anything")
    finally:
        dash.close()


def test_engine_lost_while_watching_stops_with_the_friendly_message(
    engine_proxy, notebook: str
) -> None:
    proxy = engine_proxy
    host = f"unix://{proxy.path}"
    client = docker.DockerClient(base_url=host, timeout=5)
    dash = Dashboard(engine=Engine(notebook, client, Console(), host=host))
    try:
        threads = dash.threads
        assert dash.model.live and dash.model.error is None
        proxy.cut()
        wait_until(lambda: not dash.model.live, seconds=5)
        assert isinstance(dash.model.error, errors.EngineUnavailable)
        assert f"Docker Engine at {host}" in dash.status_line.value
        assert "Live refresh stopped" in dash.status_line.value
        wait_until(lambda: not any(t.is_alive() for t in threads), seconds=5)
    finally:
        dash.close()
        client.close()


def test_a_container_that_inherited_the_label_is_left_alone(dash: Dashboard, notebook: str,
                                                             tmp_path: Path) -> None:
    # The learner builds on a labelled image and runs their own container from it:
    # Docker copies the image's labels into the child image and the container.
    base, child = f"dd-test-base-{notebook}:1", f"dd-test-child-{notebook}:1"
    theirs, ours = f"theirs-{notebook}", f"ours-{notebook}"
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "Dockerfile").write_text(
        f"FROM busybox\nLABEL {LABEL}={notebook} {OWNER}={base}\n")
    (tmp_path / "child").mkdir()
    (tmp_path / "child" / "Dockerfile").write_text(f"FROM {base}\nRUN echo x > /d\n")
    try:
        docker_cli("build", "-q", "-t", base, str(tmp_path / "base"))
        docker_cli("build", "-q", "-t", child, str(tmp_path / "child"))
        docker_cli("run", "-d", "--name", theirs, child, "sleep", "60")
        run_labelled(notebook, ours)
        assert (inspect(theirs) or {})["Config"]["Labels"][LABEL] == notebook  # the premise
        wait_until(lambda: row(dash, ours))
        assert row(dash, theirs) is None  # not listed as the tutorial's

        dash.show_all = True
        wait_until(lambda: row(dash, theirs))
        shown = row(dash, theirs)
        assert shown is not None and shown["managed"] is False
        assert all(b.disabled for b in dash.row_buttons(theirs).values())
        dash.row_buttons(theirs)["remove"].click()  # click() ignores `disabled`
        assert dash.wait(30)
        with pytest.raises(errors.StepFailed, match="inherited from its image"):
            dash.remove(theirs)
        assert "inherited from its image" in dash.status_line.value
        info = inspect(theirs)
        assert info is not None and info["State"]["Running"]
    finally:
        docker_cli("rm", "--force", theirs, check=False)
        docker_cli("rmi", child, base, check=False)


def test_every_change_from_the_terminal_shows_within_a_second(
    dash: Dashboard, notebook: str, capsys: pytest.CaptureFixture[str]
) -> None:
    name = f"cli-{notebook}"
    run_labelled(notebook, name, *POLITE)
    wait_until(lambda: (r := row(dash, name)) and r["STATE"] == "running")
    took = {}
    for command, expected in ((("kill", name), "exited"), (("start", name), "running"),
                              (("stop", name), "exited"), (("start", name), "running"),
                              (("rm", "--force", name), None)):
        docker_cli(*command)
        # From the moment the CLI returns, as a learner switching back to the notebook sees it.
        took[command[0] + (" again" if command[0] in took else "")] = wait_until(
            lambda expected=expected: (row(dash, name) or {}).get("STATE") == expected
            if expected else row(dash, name) is None, seconds=1.0)
    with capsys.disabled():
        print("\n[dashboard] shown after the CLI returned: "
              + ", ".join(f"{k} {v:.2f} s" for k, v in took.items()))


def test_a_click_never_freezes_the_kernel(dash: Dashboard, notebook: str) -> None:
    name = f"stubborn-{notebook}"
    run_labelled(notebook, name)  # `sleep` as PID 1 ignores SIGTERM: stop waits 10 s
    wait_until(lambda: (r := row(dash, name)) and r["STATE"] == "running")
    started = time.monotonic()
    dash.row_buttons(name)["stop"].click()
    returned = time.monotonic() - started
    assert returned < 0.5, f"the click held the kernel for {returned:.2f} s"
    assert dash.model.busy
    assert "running…" in dash.status_line.value and f"docker stop {name}" in dash.status_line.value
    assert all(b.disabled for b in dash.row_buttons(name).values())
    assert "is running" in dash.row_buttons(name)["remove"].tooltip
    dash.refresh()  # the table still answers meanwhile
    assert dash.wait(30)
    info = inspect(name)
    assert info is not None and info["State"]["ExitCode"] == 137
    assert "done" in dash.status_line.value
    assert not dash.row_buttons(name)["remove"].disabled


def test_the_logs_panel_says_which_container_and_when_and_clears_after_an_action(
    dash: Dashboard, notebook: str
) -> None:
    name = f"talk-{notebook}"
    run_labelled(notebook, name, *POLITE)
    wait_until(lambda: "hello from the dashboard test" in docker_cli("logs", name).stdout)
    wait_until(lambda: row(dash, name))
    dash.row_buttons(name)["logs"].click()
    assert dash.wait(30)
    panel = dash.logs_area.value
    assert f"Last 20 lines of {name}</b>, read at " in panel
    assert time.strftime("%H:") in panel
    dash.row_buttons(name)["stop"].click()
    assert dash.wait(30)
    assert dash.logs_area.value == ""  # lines read before the stop no longer describe it
