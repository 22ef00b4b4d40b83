"""Remove what the tutorial created, and nothing else.

An object is the tutorial's when docdocker itself created it: it carries the
notebook label *and* the ownership mark that only docdocker's own create and
build calls set (:data:`~docdocker.core.steps.OWNER`). Docker copies an image's
labels into every image built ``FROM`` it and every container run from it, so
a learner's container or child image may carry the notebook label too; those
are never listed, let alone removed. An image is removed by the tag docdocker
gave it, without ``--force``: a learner's other tags, and containers using it,
keep it alive.

Tags docdocker added to images (``docker tag``) cannot carry a label; they are
recorded in :mod:`docdocker.core.tagrecord` and removed while they still point at the
image they were given to, as a tag only: a tag that has become the last name of
an image that is not the tutorial's is kept, since removing it would delete the
learner's image.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any

from docdocker.base import errors
from docdocker.concepts import ownership
from docdocker.concepts.containers import Ps, Rm, container_name
from docdocker.concepts.images import History, ImageInspect, Images, Rmi
from docdocker.concepts.networks import NetworkLs, NetworkRm
from docdocker.concepts.ownership import (
    NETWORK_OWNER,
    image_tag_of_tutorial,
    owned_containers,
    tutorial_image,
)
from docdocker.concepts.ownership import (
    replaced_compose_build as replaced_compose_build,  # for callers that knew it here
)
from docdocker.concepts.volumes import VolumeLs, VolumeRm
from docdocker.concepts.volumes import made_by_tutorial as volume_made_by_tutorial
from docdocker.core import tagrecord
from docdocker.core.console import TextConsole
from docdocker.core.engine import Engine
from docdocker.core.steps import LABEL, OWNER, Step, label_filter
from docdocker.readalong import recordings

KINDS = ("containers", "tags", "images", "networks", "volumes")


@dataclass
class Item:
    """One object of the tutorial's: its kind, the name to remove it by, and its notebook."""

    kind: str
    id: str
    name: str
    notebook: str

    @property
    def step(self) -> Step:
        """The step that removes it."""
        if self.kind == "containers":
            return Rm(container=self.id, force=True, volumes=True)
        if self.kind in ("images", "tags"):
            return Rmi(image=self.name)
        if self.kind == "networks":
            return NetworkRm(network=self.name)
        return VolumeRm(volume=self.name)


@dataclass
class Outcome:
    """What :func:`remove` did: the objects removed, and those kept with the reason."""

    removed: list[Item] = field(default_factory=list)
    kept: list[tuple[Item, str]] = field(default_factory=list)


def find(engine: Engine, notebook: str | None = None) -> list[Item]:
    """Every object of the tutorial's (or one notebook's), containers first.

    Equivalent CLI: ``docker ps --all --filter label=...``, ``docker images --filter ...``,
    ``docker network ls --filter ...``, ``docker volume ls --filter ...``

    Raises:
        ValueError: ``notebook`` is empty (it does not mean "the whole tutorial").
    """
    filters = label_filter(notebook)
    if recordings.reading_along(engine) is not None:
        return []  # read-along mode: no engine, so nothing was left behind on it
    items: list[Item] = []
    listed = engine.query(Ps(all=True, filters=filters)).value
    for c in owned_containers(engine, listed, notebook):
        items.append(Item("containers", c["Id"][:12], container_name(c),
                          _notebook(c.get("Labels"))))
    for i in engine.query(Images(filters=filters)).value:
        short_id = i["Id"].split(":")[-1][:12]
        tag = image_tag_of_tutorial(i.get("Labels"), i.get("RepoTags"))
        untagged = not [t for t in i.get("RepoTags") or [] if t != "<none>:<none>"]
        if tag is None and untagged and tutorial_image(i, notebook):
            tag = short_id  # a build of docdocker's that a rebuild left without a name
        if tag:
            items.append(Item("images", short_id, tag, _notebook(i.get("Labels"))))
    items += _recorded_tags(engine, notebook)
    for n in engine.query(NetworkLs(filters=filters)).value:
        if not ownership.made_by_tutorial(n.get("Labels"), notebook, owner=NETWORK_OWNER):
            continue  # a learner's network that carries the label: theirs to remove
        items.append(Item("networks", n["Id"][:12], n["Name"], _notebook(n.get("Labels"))))
    for v in engine.query(VolumeLs(filters=filters)).value:
        if not volume_made_by_tutorial(v.get("Labels"), notebook):
            continue  # a volume holds data: one the tutorial did not create is never removed
        items.append(Item("volumes", v["Name"][:12], v["Name"], _notebook(v.get("Labels"))))
    return items


def _recorded_tags(engine: Engine, notebook: str | None) -> list[Item]:
    """The tags docdocker gave images that still point where they were pointed."""
    found = []
    for record in tagrecord.recorded(notebook):
        attrs = engine.query(ImageInspect(image=record.tag)).value
        if attrs is None or attrs.get("Id") != record.image_id:
            tagrecord.forget(record.notebook, record.tag)  # gone, or now another image's
            continue
        found.append(Item("tags", record.image_id.split(":")[-1][:12], record.tag,
                          record.notebook))
    return found


