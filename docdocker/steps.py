"""Steps: one frozen dataclass per Docker operation, the core every concept builds on.

A step is data. Each field declares, once, how it appears on the ``docker``
command line and which keyword of the ``docker`` SDK it becomes. Both
:attr:`Step.argv` (the exact command line) and :attr:`Step.sdk_kwargs` (what
the step's handler passes to the SDK) are derived by walking those
declarations, so the echoed command and the action cannot disagree. What is
shown and saved is :attr:`Step.cli`: ``argv`` with the values of secret-looking
variables masked (``-e PASSWORD=******``).

The steps themselves live with their Docker noun (:mod:`docdocker.containers`,
:mod:`docdocker.images`, :mod:`docdocker.registries`, :mod:`docdocker.compose`);
this module knows none of them.

Example:
    >>> from docdocker import ports
    >>> from docdocker.containers import Run
    >>> step = Run(image="nginx", detach=True, publish=tuple(ports.parse("127.0.0.1:8080:80")))
    >>> step.cli
    'docker run -d -p 127.0.0.1:8080:80 nginx'
    >>> step.sdk_kwargs["ports"]
    {'80/tcp': ('127.0.0.1', 8080)}
"""

from __future__ import annotations

import dataclasses
import re
import shlex
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

#: The label every object docdocker creates carries; its value names the notebook.
LABEL = "org.docdocker.notebook"
#: Set only by docdocker's own create and build calls, never inherited in a way that
#: matches: ``container`` on containers, the built tag on images. Docker copies an
#: image's labels into every image built ``FROM`` it and every container run from it,
#: so :data:`LABEL` alone cannot tell the tutorial's objects from a learner's.
OWNER = "org.docdocker.owner"

#: Marks a positional CLI argument (``docker stop NAME``).
POSITIONAL = "<positional>"
#: Marks trailing CLI arguments (the command after the image in ``docker run``).
REST = "<rest>"
#: Marks the SDK role "the object the method is called on" (``containers.get(NAME).stop()``).
TARGET = "<target>"
#: Marks the SDK role of a field of a step that is executed by running its own command
#: line (Docker Compose is a program, not an SDK call): the field appears only in argv.
COMMAND_LINE = "<command line>"


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
    """The value itself, also for a :class:`~docdocker.credentials.Secret` (``reveal()``)."""
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


def check_notebook(notebook: object) -> None:
    """Refuse a notebook name that names no notebook (empty, blank, not a string).

    Raises:
        ValueError: With what was given and an example of a name.
    """
    if not isinstance(notebook, str) or not notebook.strip():
        raise ValueError(f"The notebook name {notebook!r} names no notebook: give a name "
                         "such as '01-containers' (it becomes the value of the label "
                         f"{LABEL}).")


def label_filter(notebook: str | None = None) -> dict[str, str]:
    """The ``--filter`` for one notebook's objects, or (None) for the whole tutorial's.

    Raises:
        ValueError: ``notebook`` is the empty string, which names no notebook (it
            must not silently widen to "the whole tutorial").
    """
    if notebook is not None:
        check_notebook(notebook)
    return {"label": f"{LABEL}={notebook}" if notebook else LABEL}


def arg(
    cli: str,
    sdk: str,
    *,
    default: Any = None,
    default_factory: Callable[[], Any] | None = None,
    cli_value: Callable[[Any], list[str]] | None = None,
    sdk_value: Callable[[Any], Any] | None = None,
) -> Any:
    """Declare a step field with its CLI and SDK forms.

    Args:
        cli: The flag (``-d``, ``--name``), or :data:`POSITIONAL` / :data:`REST`.
        sdk: The SDK keyword (``detach``, ``name``), or :data:`TARGET`.
        default: The value that means "not given": it is left off both forms.
        default_factory: As for :func:`dataclasses.field`.
        cli_value: Turns the value into the words that follow the flag, once
            per repetition; defaults to ``[str(value)]``.
        sdk_value: Turns the value into the SDK keyword's value; defaults to
            the value itself.
    """
    metadata = {"cli": cli, "sdk": sdk, "cli_value": cli_value, "sdk_value": sdk_value}
    if default_factory is not None:
        return field(default_factory=default_factory, metadata=metadata)
    return field(default=default, metadata=metadata)


def _is_unset(value: Any, default: Any) -> bool:
    return value is None or value is False or value == default or value in ((), {})


