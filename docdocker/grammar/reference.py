"""Image references: the ``name[:tag][@digest]`` strings that ``docker pull`` takes.

The grammar follows Docker's own parser (``distribution/reference`` together
with ``opencontainers/go-digest``)::

    reference       := name [ ":" tag ] [ "@" digest ]
    name            := [ domain "/" ] path
    domain          := host [ ":" port ]
    host            := domain-name | IPv4 address | "[" IPv6 address "]"
    domain-name     := label ( "." label )*
    label           := [A-Za-z0-9] | [A-Za-z0-9] [A-Za-z0-9-]* [A-Za-z0-9]
    port            := [0-9]+
    path            := path-component ( "/" path-component )*
    path-component  := alphanumeric ( separator alphanumeric )*
    alphanumeric    := [a-z0-9]+
    separator       := "." | "_" | "__" | "-"+
    tag             := [A-Za-z0-9_] [A-Za-z0-9_.-]{0,127}
    digest          := algorithm ":" hex
    algorithm       := [A-Za-z][A-Za-z0-9]* ( [-_+.] [A-Za-z][A-Za-z0-9]* )*
    hex             := lowercase hex, 64 for sha256, 96 for sha384, 128 for sha512

Whether the first ``/``-separated part is a registry is decided the way
``docker`` decides it: it is a registry when it contains a ``.`` or a ``:``,
is exactly ``localhost``, or contains an uppercase letter (repository names
may not, so Docker assumes a host name). Otherwise the image lives on Docker
Hub (``docker.io``), and a one-part name such as ``nginx`` is an official
image, short for ``docker.io/library/nginx``. Two consequences surprise
people and are kept on purpose, because ``docker`` behaves the same way:

* ``localhost:5000`` on its own is the image ``localhost`` with tag ``5000``;
  a registry needs a repository after it (``localhost:5000/app``).
* ``MyUser/app`` names the registry host ``MyUser``, not a Docker Hub user.

The full name (registry and repository, as Docker normalizes them) may be at
most 255 characters, a tag at most 128, and a bare 64-character lowercase hex
string is refused because it looks like an image ID.

Example:
    >>> ref = parse("nginx")
    >>> ref.normalized
    'docker.io/library/nginx:latest'
    >>> parse("docker.io/library/nginx:1.25").familiar
    'nginx:1.25'
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Final

from docdocker.base.errors import InvalidReference

__all__ = [
    "DEFAULT_REGISTRY",
    "DEFAULT_TAG",
    "DIGEST_HEX_LENGTHS",
    "MAX_NAME_LENGTH",
    "MAX_TAG_LENGTH",
    "ImageRef",
    "parse",
]

DEFAULT_REGISTRY: Final = "docker.io"
"""Registry used when a reference names none (Docker Hub)."""

LEGACY_REGISTRY: Final = "index.docker.io"
"""Docker Hub's old name; normalized to :data:`DEFAULT_REGISTRY`."""

OFFICIAL_PREFIX: Final = "library/"
"""Docker Hub namespace of the official images (``nginx`` is ``library/nginx``)."""

DEFAULT_TAG: Final = "latest"
"""Tag Docker adds when a reference has neither a tag nor a digest."""

MAX_NAME_LENGTH: Final = 255
"""Longest allowed normalized name (registry + ``/`` + repository)."""

MAX_TAG_LENGTH: Final = 128
"""Longest allowed tag."""

DIGEST_HEX_LENGTHS: Final = MappingProxyType({"sha256": 64, "sha384": 96, "sha512": 128})
"""Digest algorithms Docker accepts, with the exact number of hex characters each needs."""

_DIGITS: Final = frozenset(string.digits)
_LETTERS: Final = frozenset(string.ascii_letters)
_LOWER_ALNUM: Final = frozenset(string.ascii_lowercase + string.digits)
_HEX: Final = frozenset(string.hexdigits)
_PATH_CHARS: Final = _LETTERS | _DIGITS | frozenset("._-/")
_LABEL_CHARS: Final = _LETTERS | _DIGITS | frozenset("-")
_HOST_CHARS: Final = _LABEL_CHARS | frozenset(".")
_IPV6_CHARS: Final = _HEX | frozenset(":")
# Go's `\w` in the tag grammar is ASCII-only, unlike Python's, so the set is spelled out.
_TAG_CHARS: Final = _LETTERS | _DIGITS | frozenset("_.-")
_ALGORITHM_CHARS: Final = _LETTERS | _DIGITS | frozenset("-_+.")

