"""The secrets rule: what a password looks like, and how it is shown instead.

Passwords never reach an echo, an output, a saved notebook or a log. A command
line (:func:`mask_argv`), a ``NAME=VALUE`` pair (:func:`mask_pair`), free text
(:func:`mask_text`) and plain data (:func:`mask_data`) are masked by one rule:
the name and the value decide together (:func:`mask_value`). Every layer masks
with it (errors, steps, the engine's results, recordings), so it sits at the
bottom and imports nothing of docdocker.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

#: What a secret value is shown as.
MASK = "******"
#: Flags whose value is ``NAME=VALUE`` and is masked when NAME looks secret.
_ENV_FLAGS = ("-e", "--env", "--build-arg")
#: Flags whose whole value is a secret.
_SECRET_FLAGS = ("--password",)
_SECRET_PARTS = frozenset({
    "password", "passwd", "passphrase", "pass", "pw", "token", "secret", "secrets",
    "key", "apikey", "credential", "credentials", "creds", "auth", "authorization",
    "cookie", "privatekey", "accesskey", "secretkey", "pat", "jwt",
})
_SECRET_ENDINGS = ("password", "passwd", "token", "secret", "apikey", "accesskey",
                   "privatekey", "credential", "credentials")
#: A variable whose name ends in one of these holds a setting about a secret, not the
#: secret itself: ``REGISTRY_AUTH_HTPASSWD_PATH=/auth/htpasswd``, ``..._REALM``.
_SETTING_ENDINGS = frozenset({
    "path", "file", "dir", "realm", "method", "type", "mode", "enabled", "user",
    "username", "name", "host", "port", "url", "uri",
})
#: Values of ``*_AUTH`` and similar that name a kind of authentication, not a secret.
_AUTH_KINDS = frozenset({
    "htpasswd", "token", "silly", "basic", "bearer", "none", "true", "false", "yes", "no",
    "trust", "md5", "ldap", "oauth", "oauth2", "jwt", "scram-sha-256", "password",
})
_WORD_PARTS = re.compile(r"[^0-9A-Za-z]+|(?<=[a-z0-9])(?=[A-Z])")
#: The password inside a URL: ``scheme://user:PASSWORD@host``.
_URL_PASSWORD = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://[^\s:/@]+:)([^\s@/]+)(@)")
#: A secret passed as a program's option inside a value: ``--requirepass hunter2``.
_PASSWORD_OPTION = re.compile(
    r"(--?(?:requirepass|masterauth|password|passwd|pass|token|secret|api-key)(?:[= ]))"
    r"([^\s\"',]+)")
#: Values that are secrets whatever their name: a JWT, GitHub's tokens.
_SECRET_VALUE = re.compile(
    r"\beyJ[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]+"
    r"|\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}|\bgithub_pat_[A-Za-z0-9_]{20,}")
#: ``NAME=VALUE`` inside free text (``docker history``, ``env``, inspect's JSON).
_PAIR_IN_TEXT = re.compile(r"(?<![A-Za-z0-9_.-])([A-Za-z_][A-Za-z0-9_.-]*)=([^\s\"',\]]*)")


def looks_secret(name: str) -> bool:
    """True when an environment variable's name says its value is a secret.

    The name is cut into word parts (at ``_``, ``-``, ``.`` and lowerCamel
    boundaries) and compared case-insensitively: ``POSTGRES_PASSWORD``,
    ``githubToken``, ``AWS_SECRET_ACCESS_KEY``, ``MYSQL_PWD``, ``GITHUB_PAT`` are
    secret; ``KEYBOARD``, ``MONKEY``, the working directory ``PWD`` and settings
    about a secret (``REGISTRY_AUTH_HTPASSWD_PATH``, ``..._REALM``) are not. The
    value decides too: see :func:`mask_value`.
    """
    parts = [p.lower() for p in _WORD_PARTS.split(name) if p]
    if not parts or parts[-1] in _SETTING_ENDINGS:
        return False
    if any(p in _SECRET_PARTS or p.endswith(_SECRET_ENDINGS) for p in parts):
        return True
    return "pwd" in parts and len(parts) > 1


def mask_value(name: str, value: str) -> str:
    """The value of variable ``name`` as it may be shown: secrets in it replaced by MASK.

    Name and value decide together. A secret-looking name masks the whole value,
    unless the value names a kind of authentication (``REGISTRY_AUTH=htpasswd``).
    Whatever the name, the password inside a URL
    (``postgres://u:******@host/db``), the value of a password option
    (``--requirepass ******``) and a value that is a token by its form (a JWT,
    ``ghp_...``) are masked.
    """
    if not value:
        return value
    if looks_secret(name) and value.lower() not in _AUTH_KINDS:
        return MASK
    return _mask_in_value(value)


def _mask_in_value(value: str) -> str:
    if "://" in value:
        value = _URL_PASSWORD.sub(lambda m: m.group(1) + MASK + m.group(3), value)
    if "-" in value:
        value = _PASSWORD_OPTION.sub(lambda m: m.group(1) + MASK, value)
    return _SECRET_VALUE.sub(MASK, value)


def mask_pair(word: str) -> str:
    """``NAME=VALUE`` with the secrets in VALUE masked (:func:`mask_value`)."""
    name, sep, value = word.partition("=")
    return f"{name}={mask_value(name, value)}" if sep else word


def mask_text(text: str) -> str:
    """Free text fit to show or save: every ``NAME=VALUE`` in it masked as
    :func:`mask_value` says, and secrets recognised by their form.

    For what a step prints or returns: ``docker history``'s
    ``|1 DB_PASSWORD=hunter2 /bin/sh -c ...``, ``env`` inside a container, logs,
    ``docker inspect``'s ``"Env"``. Linear in the length of the text.
    """
    if "=" not in text and "://" not in text and "-" not in text and "eyJ" not in text \
            and "_" not in text:
        return text
    text = _PAIR_IN_TEXT.sub(lambda m: f"{m.group(1)}={mask_value(m.group(1), m.group(2))}",
                             text)
    return _mask_in_value(text)


def mask_data(value: Any) -> Any:
    """A copy of plain data (dicts, lists, strings) with :func:`mask_text` applied to
    every string; anything else is returned as it is."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {k: mask_data(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_data(v) for v in value]
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return tuple(mask_data(v) for v in value)
    return value


def revealed(value: Any) -> Any:
    """The value itself, also for a :class:`~docdocker.concepts.credentials.Secret`
    (``reveal()``)."""
    reveal = getattr(value, "reveal", None)
    return reveal() if callable(reveal) else value


def secret_values(values: Any) -> set[str]:
    """The revealed text of every Secret among ``values`` (a mapping's values, a tuple, one)."""
    if isinstance(values, Mapping):
        values = values.values()
    elif not isinstance(values, (tuple, list)):
        values = (values,)
    return {str(v.reveal()) for v in values if callable(getattr(v, "reveal", None))} - {""}


def mask_argv(argv: Sequence[str], *, values: Iterable[str] = ()) -> list[str]:
    """A command line fit to show or save: secret values replaced by :data:`MASK`.

    ``-e PASSWORD=hunter2`` becomes ``-e PASSWORD=******``; ``-e PASSWORD`` (the
    value comes from the caller's environment) shows no value and stays as is.
    A word that is one of ``values`` (texts of Secrets, whatever their variable's
    name), or a ``NAME=VALUE`` whose VALUE is, is masked too.
    """
    hidden = {v for v in values if v}
    shown: list[str] = []
    previous = ""
    for word in argv:
        name, sep, value = word.partition("=")
        if word in hidden:
            word = MASK
        elif sep and value in hidden:
            word = f"{name}={MASK}"
        if previous in _ENV_FLAGS:
            word = mask_pair(word)
        elif previous in _SECRET_FLAGS:
            word = MASK
        else:
            flag, sep, value = word.partition("=")
            if sep and flag in _ENV_FLAGS:
                word = f"{flag}={mask_pair(value)}"
            elif sep and flag in _SECRET_FLAGS:
                word = f"{flag}={MASK}"
        shown.append(word)
        previous = word if word.startswith("-") and "=" not in word else ""
    return shown


def shell_join(words: Sequence[str]) -> str:
    """``shlex.join``, except that a masked value reads ``PASSWORD=******`` unquoted.

    The stars would only be quoted against globbing; a shell leaves a pattern that
    matches no file as it is, and the line is shown to be read, not to reveal anything.
    """
    quoted = []
    for word in words:
        bare = word.replace(MASK, "")
        quoted.append(word if MASK in word and bare and shlex.quote(bare) == bare
                      else shlex.quote(word))
    return " ".join(quoted)


class Environment(dict[str, Any]):
    """Environment variables whose repr masks secret values (a saved notebook shows reprs)."""

    def __repr__(self) -> str:
        items = ", ".join(
            f"{k!r}: {_shown_env_value(str(k), v)!r}" for k, v in self.items())
        return "{" + items + "}"


def _shown_env_value(name: str, value: Any) -> Any:
    if callable(getattr(value, "reveal", None)):
        return MASK  # a Secret is masked under any name
    return mask_value(name, value) if isinstance(value, str) else value
