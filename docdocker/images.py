"""Images: what is on this machine, and what an image declares (``docker image inspect``).

Each step is declared once and registered with the function that executes it;
:class:`ImageCommands` adds the matching verbs to the engine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import docker.errors

from docdocker import reference, render
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


# ---------------------------------------------------------------- save, load, tag
# ``docker save`` / ``docker load`` move images without a registry (a USB stick in a
# classroom); ``docker tag`` gives an image another name (to push it elsewhere).

#: Bytes read or written per chunk while saving or loading (the SDK's default is 2 MB).
CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Save(Step):
    """Write one or more images, with every layer they need, into a tar archive.

    Equivalent CLI: ``docker save --output FILE IMAGE...``
    """

    command: ClassVar[tuple[str, ...]] = ("save",)

    output: str = arg("--output", "output", default="")
    images: tuple[str, ...] = arg(POSITIONAL, "names", default=())


@handles(Save)
def save_images(engine: Engine, step: Save,
                progress: Callable[[int], None] | None = None) -> StepResult:
    """``GET /images/get?names=...`` streamed into ``output``.

    The SDK's ``Image.save`` takes one image; the engine's endpoint takes many and
    stores a layer shared by several images once, as ``docker save`` does.

    Args:
        progress: Called with the number of bytes written after each chunk.
    """
    api = engine.client.api
    response = api._get(api._url("/images/get"), params={"names": list(step.images)},
                        stream=True)
    written = 0
    with open(step.output, "wb") as out:
        # What api.get_image does for one image (it raises for an error status).
        for chunk in api._stream_raw_result(response, CHUNK, False):
            out.write(chunk)
            written += len(chunk)
            if progress is not None:
                progress(written)
    return StepResult(step, value=written)


@dataclass(frozen=True)
class Load(Step):
    """Load the images of a ``docker save`` archive, with their tags.

    Equivalent CLI: ``docker load --input FILE``
    """

    command: ClassVar[tuple[str, ...]] = ("load",)

    input: str = arg("--input", "data", default="")


@handles(Load)
def load_images(engine: Engine, step: Load,
                progress: Callable[[int], None] | None = None) -> StepResult:
    """``api.load_image`` fed from ``input`` in chunks; output as ``docker load`` prints it.

    A failure reported inside the stream is raised, so that it reaches the error
    translator (the SDK returns it as an entry instead of raising).

    Args:
        progress: Called with the number of bytes sent after each chunk.
    """

    def chunks() -> Iterator[bytes]:
        sent = 0
        with open(step.input, "rb") as source:
            while block := source.read(CHUNK):
                yield block
                sent += len(block)
                if progress is not None:
                    progress(sent)

    lines: list[str] = []
    for event in engine.client.api.load_image(chunks(), quiet=True) or []:
        if "error" in event or "errorDetail" in event:
            detail = event.get("errorDetail") or {}
            raise docker.errors.APIError(str(event.get("error") or detail.get("message")))
        if event.get("stream"):
            lines.append(str(event["stream"]))
    text = "".join(lines)
    loaded = [line.split(":", 1)[1].strip() for line in text.splitlines()
              if line.startswith(("Loaded image:", "Loaded image ID:"))]
    return StepResult(step, output=text, value=loaded)


@dataclass(frozen=True)
class Tag(Step):
    """Give an image another name (a new tag or another registry's name).

    Equivalent CLI: ``docker tag SOURCE_IMAGE TARGET_IMAGE``
    """

    command: ClassVar[tuple[str, ...]] = ("tag",)

    image: str = arg(POSITIONAL, TARGET, default="")
    new_image: str = arg(POSITIONAL, "repository", default="")


@handles(Tag)
def tag_image(engine: Engine, step: Tag) -> StepResult:
    """``api.tag(IMAGE, REPOSITORY, TAG)``; prints nothing, as the CLI does."""
    ref = reference.parse(step.new_image)
    engine.client.api.tag(step.image, ref.name, ref.tag or reference.DEFAULT_TAG)
    return StepResult(step)
