"""The Map's model: the engine's lists in, the graph, its picture and its words out.

No widgets and no engine here: :class:`MapModel` is fed the lists by the view
(:mod:`docdocker.widgets.map`), which asks the engine; the graph, the layout and the
SVG come from the pure functions of :mod:`docdocker.widgets.map_layout`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from traitlets import Bool, HasTraits, Instance, Tuple, Unicode, observe

from docdocker.base import errors
from docdocker.widgets.map_layout import Graph, build_graph, describe, layout, svg

__all__ = ["MapModel"]


class MapModel(HasTraits):
    """What the Map shows: a graph built from the engine's lists, as SVG and as words.

    Equivalent CLI: ``docker ps --all``, ``docker network ls`` and ``docker volume ls``

    Attributes:
        notebook: Whose objects count as the tutorial's (empty: any notebook's).
        everything: Show every container and volume on the engine, not only the
            tutorial's and what they use.
        include: Names of the learner's own objects to show too (an exercise's).
        graph: The graph last built.
        svg: The picture of :attr:`graph`.
        text: :attr:`graph` in words, one line per container.
        error: Why the last refresh failed, or None.
        recorded: A stamp ("Docker 28.5.2, 2026-12-02") when the graph was recorded
            in a real run and is replayed (read-along mode); empty when live.
    """

    notebook = Unicode("")
    everything = Bool(False)
    include = Tuple()
    graph = Instance(Graph, args=())
    svg = Unicode("")
    text = Unicode("")
    error = Instance(errors.DocDockerError, allow_none=True)
    recorded = Unicode("")
    live = Bool(False)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._draw()

    @property
    def cli(self) -> str:
        """The listings the map is drawn from, as command lines."""
        return "docker ps --all; docker network ls; docker volume ls"

    def update(self, containers: Iterable[Mapping[str, Any]],
               networks: Iterable[Mapping[str, Any]] = (),
               volumes: Iterable[Mapping[str, Any]] = ()) -> Graph:
        """Build the graph from the engine's lists; the picture and words follow."""
        self.graph = build_graph(containers, networks, volumes, notebook=self.notebook or None,
                                 everything=self.everything, include=self.include)
        self.error = None
        return self.graph

    @observe("graph")
    def _on_graph(self, _change: Any) -> None:
        self._draw()

    def _draw(self) -> None:
        placed = layout(self.graph)
        self.svg = svg(placed, title="Containers, networks, volumes and ports")
        self.text = "\n".join(describe(self.graph))
