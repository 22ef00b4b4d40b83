"""Images: what is on this machine, and what an image declares (``docker image inspect``).

Each step is declared once and registered with the function that executes it;
:class:`ImageCommands` adds the matching verbs to the engine.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import docker.errors

from docdocker import errors, reference, render, tagrecord
from docdocker.engine import Engine, StepResult, handles
from docdocker.steps import POSITIONAL, TARGET, Step, arg, pairs


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


@dataclass(frozen=True)
class Images(Step):
    """List images.

    Equivalent CLI: ``docker images [--all] [--filter KEY=VALUE]``
    """

    command: ClassVar[tuple[str, ...]] = ("images",)

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


# --------------------------------------------------------------------------- docker tag
# A tag cannot carry a label, so the tags docdocker makes are recorded in
# docdocker.tagrecord; clean-up removes such a tag, never the image behind it.


@dataclass(frozen=True)
class Tag(Step):
    """Give an image a second name (the same image ID under another reference).

    Equivalent CLI: ``docker tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]``
    """

    command: ClassVar[tuple[str, ...]] = ("tag",)

    source_image: str = arg(POSITIONAL, TARGET, default="")
    target_image: str = arg(POSITIONAL, "repository", default="")

    def validate(self) -> None:
        check_reference(self, self.source_image, "source image", allow_id=True)
        target = check_reference(self, self.target_image, "target image")
        if target is not None and target.digest is not None:
            raise errors.InvalidReference(
                f"The target {self.target_image!r} has a digest (@...); a tag cannot: the digest "
                "is computed from the content, it is not a name you choose.",
                fix=f"Leave out the @ part: {target.name}:{target.tag or 'latest'}",
                command=self.argv,
            )


_IMAGE_ID = re.compile(r"(sha256:)?[0-9a-f]{12,64}")


def check_reference(step: Step, text: str, what: str, *,
                    allow_id: bool = False) -> reference.ImageRef | None:
    """Parse an image reference a step names, or refuse it with a message naming ``what``."""
    if allow_id and _IMAGE_ID.fullmatch(text or ""):
        return None
    try:
        return reference.parse(text)
    except errors.InvalidReference as err:
        raise errors.InvalidReference(
            f"Invalid {what}: {err.message}.", fix=err.fix, command=step.argv
        ) from err


def tag_name(text: str) -> str:
    """A tag as ``docker images`` lists it: short form, ``:latest`` added when missing."""
    ref = reference.parse(text)
    return ref.with_tag(ref.tag or reference.DEFAULT_TAG).familiar


@handles(Tag)
def tag_image(engine: Engine, step: Tag) -> StepResult:
    """``api.tag(SOURCE, REPOSITORY, TAG)``; the new name is recorded as the tutorial's."""
    target = reference.parse(step.target_image)
    try:
        image_id = engine.client.images.get(step.source_image).id
    except docker.errors.ImageNotFound as err:
        raise errors.ImageNotFound(
            f"There is no image {step.source_image!r} on this machine to tag.",
            fix="Pick a name from `docker images` (REPOSITORY:TAG or IMAGE ID), or build or "
                "pull the image first.",
            command=step.argv, exit_code=1, stderr=str(err.explanation or err),
        ) from err
    engine.client.api.tag(step.source_image, target.name, target.tag or reference.DEFAULT_TAG)
    tagrecord.remember(engine.notebook, tag_name(step.target_image), image_id)
    # `docker tag` prints nothing; the value says what happened.
    return StepResult(step, output="", value={"tag": tag_name(step.target_image),
                                               "id": image_id})


class TagCommands(Engine):
    """``docker tag`` for :class:`docdocker.tutorial.Tutorial`."""

    def tag(self, source_image: str, target_image: str) -> StepResult:
        """Give an image another name. Equivalent CLI: ``docker tag SOURCE TARGET``"""
        return self.execute(Tag(source_image=source_image, target_image=target_image))