def pairs(mapping: Mapping[str, Any]) -> list[str]:
    """``KEY=VALUE`` words for ``--label``, ``--filter``, ``--build-arg``...

    A list value repeats the key (``--filter label=a --filter label=b``).
    """
    words: list[str] = []
    for key, value in mapping.items():
        for item in value if isinstance(value, (list, tuple)) else [value]:
            words.append(f"{key}={item}")
    return words


@dataclass(frozen=True)
class Step:
    """Base of every step. Subclasses set :attr:`command`.

    Attributes:
        command: The ``docker`` subcommand words, e.g. ``("run",)``.
        creates: True when the step creates an object that must carry the
            notebook label (the subclass then has a ``labels`` field).
        owner: The value of :data:`OWNER` the created object carries, when it
            does not depend on the step's values (``"container"``).
    """

    command: ClassVar[tuple[str, ...]] = ()
    creates: ClassVar[bool] = False
    owner: ClassVar[str] = ""

    @classmethod
    def declared_fields(cls) -> tuple[dataclasses.Field[Any], ...]:
        """The dataclass fields, each carrying ``cli`` and ``sdk`` metadata."""
        return dataclasses.fields(cls)  # type: ignore[arg-type]

    @property
    def argv(self) -> list[str]:
        """The exact ``docker`` command line this step stands for."""
        options: list[str] = []
        positionals: list[str] = []
        rest: list[str] = []
        for f in self.declared_fields():
            value = getattr(self, f.name)
            if _is_unset(value, f.default):
                continue
            flag = f.metadata["cli"]
            words = self._cli_words(f, value)
            if flag == POSITIONAL:
                positionals.extend(words)
            elif flag == REST:
                rest.extend(words)
            elif value is True or not words:
                # A set field with no words is a bare flag: `--password-stdin` says where
                # the value comes from, and the value itself never reaches the echo.
                options.append(flag)
            else:
                for word in words:
                    options.extend([flag, word])
        return ["docker", *self.command, *options, *positionals, *rest]

    @staticmethod
    def _cli_words(f: dataclasses.Field[Any], value: Any) -> list[str]:
        convert = f.metadata["cli_value"]
        if convert is not None:
            return list(convert(value))
        if isinstance(value, tuple):
            return [str(item) for item in value]
        return [str(value)]

    @property
    def cli(self) -> str:
        """The command as shown and saved: :attr:`argv` as one shell line, secrets masked.

        :attr:`argv` is exact (what the step executes, secrets included) and is never
        displayed; ``cli`` is :attr:`shown_argv` as a shell line, so ``-e PASSWORD=hunter2``
        reads ``-e PASSWORD=******`` (and a Secret's value is masked under any name).
        The echo shows ``cli``, so copying the rendered echo gives ``cli``; a command
        without secrets runs as typed.
        """
        return shell_join(self.shown_argv)

    @property
    def shown_argv(self) -> list[str]:
        """:attr:`argv` with secret values masked: what errors and tools may show."""
        values: set[str] = set()
        for f in self.declared_fields():
            values |= secret_values(getattr(self, f.name))
        return mask_argv(self.argv, values=values)

    @property
    def sdk_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for the SDK method (the :data:`TARGET` field excluded)."""
        kwargs: dict[str, Any] = {}
        for f in self.declared_fields():
            sdk = f.metadata["sdk"]
            value = getattr(self, f.name)
            if sdk in (TARGET, COMMAND_LINE) or _is_unset(value, f.default):
                continue
            convert = f.metadata["sdk_value"]
            kwargs[sdk] = convert(value) if convert is not None else value
        return kwargs

    @property
    def target(self) -> str | None:
        """The container (or other object) the step acts on, if any."""
        for f in self.declared_fields():
            if f.metadata["sdk"] == TARGET:
                return getattr(self, f.name)
        return None

    def ownership(self) -> str:
        """The :data:`OWNER` value an object created by this step carries."""
        return self.owner

    def with_labels(self, labels: Mapping[str, str]) -> Step:
        """A copy carrying these labels and its ownership mark (only for steps that create)."""
        if not self.creates or not labels:
            return self
        merged = {**getattr(self, "labels", {}), **labels, OWNER: self.ownership()}
        return dataclasses.replace(self, labels=merged)  # type: ignore[call-arg]

    def validate(self) -> None:
        """Refuse values the engine would reject, before it is called (override per step)."""


def all_steps() -> tuple[type[Step], ...]:
    """Every concrete step type defined so far, in definition order."""
    found: list[type[Step]] = []
    pending = list(Step.__subclasses__())
    while pending:
        cls = pending.pop(0)
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return tuple(found)
