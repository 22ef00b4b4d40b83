"""The one place a Docker client is made.

The endpoint is chosen as the ``docker`` CLI chooses it: ``DOCKER_HOST`` (with
``DOCKER_TLS_VERIFY`` and ``DOCKER_CERT_PATH``), else the context named by
``DOCKER_CONTEXT``, else the CLI's current context from its config file
(``docker context use``), else the default socket.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import docker
from docker.context import ContextAPI

#: Seconds to wait for any single engine request, unless a caller says otherwise.
DEFAULT_TIMEOUT = 60
#: Seconds to wait for the first answer when connecting: an engine that is up answers
#: ``/_ping`` at once, so a longer wait only delays the message for one that is not.
PING_TIMEOUT = 5


class NotAnEngine(Exception):
    """Something answers at the engine's address, but not as a Docker Engine does."""


@dataclass(frozen=True)
class Endpoint:
    """Where a client connects, and why there.

    Attributes:
        host: The engine's address (``unix:///var/run/docker.sock``, ``tcp://...``).
        source: What chose it: ``DOCKER_HOST``, ``DOCKER_CONTEXT``, ``context``
            (the CLI's current context) or ``default``.
        context: The CLI context's name, when a context chose it.
    """

    host: str
    source: str
    context: str | None = None

    def describe(self) -> str:
        """One phrase for messages: ``unix:///... (context desktop-linux)``."""
        if self.context:
            return f"{self.host} (context {self.context})"
        if self.source == "DOCKER_HOST":
            return f"{self.host} (from DOCKER_HOST)"
        return self.host


def endpoint() -> Endpoint:
    """The endpoint the ``docker`` CLI would use right now."""
    if os.environ.get("DOCKER_HOST"):
        return Endpoint(os.environ["DOCKER_HOST"], "DOCKER_HOST")
    name = os.environ.get("DOCKER_CONTEXT")
    source = "DOCKER_CONTEXT" if name else "context"
    try:
        context = ContextAPI.get_context(name)
    except Exception:  # a broken context store: the CLI would fail the same way
        context = None
    if context is not None and context.Host and context.name != "default":
        return Endpoint(str(context.Host), source, str(context.name))
    return Endpoint(_default_host(), "default")


def _default_host() -> str:
    return "npipe:////./pipe/docker_engine" if os.name == "nt" else "unix:///var/run/docker.sock"


def open_client(*, timeout: float = DEFAULT_TIMEOUT) -> tuple[Any, Endpoint]:
    """A ``docker.DockerClient`` for :func:`endpoint`, not yet contacted.

    Returns:
        The client and the endpoint it talks to.
    """
    where = endpoint()
    if where.source == "DOCKER_HOST":
        client = docker.from_env(timeout=timeout, use_context=False)
    else:
        client = docker.DockerClient(base_url=where.host, timeout=timeout,
                                     **_tls(where))
    return client, where


def connect_client(
    *, timeout: float = DEFAULT_TIMEOUT, ping_timeout: float = PING_TIMEOUT
) -> tuple[Any, Endpoint]:
    """A client for :func:`endpoint` that has answered a ping, then waits ``timeout`` per request.

    Connecting (the API version lookup and ``/_ping``) waits at most ``ping_timeout``
    seconds: an engine that accepts the connection but never answers is reported
    in seconds, not after a full request timeout.

    Equivalent CLI: ``docker version``

    Raises:
        NotAnEngine: The address answers, but not with Docker's API.
        Exception: Whatever the SDK raises when the engine cannot be reached.
    """
    client, where = open_client(timeout=min(timeout, ping_timeout))
    try:
        answered = client.ping()
    except BaseException:
        client.close()
        raise
    if answered is not True:
        client.close()
        raise NotAnEngine(f"{where.host} answered /_ping with {answered!r}, not OK")
    client.api.timeout = timeout
    return client, where


def _tls(where: Endpoint) -> dict[str, Any]:
    if where.context is None:
        return {}
    context = ContextAPI.get_context(where.context)
    tls = getattr(context, "TLSConfig", None) if context is not None else None
    return {"tls": tls} if tls else {}
