"""Registries: where images come from and where they go (``pull``, ``push``, ``login``, ``logout``).

Each step is declared once and registered with the function that executes it;
:class:`RegistryCommands` adds the matching verbs to the engine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, ClassVar

import docker.auth
import docker.errors

from docdocker import friendly
from docdocker.base import errors, render
from docdocker.concepts.credentials import Secret
from docdocker.core import connection
from docdocker.core.engine import Engine, StepResult, handles
from docdocker.core.progress import Progress
from docdocker.core.steps import POSITIONAL, Step, arg
from docdocker.grammar import reference


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


@dataclass(frozen=True)
class NamesTable:
    """Image references split the way Docker reads them, one row each."""

    columns: tuple[str, ...]
    rows: list[dict[str, str]]

    def __repr__(self) -> str:
        return render.table_text(self.columns, self.rows)

    def _repr_html_(self) -> str:
        return render.table_html(self.columns, self.rows)


def names_table(texts: list[str]) -> NamesTable:
    """How Docker reads each reference: registry, repository, tag or digest, both forms.

    Equivalent CLI: none; ``docker pull`` and ``docker tag`` read names this way.
    """
    def short(value: str) -> str:  # a digest's 64 hex digits do not fit a table
        return re.sub(r"(sha256:[0-9a-f]{8})[0-9a-f]{56}", r"\1...", value)

    rows = []
    for text in texts:
        ref = reference.parse(text)
        rows.append({"WRITTEN": short(text), "REGISTRY": ref.registry,
                     "REPOSITORY": ref.repository,
                     "TAG": ref.tag or ("" if ref.digest else f"({reference.DEFAULT_TAG})"),
                     "NORMALIZED (.normalized)": short(ref.normalized),
                     "SHORT (.familiar)": short(ref.familiar)})
    return NamesTable(tuple(rows[0]) if rows else (), rows)


def ensure_image(engine: Engine, image: str) -> None:
    """Pull ``image`` if it is not on this machine, saying so as ``docker run`` does."""
    try:
        engine.client.images.get(image)
    except docker.errors.ImageNotFound:
        ref = reference.parse(image)
        shown = image if ref.tag or ref.digest else f"{image}:latest"
        engine.console.text(f"Unable to find image '{shown}' locally\n")
        stream_pull(engine, image)


@dataclass(frozen=True)
class Push(Step):
    """Upload an image to the registry its name points at.

    Equivalent CLI: ``docker push NAME[:TAG]``
    """

    command: ClassVar[tuple[str, ...]] = ("push",)

    image: str = arg(POSITIONAL, "repository", default="")

    def validate(self) -> None:
        check_image_name(self, self.image)
        if reference.parse(self.image).digest is not None:
            raise errors.InvalidReference(
                f"Cannot push {self.image!r}: a push names a tag, not a digest.",
                fix="Push NAME:TAG; the registry answers with the digest.",
                command=self.argv,
            )


@dataclass(frozen=True)
class PushReport:
    """What a push did: the digest the registry gave, and each layer's last status."""

    image: str
    digest: str | None
    size: int | None
    layers: dict[str, str]

    @property
    def sent(self) -> list[str]:
        """The layers actually uploaded (not already in the registry)."""
        return [layer for layer, status in self.layers.items() if status == "Pushed"]

    @property
    def skipped(self) -> list[str]:
        """The layers the registry already had (``Layer already exists``, ``Mounted from``)."""
        return [layer for layer, status in self.layers.items() if status != "Pushed"]


@handles(Push)
def push_image(engine: Engine, step: Push) -> StepResult:
    """``api.push(stream=True)``, one line per layer; a refusal in the stream is raised.

    The SDK does not raise when the registry refuses a push: the refusal is an
    ``error`` entry in the stream. It becomes a :mod:`docdocker.base.errors` exception
    carrying the registry's reason (see :func:`docdocker.friendly.registry_error`).
    """
    ref = reference.parse(step.image)
    # Without a tag the engine would push every tag of the repository; the CLI pushes
    # :latest (its --all-tags does the other), so name the tag.
    tag = ref.tag or reference.DEFAULT_TAG
    progress = Progress()
    stream = engine.client.api.push(ref.name, tag=tag, stream=True, decode=True)
    for event in stream:
        progress.feed(event)
        engine.console.progress(progress)
        if progress.error:
            break
    engine.console.progress(progress, final=True)
    if progress.error:
        raise friendly.registry_error(progress.error, step)
    digest, size = pushed_digest(progress)
    report = PushReport(step.image, digest, size,
                        {layer.id: layer.status for layer in progress.layers.values()})
    return StepResult(step, output=progress.text(), value=report)


#: The line a push ends with, on every engine: ``1.0: digest: sha256:... size: 755``.
_PUSHED = re.compile(r"digest: (sha256:[0-9a-f]{64}) size: (\d+)")


def pushed_digest(progress: Progress) -> tuple[str | None, int | None]:
    """The digest and size of the manifest the registry stored, from a push's events.

    Engines with the classic image store also send them as an ``aux`` event; the
    containerd image store sends only the status line the CLI prints
    (``TAG: digest: sha256:... size: N``), which both send.
    """
    aux = progress.aux or {}
    if aux.get("Digest"):
        size = aux.get("Size")
        return str(aux["Digest"]), int(size) if size is not None else None
    for line in reversed(progress.messages + progress.heading):
        found = _PUSHED.search(line)
        if found:
            return found.group(1), int(found.group(2))
    return None, None


