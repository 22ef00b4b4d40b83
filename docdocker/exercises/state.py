"""Reading the engine's state for the checks: quiet lookups, never the SDK itself.

Every function here executes a listing or inspect step with
:meth:`~docdocker.core.engine.Engine.query`, so nothing is echoed and nothing is
labelled: a check only looks.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from docdocker.concepts.containers import Logs, Ps, container_name
from docdocker.concepts.images import ImageInspect, Images
from docdocker.concepts.inspect import ContainerInspect
from docdocker.concepts.ownership import made_by_tutorial
from docdocker.concepts.system import Info
from docdocker.core.engine import Engine

#: Host addresses that mean "every interface".
EVERYWHERE = ("", "0.0.0.0", "::")


@dataclass(frozen=True)
class Binding:
    """One ``-p`` binding a container was created with (from its ``HostConfig``)."""

    container_port: int
    protocol: str
    host_ip: str
    host_port: int | None

    @property
    def everywhere(self) -> bool:
        return self.host_ip in EVERYWHERE

    @property
    def spec(self) -> str:
        """The binding as a ``-p`` value."""
        ip = f"{self.host_ip}:" if self.host_ip else ""
        host = "" if self.host_port is None else str(self.host_port)
        proto = "" if self.protocol == "tcp" else f"/{self.protocol}"
        return f"{ip}{host}:{self.container_port}{proto}"


def container(engine: Engine, name: str) -> dict[str, Any] | None:
    """``docker container inspect NAME``, or None when no container has that exact name.

    Looked up with ``docker ps --all --filter name=^/NAME$`` first: the engine's
    inspect would also accept an ID prefix, and fails on a missing name.
    """
    pattern = f"^/?{re.escape(name)}$"
    for entry in engine.query(Ps(all=True, filters={"name": pattern})).value or []:
        if name in (n.lstrip("/") for n in entry.get("Names") or []):
            attrs = engine.query(ContainerInspect(container=entry["Id"])).value
            return dict(attrs) if attrs else None
    return None


def image(engine: Engine, reference: str) -> dict[str, Any] | None:
    """``docker image inspect REFERENCE``, or None when it is not on this machine."""
    attrs = engine.query(ImageInspect(image=reference)).value
    return dict(attrs) if attrs else None


def image_id(engine: Engine, reference: str) -> str | None:
    """The ID of the image ``reference`` names here, or None."""
    attrs = image(engine, reference)
    return str(attrs["Id"]) if attrs else None


def images(engine: Engine, reference: str) -> list[dict[str, Any]]:
    """``docker images --filter reference=PATTERN``: the engine's list entries."""
    return list(engine.query(Images(filters={"reference": reference})).value or [])


def runs_image(engine: Engine, attrs: Mapping[str, Any], reference: str) -> bool:
    """Whether a container was created from the image ``reference`` names here."""
    wanted = image_id(engine, reference)
    return wanted is not None and attrs.get("Image") == wanted


def status(attrs: Mapping[str, Any]) -> str:
    """``created``, ``running``, ``paused``, ``restarting``, ``exited`` or ``dead``."""
    return str((attrs.get("State") or {}).get("Status", ""))


def exit_code(attrs: Mapping[str, Any]) -> int:
    """The exit code of the container's main process (0 while it has not exited)."""
    return int((attrs.get("State") or {}).get("ExitCode") or 0)


def command(attrs: Mapping[str, Any]) -> list[str]:
    """What the container runs: its entrypoint and command words."""
    config = attrs.get("Config") or {}
    return [*(config.get("Entrypoint") or []), *(config.get("Cmd") or [])]


def bindings(attrs: Mapping[str, Any]) -> list[Binding]:
    """The ``-p`` bindings the container was created with, running or not."""
    found = []
    for key, entries in ((attrs.get("HostConfig") or {}).get("PortBindings") or {}).items():
        port, _, protocol = key.partition("/")
        for entry in entries or [{}]:
            host_port = str((entry or {}).get("HostPort") or "")
            found.append(Binding(int(port), protocol or "tcp", (entry or {}).get("HostIp") or "",
                                 int(host_port) if host_port.isdigit() else None))
    return found


def logs(engine: Engine, name: str) -> str:
    """What a container printed (``docker logs NAME``)."""
    return engine.query(Logs(container=name)).output


def kernel(engine: Engine) -> str:
    """The kernel every container on this engine shares (``docker info``'s Kernel Version)."""
    return str(engine.query(Info()).value.get("KernelVersion", ""))


def publishing(engine: Engine, port: int) -> list[dict[str, Any]]:
    """Running containers publishing host ``port`` (``docker ps --filter publish=PORT``)."""
    listed = engine.query(Ps(filters={"publish": f"{port}/tcp"})).value or []
    return [c for c in listed
            if any(p.get("PublicPort") == port for p in c.get("Ports") or [])]


def learner_containers(engine: Engine, **filters: str) -> list[dict[str, Any]]:
    """Containers matching ``filters`` that the tutorial did not create itself."""
    listed = engine.query(Ps(all=True, filters=dict(filters))).value or []
    return [c for c in listed if not made_by_tutorial(c.get("Labels"))]


def name_of(entry: Mapping[str, Any]) -> str:
    """A list entry's container name."""
    return container_name(entry)


def answers(url: str, timeout: float = 3.0) -> int | None:
    """The HTTP status a loopback URL answers with, or None when nothing answers.

    Equivalent CLI: ``curl URL``
    """
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as err:
        return int(err.code)
    except OSError:
        return None


def in_registry(registry: str, repository: str, tag: str, timeout: float = 3.0) -> bool | None:
    """Whether a registry on this machine has ``repository:tag``; None when it cannot tell.

    Asks the registry itself (a ``HEAD`` of the tag's manifest), because the engine's
    ``RepoDigests`` cannot say: the containerd image store lists a digest for every
    name an image has, pushed or not. False when nothing answers there; None when the
    registry is not on this machine or asks for a login.

    Equivalent CLI: ``curl -sI http://127.0.0.1:PORT/v2/REPOSITORY/manifests/TAG``
    """
    host, _, port = registry.rpartition(":")
    if host not in ("localhost", "127.0.0.1") or not port.isdigit():
        return None
    from docdocker.concepts.registry_api import MANIFEST_TYPES

    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/v2/{repository}/manifests/{tag}", method="HEAD",
        headers={"Accept": ", ".join(MANIFEST_TYPES)})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status) == 200
    except urllib.error.HTTPError as err:
        return False if err.code == 404 else None
    except OSError:
        return False
