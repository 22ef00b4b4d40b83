"""Volumes: ``docker volume create``, ``ls``, ``inspect``, ``rm`` and ``prune``, and ``--mount``.

Each step is declared once and registered with the function that executes it.
:func:`parse_mount` reads the long form of a mount (``--mount type=volume,src=...``),
which ``docker run`` and the Map widget share.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import docker.errors
import docker.types

from docdocker.base import errors, render
from docdocker.concepts import ownership
from docdocker.concepts.ownership import VOLUME_OWNER
from docdocker.core.engine import Engine, StepResult, handles
from docdocker.core.steps import (
    OWNER,
    POSITIONAL,
    TARGET,
    Step,
    arg,
    filters_given,
    label_filter,
    pairs,
)

VOLUME_COLUMNS = ("DRIVER", "VOLUME NAME")
#: From this API version on, ``volume prune`` removes only anonymous volumes unless
#: ``--all`` is given; older engines (20.10 speaks 1.41) remove every unused one.
PRUNE_ALL_API = (1, 42)

#: The keys ``--mount`` accepts (with the CLI's synonyms), and the SDK's name for each.
_MOUNT_KEYS = {"type": "type", "src": "source", "source": "source", "dst": "target",
               "destination": "target", "target": "target", "readonly": "read_only",
               "ro": "read_only"}
_MOUNT_TYPES = ("volume", "bind")


@dataclass(frozen=True)
class VolumeLs(Step):
    """List volumes. Equivalent CLI: ``docker volume ls [--filter KEY=VALUE]``"""

    command: ClassVar[tuple[str, ...]] = ("volume", "ls")

    filters: Mapping[str, Any] = arg(
        "--filter", "filters", default_factory=dict, cli_value=pairs, sdk_value=dict
    )


@dataclass(frozen=True)
class VolumeRm(Step):
    """Remove a volume. Equivalent CLI: ``docker volume rm VOLUME``"""

    command: ClassVar[tuple[str, ...]] = ("volume", "rm")

    volume: str = arg(POSITIONAL, TARGET, default="")


@dataclass(frozen=True)
class VolumeCreate(Step):
    """Create a named volume. Equivalent CLI: ``docker volume create [--label ...] VOLUME``"""

    command: ClassVar[tuple[str, ...]] = ("volume", "create")
    creates: ClassVar[bool] = True
    owner: ClassVar[str] = VOLUME_OWNER

    labels: Mapping[str, str] = arg(
        "--label", "labels", default_factory=dict, cli_value=pairs, sdk_value=dict
    )
    volume: str = arg(POSITIONAL, "name", default="")


@dataclass(frozen=True)
class VolumeInspect(Step):
    """A volume's driver, labels and where its data lives on the engine.

    Equivalent CLI: ``docker volume inspect VOLUME``
    """

    command: ClassVar[tuple[str, ...]] = ("volume", "inspect")

    volume: str = arg(POSITIONAL, TARGET, default="")


@dataclass(frozen=True)
class VolumePrune(Step):
    """Remove the unused volumes that match the filters.

    Equivalent CLI: ``docker volume prune --force [--all] [--filter KEY=VALUE]``
    """

    # The CLI asks "Are you sure?" unless --force is given; the SDK never asks.
    command: ClassVar[tuple[str, ...]] = ("volume", "prune", "--force")

    #: Named volumes too, not only anonymous ones (API 1.42 and later; the engine's
    #: ``all=true`` filter, which the handler adds to the filters).
    all: bool = arg("--all", "all", default=False)
    filters: Mapping[str, Any] = arg(
        "--filter", "filters", default_factory=dict, cli_value=pairs, sdk_value=dict
    )


@handles(VolumeLs)
def list_volumes(engine: Engine, step: VolumeLs) -> StepResult:
    """``api.volumes``, one row per volume as the CLI prints them."""
    listed = engine.client.api.volumes(**step.sdk_kwargs).get("Volumes") or []
    rows = [{"DRIVER": v.get("Driver", ""), "VOLUME NAME": v["Name"],
             "LABELS": v.get("Labels") or {}} for v in listed]
    return StepResult(step, rows=rows, columns=VOLUME_COLUMNS, value=listed)


@handles(VolumeRm)
def remove_volume(engine: Engine, step: VolumeRm) -> StepResult:
    """``api.remove_volume``; prints the name, as the CLI does."""
    engine.client.api.remove_volume(step.volume)
    return StepResult(step, output=f"{step.volume}\n")


@handles(VolumeCreate)
def create_volume(engine: Engine, step: VolumeCreate) -> StepResult:
    """``api.create_volume``; prints the name, as the CLI does.

    The CLI hands back a volume that already exists under the name; docdocker does so only
    for its own volume of this notebook. A volume of the learner's is never adopted (the
    lesson would write into it, and its clean-up could remove it).
    """
    if step.volume:
        try:
            existing = engine.client.api.inspect_volume(step.volume)
        except docker.errors.NotFound:
            existing = None
        if existing is not None and not made_by_tutorial(existing.get("Labels"),
                                                         engine.notebook):
            raise errors.NameConflict(
                f'A volume named "{step.volume}" already exists and docdocker did not make it '
                f"for {engine.notebook}: it may hold your data, so docdocker leaves it alone "
                "(`docker volume create` would hand it back and the lesson would write "
                "into it).",
                fix=f"Keep your data and give the lesson's volume another name, or, if you no "
                    f"longer need it, remove yours with `docker volume rm {step.volume}`.",
                command=step.shown_argv, exit_code=1)
    created = engine.client.api.create_volume(**step.sdk_kwargs)
    return StepResult(step, output=f"{created['Name']}\n", value=created)


@handles(VolumeInspect)
def inspect_volume(engine: Engine, step: VolumeInspect) -> StepResult:
    """``api.inspect_volume``, printed as the CLI prints it (a JSON list, 4 spaces)."""
    attrs = engine.client.api.inspect_volume(step.volume)
    return StepResult(step, output=json.dumps([attrs], indent=4) + "\n", value=attrs)


@handles(VolumePrune)
def prune_volumes(engine: Engine, step: VolumePrune) -> StepResult:
    """``api.prune_volumes``, reported as the CLI reports it."""
    kwargs = step.sdk_kwargs
    filters = dict(kwargs.get("filters") or {})
    if kwargs.get("all"):
        filters["all"] = "true"
    report = engine.client.api.prune_volumes(filters=filters)
    deleted = report.get("VolumesDeleted") or []
    lines = ["Deleted Volumes:", *deleted, ""] if deleted else []
    lines.append(f"Total reclaimed space: {render.size_text(report.get('SpaceReclaimed') or 0)}")
    return StepResult(step, output="\n".join(lines) + "\n", value=deleted)


def prune_needs_all(api_version: str | None) -> bool:
    """True when ``volume prune`` on an engine of this API version needs ``--all`` to
    remove named volumes (1.42 and later); False for older engines, which have no
    ``--all`` and prune named volumes anyway."""
    try:
        major, minor = (int(part) for part in str(api_version).split(".")[:2])
    except ValueError:
        return True  # an unknown version: assume a current engine
    return (major, minor) >= PRUNE_ALL_API


def _is_relative(path: str) -> bool:
    return path in (".", "..") or path.startswith(("./", "../"))


def relative_to_absolute(spec: str) -> str:
    """A ``-v`` value whose host folder is written ``./dir`` with that folder made absolute.

    ``./apps/friendlyhello:/app:ro`` becomes ``/home/you/notebooks/apps/friendlyhello:/app:ro``
    (from the current folder), as the ``docker`` CLI does since version 23; a volume name
    or an absolute path is returned unchanged.
    """
    source, sep, rest = spec.partition(":")
    if sep and _is_relative(source):
        return f"{os.path.abspath(source)}:{rest}"
    return spec


def parse_mount(spec: str, *, command: list[str] | None = None) -> docker.types.Mount:
    """The SDK's mount for one ``--mount`` value, e.g. ``type=volume,src=counter,dst=/data``.

    Raises:
        docdocker.base.errors.DocDockerError: The value is not a mount ``docker run`` accepts
            (a key it does not know, no destination, another type than volume or bind).
    """
    values: dict[str, Any] = {"type": "volume", "read_only": False}
    example = "type=volume,src=counter,dst=/data"
    for part in (p.strip() for p in spec.split(",") if p.strip()):
        key, sep, value = part.partition("=")
        sdk_key = _MOUNT_KEYS.get(key.strip().lower())
        if sdk_key is None:
            raise errors.DocDockerError(
                f"--mount {spec!r}: {key!r} is not a mount option docdocker knows.",
                fix=f"Use type=, src= and dst= (and readonly), e.g. --mount {example}.",
                command=command)
        if sdk_key == "read_only":
            values[sdk_key] = not sep or value.strip().lower() in ("1", "true")
        else:
            values[sdk_key] = value.strip()
    if values["type"] not in _MOUNT_TYPES:
        raise errors.DocDockerError(
            f"--mount {spec!r}: type {values['type']!r} is not one this tutorial uses.",
            fix=f"Write type=volume (a named volume) or type=bind (a host folder), e.g. "
                f"--mount {example}.", command=command)
    if not values.get("target", "").startswith("/"):
        raise errors.DocDockerError(
            f"--mount {spec!r} says no absolute path inside the container (dst=).",
            fix=f"Add where the container sees it, e.g. --mount {example}.", command=command)
    if values["type"] == "bind" and _is_relative(values.get("source", "")):
        values["source"] = os.path.abspath(values["source"])  # as the CLI (23+) does
    if values["type"] == "bind" and not values.get("source", "").startswith("/"):
        raise errors.DocDockerError(
            f"--mount {spec!r}: a bind mount's src= must be a host folder, absolute or "
            "starting with ./", fix="Write it from this folder, e.g. "
            "src=./apps/friendlyhello.", command=command)
    return docker.types.Mount(values["target"], values.get("source") or None,
                              type=values["type"], read_only=values["read_only"])


def made_by_tutorial(labels: Mapping[str, str] | None, notebook: str | None = None) -> bool:
    """True for a volume docdocker itself created (for ``notebook``, or any notebook).

    A volume inherits no labels, but a learner may copy the tutorial's command with
    its ``--label``: only docdocker's own create call also sets the ownership mark
    (:func:`docdocker.concepts.ownership.made_by_tutorial`, with the volume's mark).
    """
    return ownership.made_by_tutorial(labels, notebook, owner=VOLUME_OWNER)


class VolumeCommands(Engine):
    """The volume verbs of :class:`docdocker.session.tutorial.Tutorial`."""

    def volume_ls(self, *, filters: Mapping[str, Any] | None = None) -> StepResult:
        """List volumes. Equivalent CLI: ``docker volume ls [--filter KEY=VALUE]``"""
        return self.execute(VolumeLs(filters=filters_given(filters, "volume ls")))

    def volume_create(self, volume: str) -> StepResult:
        """Create a named volume, labelled as this notebook's.

        Equivalent CLI: ``docker volume create --label org.docdocker.notebook=NB VOLUME``
        """
        return self.execute(VolumeCreate(volume=volume))

    def volume_inspect(self, volume: str) -> StepResult:
        """A volume's details, ``Mountpoint`` among them (where its data lives on the engine).

        Equivalent CLI: ``docker volume inspect VOLUME``
        """
        return self.execute(VolumeInspect(volume=volume))

    def volume_rm(self, volume: str) -> StepResult:
        """Remove a volume (it must be unused). Equivalent CLI: ``docker volume rm VOLUME``"""
        return self.execute(VolumeRm(volume=volume))

    def volume_prune(self) -> StepResult:
        """Remove the unused volumes this notebook created, and no other volume.

        Equivalent CLI: ``docker volume prune --force --all --filter label=... --filter
        label=org.docdocker.owner=volume`` (``--all`` only on engines that have it)
        """
        labels = [label_filter(self.notebook)["label"], f"{OWNER}={VOLUME_OWNER}"]
        api = getattr(getattr(self.client, "api", None), "api_version", None)
        return self.execute(VolumePrune(all=prune_needs_all(api), filters={"label": labels}))