def _no_words(_: Any) -> list[str]:
    return []


def _reveal(secret: Secret) -> str:
    return secret.reveal()


@dataclass(frozen=True)
class Login(Step):
    """Log in to a registry; the password is read from standard input, never from the line.

    Equivalent CLI: ``docker login SERVER -u USERNAME --password-stdin``
    """

    command: ClassVar[tuple[str, ...]] = ("login",)

    server: str = arg(POSITIONAL, "registry", default="")
    username: str = arg("-u", "username", default="")
    # arg() returns a dataclasses.field, like every other field here (ruff cannot tell).
    password: Secret | None = arg(  # noqa: RUF009
        "--password-stdin", "password", default=None, cli_value=_no_words, sdk_value=_reveal
    )

    @property
    def argv(self) -> list[str]:
        """The server first, as in Docker's own usage line."""
        words = super().argv
        if self.server:
            words.remove(self.server)
            words.insert(2, self.server)
        return words

    def validate(self) -> None:
        if not self.username:
            raise errors.DocDockerError(
                "docker login needs a user name.", fix="Give one, e.g. username='student'.",
                command=self.argv)
        if not isinstance(self.password, Secret) or not self.password:
            raise errors.DocDockerError(
                "docker login needs the password as a docdocker Secret (never as plain text, "
                "so that it cannot end up in an output).",
                fix="Type it into the login form's password field, or pass "
                    "password=Secret(value) from a variable, never a literal in the cell.",
                command=self.argv)


#: What docdocker's login does differently from the CLI's, said after each login.
LOGIN_NOTE = ("docdocker keeps these credentials in this kernel's memory only: "
              "~/.docker/config.json is neither written nor read, so a `docker push` typed "
              "in a terminal needs its own `docker login`, and a login typed there does not "
              "count in the notebook.")


@handles(Login)
def login(engine: Engine, step: Login) -> StepResult:
    """``client.login(..., reauth=True)``: the engine checks the credentials with the registry.

    ``reauth=True`` matters: without it the SDK answers a second login for the same user
    from its memory, without asking the registry, so a wrong password would "succeed".
    """
    kwargs = step.sdk_kwargs
    answer = engine.client.login(**kwargs, reauth=True) or {}
    status = str(answer.get("Status") or "Login Succeeded")
    return StepResult(step, output=f"{status}\n({LOGIN_NOTE})\n", value=status)


@dataclass(frozen=True)
class Logout(Step):
    """Forget the credentials for a registry.

    Equivalent CLI: ``docker logout [SERVER]``
    """

    command: ClassVar[tuple[str, ...]] = ("logout",)

    server: str = arg(POSITIONAL, "registry", default="")


@handles(Logout)
def logout(engine: Engine, step: Logout) -> StepResult:
    """Drop the registry's entry from the SDK's in-memory credentials.

    The SDK has no logout (its login never wrote a file); the CLI's removes the
    entry from ``config.json`` instead. Both print the same line.
    """
    server = step.server or docker.auth.INDEX_NAME
    wanted = docker.auth.convert_to_hostname(server)
    # The SDK keeps what login() sent in its AuthConfig (a dict subclass); it is the
    # only copy, so removing the entry is what logging out means here.
    auths = engine.client.api._auth_configs.auths
    gone = [key for key in list(auths) if docker.auth.convert_to_hostname(key) == wanted]
    for key in gone:
        del auths[key]
    if not gone:
        return StepResult(step, output=f"Not logged in to {server}\n", value=False)
    return StepResult(step, output=f"Removing login credentials for {server}\n", value=True)


class RegistryCommands(Engine):
    """The registry verbs of :class:`docdocker.session.tutorial.Tutorial`."""

    def pull(self, image: str) -> StepResult:
        """Download an image. Equivalent CLI: ``docker pull IMAGE``"""
        return self.execute(Pull(image=image))

    def push(self, image: str) -> StepResult:
        """Upload an image; its ``value`` is a :class:`PushReport` (digest, layers).

        Equivalent CLI: ``docker push NAME[:TAG]``

        Raises:
            docdocker.base.errors.RegistryAuthFailed: Not logged in, or refused.
            docdocker.base.errors.RegistryUnreachable: The registry is down or unknown.
        """
        return self.execute(Push(image=image))

    def login(self, server: str, username: str, password: Secret) -> StepResult:
        """Log in to a registry. Equivalent CLI: ``docker login SERVER -u USER --password-stdin``

        Args:
            server: ``host[:port]``, e.g. ``localhost:5001``; ``""`` for Docker Hub.
            username: The account's name.
            password: A :class:`~docdocker.concepts.credentials.Secret` (a login form gives one).

        Raises:
            docdocker.base.errors.RegistryAuthFailed: Wrong user name or password.
        """
        return self.execute(Login(server=server, username=username, password=password))

    def logout(self, server: str = "") -> StepResult:
        """Forget a registry's credentials. Equivalent CLI: ``docker logout [SERVER]``"""
        return self.execute(Logout(server=server))
