"""Registries: where images come from and where they go (``docker pull``).

Each step is declared once and registered with the function that executes it;
:class:`RegistryCommands` adds the matching verbs to the engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import docker.errors

from docdocker import connection, errors, reference
from docdocker.engine import Engine, StepResult, handles
from docdocker.progress import Progress
from docdocker.steps import POSITIONAL, Step, arg


@dataclass(frozen=True)
class Pull(Step):
    """Download an image from a registry.

    Equivalent CLI: ``docker pull IMAGE``
    """

    command: ClassVar[tuple[str, ...]] = ("pull",)

    image: str = arg(POSITIONAL, "repository", default="")

    def validate(self) -> None:
        check_image_name(self, self.image)


def check_image_name(step: Step, image: str) -> None:
    """Refuse a malformed image name before the engine sees it, with a precise message."""
    try:
        reference.parse(image)
    except errors.InvalidReference as err:
        raise errors.InvalidReference(
            f"Invalid image name: {err.message}.", fix=err.fix, command=step.argv
        ) from err


@handles(Pull)
def pull_image(engine: Engine, step: Pull) -> StepResult:
    """``api.pull(stream=True)``, folded into one line per layer as the CLI shows it."""
    progress = stream_pull(engine, step.image)
    return StepResult(step, output=progress.text())


def stream_pull(engine: Engine, image: str) -> Progress:
    """Pull ``image``, showing progress on the engine's console.

    The SDK reports a failed pull as an ``error`` entry in the stream rather than
    raising; it is raised here, so that it reaches the error translator.
    """
    progress = Progress()
    # The SDK sends a pull without a read timeout: an engine that stops answering
    # mid-pull would hold the cell forever. Silence longer than one request's
    # timeout ends the step with the friendly "engine stopped answering" message.
    events = engine.stream(lambda: engine.client.api.pull(image, stream=True, decode=True),
                           idle=engine.timeout)
    for event in events:
        if not isinstance(event, dict):
            raise connection.NotAnEngine(f"the pull answered {str(event)[:200]!r}, "
                                         "not Docker's progress messages")
        progress.feed(event)
        engine.console.progress(progress)
        if progress.error:
            break
    engine.console.progress(progress, final=True)
    if progress.error:
        raise docker.errors.APIError(progress.error)
    return progress


def ensure_image(engine: Engine, image: str) -> None:
    """Pull ``image`` if it is not on this machine, saying so as ``docker run`` does."""
    try:
        engine.client.images.get(image)
    except docker.errors.ImageNotFound:
        ref = reference.parse(image)
        shown = image if ref.tag or ref.digest else f"{image}:latest"
        engine.console.text(f"Unable to find image '{shown}' locally\n")
        stream_pull(engine, image)


class RegistryCommands(Engine):
    """The registry verbs of :class:`docdocker.tutorial.Tutorial`."""

    def pull(self, image: str) -> StepResult:
        """Download an image. Equivalent CLI: ``docker pull IMAGE``"""
        return self.execute(Pull(image=image))
