"""Fetch a page from a container's published port, as ``curl`` would.

Only loopback addresses are fetched: the tutorial publishes on 127.0.0.1 and
never talks to container IPs or other machines.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from ipaddress import ip_address
from urllib.parse import urlparse

from docdocker import errors, recordings, render


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


def fetch(url: str, *, wait: float = 10.0) -> Page:
    """Fetch ``url`` from this machine, retrying while the server starts up.

    Equivalent CLI: ``curl URL``

    Args:
        url: An ``http://127.0.0.1:PORT/...`` (or ``localhost``) address.
        wait: Seconds to keep retrying: a container's server needs a moment to start.

    Raises:
        docdocker.errors.DocDockerError: Not a loopback URL, or nothing answered in time.
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
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                body = response.read().decode("utf-8", errors="replace")
                return Page(url, response.status, body)
        except urllib.error.HTTPError as err:
            return Page(url, err.code, err.read().decode("utf-8", errors="replace"))
        except OSError as err:
            if time.monotonic() >= deadline:
                raise errors.DocDockerError(
                    f"Nothing answered at {url} within {wait:.0f} s ({err}).",
                    fix="Check the container is running (`docker ps`) and that you used the "
                        "host port from its PORTS column.",
                    command=["curl", url],
                ) from err
            time.sleep(0.2)
