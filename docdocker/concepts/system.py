"""The engine itself: ``docker version`` and ``docker info``.

Each step is declared once and registered with the function that executes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from docdocker.base import render
from docdocker.core.engine import Engine, StepResult, handles
from docdocker.core.steps import Step


@dataclass(frozen=True)
class Version(Step):
    """The engine's version and API version. Equivalent CLI: ``docker version``"""

    command: ClassVar[tuple[str, ...]] = ("version",)


@dataclass(frozen=True)
class Info(Step):
    """System-wide information. Equivalent CLI: ``docker info``"""

    command: ClassVar[tuple[str, ...]] = ("info",)


@handles(Version)
def version(engine: Engine, step: Version) -> StepResult:
    """``client.version()``; ``value`` is the engine's answer."""
    answer = engine.client.version()
    return StepResult(step, output=f"Server: Docker Engine {answer.get('Version', '?')}\n",
                      value=answer)


@handles(Info)
def info(engine: Engine, step: Info) -> StepResult:
    """``client.info()``; ``value`` is the engine's answer."""
    answer = engine.client.info()
    return StepResult(step, output=f"Server Version: {answer.get('ServerVersion', '?')}\n",
                      value=answer)


@dataclass(frozen=True)
class SystemDf(Step):
    """Disk space used by images, containers and volumes. Equivalent CLI: ``docker system df``"""

    command: ClassVar[tuple[str, ...]] = ("system", "df")


DF_COLUMNS = ("TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE")


@handles(SystemDf)
def disk_usage(engine: Engine, step: SystemDf) -> StepResult:
    """``api.df()``; ``value`` is the engine's answer (``Images`` with ``Size``, ``SharedSize``)."""
    answer = engine.client.api.df()
    return StepResult(step, rows=df_rows(answer), columns=DF_COLUMNS, value=answer)


def df_rows(answer: dict[str, Any]) -> list[dict[str, Any]]:
    """``docker system df`` rows from the engine's answer, summed as the CLI sums them.

    Images: every layer once (``LayersSize``); reclaimable is what remains when the
    part of each image in use that it shares with no other is kept. Containers: their
    writable layers; reclaimable is what stopped ones hold. Volumes: what no container
    mounts. Build cache: records not shared with images; reclaimable, those not in use.
    """
    images = answer.get("Images") or []
    total = answer.get("LayersSize") or sum(i.get("Size") or 0 for i in images)
    used = [i for i in images if (i.get("Containers") or 0) > 0]
    # As the CLI counts it: what an image in use holds on its own (Size - SharedSize).
    in_use = sum((i.get("Size") or 0) - max(i.get("SharedSize") or 0, 0) for i in used)
    containers = answer.get("Containers") or []
    running = [c for c in containers if c.get("State") == "running"]
    volumes = answer.get("Volumes") or []
    volume_size = [max((v.get("UsageData") or {}).get("Size") or 0, 0) for v in volumes]
    unused_volumes = [max((v.get("UsageData") or {}).get("Size") or 0, 0) for v in volumes
                      if ((v.get("UsageData") or {}).get("RefCount") or 0) == 0]
    records = answer.get("BuildCache") or []
    cache = [c for c in records if not c.get("Shared")]

    def row(kind: str, count: int, active: int, size: float, free: float) -> dict[str, Any]:
        share = f" ({int(100 * free / size)}%)" if size else ""  # the CLI truncates
        return {"TYPE": kind, "TOTAL": count, "ACTIVE": active,
                "SIZE": render.size_text(size),
                "RECLAIMABLE": render.size_text(max(free, 0)) + share}

    return [
        row("Images", len(images), len(used), total, total - min(in_use, total)),
        row("Containers", len(containers), len(running),
            sum(c.get("SizeRw") or 0 for c in containers),
            sum(c.get("SizeRw") or 0 for c in containers if c not in running)),
        row("Local Volumes", len(volumes),
            len(volumes) - len(unused_volumes), sum(volume_size), sum(unused_volumes)),
        row("Build Cache", len(records), sum(1 for c in records if c.get("InUse")),
            sum(c.get("Size") or 0 for c in cache),
            sum(c.get("Size") or 0 for c in cache if not c.get("InUse"))),
    ]


class SystemCommands(Engine):
    """The tutorial session's verbs about the engine as a whole."""

    def system_df(self) -> StepResult:
        """Disk space used by images, containers, volumes and the build cache.

        Equivalent CLI: ``docker system df``
        """
        return self.execute(SystemDf())


#: The driver type a containerd-backed image store reports in ``docker info``.
CONTAINERD_SNAPSHOTTER = "io.containerd.snapshotter.v1"


@dataclass(frozen=True)
class EngineKind:
    """What kind of Docker this is, in the ways a learner notices.

    Attributes:
        image_store: ``"containerd"`` (the default since Engine 29 and in Docker
            Desktop: image IDs are manifest or index digests) or ``"classic"`` (the
            graph driver store of older engines, e.g. overlay2: IDs are config digests).
        storage_driver: What ``docker info`` calls it (``overlayfs``, ``overlay2``...).
        api_version: The engine's API version, e.g. ``"1.51"``.
        version: The engine's version, e.g. ``"28.5.2"``.
    """

    image_store: str
    storage_driver: str
    api_version: str
    version: str

    @property
    def containerd_store(self) -> bool:
        """True when images live in containerd's store."""
        return self.image_store == "containerd"

    def describe_store(self) -> str:
        """One phrase: ``the containerd image store (overlayfs snapshotter)``."""
        if self.containerd_store:
            return f"the containerd image store ({self.storage_driver} snapshotter)"
        return f"the classic image store ({self.storage_driver})"


def engine_kind(info: dict[str, Any], version: dict[str, Any] | None = None) -> EngineKind:
    """Read the image store from ``docker info`` (and versions from ``docker version``).

    Equivalent CLI: ``docker info --format '{{.DriverStatus}}'``
    """
    status = {str(k): str(v) for k, v in (info.get("DriverStatus") or []) if k}
    store = "containerd" if status.get("driver-type") == CONTAINERD_SNAPSHOTTER else "classic"
    version = version or {}
    return EngineKind(store, str(info.get("Driver") or "?"),
                      str(version.get("ApiVersion") or "?"),
                      str(version.get("Version") or info.get("ServerVersion") or "?"))
