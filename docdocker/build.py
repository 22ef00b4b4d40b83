"""Building images: ``docker build``, its streamed log and its failures.

The step is declared once (its CLI flags and SDK keywords) and registered with
the function that executes it; the ``build`` verb is on
:class:`docdocker.images.ImageCommands`. The log is folded by
:mod:`docdocker.buildlog`; a failure is translated by
:func:`docdocker.friendly.translate_build_error`, which names the Dockerfile line.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import ClassVar

import docker.errors

from docdocker import errors, friendly, reference
from docdocker.buildlog import BuildLog, BuildStep
from docdocker.engine import Engine, StepResult, handles
from docdocker.registries import check_image_name
from docdocker.steps import POSITIONAL, Step, arg, pairs


@dataclass(frozen=True)
class Builder:
    """Which builder ``docker build`` typed in a terminal runs on this machine.

    Attributes:
        kind: ``"buildkit"`` (the buildx plugin, the default since Engine 23 and in
            Docker Desktop) or ``"classic"`` (the engine's legacy builder: no buildx
            plugin, or ``DOCKER_BUILDKIT=0``).
        version: buildx's version, e.g. ``0.29.1``, for BuildKit.
    """

    kind: str
    version: str = ""

    @property
    def buildkit(self) -> bool:
        """True when ``docker build`` runs BuildKit."""
        return self.kind == "buildkit"

    def describe(self) -> str:
        """One phrase: ``BuildKit (buildx 0.29.1)`` or ``the classic builder``."""
        if self.buildkit:
            return f"BuildKit (buildx {self.version})"
        return "the classic builder"


def builder() -> Builder:
    """The builder the ``docker`` CLI's ``build`` command uses here.

    The CLI runs BuildKit through its buildx plugin when the plugin is installed,
    unless ``DOCKER_BUILDKIT=0`` asks for the legacy builder; without the plugin it
    falls back to the legacy builder (and says it is deprecated).

    Equivalent CLI: ``docker buildx version``
    """
    if os.environ.get("DOCKER_BUILDKIT", "").strip().lower() in ("0", "false"):
        return Builder("classic")
    return _buildx(shutil.which("docker"))


@lru_cache(maxsize=4)
def _buildx(docker: str | None) -> Builder:
    if docker is None:
        return Builder("classic")
    try:
        done = subprocess.run([docker, "buildx", "version"], capture_output=True, text=True,
                              timeout=20, check=False, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return Builder("classic")
    found = re.search(r"\bv?(\d+\.\d+(?:\.\d+)?)", done.stdout)
    if done.returncode != 0 or found is None:
        return Builder("classic")
    return Builder("buildkit", found.group(1))


@dataclass(frozen=True)
class Build(Step):
    """Build an image from a Dockerfile and a folder (the build context).

    Equivalent CLI: ``docker build -t TAG [-f DOCKERFILE] [--build-arg K=V] [--no-cache]
    [--force-rm] [--label K=V] PATH``
    """

    command: ClassVar[tuple[str, ...]] = ("build",)
    creates: ClassVar[bool] = True

    path: str = arg(POSITIONAL, "path", default="")
    tag: str = arg("-t", "tag", default="")
    # The CLI reads -f relative to the current folder; the SDK reads a relative
    # path relative to the context, and an absolute one as is.
    dockerfile: str | None = arg("-f", "dockerfile", sdk_value=os.path.abspath)
    buildargs: Mapping[str, str] = arg(
        "--build-arg", "buildargs", default_factory=dict, cli_value=pairs, sdk_value=dict
    )
    nocache: bool = arg("--no-cache", "nocache", default=False)
    force_rm: bool = arg("--force-rm", "forcerm", default=False)
    labels: Mapping[str, str] = arg(
        "--label", "labels", default_factory=dict, cli_value=pairs, sdk_value=dict
    )

    def ownership(self) -> str:
        """The built tag, ``name:tag`` (reset removes that tag, never a child image)."""
        try:
            ref = reference.parse(self.tag)
        except errors.InvalidReference:
            return self.tag
        return f"{ref.familiar}:latest" if ref.tag is None else ref.familiar

    @property
    def dockerfile_path(self) -> str:
        """Where the Dockerfile is on this machine (``-f``, else ``PATH/Dockerfile``)."""
        return self.dockerfile or os.path.join(self.path, "Dockerfile")

    def validate(self) -> None:
        if not self.tag:
            raise errors.InvalidReference(
                "The image needs a name: docker build -t NAME.",
                fix="Give a tag, e.g. tag=\"friendlyhello\".", command=self.argv)
        check_image_name(self, self.tag)
        if reference.parse(self.tag).digest:
            raise errors.InvalidReference(
                f"Invalid image name: {self.tag!r} has a digest (@sha256:...); an image you "
                "build gets its digest when it is pushed, so a tag cannot name one.",
                fix="Drop the @... part, e.g. tag=\"friendlyhello:v1\".", command=self.argv)
        if not os.path.isdir(self.path):
            raise errors.BuildFailed(
                f"The build context {self.path!r} is not a folder on this machine "
                f"(looked in {os.path.abspath(self.path)}).",
                fix="Give the folder that holds the Dockerfile and the app's files, relative "
                    f"to the notebook's folder ({os.getcwd()}).",
                command=self.argv, exit_code=1)
        if not os.path.isfile(self.dockerfile_path):
            raise errors.BuildFailed(
                f"There is no Dockerfile at {self.dockerfile_path!r}.",
                fix="Create it, or name it with dockerfile=... (docker build -f FILE).",
                command=self.argv, exit_code=1)


@dataclass(repr=False)  # keep StepResult's repr: what the CLI printed
class BuildResult(StepResult):
    """What a build did: ``value`` is the image ID; the steps say which ones used the cache.

    Attributes:
        steps: Each ``Step N/M`` of the log, with the lines printed under it.
        seconds: How long the build took, measured here (the classic builder prints no time).
    """

    steps: list[BuildStep] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def cached(self) -> list[str]:
        """The instructions whose layer came from the cache."""
        return [s.instruction for s in self.steps if s.cached]

    @property
    def ran(self) -> list[str]:
        """The instructions that ran and made a new layer (``FROM`` only names the base)."""
        return [s.instruction for s in self.steps
                if not s.cached and not s.instruction.upper().startswith("FROM ")]


@handles(Build)
def build_image(engine: Engine, step: Build) -> StepResult:
    """``api.build(decode=True)``, its log streamed through the engine's console.

    The SDK reports a failing instruction as an ``error`` chunk in the stream, not
    as an exception: every chunk is checked, and a failure is raised as
    :class:`~docdocker.errors.BuildFailed` naming the Dockerfile line. The engine
    tags the image only when every step succeeded, so a failed build leaves
    nothing under the tag; ``--force-rm`` removes the failed step's container.
    """
    with open(step.dockerfile_path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    log = BuildLog()

    def failure(message: str) -> errors.BuildFailed:
        current = log.current
        where = friendly.BuildContext(
            dockerfile=step.dockerfile_path, text=text, context=step.path,
            step_number=current.number if current else None,
            step_output=current.output if current else "")
        return friendly.translate_build_error(message, where, step.argv)

    # rm=True is the CLI's default (--rm=true); the SDK's default is False.
    kwargs = {"rm": True, "decode": True, **step.sdk_kwargs}
    started = time.perf_counter()
    # The SDK sends a build without a read timeout. A RUN may rightly be silent for
    # long, so silence only triggers a bounded ping: an engine that stopped answering
    # fails the step there instead of holding the cell forever.
    chunks = engine.stream(lambda: engine.client.api.build(**kwargs), idle=engine.timeout,
                           heartbeat=engine.client.ping)
    try:
        for chunk in chunks:
            log.feed(chunk)
            engine.console.progress(log)
            if log.error:
                break
    except docker.errors.APIError as err:
        # A Dockerfile the builder cannot parse is refused before any step runs.
        if err.status_code == 400 and err.explanation:
            raise failure(str(err.explanation)) from err
        raise
    engine.console.progress(log, final=True)
    if log.error:
        raise failure(log.error)
    if not log.image_id:
        raise errors.BuildFailed("The build stream ended without an image ID.",
                                 fix="Run the build again; see `docker images` for the result.",
                                 command=step.argv, stderr=log.text())
    return BuildResult(step, output="\n".join(log.summary) + "\n", value=log.image_id,
                       steps=log.steps, seconds=time.perf_counter() - started)