_IMAGE_ID: Final = re.compile(r"[a-f0-9]{64}")
_ALGORITHM: Final = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*")
_SEPARATOR_RUN: Final = re.compile(r"[._-]+")

# Long inputs (name-too-long errors) are shortened when quoted so the message stays readable.
# The whole reference keeps more, as it is the context; a part of it is cut shorter.
_QUOTE_LIMIT: Final = 80
_PART_LIMIT: Final = 40
_DIGEST_EXAMPLE: Final = "sha256:<64 hex characters>"


@dataclass(frozen=True, kw_only=True)
class ImageRef:
    """A parsed image reference, split into the parts as written.

    Build one with :func:`parse`. Constructing it directly is allowed, but the
    fields must describe a reference that :func:`parse` would give back, or
    :class:`~docdocker.base.errors.InvalidReference` is raised.

    Attributes:
        domain: The registry ``host[:port]`` as written, or None when the text
            names no registry (``nginx``, ``user/app``).
        path: The repository path as written (``nginx``, ``user/app``,
            ``library/nginx``).
        tag: The tag, or None when absent. ``latest`` is not filled in here.
        digest: The digest (``sha256:...``), or None when absent.
    """

    domain: str | None = None
    path: str
    tag: str | None = None
    digest: str | None = None

    def __post_init__(self) -> None:
        fields = {"domain": self.domain, "path": self.path, "tag": self.tag, "digest": self.digest}
        for field, value in fields.items():
            if not isinstance(value, str) and not (value is None and field != "path"):
                raise InvalidReference(
                    f"ImageRef.{field} must be text, got {type(value).__name__} {_part(value)}",
                    fix="Create image references with docdocker.grammar.reference.parse('...').",
                )
        # Re-parsing the rendered text is the one way to be sure the fields
        # agree with the grammar, including where the domain/path split falls.
        text = str(self)
        parts = _split(text)
        if parts != (self.domain, self.path, self.tag, self.digest):
            domain, path, tag, digest = parts
            raise InvalidReference(
                f"these parts do not make up the reference they claim: {_quote(text)} reads as"
                f" domain={_part(domain)}, path={_part(path)}, tag={_part(tag)},"
                f" digest={_part(digest)}",
                fix="Create image references with docdocker.grammar.reference.parse('...').",
            )

    def __str__(self) -> str:
        """Return the reference as written, e.g. ``localhost:5000/app:1``."""
        return _join(self.domain, self.path, self.tag, self.digest)

    @property
    def name(self) -> str:
        """The domain and path as written, without tag or digest (``localhost:5000/app``)."""
        return self.path if self.domain is None else f"{self.domain}/{self.path}"

    @property
    def registry(self) -> str:
        """The normalized registry: ``docker.io`` when none is written.

        ``index.docker.io`` (Docker Hub's old name) also becomes ``docker.io``.
        """
        return _normalize_domain(self.domain)

    @property
    def repository(self) -> str:
        """The normalized repository path (``library/nginx`` for ``nginx``)."""
        return _normalize_path(self.domain, self.path)

    @property
    def normalized(self) -> str:
        """The fully qualified reference Docker works with.

        ``nginx`` becomes ``docker.io/library/nginx:latest``. The ``latest`` tag
        is added only when there is neither a tag nor a digest.
        """
        tag = self.tag
        if tag is None and self.digest is None:
            tag = DEFAULT_TAG
        return _join(self.registry, self.repository, tag, self.digest)

    @property
    def familiar(self) -> str:
        """The short form ``docker`` prints: no ``docker.io/``, no ``library/``.

        The tag and digest are kept as given; ``latest`` is not added.
        """
        if self.registry != DEFAULT_REGISTRY:
            return _join(self.registry, self.repository, self.tag, self.digest)
        path = self.repository
        # Only a single-level name under library/ is an official image; Docker
        # keeps nested paths such as library/foo/bar as they are.
        short = path.removeprefix(OFFICIAL_PREFIX)
        if path.startswith(OFFICIAL_PREFIX) and "/" not in short:
            path = short
        return _join(None, path, self.tag, self.digest)

    @property
    def is_official(self) -> bool:
        """True for Docker Hub official images (``docker.io/library/<name>``)."""
        repository = self.repository
        return (
            self.registry == DEFAULT_REGISTRY
            and repository.startswith(OFFICIAL_PREFIX)
            and "/" not in repository.removeprefix(OFFICIAL_PREFIX)
        )

    def with_tag(self, tag: str) -> ImageRef:
        """Return a copy with ``tag`` as its tag; any digest is kept.

        Args:
            tag: The new tag, e.g. ``"1.25"``.

        Returns:
            A new :class:`ImageRef`.

        Raises:
            InvalidReference: If ``tag`` is not a valid tag.
        """
        if not isinstance(tag, str):
            raise InvalidReference(
                f"a tag must be text, got {type(tag).__name__} {_part(tag)}",
                fix=f"Pass the tag as a string, e.g. with_tag({_part(str(tag))}).",
            )
        _check_tag(_join(self.domain, self.path, tag, self.digest), tag, len(self.name) + 1)
        return replace(self, tag=tag)