def _why_keep_tag(engine: Engine, item: Item) -> str | None:
    """Why removing this tag would be wrong: it is the last name of an image that is not
    provably the tutorial's (removing the last name deletes the image). None: remove it."""
    attrs = engine.query(ImageInspect(image=item.name)).value
    if attrs is None:
        return None
    others = [t for t in attrs.get("RepoTags") or [] if t != item.name]
    labels = (attrs.get("Config") or {}).get("Labels") or {}
    if others or image_tag_of_tutorial(labels, attrs.get("RepoTags")) is not None:
        return None
    owned = labels.get(OWNER)
    if owned and LABEL in labels:
        if built_by_tutorial(engine, item.name, str(owned)):
            return None  # a later build took its name; it is still the tutorial's own image
        return (f"it is now the only name of an image carrying the tutorial's labels that the "
                "tutorial may not have built (an image built FROM one inherits them); "
                f"`docker rmi {item.name}` removes it if you do not need it")
    return ("it is now the only name of an image the tutorial did not build; removing it "
            "would delete that image")


def built_by_tutorial(engine: Engine, image: str, owned: str) -> bool:
    """True when ``image`` is the very image docdocker built as ``owned``.

    docdocker's build adds its labels with ``--label``, which the builder applies as the
    last instructions; an image built ``FROM`` it inherits the labels but has newer
    instructions on top, so its newest history entry is not docdocker's label.

    BuildKit leaves no such entry, so the image IDs docdocker built are also
    recorded (:func:`docdocker.core.tagrecord.remember_built`).

    Equivalent CLI: ``docker history --no-trunc IMAGE``
    """
    attrs = engine.query(ImageInspect(image=image)).value or {}
    if attrs.get("Id") and tagrecord.was_built(str(attrs["Id"]), owned):
        return True
    layers = engine.query(History(image=image)).value or []
    # The labels come last, in no fixed order: read the newest entries while they are
    # docdocker's own LABEL instructions.
    for layer in layers:
        created_by = str(layer.get("CreatedBy") or "")
        if f"LABEL {OWNER}={owned}" in created_by:
            return True
        if "LABEL org.docdocker." not in created_by:
            return False
    return False


def commands(items: list[Item]) -> list[str]:
    """The ``docker`` commands that remove these objects."""
    return [item.step.cli for item in sorted(items, key=lambda i: KINDS.index(i.kind))]


def remove(engine: Engine, items: list[Item]) -> Outcome:
    """Remove the listed objects; one that cannot go is kept and the reason recorded."""
    outcome = Outcome()
    for item in sorted(items, key=lambda i: KINDS.index(i.kind)):
        reason = _why_keep_tag(engine, item) if item.kind == "tags" else None
        if reason:
            outcome.kept.append((item, reason))
            continue
        try:
            engine.execute(item.step)
        except errors.StepFailed as err:
            if "No such" in err.stderr or "not found" in err.stderr.lower():
                outcome.removed.append(item)  # already gone: the goal is met
            else:
                outcome.kept.append((item, err.stderr or err.message))
        else:
            outcome.removed.append(item)
        if item.kind == "tags" and outcome.removed and outcome.removed[-1] is item:
            tagrecord.forget(item.notebook, item.name)
    return outcome


def list_ask_remove(engine: Engine, items: list[Item], heading: str, *, yes: bool) -> int:
    """List ``items`` with their commands, ask (unless ``yes``), then remove them.

    Equivalent CLI: the ``docker rm``/``rmi``/``network rm``/``volume rm`` lines it prints.

    Args:
        engine: The engine to remove with; its steps are echoed as plain text.
        items: The objects found, not empty.
        heading: The line printed above the list, saying where they come from.
        yes: Remove without asking.

    Returns:
        The exit status: 0 when everything listed is gone, 1 when nothing was
        removed (declined, or no terminal to ask on) or something was kept.
    """
    print(heading)
    for item in items:
        print(f"  {item.kind[:-1]:<9} {item.id:<12}  {item.name}  [{item.notebook}]")
    print("Equivalent commands:")
    for line in commands(items):
        print(f"  $ {line}")
    if not yes:
        if not sys.stdin.isatty():
            print("Not removing anything: run again with --yes to remove them.")
            return 1
        if input("Remove them? [y/N] ").strip().lower() not in ("y", "yes"):
            print("Nothing removed.")
            return 1
    outcome = remove(engine.using(TextConsole()), items)
    print(f"Removed {len(outcome.removed)} object(s).")
    for item, reason in outcome.kept:
        print(f"  kept {item.kind[:-1]} {item.name}: {reason}")
    return 0 if not outcome.kept else 1

def _notebook(labels: Any) -> str:
    return str((labels or {}).get(LABEL, ""))
