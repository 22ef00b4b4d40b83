"""Volumes: ``docker volume ls`` and ``docker volume rm``.

Each step is declared once and registered with the function that executes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from docdocker.engine import Engine, StepResult, handles
from docdocker.steps import POSITIONAL, TARGET, Step, arg, pairs

VOLUME_COLUMNS = ("DRIVER", "VOLUME NAME")


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


@dataclass(frozen=True)
class VolumeCreate(Step):
    """Create a named volume. Equivalent CLI: ``docker volume create [--label ...] VOLUME``"""

    command: ClassVar[tuple[str, ...]] = ("volume", "create")
    creates: ClassVar[bool] = True
    owner: ClassVar[str] = "volume"

    labels: Mapping[str, str] = arg(
        "--label", "labels", default_factory=dict, cli_value=pairs, sdk_value=dict
    )
    volume: str = arg(POSITIONAL, "name", default="")


@handles(VolumeCreate)
def create_volume(engine: Engine, step: VolumeCreate) -> StepResult:
    """``api.create_volume``; prints the name, as the CLI does."""
    created = engine.client.api.create_volume(**step.sdk_kwargs)
    return StepResult(step, output=f"{created['Name']}\n", value=created)


class VolumeCommands(Engine):
    """The volume verbs of :class:`docdocker.tutorial.Tutorial`."""

    def volume_ls(self, *, filters: Mapping[str, Any] | None = None) -> StepResult:
        """List volumes. Equivalent CLI: ``docker volume ls [--filter KEY=VALUE]``"""
        return self.execute(VolumeLs(filters=dict(filters or {})))
