"""Translate the engine's failures into messages a beginner can act on.

Every message says what failed, the offending value and one concrete fix, and
keeps the ``docker`` command of the step that failed. The engine's own words are
kept too (``stderr``), for the curious and for bug reports.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator

import docker.errors
import requests.exceptions
import urllib3.exceptions

from docdocker.base import errors
from docdocker.core import connection
from docdocker.core import steps as s
from docdocker.core.translate import Facts, docker_host
from docdocker.friendly.registry import REGISTRY_COMMANDS, registry_error
from docdocker.grammar import ports


def in_binder() -> bool:
    """True in a Binder session (mybinder.org and other BinderHubs set these variables)."""
    return any(name.startswith("BINDER_") for name in os.environ)


_PORT_RE = re.compile(r"(?:Bind for |listen tcp4? |listen udp4? )?([0-9a-fA-F.:\[\]]*):(\d+)"
                      r"(?: failed)?: (?:port is already allocated|bind: address already in use)")
_NAME_RE = re.compile(r'container name "/?([^"]+)" is already in use by container "([0-9a-f]+)"')


#: The command that lists each kind of object the engine can report missing.
_LISTS = {"container": "docker ps --all", "image": "docker images",
          "volume": "docker volume ls", "network": "docker network ls"}
#: How the engine names a missing object, per noun ("No such volume: x", "network x not
#: found"): the engine's words decide the noun where they name one.
_MISSING = {
    noun: re.compile(rf"no such {noun}:?\s*(?P<name>\S+)|{noun} (?P<other>\S+) not found",
                     re.IGNORECASE)
    for noun in _LISTS
}


def _noun(step: s.Step | None, engine_words: str) -> str:
    """What kind of object a failing step was about: the engine's words say so where they
    name one, else the step's command (``docker volume rm`` is about a volume)."""
    for noun, pattern in _MISSING.items():
        if pattern.search(engine_words):
            return noun
    first = step.command[0] if step is not None and step.command else ""
    return first if first in _LISTS else "container"


def _missing_name(engine_words: str, noun: str) -> str:
    match = _MISSING[noun].search(engine_words)
    name = (match.group("name") or match.group("other")) if match else ""
    return name.strip("\"'.,")


def translate_error(
    err: BaseException, step: s.Step | None, facts: Facts | None = None
) -> errors.DocDockerError | None:
    """The friendly :mod:`docdocker.base.errors` exception for an SDK or connection failure.

    Returns None for errors that are not about Docker (programming errors keep
    their own traceback).
    """
    argv = step.shown_argv if step is not None else None
    garbled = _garbled_answer(err)
    if garbled is not None:
        host = facts.host if facts is not None else docker_host()
        return errors.EngineUnavailable(
            f"Something answers at {host}, but not as a Docker Engine does ({garbled}).",
            fix="Check that DOCKER_HOST (or the current `docker context`) points at a Docker "
                "Engine, and that `docker info` works in a terminal; then run this cell again.",
            command=argv,
        )
    if _is_connection_error(err):
        host = facts.host if facts is not None else docker_host()
        return _unavailable(err, argv, host, mid_step=step is not None)
    if isinstance(err, docker.errors.ContainerError):
        return errors.StepFailed(
            f"The container exited with code {err.exit_status}.",
            fix="Read its output; `docker logs` shows it again.",
            command=argv, exit_code=err.exit_status,
            stderr=(err.stderr or b"").decode("utf-8", "replace") if isinstance(
                err.stderr, bytes) else str(err.stderr or ""),
        )
    if isinstance(err, docker.errors.NullResource):
        noun = _noun(step, "")
        return errors.InvalidCommand(
            f"The {noun} name is empty: a {noun} is named by its NAME or ID.",
            fix=f"Give the {noun}'s name as a non-empty string; `{_LISTS[noun]}` lists them.",
            command=argv,
        )
    if not isinstance(err, docker.errors.APIError):
        if isinstance(err, docker.errors.DockerException):
            return errors.EngineUnavailable(str(err), fix=_START_FIX, command=argv)
        return None
    text = str(err.explanation or err)
    lower = text.lower()
    if step is not None and step.command and step.command[0] in REGISTRY_COMMANDS:
        return registry_error(text, step)
    if match := _TOO_OLD_RE.search(text):
        return errors.ApiVersionRefused(
            f"This Docker Engine refuses the API version {match['client']} that was asked "
            f"for: it speaks {match['minimum']} and newer (the engine said: {text}).",
            fix="Update the tutorial's requirements (`pip install -U -r requirements.txt` "
                "brings a Docker SDK that speaks the newer API), or, in your own code, let "
                "the SDK pick the version (no `version=` argument).",
            command=argv, stderr=text,
        )
    if "no space left on device" in lower:
        return errors.NoSpaceLeft(
            "The disk where Docker keeps images and containers is full.",
            fix="See what uses the space with `docker system df`, then remove what the "
                "tutorial made with `python -m docdocker reset`.",
            command=argv, stderr=text,
        )
    match = _PORT_RE.search(text)
    if match or "port is already allocated" in lower or "address already in use" in lower:
        return _port_taken(match, text, step, facts)
    match = _NAME_RE.search(text)
    if match:
        name, holder = match.group(1), match.group(2)[:12]
        return errors.NameConflict(
            f'The container name "{name}" is already in use by container {holder}.',
            fix=f"Remove the old container with `docker rm --force {name}`, "
                "or choose another --name.",
            command=argv, exit_code=125, stderr=text,
        )
    if getattr(step, "image", "") and any(p in lower for p in _UNREACHABLE):
        return errors.StepFailed(
            f"Could not reach the registry to download '{getattr(step, 'image', '')}': {text}",
            fix="Check your network connection (and proxy settings in Docker Desktop). "
                "In a workshop, pull the images before the session on a good connection.",
            command=argv, stderr=text,
        )
    if _is_image_missing(err, lower, step):
        image = getattr(step, "image", "") or ""
        return errors.ImageNotFound(
            f"Image '{image or '?'}' was not found: it is not on this machine and the "
            "registry does not have it (or needs you to log in).",
            fix="Check the spelling and the tag (try `docker search` or the registry's web "
                "page); for a private image, run `docker login` first.",
            command=argv, stderr=text,
        )
    if isinstance(err, docker.errors.NotFound) and step is not None and step.target:
        noun = _noun(step, lower)
        plural = "images" if noun == "image" else f"{noun}s"
        return errors.StepFailed(
            f"No such {noun}: {_missing_name(text, noun) or step.target}.",
            fix=f"List the {plural} with `{_LISTS[noun]}` and use a NAME or ID from there.",
            command=argv, exit_code=1, stderr=text,
        )
    if "is not running" in lower:
        return errors.StepFailed(
            f"Container {step.target if step else ''} is not running.",
            fix="Start it with `docker start`, or see `docker ps --all` for its state.",
            command=argv, exit_code=1, stderr=text,
        )
    if "permission denied" in lower and "socket" in lower:
        return _unavailable(PermissionError(text), argv, docker_host(), mid_step=False)
    return errors.StepFailed(
        f"The Docker Engine refused the step: {text}",
        fix="Read the engine's message above; fix the value it names and run the cell again.",
        command=argv, stderr=text,
    )


