"""The one place a Docker client is made.

The endpoint is chosen as the ``docker`` CLI chooses it: ``DOCKER_HOST`` (with
``DOCKER_TLS_VERIFY`` and ``DOCKER_CERT_PATH``), else the context named by
``DOCKER_CONTEXT``, else the CLI's current context from its config file
(``docker context use``), else the default socket.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker
import docker.auth
import docker.tls

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
    name = name or current_context_name()
    if name != "default":
        host = context_host(name)
        if host:
            return Endpoint(host, source, name)
    return Endpoint(default_host(), "default")


def config_dir() -> Path:
    """The ``docker`` CLI's configuration folder: ``DOCKER_CONFIG``, else ``~/.docker``."""
    return Path(os.environ.get("DOCKER_CONFIG") or Path.home() / ".docker")


def current_context_name() -> str:
    """The context ``docker context use`` chose (``currentContext`` in ``config.json``).

    Equivalent CLI: ``docker context show``
    """
    try:
        with open(config_dir() / "config.json", encoding="utf-8") as f:
            chosen = json.load(f).get("currentContext")
    except (OSError, ValueError, AttributeError):
        return "default"
    return str(chosen) if chosen else "default"


def _context_folder(kind: str, name: str) -> Path:
    # The CLI stores each context under the SHA-256 of its name, whether or not a
    # config.json exists beside the store (the docker SDK looks only beside one).
    return config_dir() / "contexts" / kind / hashlib.sha256(name.encode()).hexdigest()


def context_host(name: str) -> str | None:
    """The engine address of the CLI context ``name``, or None when there is no such context.

    Equivalent CLI: ``docker context inspect NAME --format '{{.Endpoints.docker.Host}}'``
    """
    try:
        with open(_context_folder("meta", name) / "meta.json", encoding="utf-8") as f:
            meta = json.load(f)
        host = meta["Endpoints"]["docker"].get("Host")
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return str(host) if host else None


def default_host() -> str:
    """The engine's address when nothing else names one (the platform's default socket)."""
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
    client.api._auth_configs = NotebookCredentials({"auths": {}})
    return client, where


class NotebookCredentials(docker.auth.AuthConfig):  # type: ignore[misc]
    """Registry logins made in this session only, never those the ``docker`` CLI stored.

    The SDK reads ``config.json`` (and its credential helper) whenever it holds no
    login in memory, so a ``docker login`` typed in a terminal would silently change
    what a notebook's push does, and a lesson's "a push without a login is refused"
    would succeed. docdocker's logins are its own in both directions: it writes no
    ``config.json`` and reads none.
    """

    @property
    def is_empty(self) -> bool:
        # Never "empty": an empty AuthConfig makes the SDK load config.json again.
        return False


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
    """The context's TLS files (``docker context create --docker "...,ca=,cert=,key="``)."""
    if where.context is None:
        return {}
    folder = _context_folder("tls", where.context) / "docker"
    ca, cert, key = (folder / f for f in ("ca.pem", "cert.pem", "key.pem"))
    if not (ca.exists() or cert.exists()):
        return {}
    skip_verify = False
    try:
        with open(_context_folder("meta", where.context) / "meta.json", encoding="utf-8") as f:
            skip_verify = bool(json.load(f)["Endpoints"]["docker"].get("SkipTLSVerify"))
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return {"tls": docker.tls.TLSConfig(
        client_cert=(str(cert), str(key)) if cert.exists() and key.exists() else None,
        ca_cert=str(ca) if ca.exists() else None, verify=not skip_verify)}
