"""The Map's picture, pure: what is connected to what, where each box goes, and the SVG.

:func:`build_graph` turns the engine's lists (``docker ps --all``, ``docker network ls``,
``docker volume ls``) into a :class:`Graph`: containers, the networks they are on, the
volumes and host folders they mount and the host ports they publish. :func:`layout`
places it in three columns, the host's side (ports, folders, volumes) on the left, the
containers in the middle and the networks on the right, so that every line runs between
neighbouring columns; :func:`svg` draws it with inline styles (no CSS, no Graphviz),
readable in a saved notebook. No engine and no widgets here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from html import escape
from typing import Any

from docdocker.concepts.containers import container_name
from docdocker.concepts.ownership import made_by_tutorial
from docdocker.core.steps import LABEL, OWNER

__all__ = ["Box", "Edge", "Graph", "Layout", "Node", "build_graph", "describe", "layout", "svg"]

#: Networks every engine has; a container on them is not "connected" to another by them.
BUILTIN_NETWORKS = frozenset({"bridge", "host", "none"})
#: The column of each kind of node: host side, containers, networks.
COLUMN_OF = {"port": 0, "bind": 0, "volume": 0, "container": 1, "network": 2}
COLUMN_TITLES = ("host: ports, folders, volumes", "containers", "networks")
#: Geometry, in SVG user units (pixels at 100 %).
BOX_W = (190, 210, 170)
BOX_H = 40
GAP_Y = 12
GAP_X = 110
MARGIN = 12
TITLE_H = 22
#: Characters that fit on a box's line (monospace-ish estimate for 12 px text).
LINE_CHARS = 27


@dataclass(frozen=True)
class Node:
    """One box of the map.

    Attributes:
        id: Unique within a graph: ``container:<id>``, ``network:<name>``, ``volume:<name>``,
            ``bind:<host path>``, ``port:<address>:<port>/<protocol>``.
        kind: ``container``, ``network``, ``volume``, ``bind`` or ``port``.
        label: The first line (a name, an address).
        detail: The second line (image and state, driver, "this machine only"...).
        state: A container's state (``running``, ``exited``, ``created``...), else "".
        tutorial: True when docdocker itself created it; False marks the learner's own.
        warn: True for what deserves a second look (a port published on every interface).
    """

    id: str
    kind: str
    label: str
    detail: str = ""
    state: str = ""
    tutorial: bool = True
    warn: bool = False


@dataclass(frozen=True)
class Edge:
    """A line between two nodes; ``label`` is what it means (``/data``, ``-> 80/tcp``)."""

    source: str
    target: str
    label: str = ""


@dataclass(frozen=True)
class Graph:
    """Nodes and edges, each in a stable order (the same engine state gives the same graph)."""

    nodes: tuple[Node, ...] = ()
    edges: tuple[Edge, ...] = ()

    def node(self, node_id: str) -> Node:
        """The node with this ID (KeyError when there is none)."""
        for n in self.nodes:
            if n.id == node_id:
                return n
        raise KeyError(node_id)

    def of_kind(self, kind: str) -> list[Node]:
        """The nodes of one kind, in order."""
        return [n for n in self.nodes if n.kind == kind]

    def neighbours(self, node_id: str) -> list[str]:
        """IDs of the nodes one edge away."""
        return [e.target if e.source == node_id else e.source for e in self.edges
                if node_id in (e.source, e.target)]

    def as_data(self) -> dict[str, Any]:
        """Plain data (for a recording), read back by :meth:`from_data`."""
        return {"nodes": [asdict(n) for n in self.nodes], "edges": [asdict(e) for e in self.edges]}

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Graph:
        """The graph :meth:`as_data` wrote."""
        return cls(tuple(Node(**n) for n in data.get("nodes", ())),
                   tuple(Edge(**e) for e in data.get("edges", ())))


@dataclass(frozen=True)
class Box:
    """Where a node is drawn: its top-left corner and size."""

    x: float
    y: float
    w: float
    h: float

    @property
    def middle(self) -> float:
        return self.y + self.h / 2


@dataclass(frozen=True)
class Layout:
    """A placed graph: a box per node ID, and the size of the whole picture."""

    graph: Graph
    boxes: dict[str, Box] = field(default_factory=dict)
    width: float = 0
    height: float = 0


# ------------------------------------------------------------------ the graph
def _network_owned(labels: Mapping[str, str] | None, notebook: str | None) -> bool:
    labels = labels or {}
    return (labels.get(OWNER) == "network" and LABEL in labels
            and (notebook is None or labels[LABEL] == notebook))


def _volume_owned(labels: Mapping[str, str] | None, notebook: str | None) -> bool:
    labels = labels or {}
    return (labels.get(OWNER) == "volume" and LABEL in labels
            and (notebook is None or labels[LABEL] == notebook))


def _anonymous(name: str) -> bool:
    # The engine names an anonymous volume with 64 hex digits.
    return len(name) == 64 and all(ch in "0123456789abcdef" for ch in name)


def _container_networks(entry: Mapping[str, Any]) -> list[str]:
    networks = ((entry.get("NetworkSettings") or {}).get("Networks") or {})
    if networks:
        return sorted(networks)
    mode = (entry.get("HostConfig") or {}).get("NetworkMode") or ""
    return [mode] if mode and mode != "default" else []


def build_graph(
    containers: Iterable[Mapping[str, Any]],
    networks: Iterable[Mapping[str, Any]] = (),
    volumes: Iterable[Mapping[str, Any]] = (),
    *,
    notebook: str | None = None,
    everything: bool = False,
    include: Iterable[str] = (),
) -> Graph:
    """The map of the tutorial's containers and of everything they use.

    Shown: the containers docdocker created (for ``notebook``, or the whole tutorial),
    the networks, volumes and host folders they use, the host ports they publish, and
    the networks and volumes docdocker created even while nothing uses them (a volume
    outlives its containers: that is the point). A container that is not the
    tutorial's is shown, marked as the learner's, when it shares a network (other than
    the engine's own ``bridge``, ``host`` and ``none``) or a volume with a shown one,
    when its name is in ``include``, or with ``everything``.

    Args:
        containers: ``docker ps --all`` entries (the engine's list, with Mounts and Ports).
        networks: ``docker network ls`` entries.
        volumes: ``docker volume ls`` entries.
        notebook: Only this notebook's objects count as the tutorial's (None: any).
        everything: Show every container, network in use and volume on the engine.
        include: Names of the learner's containers, networks and volumes to show too
            (the ones an exercise asks for).
    """
    wanted = set(include)
    entries = sorted(containers, key=container_name)
    owned = {c["Id"] for c in entries if made_by_tutorial(c.get("Labels"), notebook)}
    net_labels = {n.get("Name", ""): n.get("Labels") or {} for n in networks}
    vol_labels = {v.get("Name", ""): v.get("Labels") or {} for v in volumes}
    mine_nets = {name for name, labels in net_labels.items() if _network_owned(labels, notebook)}
    mine_vols = {name for name, labels in vol_labels.items() if _volume_owned(labels, notebook)}

    def uses(entry: Mapping[str, Any]) -> set[str]:
        nets = {f"network:{n}" for n in _container_networks(entry) if n not in BUILTIN_NETWORKS}
        vols = {f"volume:{m.get('Name')}" for m in entry.get("Mounts") or []
                if m.get("Type") == "volume" and m.get("Name")}
        return nets | vols

    shown = [c for c in entries if c["Id"] in owned or everything
             or container_name(c) in wanted]
    reached = set().union(*(uses(c) for c in shown)) if shown else set()
    reached |= {f"network:{n}" for n in mine_nets | (wanted & set(net_labels))}
    reached |= {f"volume:{v}" for v in mine_vols | (wanted & set(vol_labels))}
    shown_ids = {c["Id"] for c in shown}
    shown += [c for c in entries if c["Id"] not in shown_ids and uses(c) & reached]

    nodes: dict[str, Node] = {}
    edges: list[Edge] = []
    for c in sorted(shown, key=container_name):
        cid = f"container:{c['Id']}"
        state = str(c.get("State") or "")
        image = str(c.get("Image") or "")
        image = image[7:19] if image.startswith("sha256:") else image
        status = str(c.get("Status") or state)
        nodes[cid] = Node(cid, "container", container_name(c), f"{image} · {status}", state,
                          tutorial=c["Id"] in owned)
        for net in _container_networks(c):
            nid = f"network:{net}"
            if nid not in nodes:
                nodes[nid] = _network_node(net, net_labels.get(net), notebook)
            edges.append(Edge(cid, nid))
        for m in c.get("Mounts") or []:
            where = str(m.get("Destination") or "")
            ro = "" if m.get("RW", True) else " (read-only)"
            if m.get("Type") == "volume" and m.get("Name"):
                name = str(m["Name"])
                vid = f"volume:{name}"
                if vid not in nodes:
                    nodes[vid] = _volume_node(name, vol_labels.get(name), notebook,
                                              anonymous_of_tutorial=c["Id"] in owned)
                edges.append(Edge(vid, cid, where + ro))
            elif m.get("Type") == "bind":
                source = str(m.get("Source") or "")
                bid = f"bind:{source}"
                nodes.setdefault(bid, Node(bid, "bind", source, "host folder (bind mount)"))
                edges.append(Edge(bid, cid, where + ro))
        for p in sorted(c.get("Ports") or [], key=lambda p: (p.get("PublicPort") or 0,
                                                            p.get("IP") or "")):
            if not p.get("PublicPort"):
                continue
            ip = str(p.get("IP") or "0.0.0.0")
            if ip == "::" and any(q.get("IP") == "0.0.0.0" and q.get("PublicPort")
                                  == p["PublicPort"] for q in c.get("Ports") or []):
                continue  # every interface is bound twice (IPv4 and IPv6): one box says it
            everywhere = ip in ("0.0.0.0", "::")
            shown_ip = f"[{ip}]" if ":" in ip else ip
            pid = f"port:{shown_ip}:{p['PublicPort']}/{p.get('Type', 'tcp')}"
            nodes.setdefault(pid, Node(
                pid, "port", f"{shown_ip}:{p['PublicPort']}",
                "every interface: your network sees it" if everywhere else "this machine only",
                warn=everywhere))
            edges.append(Edge(pid, cid, f"-> {p.get('PrivatePort')}/{p.get('Type', 'tcp')}"))
    for net in sorted(n for n in mine_nets | (wanted & set(net_labels))):
        nodes.setdefault(f"network:{net}", _network_node(net, net_labels.get(net), notebook))
    for vol in sorted(v for v in mine_vols | (wanted & set(vol_labels))):
        nodes.setdefault(f"volume:{vol}", _volume_node(vol, vol_labels.get(vol), notebook))
    if everything:
        for vol in sorted(vol_labels):
            nodes.setdefault(f"volume:{vol}", _volume_node(vol, vol_labels.get(vol), notebook))
    return Graph(tuple(nodes.values()), tuple(edges))


def _network_node(name: str, labels: Mapping[str, str] | None, notebook: str | None) -> Node:
    if name == "bridge":
        detail = "default bridge: no names"
    elif name == "none":
        detail = "no network at all"
    elif name == "host":
        detail = "the host's own network"
    else:
        detail = "names resolve here"
    builtin = name in BUILTIN_NETWORKS
    return Node(f"network:{name}", "network", name, detail,
                tutorial=builtin or _network_owned(labels, notebook))


def _volume_node(name: str, labels: Mapping[str, str] | None, notebook: str | None, *,
                 anonymous_of_tutorial: bool = False) -> Node:
    if _anonymous(name):
        # An anonymous volume carries no label: it is the tutorial's when the container
        # that made it (from its image's VOLUME) is.
        return Node(f"volume:{name}", "volume", f"anonymous {name[:12]}",
                    "anonymous: the image's VOLUME", tutorial=anonymous_of_tutorial)
    return Node(f"volume:{name}", "volume", name, "named volume",
                tutorial=_volume_owned(labels, notebook))


# ----------------------------------------------------------------- the layout
def _order(graph: Graph) -> dict[int, list[Node]]:
    """The nodes of each column, ordered so that lines cross little.

    Containers keep the graph's (name) order, grouped by their first network;
    every other node sits in the order of the containers it touches (their mean
    position, the barycentre heuristic), unattached ones last.
    """
    networks = graph.of_kind("network")
    net_rank = {n.id: i for i, n in enumerate(networks)}
    containers = graph.of_kind("container")

    def first_network(node: Node) -> int:
        ranks = [net_rank[x] for x in graph.neighbours(node.id) if x in net_rank]
        return min(ranks) if ranks else len(net_rank)

    containers = sorted(containers, key=lambda n: (first_network(n), containers.index(n)))
    rank = {n.id: i for i, n in enumerate(containers)}

    def centre(node: Node) -> float:
        ranks = [rank[x] for x in graph.neighbours(node.id) if x in rank]
        return sum(ranks) / len(ranks) if ranks else float(len(rank) + 1)

    host_side = [n for n in graph.nodes if COLUMN_OF[n.kind] == 0]
    kinds = ("port", "bind", "volume")
    return {
        0: sorted(host_side, key=lambda n: (centre(n), kinds.index(n.kind), n.label)),
        1: containers,
        2: sorted(networks, key=lambda n: (centre(n), n.label)),
    }


def layout(graph: Graph) -> Layout:
    """Place every node: three columns, each node level with the containers it touches.

    A node wants the height of the mean of its containers; going down its column,
    each node takes that height or the first free one below the node above it, so
    boxes never overlap and the order of :func:`_order` is kept.
    """
    columns = _order(graph)
    xs = [MARGIN + sum(BOX_W[:i]) + GAP_X * i for i in range(3)]
    top = MARGIN + TITLE_H
    boxes: dict[str, Box] = {}
    for i, node in enumerate(columns[1]):
        boxes[node.id] = Box(xs[1], top + i * (BOX_H + GAP_Y), BOX_W[1], BOX_H)
    for col in (0, 2):
        below: float = top
        for node in columns[col]:
            linked = [boxes[x].y for x in graph.neighbours(node.id)
                      if x in boxes and x.startswith("container:")]
            wanted = sum(linked) / len(linked) if linked else below
            y = max(wanted, below)
            boxes[node.id] = Box(xs[col], y, BOX_W[col], BOX_H)
            below = y + BOX_H + GAP_Y
    bottom = max((b.y + b.h for b in boxes.values()), default=top)
    return Layout(graph, boxes, width=xs[2] + BOX_W[2] + MARGIN, height=bottom + MARGIN)


# -------------------------------------------------------------------- drawing
_STYLE = {
    # kind/state: (fill, stroke)
    "running": ("#e8f5e9", "#2e7d32"),
    "stopped": ("#f5f5f5", "#757575"),
    "network": ("#ede7f6", "#5e35b1"),
    "volume": ("#fff8e1", "#b28704"),
    "bind": ("#e3f2fd", "#1565c0"),
    "port": ("#e0f2f1", "#00796b"),
    "warn": ("#ffebee", "#c62828"),
}


def _fit(text: str, limit: int = LINE_CHARS) -> str:
    # Keep the end of a long path or name (where it differs), not its start.
    return text if len(text) <= limit else "…" + text[-(limit - 1):]


def _cut(text: str, limit: int) -> str:
    # A description reads from its start: cut its end.
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _style(node: Node) -> tuple[str, str]:
    if node.warn:
        return _STYLE["warn"]
    if node.kind == "container":
        return _STYLE["running" if node.state == "running" else "stopped"]
    return _STYLE[node.kind]


def svg(placed: Layout, *, title: str = "") -> str:
    """The picture as one ``<svg>`` element, styled inline.

    Exited containers are grey with a dashed border; what is not the tutorial's has
    an orange dotted border and says "yours"; a port published on every interface
    is red. Each line carries what it means (``/data``, ``-> 80/tcp``).
    """
    w, h = placed.width, placed.height
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w:.0f}" height="{h:.0f}" '
             f'viewBox="0 0 {w:.0f} {h:.0f}" role="img" font-family="sans-serif" '
             'font-size="12">']
    if title:
        parts.append(f"<title>{escape(title)}</title>")
    for i, heading in enumerate(COLUMN_TITLES):
        x = MARGIN + sum(BOX_W[:i]) + GAP_X * i
        parts.append(f'<text x="{x}" y="{MARGIN + 12}" fill="#555" font-weight="bold">'
                     f"{escape(heading)}</text>")
    for edge in placed.graph.edges:
        a, b = placed.boxes[edge.source], placed.boxes[edge.target]
        if a.x > b.x:
            a, b = b, a
        x1, y1, x2, y2 = a.x + a.w, a.middle, b.x, b.middle
        bend = (x2 - x1) / 2
        parts.append(f'<path d="M{x1:.0f},{y1:.0f} C{x1 + bend:.0f},{y1:.0f} '
                     f'{x2 - bend:.0f},{y2:.0f} {x2:.0f},{y2:.0f}" fill="none" '
                     'stroke="#888" stroke-width="1.5"/>')
        if edge.label:
            parts.append(f'<text x="{(x1 + x2) / 2:.0f}" y="{(y1 + y2) / 2 - 4:.0f}" '
                         f'text-anchor="middle" fill="#333" font-size="11">'
                         f"{escape(_fit(edge.label, 18))}</text>")
    for node in placed.graph.nodes:
        box = placed.boxes[node.id]
        fill, stroke = _style(node)
        dash = ""
        if not node.tutorial:
            stroke, dash = "#ef6c00", ' stroke-dasharray="2 3"'
        elif node.kind == "container" and node.state != "running":
            dash = ' stroke-dasharray="5 3"'
        radius = 14 if node.kind == "volume" else 4
        parts.append(f'<rect x="{box.x:.0f}" y="{box.y:.0f}" width="{box.w:.0f}" '
                     f'height="{box.h:.0f}" rx="{radius}" fill="{fill}" stroke="{stroke}" '
                     f'stroke-width="1.5"{dash}/>')
        detail = node.detail if node.tutorial else f"yours · {node.detail}"
        parts.append(f'<text x="{box.x + 8:.0f}" y="{box.y + 16:.0f}" font-weight="bold">'
                     f"{escape(_fit(node.label))}</text>")
        parts.append(f'<text x="{box.x + 8:.0f}" y="{box.y + 32:.0f}" fill="#444" '
                     f'font-size="11">{escape(_cut(detail, LINE_CHARS + 4))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def describe(graph: Graph) -> list[str]:
    """The map in words, one line per container (then what nothing uses).

    Example: ``web (running): ports 127.0.0.1:8080 -> 80/tcp; networks app-net;
    mounts counter -> /data``.
    """
    lines = []
    used: set[str] = set()
    for c in graph.of_kind("container"):
        parts: dict[str, list[str]] = {"ports": [], "networks": [], "mounts": []}
        for edge in graph.edges:
            if c.id not in (edge.source, edge.target):
                continue
            other = graph.node(edge.target if edge.source == c.id else edge.source)
            used.add(other.id)
            if other.kind == "port":
                parts["ports"].append(f"{other.label} {edge.label}")
            elif other.kind == "network":
                parts["networks"].append(other.label)
            else:
                parts["mounts"].append(f"{other.label} -> {edge.label}")
        mark = "" if c.tutorial else ", yours"
        said = "; ".join(f"{k} {', '.join(v)}" for k, v in parts.items() if v)
        lines.append(f"{c.label} ({c.state or '?'}{mark}){': ' + said if said else ''}")
    unused = [n for n in graph.nodes if n.kind in ("network", "volume") and n.id not in used]
    if unused:
        lines.append("not used by any container: " + ", ".join(
            f"{n.kind} {n.label}" for n in unused))
    return lines or ["No containers, networks or volumes of the tutorial's yet."]
