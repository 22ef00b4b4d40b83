"""Images: what is on this machine, what an image declares, and building your own.

Each step is declared once and registered with the function that executes it;
:class:`ImageCommands` adds the matching verbs to the engine.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import docker.errors

from docdocker import errors, friendly, reference, render
from docdocker.buildlog import BuildLog
from docdocker.engine import Engine, StepResult, handles
from docdocker.registries import check_image_name
from docdocker.steps import POSITIONAL, TARGET, Step, arg, label_filter, pairs


@dataclass(frozen=True)
class ImageInspect(Step):
    """Show an image's configuration; ``value`` is None when it is not on this machine.

    Equivalent CLI: ``docker image inspect IMAGE``
    """

    command: ClassVar[tuple[str, ...]] = ("image", "inspect")

    image: str = arg(POSITIONAL, TARGET, default="")


@handles(ImageInspect)
def inspect_image(engine: Engine, step: ImageInspect) -> StepResult:
    """``images.get(IMAGE).attrs``; a missing image is an answer here, not an error."""
    try:
        attrs = engine.client.images.get(step.image).attrs
    except docker.errors.ImageNotFound:
        return StepResult(step, output=f"Error: No such image: {step.image}\n", value=None)
    return StepResult(step, value=attrs)


def exposed_ports(attrs: Mapping[str, Any]) -> list[tuple[int, str]]:
    """An image's ``EXPOSE`` ports as sorted ``(port, protocol)`` pairs."""
    exposed = (attrs.get("Config") or {}).get("ExposedPorts") or {}
    found = []
    for key in exposed:
        number, _, protocol = key.partition("/")
        if number.isascii() and number.isdigit():
            found.append((int(number), (protocol or "tcp").lower()))
    return sorted(found)


class ImageCommands(Engine):
    """The image verbs of :class:`docdocker.tutorial.Tutorial`."""

    def image_inspect(self, image: str) -> StepResult:
        """An image's configuration. Equivalent CLI: ``docker image inspect IMAGE``"""
        return self.execute(ImageInspect(image=image))

    # Build, list, history, remove, prune: the steps are declared further down.

    def build(
        self,
        path: str,
        *,
        tag: str,
        dockerfile: str | None = None,
        buildargs: Mapping[str, str] | None = None,
        nocache: bool = False,
        force_rm: bool = True,
    ) -> StepResult:
        """Build an image, streaming the builder's log.

        Equivalent CLI: ``docker build -t TAG [-f DOCKERFILE] [--no-cache] --force-rm PATH``

        Args:
            path: The build context: the folder whose files ``COPY`` can see.
            tag: The image's name, e.g. ``"friendlyhello"`` or ``"friendlyhello:v2"``.
            dockerfile: The Dockerfile, relative to the current folder as with
                ``docker build -f`` (default: ``PATH/Dockerfile``).
            buildargs: Values for the Dockerfile's ``ARG`` instructions.
            nocache: Run every step again instead of reusing cached layers.
            force_rm: Remove the container of a failed step too (``--force-rm``),
                so a failed build leaves nothing behind.

        Returns:
            A result whose ``value`` is the new image's ID.

        Raises:
            docdocker.errors.InvalidReference: The tag is not a valid image name
                (refused before the engine is called).
            docdocker.errors.BuildFailed: The Dockerfile is missing or broken, or a
                step failed; the message names the line.
        """
        return self.execute(Build(path=path, tag=tag, dockerfile=dockerfile,
                                  buildargs=dict(buildargs or {}), nocache=nocache,
                                  force_rm=force_rm))

    def images(
        self, repository: str | None = None, *, all: bool = False, everything: bool = False
    ) -> StepResult:
        """List the tutorial's images (or every image on the engine).

        Equivalent CLI: ``docker images --filter label=org.docdocker.notebook [REPOSITORY]``

        Args:
            repository: Only this repository (``friendlyhello``), or ``name:tag``.
            all: Include intermediate images (``--all``).
            everything: Drop the label filter: images not made by the tutorial too.
        """
        filters: dict[str, Any] = {} if everything else label_filter()
        return self.execute(Images(repository=repository, all=all, filters=filters))


@dataclass(frozen=True)
class Images(Step):
    """List images.

    Equivalent CLI: ``docker images [--all] [--filter KEY=VALUE] [REPOSITORY[:TAG]]``
    """

    command: ClassVar[tuple[str, ...]] = ("images",)

    repository: str | None = arg(POSITIONAL, "name")
    all: bool = arg("--all", "all", default=False)
    filters: Mapping[str, Any] = arg(
        "--filter", "filters", default_factory=dict, cli_value=pairs, sdk_value=dict
    )


@dataclass(frozen=True)
class Rmi(Step):
    """Remove an image, or just one of its tags when it has others.

    Equivalent CLI: ``docker rmi [--force] IMAGE``
    """

    command: ClassVar[tuple[str, ...]] = ("rmi",)

    image: str = arg(POSITIONAL, TARGET, default="")
    force: bool = arg("--force", "force", default=False)


#: Columns of ``docker images``, in the CLI's order.
IMAGES_COLUMNS = ("REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE")


@handles(Images)
def list_images(engine: Engine, step: Images) -> StepResult:
    """``api.images``: one row per tag, as ``docker images`` prints them."""
    listed = engine.client.api.images(**step.sdk_kwargs)
    return StepResult(step, rows=[row for i in listed for row in image_rows(i)],
                      columns=IMAGES_COLUMNS, value=listed)


@handles(Rmi)
def remove_image(engine: Engine, step: Rmi) -> StepResult:
    """``api.remove_image``, reported as the CLI reports it (Untagged / Deleted lines)."""
    report = engine.client.api.remove_image(step.image, **step.sdk_kwargs) or []
    lines = [f"{key}: {value}" for entry in report for key, value in entry.items()]
    return StepResult(step, output="\n".join(lines) + "\n" if lines else "")


def image_rows(entry: Mapping[str, Any]) -> list[dict[str, Any]]:
    """``docker images`` rows for one engine list entry (one per tag)."""
    image_id = str(entry.get("Id", "")).split(":")[-1][:12]
    tags = [t for t in entry.get("RepoTags") or [] if t != "<none>:<none>"] or ["<none>:<none>"]
    rows = []
    for tag in tags:
        repository, _, name = tag.rpartition(":")
        rows.append({"REPOSITORY": repository, "TAG": name, "IMAGE ID": image_id,
                     "CREATED": render.ago(entry.get("Created")),
                     "SIZE": render.size_text(entry.get("Size") or 0),
                     "LABELS": entry.get("Labels") or {}})
    return rows


# ------------------------------------------------------------------ build
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
    try:
        for chunk in engine.client.api.build(rm=True, decode=True, **step.sdk_kwargs):
            log.feed(chunk)
            engine.console.progress(log)
            if log.error:
                break
    except docker.errors.APIError as err:
        # A Dockerfile the builder cannot parse is refused before any step runs.
        if err.status_code == 400 and err.explanation:
            engine.console.progress(log, final=True)
            raise failure(str(err.explanation)) from err
        raise
    engine.console.progress(log, final=True)
    if log.error:
        raise failure(log.error)
    if not log.image_id:
        raise errors.BuildFailed("The build stream ended without an image ID.",
                                 fix="Run the build again; see `docker images` for the result.",
                                 command=step.argv, stderr=log.text())
    return StepResult(step, output="\n".join(log.summary) + "\n", value=log.image_id)
