"""The TagBuilder's model: a source image, a target name built from parts, and the preview.

:class:`TagBuilderModel` holds what the learner chose (the source image) and
typed (the target, either as parts: registry, namespace, repository, tag, or
whole); parts and whole stay in sync both ways. It derives, on every keystroke,
each invalid part's own message, the full reference, its normalized form and
the ``docker tag`` and ``docker push`` lines. No widgets and no engine here:
the view (:mod:`docdocker.widgets.tagbuilder`) runs the steps and reports back
with :meth:`~TagBuilderModel.tagged`, :meth:`~TagBuilderModel.pushed` and
:meth:`~TagBuilderModel.failed`.

Equivalent CLI: ``docker tag SOURCE_IMAGE TARGET_IMAGE`` then ``docker push TARGET_IMAGE``
"""

from __future__ import annotations

import re
from typing import Any

from traitlets import Bool, CaselessStrEnum, Dict, HasTraits, Int, List, Unicode, observe

from docdocker.base import errors
from docdocker.concepts.images import Tag
from docdocker.concepts.registries import Push
from docdocker.grammar import reference

__all__ = ["PARTS", "STATES", "TagBuilderModel", "check_namespace", "check_registry",
           "check_repository", "check_source", "check_tag", "join_target", "split_target"]

#: The parts of a target name, in the order they are written.
PARTS = ("registry", "namespace", "repository", "tag")
#: Where the builder is: nothing done yet, tagged, pushing, pushed, or failed.
STATES = ("idle", "tagging", "tagged", "pushing", "pushed", "failed")

# distribution/reference's path-component: lowercase alphanumerics joined by
# one '.', one or two '_', or any number of '-'.
_COMPONENT = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*")
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._-")
_TAG_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
_HOST_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-")
_IMAGE_ID = re.compile(r"(sha256:)?[0-9a-f]{12,64}")


def _first_bad(text: str, allowed: frozenset[str]) -> str | None:
    return next((c for c in text if c not in allowed), None)


def check_registry(text: str) -> str:
    """Why ``text`` cannot be the registry part (``host[:port]``), or ``""``."""
    if not text:
        return ""
    if text.startswith("["):
        try:
            reference.parse(f"{text}/x")
        except errors.InvalidReference as err:
            return f"Registry {text!r}: {err.message}."
        return ""
    host, colon, port = text.partition(":")
    if colon and not port:
        return (f"Registry {text!r} has a ':' but no port number after it: write the port "
                "(localhost:5000) or drop the ':'.")
    if colon and not (port.isascii() and port.isdigit()):
        return (f"The registry port {port!r} is not a number: a port is digits only (0-9), "
                f"e.g. {host or 'localhost'}:5000.")
    if colon and not 0 < int(port) < 65536:
        return f"The registry port {port} is out of range: ports go from 1 to 65535."
    bad = _first_bad(host, _HOST_CHARS)
    if bad is not None:
        return (f"The character {bad!r} is not allowed in the registry name {host!r}: use "
                "letters, digits, '-' and '.', e.g. registry.example.com.")
    if not host or any(not label or label[0] == "-" or label[-1] == "-"
                       for label in host.split(".")):
        return (f"The registry name {host!r} is malformed: each part between dots must start "
                "and end with a letter or digit, e.g. registry.example.com.")
    if not colon and "." not in host and host != "localhost" and host == host.lower():
        return (f"Docker would read {host!r} as a Docker Hub user, not as a registry: a "
                f"registry name has a '.' ({host}.example.com) or a port ({host}:5000), or is "
                "localhost. For a Docker Hub user, use the namespace field.")
    return ""


def _check_path_part(text: str, what: str, example: str) -> str:
    if text != text.lower():
        return f"The {what} {text!r} must be lowercase: use {text.lower()!r}."
    bad = _first_bad(text, _NAME_CHARS)
    if bad is not None:
        return (f"The character {bad!r} is not allowed in the {what} {text!r}: use lowercase "
                f"letters, digits, '.', '_' and '-', e.g. {example!r}.")
    if not _COMPONENT.fullmatch(text):
        return (f"The {what} {text!r} must start and end with a letter or digit, and join "
                f"words with one '.', one or two '_', or '-', e.g. {example!r}.")
    return ""


