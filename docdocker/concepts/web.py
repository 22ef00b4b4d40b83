"""Fetch a page from a container's published port, as ``curl`` would.

Only loopback addresses are fetched: the tutorial publishes on 127.0.0.1 and
never talks to container IPs or other machines.

Inside the tutorial image (``docker run ... docdocker``) "this machine" is the
host: with ``--network host`` the container shares the host's 127.0.0.1, so
nothing changes; in a network of the container's own (Docker Desktop's ``-p``
form) the host's 127.0.0.1 is reached through Docker Desktop's
``host.docker.internal``. The URL shown stays the learner's ``127.0.0.1`` one.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from ipaddress import ip_address
from typing import Any
from urllib.parse import urlparse, urlunparse

from docdocker.base import errors, render
from docdocker.readalong import recordings


@dataclass
class Page:
    """A fetched page: where from, the HTTP status, and the body as text."""

    url: str
    status: int
    body: str
    #: The recording's stamp when this page was replayed in read-along mode.
    recorded: str | None = None

    @property
    def cli(self) -> str:
        return f"curl {self.url}"

    def __repr__(self) -> str:
        return f"$ {self.cli}\nHTTP {self.status}\n{self.body}"

    def _repr_html_(self) -> str:
        # The page's source, not the page itself: notebook front ends strip frames and
        # scripts from outputs they do not trust, and the link opens the real page.
        return (
            render.command_html(self.cli)
            + f"<div>HTTP {self.status} from {render.link_html(render.Link(self.url, self.url))}"
            "</div>"
            + render.output_html(self.body.rstrip("\n"))
            + (f'<div class="docdocker-recorded" style="font-size: 0.85em; opacity: 0.75;">'
               f"Recorded page ({self.recorded}): read-along mode.</div>" if self.recorded else "")
        )


def is_loopback(url: str) -> bool:
    """True when ``url`` names this machine: ``localhost`` or a loopback address."""
    host = urlparse(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


#: Set by the tutorial image (Dockerfile ``ENV``).
IMAGE_ENV = "DOCDOCKER_IMAGE"
#: What the image's entrypoint found about the container's network.
IMAGE_NETWORK_FILE = "/opt/docdocker/network.json"
#: Overrides the entrypoint's finding: the name that reaches the host's 127.0.0.1.
HOST_LOOPBACK_ENV = "DOCDOCKER_HOST_LOOPBACK"
#: The only names allowed to stand for the host's loopback: Docker Desktop's own.
#: Anything else would let the loopback-only rule be bypassed by a setting.
HOST_LOOPBACK_NAMES = ("host.docker.internal",)


def image_network() -> dict[str, Any] | None:
    """In the tutorial image, what its entrypoint found; None elsewhere.

    Keys: ``network`` (``host``, a network's name, or ``unknown``), ``host_loopback``
    (the name that reaches the host's 127.0.0.1, or None when 127.0.0.1 does),
    ``socket`` (the mounted Docker socket, or None).

    Equivalent CLI: ``cat /opt/docdocker/network.json``
    """
    if os.environ.get(IMAGE_ENV) != "1":
        return None
    try:
        with open(IMAGE_NETWORK_FILE, encoding="utf-8") as found:
            value = json.load(found)
    except (OSError, ValueError):
        return {"network": "unknown", "host_loopback": None, "socket": None}
    return value if isinstance(value, dict) else None


def host_loopback() -> str | None:
    """The name that reaches the host's 127.0.0.1 from here; None when 127.0.0.1 does.

    Equivalent CLI: ``getent hosts host.docker.internal``

    Raises:
        docdocker.base.errors.DocDockerError: ``DOCDOCKER_HOST_LOOPBACK`` names another host.
    """
    name = os.environ.get(HOST_LOOPBACK_ENV)
    if name is None:
        found = image_network() or {}
        name = found.get("host_loopback")
    if not name:
        return None
    if name not in HOST_LOOPBACK_NAMES:
        raise errors.DocDockerError(
            f"{HOST_LOOPBACK_ENV}={name!r} is not a name for the host's 127.0.0.1.",
            fix=f"Unset {HOST_LOOPBACK_ENV}, or set it to "
                f"{' or '.join(HOST_LOOPBACK_NAMES)} (Docker Desktop).")
    return str(name)


def route(url: str) -> str:
    """Where to connect for a loopback ``url``: the URL itself, or via the host's name.

    Inside the tutorial image on Docker Desktop (no ``--network host``),
    ``http://127.0.0.1:8080/`` is reached as ``http://host.docker.internal:8080/``.

    Equivalent CLI: ``curl http://host.docker.internal:PORT/`` for ``curl http://127.0.0.1:PORT/``
    """
    name = host_loopback()
    if name is None or not is_loopback(url):
        return url
    parts = urlparse(url)
    netloc = name if parts.port is None else f"{name}:{parts.port}"
    return urlunparse(parts._replace(netloc=netloc))


def fetch(url: str, *, wait: float = 10.0) -> Page:
    """Fetch ``url`` from this machine, retrying while the server starts up.

    Equivalent CLI: ``curl URL``

    Args:
        url: An ``http://127.0.0.1:PORT/...`` (or ``localhost``) address.
        wait: Seconds to keep retrying: a container's server needs a moment to start.

    Raises:
        docdocker.base.errors.DocDockerError: Not a loopback URL, or nothing answered in time.
    """
    if not is_loopback(url):
        raise errors.DocDockerError(
            f"Not fetching {url}: the tutorial only talks to this machine.",
            fix="Use http://127.0.0.1:PORT with the host port you published.",
        )
    replayed = recordings.replaying()
    if replayed is not None:
        saved = replayed.page(url)
        if saved is None:
            raise errors.DocDockerError(
                f"Read-along mode: no page was recorded for {url}.",
                fix="Run the tutorial on a machine with Docker to fetch it live.",
                command=["curl", url])
        return Page(url, saved.status, saved.body, recorded=replayed.stamp)
    fetched = _fetch(url, wait)
    recorder = recordings.recorder()
    if recorder is not None:
        recorder.page(url, fetched.status, fetched.body)
    return fetched


def _fetch(url: str, wait: float) -> Page:
    deadline = time.monotonic() + wait
    target = route(url)
    via = f" (reached as {target} from the tutorial's container)" if target != url else ""
    while True:
        try:
            with urllib.request.urlopen(target, timeout=5) as response:
                body = response.read().decode("utf-8", errors="replace")
                return Page(url, response.status, body)
        except urllib.error.HTTPError as err:
            return Page(url, err.code, err.read().decode("utf-8", errors="replace"))
        except OSError as err:
            if time.monotonic() >= deadline:
                raise errors.DocDockerError(
                    f"Nothing answered at {url}{via} within {wait:.0f} s ({err}).",
                    fix="Check the container is running (`docker ps`) and that you used the "
                        "host port from its PORTS column.",
                    command=["curl", url],
                ) from err
            time.sleep(0.2)