#: Engine 25 and newer refuse clients older than their minimum API (1.44 since Engine 29).
_TOO_OLD_RE = re.compile(r"client version (?P<client>[\d.]+) is too old\. Minimum supported "
                         r"API version is (?P<minimum>[\d.]+)")

_UNREACHABLE = ("dial tcp", "no such host", "i/o timeout", "tls handshake timeout",
                "connection refused", "network is unreachable")

_START_FIX = ("Start Docker (Docker Desktop, or `sudo systemctl start docker` on Linux), "
              "check it with `docker info`, then run this cell again.")


def _chain(err: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = err
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _garbled_answer(err: BaseException) -> str | None:
    """What was wrong with an answer that is not Docker's API, or None for other failures."""
    for current in _chain(err):
        if isinstance(current, connection.NotAnEngine):
            return str(current)
        if isinstance(current, json.JSONDecodeError) and not _cut_off(current):
            return f"the answer is not JSON: {current.msg} at position {current.pos}"
    return None


def _cut_off(err: json.JSONDecodeError) -> bool:
    # An empty body where JSON was due: the connection closed before the answer came.
    return not (err.doc or "").strip()


def _is_connection_error(err: BaseException) -> bool:
    seen: set[int] = set()
    current: BaseException | None = err
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, (requests.exceptions.ConnectionError,
                                requests.exceptions.ChunkedEncodingError,
                                requests.exceptions.Timeout,
                                urllib3.exceptions.ProtocolError,
                                ConnectionError, FileNotFoundError)):
            return True
        if isinstance(current, json.JSONDecodeError) and _cut_off(current):
            return True
        if isinstance(current, docker.errors.DockerException) and (
            "Error while fetching server API version" in str(current)
        ):
            return True
        current = current.__cause__ or current.__context__
    return False


def _root_cause(err: BaseException) -> BaseException:
    seen: set[int] = set()
    current = err
    while id(current) not in seen:
        seen.add(id(current))
        nxt = current.__cause__ or current.__context__
        if nxt is None and current.args and isinstance(current.args[0], BaseException):
            nxt = current.args[0]
        if nxt is None:
            break
        current = nxt
    return current


