"""``classroom mirror``: a Docker Hub mirror on the instructor's machine.

A ``registry:2`` container (labelled, its storage in a named volume) seeded
with every image the tutorial uses, under its Docker Hub name
(``library/nginx:latest``). A learner's engine with
``"registry-mirrors": ["http://ADDR:PORT"]`` asks it first for anything from
Docker Hub; what it lacks the engine fetches from Docker Hub itself. Seeding is
the real ``docker tag`` + ``docker push``, with the mirror's own name.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field

from docdocker.base import errors
from docdocker.concepts.containers import Ps, Rm
from docdocker.concepts.images import ImageInspect, Rmi, Tag
from docdocker.concepts.registries import Push
from docdocker.concepts.run import Run
from docdocker.concepts.volumes import VolumeCreate, VolumeLs, VolumeRm
from docdocker.core.engine import Engine
from docdocker.core.steps import LABEL
from docdocker.grammar import ports, reference

#: The label value (notebook) of everything the classroom kit creates.
NOTEBOOK = "classroom"
#: Marks the mirror container and its volume among the kit's objects.
MIRROR_LABEL = "org.docdocker.classroom"
#: Container and volume names; the volume is ``NAME-data``.
DEFAULT_NAME = "docdocker-mirror"
#: Not 5000 (notebook 03's own registry) and not a port Docker Desktop uses.
DEFAULT_PORT = 5050
#: ``registry:2`` listens here inside the container and keeps its data there.
REGISTRY_PORT = 5000
REGISTRY_DATA = "/var/lib/registry"


@dataclass
class Mirror:
    """A running mirror and what it holds.

    Attributes:
        address: The address learners use (``--address``).
        port: The published port.
        name: The container's name; its volume is ``name + "-data"``.
        seeded: The images pushed into it (Docker Hub names).
        skipped: Images not seeded, with the reason.
        warnings: Things the instructor must know (who can reach it).
    """

    address: str
    port: int
    name: str = DEFAULT_NAME
    seeded: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        host = f"[{self.address}]" if ":" in self.address else self.address
        return f"http://{host}:{self.port}"

    @property
    def local_url(self) -> str:
        """Where this machine reaches it (loopback, whatever the address)."""
        return f"http://127.0.0.1:{self.port}"

    def instructions(self) -> str:
        """What each learner does to use the mirror, and how they check it worked."""
        snippet = json.dumps({"registry-mirrors": [self.url]}, indent=2)
        lines = [
            f"Mirror running: {self.url} (container {self.name}, volume {volume_name(self.name)})",
            "",
            "Each learner adds this to Docker's daemon settings (merge it into what is there):",
            "",
            *("    " + line for line in snippet.splitlines()),
            "",
            "  Docker Desktop (macOS, Windows): Settings > Docker Engine, edit the JSON,",
            "    then Apply & restart.",
            "  Linux: put it in /etc/docker/daemon.json (create the file if it is missing),",
            "    then `sudo systemctl restart docker` (this stops running containers).",
            "",
            "Check that it took effect: `docker info` lists it under \"Registry Mirrors:\".",
            "Then `docker pull nginx` comes from the mirror. Images the mirror lacks still",
            "come from Docker Hub: the engine asks the mirror first and falls back.",
        ]
        if ipaddress.ip_address(self.address).is_loopback:
            lines += ["", "Bound to this machine only: learners' laptops cannot reach "
                          f"{self.url}. For the room, restart it with "
                          "`--address <this machine's IP on the room's network>`."]
        return "\n".join(lines)


def volume_name(name: str) -> str:
    """The named volume holding a mirror's images."""
    return f"{name}-data"


def mirror_name(image: str) -> str:
    """The Docker Hub name a mirror serves an image under: ``nginx`` -> ``library/nginx:latest``.

    Raises:
        docdocker.base.errors.InvalidReference: ``image`` is not a Docker Hub image reference.
    """
    ref = reference.parse(image)
    if ref.registry != reference.DEFAULT_REGISTRY or ref.digest:
        raise errors.InvalidReference(
            f"A Docker Hub mirror serves Docker Hub images by tag; {image!r} is not one.",
            fix="Give a Docker Hub name with a tag, such as nginx:latest.")
    return f"{ref.repository}:{ref.tag or reference.DEFAULT_TAG}"


def check_address(address: str) -> list[str]:
    """Refuse what is not an IP address; warn when it is reachable from the network.

    Returns:
        Warnings to show the instructor (empty for a loopback address).

    Raises:
        docdocker.base.errors.DocDockerError: ``address`` is not an IP address.
    """
    try:
        ip = ipaddress.ip_address(address)
    except ValueError as err:
        raise errors.DocDockerError(
            f"--address {address!r} is not an IP address.",
            fix="Give this machine's address on the room's network, e.g. "
                "--address 192.168.1.20 (see `ip addr` or your network settings), or leave "
                "it out to keep the mirror on 127.0.0.1.") from err
    if ip.is_loopback:
        return []
    where = "every network this machine is on" if ip.is_unspecified else f"{address}"
    return [f"Warning: the mirror listens on {where}, without a password: anyone who can "
            f"reach this machine there can pull every image in it. Stop it after the "
            f"session with `python -m docdocker classroom mirror --stop`."]


