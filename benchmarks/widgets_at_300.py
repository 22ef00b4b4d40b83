"""Benchmark: the Dashboard and the PortMapper with 300 of the tutorial's containers.

Usage: python benchmarks/widgets_at_300.py [CONTAINERS] [ROUNDS]

Creates CONTAINERS (default 300) containers carrying a label unique to this run
(created, not started: the listing costs the same, and the shared engine does no
work for them), plus one running nginx publishing a host port. Then measures,
printing medians:

* Dashboard: create (first listing and the table's widgets), refresh, close,
  and the widgets still registered after close (0: nothing leaks);
* PortMapper: one keystroke that makes a row ask for a taken host port, with
  the container listing cached and reloaded on engine events (what the widget
  does) and with a listing per keystroke (``engine.port_holder``, what it did),
  and their ratio. The goal is under 50 ms a keystroke.

Everything it created is removed at the end, also after a failure.
"""

from __future__ import annotations

import statistics
import sys
import time
import uuid
import warnings
from collections.abc import Callable

import docker
import ipywidgets as widgets

from docdocker.core.console import Console
from docdocker.core.steps import LABEL, OWNER
from docdocker.grammar import ports
from docdocker.session.tutorial import Tutorial as Engine
from docdocker.widgets.dashboard import Dashboard
from docdocker.widgets.portmapper import PortMapper
from docdocker.widgets.portmapper_model import PortMapperModel


def registered() -> int:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return len(widgets.Widget.widgets)


def median_ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:8.1f} ms"


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def keystrokes(model: PortMapperModel, taken: int, free: int, count: int) -> list[float]:
    """Type the taken port and a free one in turn; time each taken-port keystroke."""
    row = model.rows[0]
    samples = []
    for _ in range(count):
        samples.append(timed(lambda: setattr(row, "host_port", str(taken))))
        assert row.problem is not None and "publishes it" in str(row.problem), row.problem
        row.host_port = str(free)
    return samples


def main(containers: int = 300, rounds: int = 5) -> None:
    client = docker.from_env(timeout=120)
    notebook = f"bench-widgets-{uuid.uuid4().hex[:8]}"
    engine = Engine(notebook, client, Console())
    labels = {LABEL: notebook, OWNER: "container"}
    try:
        started = time.perf_counter()
        for i in range(containers):
            client.api.create_container("busybox", ["sleep", "600"], labels=labels,
                                        name=f"{notebook}-{i}")
        taken = ports.find_free("127.0.0.1", 38000)
        engine.run("nginx", detach=True, publish=f"127.0.0.1:{taken}:80",
                   name=f"{notebook}-holder")
        free = ports.find_free("127.0.0.1", taken + 1)
        print(f"{containers} labelled containers + 1 running, made in "
              f"{time.perf_counter() - started:.1f} s")

        create, refresh, close, left = [], [], [], []
        for _ in range(rounds):
            before = registered()
            started = time.perf_counter()
            dash = Dashboard(engine=engine)
            create.append(time.perf_counter() - started)
            assert len(dash.rows) >= containers + 1, len(dash.rows)
            refresh.append(timed(dash.refresh))
            close.append(timed(dash.close))
            left.append(registered() - before)
        print(f"Dashboard ({len(dash.rows)} rows): create {median_ms(create)}, "
              f"refresh {median_ms(refresh)}, close {median_ms(close)}, "
              f"widgets left after close: {max(left)}")

        mapper = PortMapper(image="nginx", engine=engine, publish=[f"127.0.0.1:{free}:80"])
        cached = keystrokes(mapper.model, taken, free, 20 * rounds)
        mapper.close()
        per_keystroke = PortMapperModel(image="nginx", holder=engine.port_holder)
        per_keystroke.add_row(container_port=80, host_port=free)
        listed = keystrokes(per_keystroke, taken, free, 20 * rounds)
        ratio = statistics.median(listed) / statistics.median(cached)
        print(f"PortMapper taken-port keystroke: cached listing {median_ms(cached)}, "
              f"listing per keystroke {median_ms(listed)} ({ratio:.1f}x)")
    finally:
        for c in client.api.containers(all=True, filters={"label": f"{LABEL}={notebook}"}):
            client.api.remove_container(c["Id"], force=True)
        client.close()


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