def parse(text: str) -> ImageRef:
    """Parse an image reference the way ``docker pull`` does.

    Args:
        text: A reference such as ``nginx``, ``user/app:1.0``,
            ``localhost:5000/app`` or ``nginx@sha256:<64 hex characters>``.

    Returns:
        The parsed :class:`ImageRef`.

    Raises:
        InvalidReference: If ``text`` is not a valid reference. The message
            names the problem and quotes ``text``; ``fix`` suggests a repair.
    """
    if not isinstance(text, str):
        raise InvalidReference(
            f"an image reference must be text, got {type(text).__name__} {_part(text)}",
            fix="Pass the image name as a string, e.g. parse('nginx:1.25').",
        )
    domain, path, tag, digest = _split(text)
    return ImageRef(domain=domain, path=path, tag=tag, digest=digest)


def _normalize_domain(domain: str | None) -> str:
    """Return the registry Docker uses for ``domain`` as written."""
    if domain is None or domain == LEGACY_REGISTRY:
        return DEFAULT_REGISTRY
    return domain


def _normalize_path(domain: str | None, path: str) -> str:
    """Return the repository path Docker uses (official images gain ``library/``)."""
    if _normalize_domain(domain) == DEFAULT_REGISTRY and "/" not in path:
        return OFFICIAL_PREFIX + path
    return path


def _join(domain: str | None, path: str, tag: str | None, digest: str | None) -> str:
    """Assemble ``[domain/]path[:tag][@digest]``."""
    text = path if domain is None else f"{domain}/{path}"
    if tag is not None:
        text += f":{tag}"
    if digest is not None:
        text += f"@{digest}"
    return text


def _quote(value: object, limit: int = _QUOTE_LIMIT) -> str:
    """Quote ``value`` for a message, keeping its start and end if it is longer than ``limit``.

    Args:
        value: The text to quote; anything else is quoted by its (shortened) repr.
        limit: Longest text quoted in full.
    """
    if not isinstance(value, str):
        text = repr(value)
        return text if len(text) <= limit else f"{text[: limit - 3]}..."
    if len(value) > limit:
        value = f"{value[: limit * 5 // 8]}...{value[-(limit // 4) :]}"
    return repr(value)


def _part(value: object) -> str:
    """Quote one part of a reference (a tag, a path, a host) for a message, shortened."""
    return _quote(value, _PART_LIMIT)


def _example(value: str, fallback: str) -> str:
    """Return ``value`` as an example for a fix, or ``fallback`` if it is too long to read."""
    return value if len(value) <= _QUOTE_LIMIT else fallback


def _bad_char(text: str, pos: int, where: str, allowed: str, fix: str) -> InvalidReference:
    """Build the error for the character at ``text[pos]``.

    Args:
        text: The whole reference, quoted in the message.
        pos: Index of the offending character in ``text``.
        where: The part of the reference it sits in, e.g. ``"a tag"``.
        allowed: What that part may contain, in words.
        fix: The hint for this part; whitespace gets its own hint instead.
    """
    char = text[pos]
    if char.isspace():
        fix = "Remove the spaces (and any other blank characters) from the image reference."
    return InvalidReference(
        f"invalid character {char!r} at position {pos} in {_quote(text)} (counting from 0):"
        f" {where} may only contain {allowed}",
        fix=fix,
    )


