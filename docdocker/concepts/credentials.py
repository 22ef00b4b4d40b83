"""Registry credentials: a password that never shows, htpasswd files, the CLI's config file.

A password is held in a :class:`Secret`, whose ``repr``, ``str`` and HTML forms
are masked, so that printing a step, a result or a variable never shows it; the
one way to read it is :meth:`Secret.reveal`, called only where it is sent.

:func:`htpasswd_line` writes the entry a ``registry:2`` container checks logins
against (Docker Distribution accepts bcrypt entries only).

:func:`config_summary` reads the ``docker`` CLI's ``config.json`` the way a
careful person would: which registries have credentials stored and how (a
credential helper, or ``auth``: base64 of ``user:password``), never the
credentials themselves.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bcrypt

from docdocker.base import errors

#: What every masked form shows.
MASK = "********"


class Secret:
    """A password that is never shown.

    Example:
        >>> s = Secret("correct horse")
        >>> s
        Secret('********')
        >>> f"{s}"
        '********'
        >>> s.reveal()
        'correct horse'
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError(f"a Secret holds text, not {type(value).__name__}")
        self._value = value

    @classmethod
    def generate(cls, nbytes: int = 18) -> Secret:
        """A new random password (URL-safe text, ``nbytes`` random bytes)."""
        return cls(secrets.token_urlsafe(nbytes))

    def reveal(self) -> str:
        """The password itself, for the one call that sends it."""
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return secrets.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash((Secret, len(self._value)))

    def __repr__(self) -> str:
        return f"Secret('{MASK}')"

    def __str__(self) -> str:
        return MASK

    def __format__(self, spec: str) -> str:
        return MASK

    def _repr_html_(self) -> str:
        return f"<code>Secret('{MASK}')</code>"

    def __reduce__(self) -> Any:
        # Pickling (e.g. a notebook's variable inspector saving state) would write the
        # password to disk: refuse rather than leak it.
        raise TypeError("a Secret cannot be pickled")


def htpasswd_line(user: str, password: Secret, *, rounds: int = 10) -> str:
    """One ``user:$2b$...`` line for a registry's htpasswd file (bcrypt).

    Equivalent CLI: ``htpasswd -Bbn USER PASSWORD`` (from apache2-utils)

    Raises:
        docdocker.base.errors.DocDockerError: The user name contains ``:`` or a line break,
            or the password is empty or longer than bcrypt's 72 bytes.
    """
    if not user or any(c in user for c in ":\r\n"):
        raise errors.DocDockerError(
            f"Invalid user name for an htpasswd file: {user!r}.",
            fix="Use a name without ':' and without line breaks, such as 'student'.",
        )
    secret = password.reveal().encode()
    if not secret or len(secret) > 72:
        raise errors.DocDockerError(
            f"The password must be 1 to 72 bytes long for bcrypt (it is {len(secret)}).",
            fix="Choose another password, or use Secret.generate().",
        )
    hashed = bcrypt.hashpw(secret, bcrypt.gensalt(rounds=rounds)).decode()
    return f"{user}:{hashed}"


def write_htpasswd(folder: str | os.PathLike[str], user: str, password: Secret) -> Path:
    """Write ``folder/htpasswd`` with one bcrypt entry, readable by its owner only.

    The folder is what a registry container mounts (``-v FOLDER:/auth:ro``).

    Equivalent CLI: ``htpasswd -Bbc FOLDER/htpasswd USER PASSWORD``

    Returns:
        The file's path.
    """
    path = Path(folder) / "htpasswd"
    path.parent.mkdir(parents=True, exist_ok=True)
    line = htpasswd_line(user, password)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(line + "\n")
    # The registry runs as another user inside its container and must read the file;
    # it holds a bcrypt hash, never the password.
    path.chmod(0o644)
    return path


def config_path() -> Path:
    """Where the ``docker`` CLI keeps its settings: ``$DOCKER_CONFIG/config.json``.

    Equivalent CLI: ``echo ${DOCKER_CONFIG:-~/.docker}/config.json``
    """
    folder = os.environ.get("DOCKER_CONFIG") or os.path.join(os.path.expanduser("~"), ".docker")
    return Path(folder) / "config.json"


@dataclass(frozen=True)
class ConfigSummary:
    """What a ``config.json`` says about stored credentials, without the credentials.

    Attributes:
        path: The file read.
        exists: Whether it exists.
        mtime: Its modification time (None when missing).
        auths: Registry -> how its credentials are stored: ``"auth (base64 user:password)"``,
            ``"identity token"``, or ``"entry without credentials"``.
        creds_store: The credential helper for every registry (``credsStore``), or None.
        cred_helpers: Registry -> credential helper (``credHelpers``).
    """

    path: Path
    exists: bool
    mtime: float | None = None
    auths: dict[str, str] = field(default_factory=dict)
    creds_store: str | None = None
    cred_helpers: dict[str, str] = field(default_factory=dict)

    @property
    def rows(self) -> list[dict[str, str]]:
        """One row per registry: where its credentials are."""
        helper = self.creds_store
        rows = [{"REGISTRY": k, "STORED AS": v} for k, v in sorted(self.auths.items())]
        rows += [{"REGISTRY": k, "STORED AS": f"credential helper docker-credential-{v}"}
                 for k, v in sorted(self.cred_helpers.items())]
        if helper:
            rows.append({"REGISTRY": "(every other)",
                         "STORED AS": f"credential helper docker-credential-{helper}"})
        return rows


def config_summary(path: Path | None = None) -> ConfigSummary:
    """Read ``config.json`` (default :func:`config_path`) and say how credentials are kept.

    Equivalent CLI: ``cat ~/.docker/config.json`` (this shows no secret; that would)
    """
    path = path or config_path()
    try:
        stat = path.stat()
        data = json.loads(path.read_text() or "{}")
    except FileNotFoundError:
        return ConfigSummary(path, exists=False)
    except (OSError, ValueError) as err:
        raise errors.DocDockerError(
            f"Cannot read {path}: {err}.",
            fix="Check the file is valid JSON (`python -m json.tool` on it).",
        ) from err
    auths = {}
    for registry, entry in (data.get("auths") or {}).items():
        entry = entry or {}
        if entry.get("auth"):
            how = "auth (base64 of user:password)"
        elif entry.get("identitytoken"):
            how = "identity token"
        else:
            how = "entry without credentials (kept by the credential helper)"
        auths[registry] = how
    return ConfigSummary(path, True, stat.st_mtime, auths, data.get("credsStore"),
                         dict(data.get("credHelpers") or {}))


def decode_auth(auth: str) -> tuple[str, str]:
    """Undo a ``config.json`` ``auth`` value: base64 is an encoding, not encryption.

    Example:
        >>> decode_auth("c3R1ZGVudDpleGFtcGxl")
        ('student', 'example')
    """
    user, _, password = base64.b64decode(auth).decode("utf-8").partition(":")
    return user, password