def check_namespace(text: str) -> str:
    """Why ``text`` cannot be the namespace (a user or organisation, maybe nested), or ``""``."""
    if not text:
        return ""
    parts = text.split("/")
    if any(not p for p in parts):
        return (f"The namespace {text!r} has an empty part (a '/' at the start or end, or "
                "'//'): separate nested parts with single slashes, e.g. team/backend.")
    for part in parts:
        problem = _check_path_part(part, "namespace", "elliot")
        if problem:
            return problem
    return ""


def check_repository(text: str) -> str:
    """Why ``text`` cannot be the repository name, or ``""``."""
    if not text:
        return "Give the repository a name, e.g. friendlyhello."
    if "/" in text:
        head, _, tail = text.rpartition("/")
        return (f"The repository is one name without '/': put {head!r} in the namespace "
                f"field and {tail!r} here.")
    if ":" in text:
        head, _, tail = text.partition(":")
        return (f"The repository {text!r} contains ':', which starts the tag: put {tail!r} in "
                f"the tag field and {head!r} here.")
    return _check_path_part(text, "repository", "friendlyhello")


def check_tag(text: str) -> str:
    """Why ``text`` cannot be a tag, or ``""`` (empty means Docker's ``latest``)."""
    if not text:
        return ""
    if ":" in text:
        return (f"The tag {text!r} contains ':', but ':' only separates the name from the tag, "
                f"so a tag cannot contain one: write {text.replace(':', '-')!r}.")
    bad = _first_bad(text, _TAG_CHARS)
    if bad is not None:
        return (f"The character {bad!r} is not allowed in the tag {text!r}: use letters, digits, "
                "'_', '.' and '-', e.g. v1.2.3.")
    if text[0] in ".-":
        return (f"The tag {text!r} starts with {text[0]!r}: a tag starts with a letter, a digit "
                f"or '_', e.g. {text.lstrip('.-') or 'v1'!r}.")
    if len(text) > reference.MAX_TAG_LENGTH:
        return (f"The tag is {len(text)} characters long; the limit is "
                f"{reference.MAX_TAG_LENGTH}. Shorten it.")
    return ""


def check_source(text: str) -> str:
    """Why ``text`` cannot name the source image (a reference or an image ID), or ``""``."""
    if not text.strip():
        return "Choose the image to tag (REPOSITORY:TAG or IMAGE ID from docker images)."
    if _IMAGE_ID.fullmatch(text):
        return ""
    try:
        reference.parse(text)
    except errors.InvalidReference as err:
        return f"Source image: {err.message}."
    return ""


_CHECKS = {"registry": check_registry, "namespace": check_namespace,
           "repository": check_repository, "tag": check_tag}


def split_target(text: str) -> dict[str, str]:
    """Split a whole target into its parts the way Docker reads it, valid or not.

    The first ``/``-part is a registry when it has a ``.`` or ``:``, is
    ``localhost``, or has an uppercase letter; the tag starts at the first ``:``
    after the last ``/`` (so a second ``:`` stays in the tag, to be reported).
    """
    text = text.strip().partition("@")[0]  # a digest is no part of a tag (reported apart)
    last_slash = text.rfind("/")
    colon = text.find(":", last_slash + 1)
    name, tag = (text[:colon], text[colon + 1:]) if colon != -1 else (text, "")
    first, slash, rest = name.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"
                  or first != first.lower()):
        registry, path = first, rest
    else:
        registry, path = "", name
    namespace, _, repository = path.rpartition("/")
    return {"registry": registry, "namespace": namespace, "repository": repository, "tag": tag}


