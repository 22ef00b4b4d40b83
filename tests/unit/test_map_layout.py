"""The Map's graph, layout and picture, from engine lists written by hand (no engine)."""

from __future__ import annotations

import itertools
import re
import xml.dom.minidom
from typing import Any

import pytest

from docdocker.core.steps import LABEL, OWNER
from docdocker.widgets.map_layout import BOX_H, Graph, build_graph, describe, layout, svg
from docdocker.widgets.map_model import MapModel

NB = "04-data-and-networks"
TUTORIAL = {LABEL: NB, OWNER: "container"}
ANON = "a" * 64


def container(name: str, *, labels: dict[str, str] | None = None, state: str = "running",
              networks: tuple[str, ...] = ("bridge",), mounts: tuple[dict[str, Any], ...] = (),
              ports: tuple[dict[str, Any], ...] = ()) -> dict[str, Any]:
    return {"Id": f"id-{name}", "Names": [f"/{name}"], "Image": "redis:7", "State": state,
            "Status": "Up 2 minutes" if state == "running" else "Exited (0) 1 minute ago",
            "Labels": TUTORIAL if labels is None else labels,
            "NetworkSettings": {"Networks": {n: {} for n in networks}},
            "Mounts": list(mounts), "Ports": list(ports)}


def volume_mount(name: str, dst: str = "/data", rw: bool = True) -> dict[str, Any]:
    return {"Type": "volume", "Name": name, "Destination": dst, "RW": rw}


def net(name: str, mine: bool = True) -> dict[str, Any]:
    return {"Name": name, "Labels": {LABEL: NB, OWNER: "network"} if mine else {}}


def vol(name: str, mine: bool = True) -> dict[str, Any]:
    return {"Name": name, "Labels": {LABEL: NB, OWNER: "volume"} if mine else {}}


def app_state() -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """The notebook's picture: Redis with its volume and the app on one network."""
    containers = [
        container("redis", networks=("app-net",), mounts=(volume_mount("counter"),)),
        container("web", networks=("app-net",), ports=(
            {"IP": "127.0.0.1", "PrivatePort": 80, "PublicPort": 8000, "Type": "tcp"},),
            mounts=({"Type": "bind", "Source": "/home/me/notebooks/scratch/friendlyhello",
                     "Destination": "/app", "RW": False},)),
        container("old-redis", state="exited", mounts=(volume_mount(ANON),)),
    ]
    return containers, [net("app-net"), net("bridge", mine=False)], [vol("counter")]


def test_the_graph_connects_each_container_to_its_network_volume_folder_and_port() -> None:
    graph = build_graph(*app_state(), notebook=NB)
    lines = describe(graph)
    assert lines == [
        "old-redis (exited): networks bridge; mounts anonymous aaaaaaaaaaaa -> /data",
        "redis (running): networks app-net; mounts counter -> /data",
        "web (running): ports 127.0.0.1:8000 -> 80/tcp; networks app-net; "
        "mounts /home/me/notebooks/scratch/friendlyhello -> /app (read-only)",
    ]
    assert graph.node("port:127.0.0.1:8000/tcp").detail == "this machine only"


def test_a_volume_nobody_uses_is_still_drawn_because_it_outlives_its_containers() -> None:
    containers, networks, volumes = app_state()
    gone = [c for c in containers if c["Names"] != ["/redis"]]
    graph = build_graph(gone, networks, volumes, notebook=NB)
    assert "volume:counter" in {n.id for n in graph.nodes}
    assert describe(graph)[-1] == "not used by any container: volume counter"


def test_the_learners_container_on_the_tutorials_network_is_drawn_marked_yours() -> None:
    containers, networks, volumes = app_state()
    containers.append(container("my-client", labels={}, networks=("app-net",)))
    containers.append(container("unrelated", labels={}, networks=("bridge",)))
    graph = build_graph(containers, networks, volumes, notebook=NB)
    names = {n.label: n for n in graph.of_kind("container")}
    assert names["my-client"].tutorial is False
    assert "unrelated" not in names  # the default bridge connects nobody to anybody
    assert "yours" in svg(layout(graph))
    everything = build_graph(containers, networks, volumes, notebook=NB, everything=True)
    assert "unrelated" in {n.label for n in everything.of_kind("container")}


def test_a_label_inherited_from_an_image_does_not_make_a_container_the_tutorials() -> None:
    copied = container("copied", labels={LABEL: NB})  # the notebook label, no ownership mark
    assert build_graph([copied], notebook=NB).nodes == ()
    included = build_graph([copied], notebook=NB, include=["copied"])
    assert [n.tutorial for n in included.of_kind("container")] == [False]


