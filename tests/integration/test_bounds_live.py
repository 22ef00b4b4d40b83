"""Every call is bounded: a flooding container, a follow with a timeout, a bad stop
timeout and a hung engine each end within their stated seconds, with capped output."""

from __future__ import annotations

import subprocess
import threading
import time

import docker
import pytest

from docdocker.base import errors
from docdocker.concepts import foreground
from docdocker.concepts.foreground import FLOOD_CHARS, FLOOD_LINES
from docdocker.core.console import HEAD_CHARS, TAIL_CHARS, Console
from docdocker.session.tutorial import Tutorial as Engine

#: Room for the line that says what was left out, around the capped output.
NOTE = 600


def proxied(proxy, notebook: str, timeout: float = 60) -> Engine:
    host = f"unix://{proxy.path}"
    return Engine(notebook, docker.DockerClient(base_url=host, timeout=timeout), Console(),
                  host=host)


def running(name: str) -> bool:
    done = subprocess.run(["docker", "inspect", "-f", "{{.State.Running}}", name],
                          capture_output=True, text=True, timeout=60)
    return done.stdout.strip() == "true"


def test_a_flooding_run_with_a_timeout_returns_soon_after_it(engine: Engine,
                                                             notebook: str) -> None:
    name = f"yes-{notebook}"
    start = time.monotonic()
    result = engine.run("busybox", "yes", timeout=5, name=name)
    took = time.monotonic() - start
    assert took < 15, f"run(yes, timeout=5) took {took:.1f} s"
    assert result.stopped_after == 5
    assert len(result.output) < HEAD_CHARS + TAIL_CHARS + NOTE
    assert f"docker logs {name}" in result.output  # says how to see the rest
    assert not running(name)


def test_a_flooding_run_without_a_timeout_is_stopped_at_the_stated_cap(
        engine: Engine, notebook: str) -> None:
    name = f"flood-{notebook}"
    start = time.monotonic()
    result = engine.run("busybox", "yes", name=name)
    took = time.monotonic() - start
    assert took < 90, f"a flooding run took {took:.1f} s"
    assert len(result.output) < HEAD_CHARS + TAIL_CHARS + NOTE
    cap = f"it printed more than {FLOOD_CHARS:,} characters or {FLOOD_LINES:,} lines"
    assert cap in result.output
    assert f"docker logs --tail 100 {name}" in result.output
    assert not running(name)


def test_logs_follow_with_a_timeout_is_capped_and_ends_on_time(engine: Engine,
                                                               notebook: str) -> None:
    name = f"chatty-{notebook}"
    engine.run("busybox", "yes", detach=True, name=name)
    start = time.monotonic()
    result = engine.logs(name, follow=True, timeout=2)
    took = time.monotonic() - start
    assert took < 7, f"logs -f with timeout=2 took {took:.1f} s"
    assert len(result.value) < HEAD_CHARS + TAIL_CHARS + NOTE
    assert "characters not shown" in result.value
    assert "stopped following after 2 s" in result.output
    assert running(name)  # following stopped; the container keeps running


def test_stop_with_a_negative_timeout_is_refused_at_once(engine: Engine,
                                                         notebook: str) -> None:
    name = f"stopneg-{notebook}"
    engine.run("busybox", ["sleep", "60"], detach=True, name=name)
    start = time.monotonic()
    with pytest.raises(errors.InvalidCommand) as caught:
        engine.stop(name, timeout=-1)
    assert time.monotonic() - start < 2
    assert "The stop timeout -1 is not a number of seconds" in caught.value.message
    assert f"docker stop -t 10 {name}" in (caught.value.fix or "")
    assert caught.value.cli == f"docker stop -t -1 {name}"
    assert running(name)  # nothing was done


def test_logs_follow_frozen_mid_stream_ends_within_its_bound(
        engine_proxy, engine: Engine, notebook: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # The bound is the heartbeat's: that much silence, then a check bounded as much. A
    # short heartbeat proves the same rule as the learner's 10 s, in a third of the time.
    heartbeat = 2.0
    monkeypatch.setattr(foreground, "HEARTBEAT_SECONDS", heartbeat)
    name = f"tick-{notebook}"
    engine.run("busybox", ["sh", "-c", "while true; do echo tick; sleep 0.2; done"],
               detach=True, name=name)
    slow = proxied(engine_proxy, notebook)  # the default 60 s request timeout
    threading.Timer(2.0, engine_proxy.freeze).start()
    start = time.monotonic()
    with pytest.raises(errors.EngineUnavailable) as caught:
        slow.logs(name, follow=True)
    took = time.monotonic() - start
    assert took < 2.0 + 2 * heartbeat + 6, f"a frozen logs -f took {took:.1f} s"
    assert caught.value.cli == f"docker logs -f {name}"


@pytest.mark.parametrize("widget", ["Dashboard", "PortMapper", "TagBuilder", "Map"])
def test_a_widget_on_a_hung_engine_is_built_at_once_and_says_so(
        engine_proxy, notebook: str, widget: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from docdocker.widgets import dashboard, portmapper, tagbuilder, watch
    from docdocker.widgets import map as map_widget
    from docdocker.widgets.dashboard import Dashboard
    from docdocker.widgets.map import Map
    from docdocker.widgets.portmapper import PortMapper
    from docdocker.widgets.tagbuilder import TagBuilder

    # Each lookup a widget makes while it is built waits LOOKUP_SECONDS at most (5 s for a
    # learner); one second proves the same bound.
    for module in (dashboard, map_widget, portmapper, tagbuilder, watch):
        monkeypatch.setattr(module, "LOOKUP_SECONDS", 1.0)

    slow = proxied(engine_proxy, notebook)  # the default 60 s request timeout
    slow.client.ping()  # connected: the engine hangs afterwards
    engine_proxy.freeze()
    start = time.monotonic()
    if widget == "Dashboard":
        made = Dashboard(engine=slow, live=False)
        shown = repr(made)
    elif widget == "PortMapper":
        made = PortMapper("nginx", engine=slow, name=f"pm-{notebook}")
        shown = made.note.value + repr(made)
    elif widget == "Map":
        made = Map(slow, live=False)
        shown = repr(made)
    else:
        made = TagBuilder(engine=slow)
        shown = made.outcome.value
    took = time.monotonic() - start
    try:
        assert took < 20, f"{widget} took {took:.1f} s on a hung engine"
        if widget == "PortMapper":
            assert "Cannot reach the Docker Engine" in shown, shown
        else:
            assert "Docker Engine" in shown and "answer" in shown, shown
    finally:
        made.close()
