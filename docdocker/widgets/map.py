"""A live map of the tutorial's containers, networks, volumes, host folders and ports.

The view: stock ipywidgets showing a :class:`~docdocker.widgets.map_model.MapModel`
as an SVG picture. The graph, its layout and the drawing are pure
(:mod:`docdocker.widgets.map_layout`); watching the engine's events lives in
:mod:`docdocker.widgets.watch`. The map only reads (quiet listings through
:meth:`docdocker.core.engine.Engine.query`): it never changes anything on the engine.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from html import escape
from typing import Any

import ipywidgets as widgets

from docdocker.base import errors, render
from docdocker.concepts.containers import Ps
from docdocker.concepts.networks import NetworkLs
from docdocker.concepts.volumes import VolumeLs
from docdocker.core.engine import LOOKUP_SECONDS, Engine
from docdocker.readalong import recordings
from docdocker.widgets.base import FullTextRepr, close_below
from docdocker.widgets.map_layout import Graph
from docdocker.widgets.map_model import MapModel
from docdocker.widgets.watch import EngineWatcher

__all__ = ["LEGEND", "Map", "MapModel"]

#: What the marks mean, under the picture.
LEGEND = ("green: running · grey, dashed: stopped · orange, dotted: yours, not the "
          "tutorial's · red: published on every interface · lines say the path inside "
          "the container, or the container port")
#: The engine's event types after which the picture may have changed.
EVENT_TYPES = ["container", "network", "volume"]


class Map(FullTextRepr, widgets.VBox):
    """A picture of what is connected to what: containers, networks, volumes, ports.

    It redraws itself within a second of any change made anywhere (a cell, a
    terminal, Compose), from the engine's events. The learner's own objects that
    touch the tutorial's (a container on the tutorial's network, say) are drawn
    too, marked "yours"; *show everything* draws every container and volume on
    the engine. A saved notebook keeps the last picture as SVG, and read-along
    mode shows the one recorded at the end of a real run.

    Equivalent CLI: ``docker ps --all``, ``docker network ls``, ``docker volume ls``

    Args:
        engine: The engine to read (a :class:`docdocker.Tutorial`).
        notebook: Whose objects count as the tutorial's: the engine's notebook by
            default; ``""`` for the whole tutorial.
        include: Names of your own containers, networks or volumes to draw too.
        period: Seconds between redraws when no event arrives.
        live: Redraw by itself (False: only on :meth:`refresh`).

    Example:
        >>> Map(engine=engine, include=["my-redis", "my-data"])   # doctest: +SKIP
    """

    def __init__(self, engine: Engine, *, notebook: str | None = None,
                 include: Iterable[str] = (), period: float = 5.0, live: bool = True,
                 **kwargs: Any) -> None:
        self._closed = False
        self._lock = threading.Lock()
        self._ticket = 0
        self._applied = 0
        self._watcher: EngineWatcher | None = None
        self.refreshes = 0
        self.model = MapModel(notebook=engine.notebook if notebook is None else notebook,
                              include=tuple(include))
        super().__init__(**kwargs)
        self._engine = engine
        self._recording = recordings.reading_along(engine)
        self._toggle = widgets.Checkbox(
            value=False, description="show everything on this engine", indent=False,
            tooltip="Also draw containers and volumes that are neither the tutorial's nor "
                    "connected to them (read-only, like the rest of the map)")
        self._picture = widgets.HTML()
        self._status = widgets.HTML()
        self.children = (self._toggle, self._picture, self._status)
        widgets.link((self._toggle, "value"), (self.model, "everything"))
        self.model.observe(self._render, names=["svg", "error", "recorded", "live"])
        self.model.observe(lambda _c: self.refresh(), names=["everything", "include"])
        if self._recording is not None:
            self._toggle.disabled = True
            self._toggle.tooltip = recordings.needs_engine("Show everything")
            self.model.recorded = self._recording.stamp
            self.model.graph = Graph.from_data(self._recording.map)
        else:
            self._watcher = EngineWatcher(engine, self.refresh, period=period,
                                          filters={"type": list(EVENT_TYPES)})
            self.refresh()
            if live and self.model.error is None:
                self.model.live = True
                self._watcher.start()
        self._render()

    # ------------------------------------------------------------ public API
    @property
    def graph(self) -> Graph:
        """What the map shows now."""
        return self.model.graph

    @property
    def svg(self) -> str:
        """The picture, as one ``<svg>`` element."""
        return self.model.svg

    @property
    def threads(self) -> tuple[threading.Thread, ...]:
        """The background threads (event listener, refresher); for tests."""
        return self._watcher.threads if self._watcher is not None else ()

    @property
    def toggle(self) -> widgets.Checkbox:
        """The "show everything on this engine" checkbox."""
        return self._toggle

    def refresh(self) -> Graph:
        """List containers, networks and volumes now and redraw (failures are shown, not raised).

        Equivalent CLI: ``docker ps --all``, ``docker network ls``, ``docker volume ls``
        """
        if self._closed or self._recording is not None:
            return self.graph
        with self._lock:
            self._ticket += 1
            ticket = self._ticket
        try:
            # Each listing waits LOOKUP_SECONDS at most, as the Dashboard's: a hung engine
            # shows its message in seconds, not after the client's whole timeout.
            listed = (self._engine.query(Ps(all=True), within=LOOKUP_SECONDS).value or [],
                      self._engine.query(NetworkLs(), within=LOOKUP_SECONDS).value or [],
                      self._engine.query(VolumeLs(), within=LOOKUP_SECONDS).value or [])
            failure: errors.DocDockerError | None = None
        except errors.DocDockerError as err:
            listed, failure = ([], [], []), err
        with self._lock:
            # Refreshes run from the watcher's thread and the kernel's: the newest wins.
            if ticket < self._applied or self._closed:
                return self.graph
            self._applied = ticket
            if failure is not None:
                self.model.error = failure
            else:
                self.model.update(*listed)
                self.refreshes += 1
                recorder = recordings.recorder()
                if recorder is not None:  # the final state, for reading along
                    recorder.map(self.model.graph.as_data())
        if isinstance(failure, errors.EngineUnavailable) and self._watcher is not None:
            self._watcher.stop()
            self.model.live = False
        return self.graph

    def close(self) -> None:
        """Stop watching the engine and close every widget of the map."""
        self._closed = True
        if self._watcher is not None:
            self._watcher.stop()
        close_below(self)
        super().close()

    # ------------------------------------------------------------- rendering
    def _status_html(self) -> str:
        model = self.model
        if model.recorded:
            state = f"Recorded at the end of a real run ({escape(model.recorded)})."
        elif model.live:
            state = "Live: redraws within a second of any change."
        else:
            state = "Not live: call refresh() to redraw."
        html = (f'<div style="font-size:12px;color:#444">{state} '
                f"{escape(LEGEND)}.</div>")
        if model.error is not None:
            html = render.error_html(model.error) + html
        return html

    def _render(self, _change: Any = None) -> None:
        self._picture.value = f'<div style="overflow-x:auto">{self.model.svg}</div>'
        self._status.value = self._status_html()

    def __repr__(self) -> str:
        lines = [f"Map ($ {self.model.cli}):", self.model.text]
        if self.model.recorded:
            lines.append(f"(recorded: {self.model.recorded})")
        if self.model.error is not None:
            lines.append(f"{self.model.error.title}: {self.model.error.message}")
        return "\n".join(lines)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        if self.model.live:
            # What is saved with the notebook is this moment's picture: draw it from the
            # engine now rather than wait for the watcher's next redraw.
            self.refresh()
        bundle = super()._repr_mimebundle_(**kwargs)
        if isinstance(bundle, dict):
            # Where no widget can render (a saved notebook on GitHub, nbconvert), the
            # last picture still reads as a picture.
            bundle["text/html"] = self._picture.value + self._status.value
        return bundle