def _split(text: str) -> tuple[str | None, str, str | None, str | None]:
    """Validate ``text`` and split it into (domain, path, tag, digest).

    Raises:
        InvalidReference: On the first problem found, left to right.
    """
    if not text:
        raise InvalidReference(
            "the image reference is empty ('')",
            fix="Give an image name, for example 'nginx' or 'nginx:1.25'.",
        )
    if _IMAGE_ID.fullmatch(text):
        raise InvalidReference(
            f"{_quote(text)} is 64 hex characters, which Docker treats as an image ID, not as"
            " an image name",
            fix="Put a repository name in front to pin that content, e.g. 'myapp@sha256:<id>',"
            " or pass the ID only where Docker expects an image ID (such as 'docker run <id>').",
        )
    scheme_end = text.find("://")
    if scheme_end != -1:
        # No valid reference contains "://", so this is always a pasted URL.
        scheme = text[: scheme_end + 3]
        raise InvalidReference(
            f"{_quote(text)} looks like a web address; image references do not start with"
            f" {_part(scheme)}",
            fix=f"Leave out {_part(scheme)}: write {_quote(text[scheme_end + 3 :])}.",
        )

    # Neither names nor tags contain "@", and a tag's ":" is the only one after
    # the last "/" (a registry's port colon comes before the first "/").
    name, at_sign, digest_text = text.partition("@")
    tag: str | None = None
    colon = name.rfind(":")
    if colon > name.rfind("/"):
        name, tag = name[:colon], name[colon + 1 :]
    if not name:
        separator = ":" if tag is not None else "@"
        raise InvalidReference(
            f"{_quote(text)} has no image name before {separator!r}",
            fix="Put the image name first, e.g. 'nginx:1.25' or 'nginx@sha256:<digest>'.",
        )
    digest = digest_text if at_sign else None

    domain, path = _split_domain(name)
    if domain is not None:
        _check_domain(text, domain)
    _check_path(text, domain, path, tag, digest)
    if tag is not None:
        _check_tag(text, tag, len(name) + 1)
    if digest is not None:
        _check_digest(text, digest, len(text) - len(digest))
    _check_length(text, domain, path)
    return domain, path, tag, digest


def _split_domain(name: str) -> tuple[str | None, str]:
    """Split ``name`` into (domain, path) the way Docker's splitDockerDomain does."""
    first, slash, rest = name.partition("/")
    if not slash:
        return None, name
    if (
        first in ("localhost", LEGACY_REGISTRY)
        or "." in first
        or ":" in first
        # Repository names are lowercase, so an uppercase first part can only be a host.
        or first != first.lower()
    ):
        return first, rest
    return None, name


def _check_domain(text: str, domain: str) -> None:
    """Check the registry part, which always starts at position 0 of ``text``."""
    fix = (
        "A registry address looks like 'registry.example.com', 'localhost:5000',"
        " '192.168.1.10:5000' or '[::1]:5000', followed by '/' and the repository."
    )
    if domain.startswith("["):
        end = domain.find("]")
        if end == -1:
            raise InvalidReference(
                f"the IPv6 registry address in {_quote(text)} has no closing ']'",
                fix="Close the brackets around the IPv6 address, e.g. '[::1]:5000/myapp'.",
            )
        if end == 1:
            raise InvalidReference(
                f"the brackets '[]' in {_quote(text)} hold no IPv6 address",
                fix="Put the IPv6 address between the brackets, e.g. '[::1]:5000/myapp'.",
            )
        for pos in range(1, end):
            if domain[pos] not in _IPV6_CHARS:
                raise _bad_char(
                    text,
                    pos,
                    "an IPv6 address in brackets",
                    "hex digits and ':' (zone names like '%eth0' and dotted IPv4 parts are"
                    " not supported)",
                    "Write the IPv6 address in plain hex form, e.g. '[fd00::1]:5000/myapp'.",
                )
        port_start = end + 1
    else:
        colon = domain.find(":")
        port_start = len(domain) if colon == -1 else colon
        host = domain[:port_start]
        for pos, char in enumerate(host):
            if char not in _HOST_CHARS:
                raise _bad_char(text, pos, "a registry name", "letters, digits, '-' and '.'", fix)
        for label in host.split("."):
            if not label:
                raise InvalidReference(
                    f"the registry name {_part(host)} in {_quote(text)} has an empty part"
                    " (a '.' at the start or end, or two in a row)",
                    fix=fix,
                )
            if label[0] == "-" or label[-1] == "-":
                raise InvalidReference(
                    f"the part {_part(label)} of the registry name {_part(host)} in"
                    f" {_quote(text)}"
                    " starts or ends with '-'",
                    fix=fix,
                )

    port = domain[port_start:]
    if not port:
        return
    if port[0] != ":":
        raise _bad_char(text, port_start, "the registry address after ']'", "':' and a port", fix)
    if len(port) == 1:
        raise InvalidReference(
            f"the registry address {_part(domain)} in {_quote(text)} has a ':' but no port"
            " number",
            fix=f"Write the port after the colon, e.g. '{_example(domain, 'localhost:')}5000/...',"
            " or drop the colon.",
        )
    for pos in range(port_start + 1, len(domain)):
        if domain[pos] not in _DIGITS:
            port_fix = fix
            if domain.count(":") > 1 and not domain.startswith("["):
                port_fix = (
                    "An IPv6 registry address must be in brackets, e.g. '[fd00::1]:5000/app'."
                )
            raise _bad_char(text, pos, "a registry port", "the digits 0-9", port_fix)