def _publish(address: str, port: int) -> tuple[ports.PortMapping, ...]:
    host = f"[{address}]" if ":" in address else address
    specs = [f"{host}:{port}:{REGISTRY_PORT}"]
    ip = ipaddress.ip_address(address)
    if not ip.is_loopback and not ip.is_unspecified:
        # This machine seeds it through loopback, which needs no TLS in Docker.
        specs.append(f"127.0.0.1:{port}:{REGISTRY_PORT}")
    return tuple(m for spec in specs for m in ports.parse(spec))


def find(engine: Engine, name: str = DEFAULT_NAME) -> dict[str, object] | None:
    """The mirror container called ``name``, if the kit made one (any state)."""
    mine = [f"{MIRROR_LABEL}=mirror", f"{LABEL}={engine.notebook}"]
    listed = engine.query(Ps(all=True, filters={"label": mine, "name": name})).value
    for entry in listed:
        if any(n.lstrip("/") == name for n in entry.get("Names") or []):
            return dict(entry)
    return None


def start(engine: Engine, images: Sequence[str], *, address: str = "127.0.0.1",
          port: int = DEFAULT_PORT, name: str = DEFAULT_NAME, ready_timeout: float = 30
          ) -> Mirror:
    """Run the mirror and push every image into it.

    Equivalent CLI: ``docker volume create``, ``docker run -d ... registry:2``, then per
    image ``docker tag``, ``docker push``, ``docker rmi`` (of the mirror's tag only)

    Raises:
        docdocker.base.errors.DocDockerError: A bad address, a mirror already running, a taken
            port, or an engine failure.
    """
    warnings = check_address(address)
    if find(engine, name) is not None:
        raise errors.DocDockerError(
            f"A classroom mirror named {name} already exists.",
            fix="Stop it first: `python -m docdocker classroom mirror --stop`.")
    mirror = Mirror(address, port, name, warnings=warnings)
    labels = {MIRROR_LABEL: "mirror"}
    try:
        engine.execute(VolumeCreate(volume=volume_name(name), labels=labels))
        engine.execute(Run(image="registry:2", detach=True, name=name,
                           publish=_publish(address, port), labels=labels,
                           mounts=(f"{volume_name(name)}:{REGISTRY_DATA}",)))
        _wait_ready(mirror, ready_timeout)
        _seed(engine, mirror, images)
    except BaseException:
        # A half-made mirror would only be in the way of the next attempt.
        with contextlib.suppress(errors.DocDockerError):
            stop(engine, name)
        raise
    return mirror


def _seed(engine: Engine, mirror: Mirror, images: Sequence[str]) -> None:
    port = mirror.port
    for image in images:
        mirror_ref = f"127.0.0.1:{port}/{mirror_name(image)}"
        if engine.query(ImageInspect(image=image)).value is None:
            mirror.skipped.append((image, f"not on this machine (`docker pull {image}` first)"))
            continue
        engine.execute(Tag(image=image, new_image=mirror_ref))
        try:
            engine.execute(Push(image=mirror_ref))
        finally:
            engine.execute(Rmi(image=mirror_ref))
        mirror.seeded.append(mirror_name(image))


def _wait_ready(mirror: Mirror, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{mirror.local_url}/v2/", timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, OSError) as err:
            last = err
        time.sleep(0.3)
    raise errors.DocDockerError(
        f"The mirror did not answer at {mirror.local_url}/v2/ within {timeout:g} s ({last}).",
        fix=f"Look at its log: `docker logs {mirror.name}`; then "
            "`python -m docdocker classroom mirror --stop` and start it again.")


def catalog_of(mirror_url: str, timeout: float = 5) -> list[str]:
    """The repositories a mirror holds (``GET /v2/_catalog``).

    Equivalent CLI: ``curl http://ADDR:PORT/v2/_catalog``
    """
    with urllib.request.urlopen(f"{mirror_url}/v2/_catalog", timeout=timeout) as answer:
        return list(json.load(answer).get("repositories") or [])


def stop(engine: Engine, name: str = DEFAULT_NAME) -> list[str]:
    """Remove the mirror container and its volume (only the ones this engine's label marks).

    Equivalent CLI: ``docker rm --force --volumes NAME``, ``docker volume rm NAME-data``

    Returns:
        What was removed (empty when there was no mirror).
    """
    removed = []
    if find(engine, name) is not None:
        engine.execute(Rm(container=name, force=True, volumes=True))
        removed.append(f"container {name}")
    volumes = engine.query(VolumeLs(filters={"label": [f"{MIRROR_LABEL}=mirror",
                                                       f"{LABEL}={engine.notebook}"],
                                             "name": volume_name(name)})).value
    for volume in volumes:
        if volume.get("Name") == volume_name(name):
            with contextlib.suppress(errors.StepFailed):
                engine.execute(VolumeRm(volume=volume_name(name)))
                removed.append(f"volume {volume_name(name)}")
    return removed
