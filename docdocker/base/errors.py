"""Exceptions raised by docdocker.

Every exception derives from :class:`DocDockerError`, so a notebook can catch
one thing. Messages are written for a beginner: what failed, the offending
value, what was expected, one concrete fix and, where a step was running, the
``docker`` command it stands for.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from docdocker.base import render
from docdocker.base.masking import mask_argv, shell_join


class DocDockerError(Exception):
    """Root of every error docdocker raises.

    Attributes:
        message: What went wrong, in one or two sentences.
        fix: One concrete thing the learner can do about it, or None.
        command: The ``docker`` argv the failing step stands for, or None; the
            values of secret-looking variables are masked (``-e PASSWORD=******``).
        title: What kind of failure this is, in words ("Port already in use").
    """

    title: ClassVar[str] = "Error"

    def __init__(
        self,
        message: str,
        *,
        fix: str | None = None,
        command: Sequence[str] | None = None,
    ) -> None:
        self.message = message
        self.fix = fix
        # Errors are shown and saved with the notebook: keep no secret value.
        self.command: tuple[str, ...] | None = tuple(mask_argv(command)) if command else None
        super().__init__(str(self))

    @property
    def cli(self) -> str | None:
        """The failing command as a shell line, or None."""
        return shell_join(self.command) if self.command else None

    def __str__(self) -> str:
        lines = [self.message]
        if self.fix:
            lines.append(f"Fix: {self.fix}")
        if self.command:
            lines.append(f"Command: $ {self.cli}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return render.error_html(self)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        # IPython's plain-text form (terminals, saved notebooks): the message, not a repr().
        printer.text(f"{self.title}: {self}")


class InvalidReference(DocDockerError, ValueError):
    """An image reference (``name[:tag][@digest]``) that does not parse."""

    title: ClassVar[str] = "Invalid image name"


class InvalidPortSpec(DocDockerError, ValueError):
    """A ``-p`` port mapping that does not parse or is out of range."""

    title: ClassVar[str] = "Invalid port mapping"


class InvalidCommand(DocDockerError, ValueError):
    """A container command given as one string that cannot be split like a shell line.

    Attributes:
        typed: The command exactly as it was given.
    """

    title: ClassVar[str] = "Invalid command"

    def __init__(self, message: str, *, fix: str | None = None,
                 command: Sequence[str] | None = None, typed: str = "") -> None:
        self.typed = typed
        super().__init__(message, fix=fix, command=command)

    @property
    def cli(self) -> str | None:
        """The command line as typed: the words before the command, then the string itself."""
        head = super().cli
        if head and self.typed:
            return f"{head} {self.typed}"
        return head


class EngineUnavailable(DocDockerError):
    """The Docker Engine cannot be reached, refused us, or went away."""

    title: ClassVar[str] = "Docker Engine not reachable"


class StepFailed(DocDockerError):
    """A step reached the engine, and the engine (or the container) said no.

    Attributes:
        exit_code: What the ``docker`` CLI would have exited with (125 for
            errors from the engine itself, the container's status for a
            container that failed).
        stderr: The engine's own words, untranslated.
    """

    title: ClassVar[str] = "The step failed"

    def __init__(
        self,
        message: str,
        *,
        fix: str | None = None,
        command: Sequence[str] | None = None,
        exit_code: int = 125,
        stderr: str = "",
    ) -> None:
        self.exit_code = exit_code
        self.stderr = stderr
        super().__init__(message, fix=fix, command=command)



class ApiVersionRefused(StepFailed):
    """The engine refuses the API version the client speaks (Engine 29 needs 1.44 or newer)."""

    title: ClassVar[str] = "API version refused"

class PortAllocated(StepFailed):
    """The host port a step wants to publish is already taken."""

    title: ClassVar[str] = "Port already in use"


class NameConflict(StepFailed):
    """A container with the requested name already exists."""

    title: ClassVar[str] = "Name already in use"


class ImageNotFound(StepFailed):
    """The image is neither on this machine nor in the registry."""

    title: ClassVar[str] = "Image not found"


class NoSpaceLeft(StepFailed):
    """The disk holding Docker's data is full."""

    title: ClassVar[str] = "No space left"


class BuildFailed(StepFailed):
    """A ``docker build`` failed: a bad Dockerfile or a failing instruction."""

    title: ClassVar[str] = "Build failed"


class ComposeFileInvalid(StepFailed):
    """Compose refused a project file: not valid YAML, or a key Compose does not know."""

    title: ClassVar[str] = "Compose file not valid"


class RegistryAuthFailed(StepFailed):
    """A registry refused the credentials or the push/pull was unauthorized."""

    title: ClassVar[str] = "Registry refused access"


class RegistryUnreachable(StepFailed):
    """The registry could not be reached: not running, unknown host, or no HTTPS."""

    title: ClassVar[str] = "Registry not reachable"


class InvalidTemplate(DocDockerError, ValueError):
    """A ``--format`` Go template that docdocker cannot evaluate."""

    title: ClassVar[str] = "Invalid format template"


class InvalidPath(DocDockerError, ValueError):
    """A file or folder path no file can have, or that names the wrong kind of thing."""

    title: ClassVar[str] = "Invalid path"
