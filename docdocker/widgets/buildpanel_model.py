"""The BuildPanel's model: a Dockerfile, a tag, and what building them did.

:class:`BuildPanelModel` holds what the learner edits (the Dockerfile's text,
the tag) and derives the rest: whether the tag is a valid image name and, if
not, which part is wrong and why (:func:`docdocker.grammar.reference.parse`); the exact
``docker build`` line; and, while and after a build, its status, log, result or
friendly error. No widgets and no engine here: the view
(:mod:`docdocker.widgets.buildpanel`) runs the build and feeds the model.

Equivalent CLI: ``docker build -t TAG FOLDER``
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from traitlets import Bool, CaselessStrEnum, Dict, HasTraits, Unicode, observe, validate

from docdocker.base import errors, render
from docdocker.concepts.build import Build, builder
from docdocker.concepts.buildlog import BuildLog
from docdocker.grammar import reference

__all__ = ["STATES", "BuildPanelModel", "check_tag", "image_summary", "read_dockerfile"]

#: What a path may hold on Linux and macOS: PATH_MAX in all, NAME_MAX per name.
_PATH_MAX, _NAME_MAX = 4096, 255
#: A path is shown in messages up to this many characters.
_SHOWN = 80

#: Where a build panel is: nothing built yet, building, built, or failed.
STATES = ("idle", "building", "built", "failed")


def check_tag(tag: str) -> str:
    """Why ``tag`` cannot name a built image, or ``""`` when it can.

    The message says which part is wrong and why, as :func:`docdocker.grammar.reference.parse`
    explains it, followed by its fix.
    """
    if not tag.strip():
        return "Give the image a name, e.g. friendlyhello or friendlyhello:v2."
    try:
        ref = reference.parse(tag)
    except errors.InvalidReference as err:
        message = err.message.rstrip(".")
        return f"Not a valid image name: {message}. {err.fix or ''}".strip()
    if ref.digest:
        return ("A built image gets its digest (@sha256:...) when it is pushed; a tag cannot "
                "name one. Drop the @... part.")
    return ""


def _shown(path: str) -> str:
    text = path if len(path) <= _SHOWN else f"{path[:_SHOWN - 20]}...{path[-17:]}"
    return repr(text)


def _check_path(what: str, path: str, command: list[str]) -> None:
    if "\0" in path:
        raise errors.InvalidPath(
            f"The {what} {_shown(path)} contains a NUL character (\\x00, at position "
            f"{path.index(chr(0))}); no file or folder name can hold one.",
            fix="Type the path again without it, e.g. BuildPanel(\"apps/friendlyhello\", ...).",
            command=command)
    longest = max((len(part) for part in path.split(os.sep)), default=0)
    if len(path) > _PATH_MAX or longest > _NAME_MAX:
        raise errors.InvalidPath(
            f"The {what} {_shown(path)} is {len(path)} characters long (its longest name "
            f"{longest}); a path holds at most {_PATH_MAX} characters and each folder or file "
            f"name at most {_NAME_MAX}.",
            fix="Give the path of an existing folder, relative to the notebook's folder, "
                "e.g. \"apps/friendlyhello\".",
            command=command)


def read_dockerfile(folder: str, dockerfile: str | None, tag: str = "") -> str:
    """The Dockerfile a panel starts with (``FROM busybox`` when there is none yet).

    Raises:
        docdocker.base.errors.InvalidPath: A path no file can have (a NUL, too long), a
            ``dockerfile`` that is a folder, a ``folder`` that is a file, or a
            Dockerfile that is not UTF-8 text or cannot be read. Nothing is written.
    """
    path = dockerfile or os.path.join(folder, "Dockerfile")
    command = Build(path=folder.replace("\0", "\\0"), tag=tag or "TAG",
                    dockerfile=(dockerfile or "").replace("\0", "\\0") or None).argv
    _check_path("folder", folder, command)
    if dockerfile is not None:
        _check_path("dockerfile", dockerfile, command)
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise errors.InvalidPath(
            f"The folder {_shown(folder)} is a file, not a folder: the build context is the "
            "folder that holds the Dockerfile and the app's files.",
            fix=f"Give its folder, e.g. BuildPanel({os.path.dirname(folder) or '.'!r}, ...).",
            command=command)
    if os.path.isdir(path):
        raise errors.InvalidPath(
            f"dockerfile={_shown(path)} is a folder; it must name the Dockerfile itself.",
            fix=f"Name the file, e.g. dockerfile={os.path.join(path, 'Dockerfile')!r}, or "
                "leave dockerfile out to use FOLDER/Dockerfile.",
            command=command)
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        return "FROM busybox\n"
    except OSError as err:
        raise errors.InvalidPath(
            f"Cannot read the Dockerfile {_shown(path)}: {err.strerror}.",
            fix="Give a Dockerfile you may read, or a copy of the app in a folder of yours.",
            command=command) from err
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise errors.InvalidPath(
            f"The Dockerfile {_shown(path)} is not UTF-8 text (byte "
            f"0x{raw[err.start]:02x} at position {err.start}), so the panel cannot show it "
            "for editing; the file was left as it is.",
            fix="Save it as UTF-8 in an editor (or `iconv -f latin1 -t utf-8`), then open the "
                "panel again.",
            command=command) from err


def image_summary(attrs: Mapping[str, Any]) -> dict[str, str]:
    """What a learner wants to know about a built image, from ``docker image inspect``.

    Returns:
        ``id`` (short), ``size`` (as ``docker images`` prints it) and ``layers``
        (how many filesystem layers it stacks).
    """
    layers = ((attrs.get("RootFS") or {}).get("Layers")) or []
    return {
        "id": str(attrs.get("Id", "")).split(":")[-1][:12],
        "size": render.size_text(attrs.get("Size") or 0),
        "layers": str(len(layers)),
    }


class BuildPanelModel(HasTraits):
    """State of one build panel.

    Attributes:
        folder: The build context: the folder sent to the builder.
        dockerfile: The Dockerfile's text as edited (saved to ``dockerfile_path`` to build).
        dockerfile_path: Where the Dockerfile is saved; ``""`` means ``FOLDER/Dockerfile``.
        tag: The image name typed.
        labels: The labels the engine adds (the echo shows them).
        tag_error: Why the tag is invalid, ``""`` when it is valid.
        cli: The exact ``docker build`` line Build runs.
        state: One of :data:`STATES`.
        status: One line on the build: the step running, ``done``, ``failed at...``.
        log: The build's log so far, as the CLI prints it.
        result: After a build: the image ID, size and layers.
        error: After a failed build: the friendly message.
        can_build: True when Build may be pressed.
    """

    folder = Unicode("", help="The build context folder.")
    dockerfile = Unicode("", help="The Dockerfile's text, as edited.")
    dockerfile_path = Unicode("", help="Where the Dockerfile is saved; '' = FOLDER/Dockerfile.")
    tag = Unicode("", help="The image name, e.g. friendlyhello:v2.")
    labels = Dict(value_trait=Unicode(), key_trait=Unicode(), help="Labels for --label.")

    tag_error = Unicode(read_only=True)
    cli = Unicode(read_only=True)
    state = CaselessStrEnum(STATES, default_value="idle", read_only=True)
    status = Unicode("", read_only=True)
    log = Unicode("", read_only=True)
    result = Dict(read_only=True)
    error = Unicode("", read_only=True)
    can_build = Bool(False, read_only=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._derive()

    @validate("tag", "folder")
    def _strip(self, proposal: Any) -> str:
        return str(proposal["value"]).strip()

    @observe("folder", "dockerfile", "dockerfile_path", "tag", "labels")
    def _edited(self, change: Any) -> None:
        # A result describes what was built from the previous text; an edit makes
        # it stale, so it goes (the image itself stays in `docker images`).
        if self.state in ("built", "failed"):
            self.set_trait("state", "idle")
            self.set_trait("result", {})
            self.set_trait("error", "")
            self.set_trait("status", "")
        self._derive()

    @observe("state")
    def _state_changed(self, change: Any) -> None:
        self._derive()

    def _derive(self) -> None:
        self.set_trait("tag_error", check_tag(self.tag))
        self.set_trait("cli", self.step.with_labels(dict(self.labels)).cli)
        self.set_trait("can_build", not self.tag_error and bool(self.dockerfile.strip())
                       and bool(self.folder) and self.state != "building")

    @property
    def path(self) -> str:
        """The file the Dockerfile is saved to before a build."""
        return self.dockerfile_path or os.path.join(self.folder, "Dockerfile")

    @property
    def step(self) -> Build:
        """The build step (``-f`` only when the Dockerfile is not ``FOLDER/Dockerfile``)."""
        default = os.path.normpath(os.path.join(self.folder, "Dockerfile"))
        custom = bool(self.dockerfile_path) and os.path.normpath(self.dockerfile_path) != default
        return Build(path=self.folder, tag=self.tag,
                     dockerfile=self.dockerfile_path if custom else None,
                     # BuildKit leaves no container of a failed step: --force-rm does nothing.
                     force_rm=not builder().buildkit)

    # ------------------------------------------------------------ fed by the view
    def started(self) -> None:
        """A build has started: forget the last result."""
        self.set_trait("result", {})
        self.set_trait("error", "")
        self.set_trait("log", "")
        self.set_trait("status", "starting")
        self.set_trait("state", "building")

    def progressed(self, log: BuildLog) -> None:
        """The build log has grown."""
        self.set_trait("log", log.text())
        self.set_trait("status", log.status())

    def built(self, attrs: Mapping[str, Any]) -> None:
        """The build succeeded; ``attrs`` is ``docker image inspect`` of the new image."""
        summary = image_summary(attrs)
        self.set_trait("result", {**summary, "tag": self.tag, "cli": self.cli})
        self.set_trait("status", "done")
        self.set_trait("state", "built")

    def failed(self, err: errors.DocDockerError) -> None:
        """The build failed; keep the friendly message."""
        self.set_trait("error", str(err))
        self.set_trait("status", "failed")
        self.set_trait("state", "failed")

    def summary(self) -> str:
        """The panel's state as plain text (a saved notebook's reader sees this)."""
        lines = [f"BuildPanel: {self.path}", f"$ {self.cli}"]
        if self.tag_error:
            lines.append(f"Tag: {self.tag_error}")
        if self.result:
            r = self.result
            lines.append(f"Built {r['tag']}: image {r['id']}, {r['size']}, {r['layers']} layers")
        if self.error:
            lines.append(self.error)
        return "\n".join(lines)