def _unavailable(
    err: BaseException, argv: list[str] | None, host: str, *, mid_step: bool
) -> errors.DocDockerError:
    text = f"{err} {_root_cause(err)}"
    if "Permission denied" in text or isinstance(_root_cause(err), PermissionError):
        return errors.EngineUnavailable(
            f"Permission denied on the Docker socket ({host}): this user may not talk "
            "to the Docker Engine.",
            fix="Add yourself to the docker group: `sudo usermod -aG docker $USER`, then log "
                "out and back in (or run `newgrp docker`), and restart Jupyter.",
            command=argv,
        )
    if in_binder() and not mid_step:
        return errors.EngineUnavailable(
            "This is a Binder session, and Binder has no Docker Engine: the steps cannot run "
            "here. Every notebook is saved with the outputs of a real run, so read on.",
            fix="To run the steps yourself, install Docker and start the tutorial on your own "
                "machine (see README.md).",
            command=argv,
        )
    if mid_step and _timed_out(err):
        return errors.EngineUnavailable(
            f"The Docker Engine at {host} stopped answering while this step was running "
            f"({_root_cause(err)}).",
            fix="Check that Docker is responding with `docker info` in a terminal (restart "
                "Docker Desktop, or `sudo systemctl restart docker`), then run this cell "
                "again; `docker ps --all` shows what the step left behind.",
            command=argv,
        )
    if mid_step:
        return errors.EngineUnavailable(
            f"Lost the connection to the Docker Engine at {host} while this step was "
            "running: the engine stopped or restarted.",
            fix="Check that Docker is running with `docker info` (start Docker Desktop, or "
                "`sudo systemctl start docker`), then run this cell again.",
            command=argv,
        )
    if "No such file" in text or "FileNotFoundError" in text:
        reason = f"there is no Docker socket at {host}: Docker is not running or not installed"
    elif "Connection refused" in text:
        reason = f"nothing answers at {host}: the Docker Engine is not running there"
    elif "timed out" in text.lower():
        reason = f"the Docker Engine at {host} did not answer in time"
    else:
        reason = f"the Docker Engine at {host} cannot be reached ({_root_cause(err)})"
    hint = (" DOCKER_HOST is set; check that it points at a running engine, or unset it."
            if os.environ.get("DOCKER_HOST") else "")
    return errors.EngineUnavailable(
        f"Cannot connect to the Docker Engine: {reason}.", fix=_START_FIX + hint, command=argv
    )


def _timed_out(err: BaseException) -> bool:
    return any(isinstance(e, (requests.exceptions.Timeout, TimeoutError,
                              urllib3.exceptions.TimeoutError)) or "timed out" in str(e).lower()
               for e in _chain(err))


def _port_taken(
    match: re.Match[str] | None, text: str, step: s.Step | None, facts: Facts | None
) -> errors.PortAllocated:
    port = int(match.group(2)) if match else None
    ip = (match.group(1) if match else "") or "0.0.0.0"
    protocol = _protocol_for(step, port) if port else "tcp"
    lookup = facts.port_holder if facts is not None else None
    holder = lookup(port, protocol) if lookup is not None and port else None
    where = f"{ip}:{port}" if port else "the host port"
    if holder:
        who = f"container {holder} already publishes {where}"
        free_it = f"`docker stop {holder}` frees it"
    else:
        who = f"another program on this machine already listens on {where}"
        free_it = "stop that program"
    alternative = ""
    if port:
        bind_ip = None if ip in ("0.0.0.0", "") else ip
        container_port = _container_port_for(step, port) or "CONTAINER_PORT"
        try:
            free = ports.find_free(bind_ip, port + 1)
            prefix = f"{ip}:" if bind_ip else ""
            example = f"-p {prefix}{free}:{container_port}"
            alternative = f", or publish another host port, e.g. `{example}`"
        except errors.DocDockerError:
            alternative = ", or publish another host port"
    return errors.PortAllocated(
        f"Port {port or '?'} is already in use: {who}.",
        fix=f"{free_it}{alternative}. docdocker removed the container it had created, "
            "so you can run the step again.",
        command=step.argv if step else None, exit_code=125, stderr=text,
    )


def _protocol_for(step: s.Step | None, host_port: int) -> str:
    for m in getattr(step, "publish", ()):
        if m.host_port == host_port:
            return m.protocol
    return "tcp"


def _container_port_for(step: s.Step | None, host_port: int) -> int | None:
    for m in getattr(step, "publish", ()):
        if m.host_port == host_port:
            return m.container_port
    return None


def _is_image_missing(err: docker.errors.APIError, lower: str, step: s.Step | None) -> bool:
    if not getattr(step, "image", ""):
        return False  # only steps that name an image (run, pull) can miss one
    return isinstance(err, docker.errors.ImageNotFound) or any(
        phrase in lower
        for phrase in ("manifest unknown", "not found", "pull access denied",
                       "repository does not exist", "no such image")
    )