def test_a_learners_volume_with_the_tutorials_name_pattern_is_marked_yours() -> None:
    mine = container("my-redis", labels={}, mounts=(volume_mount("counter-2"),))
    graph = build_graph([mine], [], [vol("counter-2", mine=False)], notebook=NB,
                        include=["my-redis"])
    assert graph.node("volume:counter-2").tutorial is False
    assert graph.node("volume:counter-2").detail == "named volume"


def test_every_interface_is_one_red_port_box_not_two() -> None:
    web = container("web", ports=(
        {"IP": "0.0.0.0", "PrivatePort": 80, "PublicPort": 8080, "Type": "tcp"},
        {"IP": "::", "PrivatePort": 80, "PublicPort": 8080, "Type": "tcp"}))
    graph = build_graph([web], notebook=NB)
    ports = graph.of_kind("port")
    assert [(p.label, p.warn) for p in ports] == [("0.0.0.0:8080", True)]
    assert "#c62828" in svg(layout(graph))


def _overlap(a: Any, b: Any) -> bool:
    return a.x < b.x + b.w and b.x < a.x + a.w and a.y < b.y + b.h and b.y < a.y + a.h


@pytest.mark.parametrize("count", [0, 1, 5, 30])
def test_no_two_boxes_overlap_and_everything_fits_in_the_picture(count: int) -> None:
    containers = [container(f"c{i:02}", networks=(f"net{i % 3}",),
                            mounts=(volume_mount(f"vol{i % 4}"),),
                            ports=({"IP": "127.0.0.1", "PrivatePort": 80,
                                    "PublicPort": 8000 + i, "Type": "tcp"},))
                  for i in range(count)]
    graph = build_graph(containers, [net(f"net{i}") for i in range(3)],
                        [vol(f"vol{i}") for i in range(4)], notebook=NB)
    placed = layout(graph)
    assert set(placed.boxes) == {n.id for n in graph.nodes}
    for a, b in itertools.combinations(placed.boxes.values(), 2):
        assert not _overlap(a, b)
    for box in placed.boxes.values():
        assert box.x >= 0 and box.x + box.w <= placed.width
        assert box.y >= 0 and box.y + box.h <= placed.height
    if count:
        assert placed.height >= count * BOX_H  # one row per container at least


def test_a_single_container_sits_level_with_its_port_and_volume() -> None:
    redis = container("redis", networks=("app-net",), mounts=(volume_mount("counter"),),
                      ports=({"IP": "127.0.0.1", "PrivatePort": 6379, "PublicPort": 6379,
                              "Type": "tcp"},))
    placed = layout(build_graph([redis], [net("app-net")], [vol("counter")], notebook=NB))
    ys = {node_id.split(":")[0]: box.y for node_id, box in placed.boxes.items()}
    assert ys["container"] == ys["network"]
    assert ys["container"] in (ys["volume"], ys["port"])


def test_the_layout_is_the_same_for_the_same_state_whatever_the_order_of_the_lists() -> None:
    containers, networks, volumes = app_state()
    first = svg(layout(build_graph(containers, networks, volumes, notebook=NB)))
    again = svg(layout(build_graph(containers[::-1], networks[::-1], volumes, notebook=NB)))
    assert first == again


def test_names_in_the_picture_are_escaped_and_the_svg_is_well_formed() -> None:
    odd = container("a<b>&c", networks=("n&t",))
    picture = svg(layout(build_graph([odd], [net("n&t")], notebook=NB)))
    assert "a&lt;b&gt;&amp;c" in picture and "a<b>" not in picture
    xml.dom.minidom.parseString(picture)  # raises on malformed XML


def test_an_exited_container_is_drawn_dashed_and_grey() -> None:
    graph = build_graph([container("old", state="exited")], notebook=NB)
    picture = svg(layout(graph))
    rect = re.search(r'<rect[^>]*stroke="#757575"[^>]*>', picture)
    assert rect is not None and "stroke-dasharray" in rect.group(0)


def test_a_graph_survives_a_recording_round_trip() -> None:
    graph = build_graph(*app_state(), notebook=NB)
    assert Graph.from_data(graph.as_data()) == graph


def test_the_model_redraws_when_the_lists_change() -> None:
    model = MapModel(notebook=NB)
    assert model.text == "No containers, networks or volumes of the tutorial's yet."
    seen: list[str] = []
    model.observe(lambda change: seen.append(change["new"]), names="svg")
    model.update(*app_state())
    assert seen and "redis" in model.svg and model.text.startswith("old-redis (exited)")
    model.update([], [], [])
    assert "redis" not in model.svg