def join_target(parts: dict[str, str]) -> str:
    """``[registry/][namespace/]repository[:tag]`` from the parts, as typed."""
    words = [parts.get("registry", ""), parts.get("namespace", ""), parts.get("repository", "")]
    name = "/".join(w for w in words if w)
    return f"{name}:{parts['tag']}" if parts.get("tag") else name


class TagBuilderModel(HasTraits):
    """State of one tag builder.

    Attributes:
        source: The image to tag, as chosen or typed.
        sources: The local images offered (``REPOSITORY:TAG``).
        registry, namespace, repository, tag: The target's parts as typed.
        target: The whole target as typed (kept in sync with the parts).
        problems: Part -> its own message, for every invalid part (``source``,
            ``registry``, ``namespace``, ``repository``, ``tag``, ``target``).
        valid: True when the source and the target are both usable.
        normalized: The target as Docker stores it (``docker.io/library/...:latest``).
        tag_cli: The ``docker tag SOURCE TARGET`` line Apply runs.
        push_cli: The ``docker push TARGET`` line Push runs.
        state: One of :data:`STATES`.
        message: What the last action did, for the current source and target only.
        layers: During and after a push: layer -> status.
        revision: Goes up by one after every change a view should draw.
    """

    source = Unicode("")
    sources = List(Unicode())
    registry = Unicode("")
    namespace = Unicode("")
    repository = Unicode("")
    tag = Unicode("")
    target = Unicode("")

    problems = Dict()
    valid = Bool(False)
    normalized = Unicode("")
    tag_cli = Unicode("")
    push_cli = Unicode("")
    state = CaselessStrEnum(STATES, default_value="idle")
    message = Unicode("")
    layers = Dict()
    #: Counts changes to what is shown: a view redraws once per change, not once per trait.
    revision = Int(0)

    def __init__(self, **kwargs: Any) -> None:
        self._syncing = False
        target = kwargs.pop("target", None)
        super().__init__(**kwargs)
        if target is not None:
            self.target = target
        else:
            self._parts_changed()
        self._refresh()

    # ------------------------------------------------------------ syncing
    @observe(*PARTS)
    def _parts_changed(self, change: Any = None) -> None:
        if self._syncing:
            return
        self._syncing = True
        try:
            self.target = join_target({p: getattr(self, p) for p in PARTS})
        finally:
            self._syncing = False
        self._refresh()

    @observe("target")
    def _target_changed(self, change: Any) -> None:
        if self._syncing:
            return
        self._syncing = True
        try:
            for part, value in split_target(self.target).items():
                setattr(self, part, value)
        finally:
            self._syncing = False
        self._refresh()

    @observe("source")
    def _source_changed(self, change: Any) -> None:
        self._refresh()

    # ------------------------------------------------------------ deriving
    def _refresh(self) -> None:
        problems = {}
        source_problem = check_source(self.source)
        if source_problem:
            problems["source"] = source_problem
        for part, check in _CHECKS.items():
            problem = check(getattr(self, part))
            if problem:
                problems[part] = problem
        normalized = ""
        if not set(problems) & set(PARTS):
            if "@" in self.target:
                problems["target"] = ("A tag cannot contain a digest (@sha256:...): the "
                                      "registry computes the digest when you push.")
            else:
                try:
                    normalized = reference.parse(self.target).normalized
                except errors.InvalidReference as err:
                    problems["target"] = f"{err.message}. {err.fix or ''}".strip()
        self.problems = problems
        self.valid = not problems
        self.normalized = normalized
        source = self.source or "SOURCE_IMAGE"
        target = self.target or "TARGET_IMAGE"
        self.tag_cli = Tag(image=source, new_image=target).cli
        self.push_cli = Push(image=target).cli
        # A result speaks of the names it was obtained for, no others.
        busy = self.state in ("pushing", "tagging")
        if not busy and (self.source, self.target) != self._done_for:
            self.state = "idle"
            self.message = ""
            self.layers = {}
        self.revision += 1

    @property
    def error(self) -> str:
        """The first problem, or ``""``."""
        return next(iter(self.problems.values()), "")

    @property
    def can_apply(self) -> bool:
        """Apply (``docker tag``) makes sense: valid, and not what was just done."""
        return self.valid and self.state not in ("tagging", "pushing", "tagged", "pushed")

    @property
    def can_push(self) -> bool:
        """Push makes sense: the target was just tagged (or pushing failed and may be retried)."""
        return self.valid and self.state in ("tagged", "failed") and self._tagged_now

    def explain(self) -> list[dict[str, str]]:
        """One row per part of the target: what it is, what was typed, what Docker uses."""
        if not self.valid:
            return []
        ref = reference.parse(self.target)
        hub = ref.registry == reference.DEFAULT_REGISTRY
        namespace, _, _ = ref.repository.rpartition("/")
        official = ref.is_official
        return [
            {"PART": "registry", "TYPED": self.registry or "(none)", "DOCKER USES": ref.registry,
             "MEANING": "Docker Hub, the default" if hub and not self.registry
             else "the server the image is pushed to"},
            {"PART": "namespace", "TYPED": self.namespace or "(none)",
             "DOCKER USES": namespace or "(none)",
             "MEANING": "official images live under library/" if official
             else "the user or organisation that owns the repository"},
            {"PART": "repository", "TYPED": self.repository, "DOCKER USES": ref.repository,
             "MEANING": "the collection of versions of one image"},
            {"PART": "tag", "TYPED": self.tag or "(none)",
             "DOCKER USES": ref.tag or reference.DEFAULT_TAG,
             "MEANING": "one version; 'latest' when none is given"},
        ]

    # ------------------------------------------------------------ steps and results
    def tag_step(self) -> Tag:
        """The step Apply runs."""
        return Tag(image=self.source, new_image=self.target)

    def push_step(self) -> Push:
        """The step Push runs."""
        return Push(image=self.target)

    _tagged_now = False
    _done_for: tuple[str, str] | None = None

    def started(self, action: str) -> None:
        """An action began (``"tagging"`` or ``"pushing"``)."""
        self._done_for = (self.source, self.target)
        if action == "tagging":
            self._tagged_now = False
        self.message = ""
        self.layers = {}
        self.state = action
        self.revision += 1

    def tagged(self) -> None:
        """``docker tag`` succeeded."""
        self._tagged_now = True
        self.message = f"Tagged {self.source} as {self.target}: one image ID, one more name."
        self.state = "tagged"
        self.revision += 1

    def progressed(self, layers: dict[str, str]) -> None:
        """The push moved on: the latest status of each layer."""
        self.layers = dict(layers)
        self.revision += 1

    def pushed(self, digest: str | None, layers: dict[str, str]) -> None:
        """``docker push`` succeeded."""
        self.layers = dict(layers)
        sent = sum(1 for s in layers.values() if s == "Pushed")
        self.message = (f"Pushed {self.target}: {sent} of {len(layers)} layers sent "
                        f"({len(layers) - sent} already in the registry), digest {digest}.")
        self.state = "pushed"
        self.revision += 1

    def failed(self, err: errors.DocDockerError) -> None:
        """The action failed; the message is the friendly one."""
        self.message = f"{err.title}: {err.message}"
        self.state = "failed"
        self.revision += 1

    def forget(self) -> None:
        """The result no longer holds (its tag was removed): back to the start."""
        self._done_for = None
        self._tagged_now = False
        self.state, self.message, self.layers = "idle", "", {}
        self.revision += 1

    def summary(self) -> str:
        """Plain text: the lines, the problems and the last result."""
        lines = [f"TagBuilder: {self.source or '(no source)'} -> {self.target or '(no target)'}",
                 f"$ {self.tag_cli}", f"$ {self.push_cli}"]
        if self.normalized:
            lines.append(f"normalized: {self.normalized}")
        lines += [f"{part}: {problem}" for part, problem in self.problems.items()]
        if self.message:
            lines.append(self.message)
        return "\n".join(lines)
