"""Look inside a registry over its HTTP API, as ``curl`` would: repositories, tags, digests.

A registry is a web server speaking the Docker Registry HTTP API V2
(``/v2/_catalog``, ``/v2/<name>/tags/list``, ``/v2/<name>/manifests/<tag>``).
These helpers fetch from this machine only (``127.0.0.1``/``localhost``) and
show the answers as tables, each with the ``curl`` line that gets the same
answer in a terminal. A registry with a login takes ``user`` and a
:class:`~docdocker.concepts.credentials.Secret`; the ``curl`` line then says ``-u USER``,
and curl asks for the password.

Example::

    from docdocker.concepts import registry_api
    registry_api.catalog("http://127.0.0.1:5000")
    registry_api.tags("http://127.0.0.1:5000", "student/friendlyhello")
    registry_api.digest("http://127.0.0.1:5000", "student/friendlyhello", "1.0")
"""

from __future__ import annotations

import base64
import json
import shlex
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from docdocker.base import errors, render
from docdocker.concepts import web
from docdocker.concepts.credentials import Secret
from docdocker.readalong import recordings

#: Manifest formats asked for, newest first: the digest depends on the format served.
MANIFEST_TYPES = (
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.index.v1+json",
)


@dataclass
class Answer:
    """A registry's answer: the ``curl`` line, the HTTP status, and the rows it makes."""

    argv: list[str]
    status: int
    columns: tuple[str, ...]
    rows: list[dict[str, Any]] = field(default_factory=list)
    body: Any = None

    @property
    def cli(self) -> str:
        """The ``curl`` command that asks the same question."""
        return shlex.join(self.argv)

    def __repr__(self) -> str:
        return f"$ {self.cli}\n{render.table_text(self.columns, self.rows)}"

    def _repr_html_(self) -> str:
        return render.command_html(self.cli) + render.table_html(self.columns, self.rows)


def _check_local(url: str) -> None:
    if not web.is_loopback(url):
        raise errors.DocDockerError(
            f"Not asking {url}: these helpers only talk to a registry on this machine.",
            fix="Use http://127.0.0.1:PORT with the port your registry container publishes.",
        )


