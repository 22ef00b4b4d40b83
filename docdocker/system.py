"""The engine itself: ``docker version`` and ``docker info``.

Each step is declared once and registered with the function that executes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from docdocker.engine import Engine, StepResult, handles
from docdocker.steps import Step


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


@handles(SystemDf)
def disk_usage(engine: Engine, step: SystemDf) -> StepResult:
    """``api.df()``; ``value`` is the engine's answer (``Images`` with ``Size``, ``SharedSize``)."""
    return StepResult(step, value=engine.client.api.df())


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