def _check_path(
    text: str, domain: str | None, path: str, tag: str | None, digest: str | None
) -> None:
    """Check the repository path; it follows the domain and its '/' in ``text``."""
    offset = 0 if domain is None else len(domain) + 1
    if not path:
        raise InvalidReference(
            f"{_quote(text)} has no repository name after the registry {_part(domain)}",
            fix=f"Add the repository after the slash, e.g. '{_example(str(domain), 'localhost')}"
            "/myapp'.",
        )
    fix = "Use lowercase letters and digits, joined by '.', '_', '__' or '-', e.g. 'my-app'."
    for index, char in enumerate(path):
        if char not in _PATH_CHARS:
            raise _bad_char(
                text,
                offset + index,
                "a repository name",
                "lowercase letters, digits, '.', '_', '-' and '/'",
                fix,
            )

    start = 0
    for component in path.split("/"):
        where = offset + start
        if not component:
            if start == 0:
                problem = "starts with '/'"
            elif start == len(path):
                problem = "ends with '/'"
            else:
                problem = f"has an empty part ('//') at position {where - 1}"
            raise InvalidReference(
                f"the repository name {_part(path)} in {_quote(text)} {problem}",
                fix="Separate the parts of the name with single slashes, e.g. 'user/app'.",
            )
        # Case is checked last, so that the lowercase suggestion below is a valid name.
        lowered = component.lower()
        if lowered[0] not in _LOWER_ALNUM or lowered[-1] not in _LOWER_ALNUM:
            raise InvalidReference(
                f"the part {_part(component)} of the repository name in {_quote(text)} must"
                " start"
                " and end with a lowercase letter or digit",
                fix="Remove the leading or trailing separators:"
                f" {_part(component.strip('._-'))}.",
            )
        for run in _SEPARATOR_RUN.finditer(lowered):
            separator = run.group()
            if separator not in (".", "_", "__") and set(separator) != {"-"}:
                raise InvalidReference(
                    f"the separator {_part(separator)} at position {where + run.start()} in"
                    f" {_quote(text)} is not allowed: letters and digits may be joined only by"
                    " one '.', one or two '_', or any number of '-'",
                    fix=fix,
                )
        start += len(component) + 1

    if path != path.lower():
        suggestion = _join(domain, path.lower(), tag, digest)
        raise InvalidReference(
            f"the repository name {_part(path)} in {_quote(text)} must be lowercase",
            fix=f"Use {_quote(suggestion)} instead.",
        )