def _get(url: str, argv: list[str], *, user: str | None, password: Secret | None,
         method: str = "GET", accept: tuple[str, ...] = ()) -> tuple[int, dict[str, str], Any]:
    _check_local(url)
    request = urllib.request.Request(url, method=method)
    if accept:
        request.add_header("Accept", ", ".join(accept))
    if user is not None and password is not None:
        token = base64.b64encode(f"{user}:{password.reveal()}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    raw, status, headers = _exchange(request, argv)
    body: Any = None
    if raw:
        try:
            body = json.loads(raw)
        except ValueError:
            body = raw.decode("utf-8", "replace")
    if status == 401:
        raise errors.RegistryAuthFailed(
            f"The registry at {url} asks for a login (HTTP 401"
            f"{': wrong user name or password' if user else ''}).",
            fix="Pass user='...' and password=<a Secret>, as for docker login; in a "
                "terminal, curl -u USER asks for the password.",
            command=argv, exit_code=22, stderr=json.dumps(body) if body else "",
        )
    if status >= 400:
        raise errors.StepFailed(
            f"The registry answered HTTP {status} for {url}: {_errors_text(body)}",
            fix="Check the repository name and tag (the catalog lists what is there).",
            command=argv, exit_code=22, stderr=json.dumps(body) if body else "",
        )
    return status, headers, body


def _exchange(
    request: urllib.request.Request, argv: list[str]
) -> tuple[bytes, int, dict[str, str]]:
    """One HTTP exchange with the registry; recorded for read-along mode, or replayed there."""
    label = f"{request.get_method()} {request.full_url}"
    replayed = recordings.replaying()
    if replayed is not None:
        saved = replayed.page(label)
        if saved is None:
            raise errors.DocDockerError(
                f"Read-along mode: no registry answer was recorded for {request.full_url}.",
                fix="Run the tutorial on a machine with Docker to ask the registry live.",
                command=argv)
        return saved.body.encode(), saved.status, dict(saved.headers)
    try:
        # Inside the tutorial image on Docker Desktop the host's 127.0.0.1 has
        # another name; the request keeps its own URL for echoes and recordings.
        target = web.route(request.full_url)
        routed = request if target == request.full_url else urllib.request.Request(
            target, method=request.get_method(), headers=dict(request.header_items()))
        with urllib.request.urlopen(routed, timeout=10) as response:
            raw = response.read()
            status, headers = response.status, dict(response.headers)
    except urllib.error.HTTPError as err:
        raw, status, headers = err.read(), err.code, dict(err.headers)
    except OSError as err:
        raise errors.RegistryUnreachable(
            f"Nothing answered at {request.full_url} ({err}).",
            fix="Check that the registry container is running (`docker ps`) and use the "
                "host port from its PORTS column.",
            command=argv,
        ) from err
    recorder = recordings.recorder()
    if recorder is not None:
        recorder.page(label, status, raw.decode("utf-8", "replace"), headers)
    return raw, status, headers


def _errors_text(body: Any) -> str:
    if isinstance(body, dict) and body.get("errors"):
        return "; ".join(f"{e.get('code')}: {e.get('message')}" for e in body["errors"])
    return str(body)


def _curl(url: str, user: str | None, *extra: str) -> list[str]:
    return ["curl", "-s", *(["-u", user] if user else []), *extra, url]


def catalog(base: str, *, user: str | None = None, password: Secret | None = None) -> Answer:
    """The repositories a registry holds.

    Equivalent CLI: ``curl -s http://127.0.0.1:5000/v2/_catalog``
    """
    url = f"{base.rstrip('/')}/v2/_catalog"
    argv = _curl(url, user)
    status, _, body = _get(url, argv, user=user, password=password)
    names = (body or {}).get("repositories") or []
    return Answer(argv, status, ("REPOSITORY",), [{"REPOSITORY": n} for n in names], body)


def tags(base: str, repository: str, *, user: str | None = None,
         password: Secret | None = None) -> Answer:
    """The tags of one repository in a registry.

    Equivalent CLI: ``curl -s http://127.0.0.1:5000/v2/NAME/tags/list``
    """
    url = f"{base.rstrip('/')}/v2/{quote(repository)}/tags/list"
    argv = _curl(url, user)
    status, _, body = _get(url, argv, user=user, password=password)
    found = sorted((body or {}).get("tags") or [])
    return Answer(argv, status, ("REPOSITORY", "TAG"),
                  [{"REPOSITORY": repository, "TAG": t} for t in found], body)


def digest(base: str, repository: str, tag: str, *, user: str | None = None,
           password: Secret | None = None) -> Answer:
    """The digest of a tag's manifest (the ``Docker-Content-Digest`` header of a HEAD).

    The request accepts every manifest format (Docker's v2 manifest, which the
    classic image store pushes; OCI's manifest and index, which the containerd image
    store pushes): a registry answers a format the client did not ask for with
    another document, and so another digest.

    Equivalent CLI:
        ``curl -sI -H "Accept: application/vnd.docker.distribution.manifest.v2+json,
        application/vnd.oci.image.manifest.v1+json, ..." URL``
    """
    url = f"{base.rstrip('/')}/v2/{quote(repository)}/manifests/{quote(tag)}"
    argv = _curl(url, user, "-I", "-H", f"Accept: {', '.join(MANIFEST_TYPES)}")
    status, headers, _ = _get(url, argv, user=user, password=password, method="HEAD",
                              accept=MANIFEST_TYPES)
    lower = {k.lower(): v for k, v in headers.items()}
    row = {"REPOSITORY": repository, "TAG": tag,
           "DIGEST": lower.get("docker-content-digest", ""),
           "MEDIA TYPE": lower.get("content-type", ""),
           "SIZE": lower.get("content-length", "")}
    return Answer(argv, status, ("REPOSITORY", "TAG", "DIGEST", "MEDIA TYPE", "SIZE"), [row],
                  lower)


def ping(base: str, *, wait: float = 15.0) -> Answer:
    """Wait until a registry answers ``/v2/`` (a fresh container needs a moment).

    Equivalent CLI: ``curl -s http://127.0.0.1:5000/v2/``

    An answer of 401 counts: the registry is up and asks for a login.
    """
    url = f"{base.rstrip('/')}/v2/"
    argv = _curl(url, None)
    deadline = time.monotonic() + wait
    while True:
        try:
            status, headers, _ = _get(url, argv, user=None, password=None)
        except errors.RegistryAuthFailed:
            status, headers = 401, {}
        except errors.RegistryUnreachable:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.2)
            continue
        auth = "login required" if status == 401 else "open"
        version = {k.lower(): v for k, v in headers.items()}.get(
            "docker-distribution-api-version", "")
        return Answer(argv, status, ("URL", "HTTP", "API", "ACCESS"),
                      [{"URL": url, "HTTP": status, "API": version, "ACCESS": auth}])
