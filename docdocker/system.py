"""The engine itself: ``docker version`` and ``docker info``.

Each step is declared once and registered with the function that executes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

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
