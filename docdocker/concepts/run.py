"""``docker run``'s options: the :class:`Run` step, and how each option becomes both forms.

``-p`` (a spec without an address listens on 127.0.0.1), ``-e`` (a secret's value is
sent, never shown), ``-v`` and ``--mount``, ``--network`` and a command given as one
string are turned into the CLI's words and the SDK's keywords here, once. The handler
that runs the step, and the verb, are the other container steps' neighbours in
:mod:`docdocker.concepts.containers`.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from docdocker.base import errors, render
from docdocker.base.masking import Environment, mask_pair, revealed
from docdocker.concepts.ownership import CONTAINER_OWNER
from docdocker.concepts.registries import check_image_name
from docdocker.concepts.volumes import parse_mount, relative_to_absolute
from docdocker.core.steps import POSITIONAL, REST, Step, arg, pairs
from docdocker.grammar import ports, shell
from docdocker.grammar.ports import PortMapping

#: Where a published port listens when the learner writes no address.
LOCALHOST = "127.0.0.1"


def _env_words(env: Mapping[str, str | None]) -> list[str]:
    # `-e NAME` (no value) passes the variable on from the caller's environment,
    # which is what the SDK does with a None value.
    return [key if value is None else f"{key}={revealed(value)}" for key, value in env.items()]


def _env_sdk(env: Mapping[str, str | None]) -> list[str]:
    # The CLI resolves `-e NAME` on the client: the variable's value here, or
    # nothing when it is unset here. Send the engine exactly that.
    words = []
    for key, value in env.items():
        if value is None:
            value = os.environ.get(key)
            if value is None:
                continue
        words.append(f"{key}={revealed(value)}")
    return words


def _volumes_sdk(specs: tuple[str, ...]) -> list[str]:
    # The CLI (23 and later) turns a host folder written `./dir` into an absolute path
    # before asking the engine, which accepts only absolute ones; so does docdocker,
    # and the echo stays the command as typed in a terminal in the same folder.
    return [relative_to_absolute(spec) for spec in specs]


def _mount_sdk(specs: tuple[str, ...]) -> list[Any]:
    return [parse_mount(spec) for spec in specs]


def _publish_words(publish: tuple[PortMapping, ...]) -> list[str]:
    return [mapping.cli for mapping in publish]


@dataclass(frozen=True)
class Run(Step):
    """Create and start a container from an image.

    Equivalent CLI: ``docker run [-d] [--name NAME] [-p ...] [-e ...] IMAGE [COMMAND...]``
    """

    command: ClassVar[tuple[str, ...]] = ("run",)
    creates: ClassVar[bool] = True
    owner: ClassVar[str] = CONTAINER_OWNER

    image: str = arg(POSITIONAL, "image", default="")
    cmd: tuple[str, ...] = arg(REST, "command", default=(), sdk_value=list)
    detach: bool = arg("-d", "detach", default=False)
    remove: bool = arg("--rm", "auto_remove", default=False)
    name: str | None = arg("--name", "name")
    publish: tuple[PortMapping, ...] = arg(
        "-p", "ports", default=(), cli_value=_publish_words, sdk_value=ports.to_sdk
    )
    env: Mapping[str, str | None] = arg(
        "-e", "environment", default_factory=dict, cli_value=_env_words, sdk_value=_env_sdk
    )
    labels: Mapping[str, str] = arg(
        "--label", "labels", default_factory=dict, cli_value=pairs, sdk_value=dict
    )
    #: ``VOLUME:/path`` mounts (a named volume keeps its data when the container goes) and
    #: ``/host/dir:/path[:ro]`` bind mounts.
    mounts: tuple[str, ...] = arg("-v", "volumes", default=(), sdk_value=_volumes_sdk)
    #: The long form, ``--mount type=volume,src=counter,dst=/data`` (or ``type=bind``).
    mount: tuple[str, ...] = arg("--mount", "mounts", default=(), sdk_value=_mount_sdk)
    #: The network to start on (``none``: only a loopback interface); by default the
    #: engine's ``bridge``, where containers cannot find each other by name.
    network: str | None = arg("--network", "network")

    def __post_init__(self) -> None:
        # A saved notebook shows reprs: the environment's repr masks secret values.
        object.__setattr__(self, "env", Environment(self.env))

    def validate(self) -> None:
        check_image_name(self, self.image)
        for spec in self.mount:
            parse_mount(spec, command=self.argv)
        for key, value in self.env.items():
            if not isinstance(key, str) or not key or "=" in key:
                # `-e NAME=VALUE` would read the value out of the key, while the SDK
                # passes nothing for a None value: the echo and the run would differ.
                shown = mask_pair(str(key)) if isinstance(key, str) else repr(key)
                fix_value = "'VALUE'" if value is None else "..."
                raise errors.InvalidCommand(
                    f"The environment variable name {shown!r} is not a name: a name "
                    "cannot be empty or contain '='.",
                    fix=f"Give the value as the mapping's value: "
                        f"env={{{shown.partition('=')[0]!r}: {fix_value}}}.",
                    command=self.shown_argv)


def published_links(attrs: Mapping[str, Any]) -> list[render.Link]:
    """Links to a container's published tcp ports, as the engine bound them.

    Read from ``docker inspect`` rather than from the request, so a host port the
    engine picked (``-p 127.0.0.1::80``) gets its link too. One link per host
    port: publishing on every interface binds 0.0.0.0 and ::, one page.
    """
    bound = (attrs.get("NetworkSettings") or {}).get("Ports") or {}
    links: dict[int, render.Link] = {}
    for key, bindings in bound.items():
        port, _, protocol = key.partition("/")
        if protocol != "tcp":
            continue  # a browser speaks neither udp nor sctp
        for b in bindings or []:
            host_port = int(b["HostPort"])
            url = PortMapping(int(port), "tcp", b.get("HostIp") or None, host_port).url
            if url and host_port not in links:
                links[host_port] = render.Link(url, url)
    return [links[p] for p in sorted(links)]


def _mappings(publish: Iterable[PortMapping | str] | str | int) -> Iterator[PortMapping]:
    """The mappings to publish; a spec written without an address gets 127.0.0.1.

    A :class:`~docdocker.grammar.ports.PortMapping` is taken as given: it was built on
    purpose (the PortMapper shows its own warning for every interface).
    """
    for item in [publish] if isinstance(publish, (str, int)) else publish:
        if isinstance(item, PortMapping):
            yield item
            continue
        for mapping in ports.parse(item):
            if mapping.host_ip is None:
                mapping = dataclasses.replace(mapping, host_ip=LOCALHOST)
            yield mapping


def _split_command(cmd: str, image: str) -> list[str]:
    """Split a command string as a shell would: ``"sh -c 'echo hi'"`` is three words."""
    return shell.split(cmd, head=Run(image=image).argv)
