"""The objects exercises asked for, found by the names the tasks gave them.

A learner makes them with the ``docker`` command, so they carry no tutorial
label; ``python -m docdocker reset --exercises`` offers to remove them. Only
objects with exactly those names are listed (and, for a Compose project, what
carries its project label), never anything else; objects the tutorial itself
created are left to the labelled clean-up.
"""

from __future__ import annotations

from collections.abc import Iterable

from docdocker.concepts.containers import Ps
from docdocker.concepts.networks import NetworkLs
from docdocker.concepts.ownership import made_by_tutorial
from docdocker.concepts.volumes import VolumeLs
from docdocker.core.engine import Engine
from docdocker.core.steps import OWNER
from docdocker.exercises import state
from docdocker.exercises.base import Exercise
from docdocker.exercises.nb05 import PROJECT_LABEL
from docdocker.tools.reset import Item, image_tag_of_tutorial


def find(engine: Engine, exercises: Iterable[Exercise]) -> list[Item]:
    """The objects these exercises name that exist now, each listed once.

    Equivalent CLI: ``docker container inspect NAME``, ``docker image inspect TAG``,
    ``docker ps --all --filter label=com.docker.compose.project=NAME`` ...
    """
    items: dict[tuple[str, str], Item] = {}
    for exercise in exercises:
        for named in exercise.objects:
            for item in _lookup(engine, named.kind, named.name, exercise.notebook):
                items.setdefault((item.kind, item.id), item)
    return list(items.values())


def _lookup(engine: Engine, kind: str, name: str, notebook: str) -> list[Item]:
    if kind == "container":
        attrs = state.container(engine, name)
        if attrs is None or made_by_tutorial((attrs.get("Config") or {}).get("Labels")):
            return []
        return [Item("containers", str(attrs["Id"])[:12], name, notebook)]
    if kind == "image":
        attrs = state.image(engine, name)
        if attrs is None or name not in (attrs.get("RepoTags") or []):
            return []  # only an exact tag; an ID prefix that happens to match is not it
        labels = (attrs.get("Config") or {}).get("Labels")
        if image_tag_of_tutorial(labels, attrs.get("RepoTags")) == name:
            return []
        return [Item("images", str(attrs["Id"]).split(":")[-1][:12], name, notebook)]
    if kind == "network":
        found_nets = engine.query(NetworkLs(filters={"name": name})).value or []
        return [Item("networks", n["Id"][:12], n["Name"], notebook) for n in found_nets
                if n.get("Name") == name and not (n.get("Labels") or {}).get(OWNER)]
    if kind == "compose project":
        label = {"label": f"{PROJECT_LABEL}={name}"}
        found = [Item("containers", c["Id"][:12], state.name_of(c), notebook)
                 for c in engine.query(Ps(all=True, filters=label)).value or []
                 if not made_by_tutorial(c.get("Labels"))]
        found += [Item("networks", n["Id"][:12], n["Name"], notebook)
                  for n in engine.query(NetworkLs(filters=label)).value or []]
        found += [Item("volumes", v["Name"][:12], v["Name"], notebook)
                  for v in engine.query(VolumeLs(filters=label)).value or []]
        return found
    raise ValueError(f"Unknown kind of object {kind!r} (container, image, network or compose "
                     "project).")
