"""Remove what the tutorial created, and nothing else.

Only objects carrying the ``org.docdocker.notebook`` label are touched: a
learner's own containers, images, networks and volumes are never listed, let
alone removed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import docker
import docker.errors

from docdocker.steps import LABEL, container_name, label_filter

KINDS = ("containers", "images", "networks", "volumes")


@dataclass
class Item:
    """One labelled object: its kind, short ID, a readable name, and its notebook."""

    kind: str
    id: str
    name: str
    notebook: str


@dataclass
class Outcome:
    """What :func:`remove` did: the objects removed, and those kept with the reason."""

    removed: list[Item] = field(default_factory=list)
    kept: list[tuple[Item, str]] = field(default_factory=list)


def find(client: docker.DockerClient, notebook: str | None = None) -> list[Item]:
    """Every labelled object, containers first (they hold the others).

    Equivalent CLI: ``docker ps --all --filter label=...``, ``docker images --filter ...``,
    ``docker network ls --filter ...``, ``docker volume ls --filter ...``
    """
    filters = label_filter(notebook)
    items: list[Item] = []
    for c in client.api.containers(all=True, filters=filters):
        items.append(Item("containers", c["Id"][:12], container_name(c),
                          _notebook(c.get("Labels"))))
    for i in client.api.images(filters=filters):
        tags = [t for t in i.get("RepoTags") or [] if t != "<none>:<none>"]
        items.append(Item("images", i["Id"].split(":")[-1][:12], ", ".join(tags) or "<none>",
                          _notebook(i.get("Labels"))))
    for n in client.api.networks(filters=filters):
        items.append(Item("networks", n["Id"][:12], n["Name"], _notebook(n.get("Labels"))))
    for v in client.api.volumes(filters=filters).get("Volumes") or []:
        items.append(Item("volumes", v["Name"][:12], v["Name"], _notebook(v.get("Labels"))))
    return items


def commands(items: list[Item]) -> list[str]:
    """The ``docker`` commands that remove these objects."""
    verbs = {"containers": "docker rm --force --volumes", "images": "docker rmi --force",
             "networks": "docker network rm", "volumes": "docker volume rm"}
    lines = []
    for kind in KINDS:
        ids = [i.name if kind == "volumes" else i.id for i in items if i.kind == kind]
        if ids:
            lines.append(f"{verbs[kind]} {' '.join(ids)}")
    return lines


def remove(client: docker.DockerClient, items: list[Item]) -> Outcome:
    """Remove the listed objects; one that cannot go is kept and the reason recorded."""
    outcome = Outcome()
    for item in sorted(items, key=lambda i: KINDS.index(i.kind)):
        try:
            if item.kind == "containers":
                client.api.remove_container(item.id, force=True, v=True)
            elif item.kind == "images":
                client.api.remove_image(item.id, force=True)
            elif item.kind == "networks":
                client.api.remove_network(item.id)
            else:
                client.api.remove_volume(item.name)
        except docker.errors.NotFound:
            outcome.removed.append(item)  # already gone: the goal is met
        except docker.errors.APIError as err:
            outcome.kept.append((item, str(err.explanation or err)))
        else:
            outcome.removed.append(item)
    return outcome


def _notebook(labels: Any) -> str:
    return str((labels or {}).get(LABEL, ""))