def _check_tag(text: str, tag: str, offset: int) -> None:
    """Check a tag that starts at ``text[offset]``."""
    if not tag:
        raise InvalidReference(
            f"the tag after ':' in {_quote(text)} is empty",
            fix="Write a tag after the colon, e.g. 'nginx:1.25', or drop the colon to get"
            " 'latest'.",
        )
    fix = "Use letters, digits, '_', '.' and '-' in tags, e.g. 'v1.2.3' or '2024-05-01'."
    for index, char in enumerate(tag):
        if char not in _TAG_CHARS:
            raise _bad_char(text, offset + index, "a tag", "letters, digits, '_', '.' and '-'", fix)
    if tag[0] in ".-":
        raise InvalidReference(
            f"invalid tag {_part(tag)} in {_quote(text)}: a tag must start with a letter, a"
            f" digit or '_', not {tag[0]!r}",
            fix=f"Drop the leading {tag[0]!r}: {_part(tag.lstrip('.-') or 'v1')}.",
        )
    if len(tag) > MAX_TAG_LENGTH:
        raise InvalidReference(
            f"the tag in {_quote(text)} is too long: {len(tag)} characters, and the limit is"
            f" {MAX_TAG_LENGTH}",
            fix=f"Shorten the tag to at most {MAX_TAG_LENGTH} characters.",
        )


def _check_digest(text: str, digest: str, offset: int) -> None:
    """Check a digest that starts at ``text[offset]``."""
    fix = f"A digest looks like '{_DIGEST_EXAMPLE}'; copy it whole from 'docker images --digests'."
    if not digest:
        raise InvalidReference(
            f"nothing follows '@' in {_quote(text)}; a digest was expected",
            fix=f"Write a digest after '@', e.g. 'nginx@{_DIGEST_EXAMPLE}', or drop the '@'.",
        )
    for index, char in enumerate(digest):
        if char not in _ALGORITHM_CHARS and char != ":":
            raise _bad_char(
                text, offset + index, "a digest", "letters, digits, ':' and '-_+.'", fix
            )
    algorithm, colon, hex_part = digest.partition(":")
    if not colon or not algorithm:
        raise InvalidReference(
            f"the digest {_part(digest)} in {_quote(text)} is not 'algorithm:hex'",
            fix=fix,
        )
    for index, char in enumerate(algorithm):
        if char not in _ALGORITHM_CHARS:
            raise _bad_char(
                text, offset + index, "a digest algorithm", "letters, digits and '-_+.'", fix
            )
    if not _ALGORITHM.fullmatch(algorithm):
        raise InvalidReference(
            f"the digest algorithm {_part(algorithm)} in {_quote(text)} is malformed",
            fix=fix,
        )
    expected = DIGEST_HEX_LENGTHS.get(algorithm)
    if expected is None:
        if algorithm.lower() in DIGEST_HEX_LENGTHS:
            message = (
                f"the digest algorithm {_part(algorithm)} in {_quote(text)} must be lowercase"
            )
            fix = f"Write {algorithm.lower()!r} instead of {_part(algorithm)}."
        else:
            message = (
                f"unsupported digest algorithm {_part(algorithm)} in {_quote(text)}: Docker"
                " accepts"
                f" {', '.join(DIGEST_HEX_LENGTHS)}"
            )
        raise InvalidReference(message, fix=fix)
    hex_offset = offset + len(algorithm) + 1
    for index, char in enumerate(hex_part):
        if char not in _HEX:
            raise _bad_char(
                text, hex_offset + index, "a digest's hex part", "the digits 0-9 and a-f", fix
            )
    if len(hex_part) != expected:
        raise InvalidReference(
            f"the digest in {_quote(text)} has the wrong length: expected {expected} hex"
            f" characters for {algorithm}, got {len(hex_part)}",
            fix=fix,
        )
    if hex_part != hex_part.lower():
        raise InvalidReference(
            f"the digest in {_quote(text)} must use lowercase hex (a-f, not A-F)",
            fix=f"Write it as '{algorithm}:{hex_part.lower()}'.",
        )


def _check_length(text: str, domain: str | None, path: str) -> None:
    """Check the name length as Docker counts it: on the normalized name."""
    full = f"{_normalize_domain(domain)}/{_normalize_path(domain, path)}"
    if len(full) <= MAX_NAME_LENGTH:
        return
    written = path if domain is None else f"{domain}/{path}"
    note = ""
    if full != written:
        note = f" (Docker counts the full name {_quote(full)}, not only what was typed)"
    raise InvalidReference(
        f"the image name in {_quote(text)} is too long: {len(full)} characters, and the limit is"
        f" {MAX_NAME_LENGTH}{note}",
        fix=f"Shorten the registry and repository name to at most {MAX_NAME_LENGTH} characters"
        " in total.",
    )
