"""Networks: ``docker network create``, ``ls``, ``inspect``, ``connect``, ``disconnect``, ``rm``.

Each step is declared once and registered with the function that executes it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from docdocker.base import errors
from docdocker.concepts.ownership import NETWORK_OWNER
from docdocker.core.engine import Engine, StepResult, handles
from docdocker.core.steps import POSITIONAL, TARGET, Step, arg, filters_given, pairs

NETWORK_COLUMNS = ("NETWORK ID", "NAME", "DRIVER", "SCOPE")


@dataclass(frozen=True)
class NetworkCreate(Step):
    """Create a user-defined bridge network, on which containers find each other by name.

    Equivalent CLI: ``docker network create [--label ...] NETWORK``
    """

    command: ClassVar[tuple[str, ...]] = ("network", "create")
    creates: ClassVar[bool] = True
    owner: ClassVar[str] = NETWORK_OWNER

    labels: Mapping[str, str] = arg(
        "--label", "labels", default_factory=dict, cli_value=pairs, sdk_value=dict
    )
    network: str = arg(POSITIONAL, "name", default="")

    def validate(self) -> None:
        if not isinstance(self.network, str) or not self.network.strip():
            raise errors.InvalidCommand(
                f"The network needs a name: got {self.network!r}.",
                fix="Name it, e.g. network_create('my-net') (`docker network create my-net`).",
                command=self.shown_argv)


@dataclass(frozen=True)
class NetworkConnect(Step):
    """Attach a container to one more network (it keeps the ones it is on).

    Equivalent CLI: ``docker network connect NETWORK CONTAINER``
    """

    command: ClassVar[tuple[str, ...]] = ("network", "connect")

    network: str = arg(POSITIONAL, TARGET, default="")
    container: str = arg(POSITIONAL, "container", default="")


@dataclass(frozen=True)
class NetworkDisconnect(Step):
    """Detach a container from a network.

    Equivalent CLI: ``docker network disconnect NETWORK CONTAINER``
    """

    command: ClassVar[tuple[str, ...]] = ("network", "disconnect")

    network: str = arg(POSITIONAL, TARGET, default="")
    container: str = arg(POSITIONAL, "container", default="")


@dataclass(frozen=True)
class NetworkLs(Step):
    """List networks. Equivalent CLI: ``docker network ls [--filter KEY=VALUE]``"""

    command: ClassVar[tuple[str, ...]] = ("network", "ls")

    filters: Mapping[str, Any] = arg(
        "--filter", "filters", default_factory=dict, cli_value=pairs, sdk_value=dict
    )


@dataclass(frozen=True)
class NetworkRm(Step):
    """Remove a network. Equivalent CLI: ``docker network rm NETWORK``"""

    command: ClassVar[tuple[str, ...]] = ("network", "rm")

    network: str = arg(POSITIONAL, TARGET, default="")


@dataclass(frozen=True)
class NetworkInspect(Step):
    """Show a network's configuration and the containers on it.

    Equivalent CLI: ``docker network inspect NETWORK``
    """

    command: ClassVar[tuple[str, ...]] = ("network", "inspect")

    network: str = arg(POSITIONAL, TARGET, default="")


@handles(NetworkLs)
def list_networks(engine: Engine, step: NetworkLs) -> StepResult:
    """``api.networks``, one row per network as the CLI prints them."""
    listed = engine.client.api.networks(**step.sdk_kwargs)
    rows = [{"NETWORK ID": n["Id"][:12], "NAME": n["Name"], "DRIVER": n.get("Driver", ""),
             "SCOPE": n.get("Scope", ""), "LABELS": n.get("Labels") or {}} for n in listed]
    return StepResult(step, rows=rows, columns=NETWORK_COLUMNS, value=listed)


@handles(NetworkRm)
def remove_network(engine: Engine, step: NetworkRm) -> StepResult:
    """``api.remove_network``; prints the name, as the CLI does."""
    engine.client.api.remove_network(step.network)
    return StepResult(step, output=f"{step.network}\n")


@handles(NetworkInspect)
def inspect_network(engine: Engine, step: NetworkInspect) -> StepResult:
    """``api.inspect_network``, printed as the CLI prints it (a JSON list, 4 spaces)."""
    attrs = engine.client.api.inspect_network(step.network)
    return StepResult(step, output=json.dumps([attrs], indent=4) + "\n", value=attrs)


@handles(NetworkCreate)
def create_network(engine: Engine, step: NetworkCreate) -> StepResult:
    """``api.create_network`` (a bridge); prints the new network's ID, as the CLI does."""
    created = engine.client.api.create_network(**step.sdk_kwargs)
    return StepResult(step, output=f"{created['Id']}\n", value=created)


@handles(NetworkConnect)
def connect_network(engine: Engine, step: NetworkConnect) -> StepResult:
    """``api.connect_container_to_network``; prints nothing, as the CLI does."""
    engine.client.api.connect_container_to_network(net_id=step.target, **step.sdk_kwargs)
    return StepResult(step)


@handles(NetworkDisconnect)
def disconnect_network(engine: Engine, step: NetworkDisconnect) -> StepResult:
    """``api.disconnect_container_from_network``; prints nothing, as the CLI does."""
    engine.client.api.disconnect_container_from_network(net_id=step.target, **step.sdk_kwargs)
    return StepResult(step)


def network_members(attrs: Mapping[str, Any]) -> list[dict[str, str]]:
    """The containers on a network and their addresses, from ``docker network inspect``."""
    members = (attrs.get("Containers") or {}).values()
    return sorted(({"NAME": c.get("Name", ""), "IPV4 ADDRESS": c.get("IPv4Address", "")}
                   for c in members), key=lambda row: row["NAME"])


class NetworkCommands(Engine):
    """The network verbs of :class:`docdocker.session.tutorial.Tutorial`."""

    def network_ls(self, *, filters: Mapping[str, Any] | None = None) -> StepResult:
        """List networks. Equivalent CLI: ``docker network ls [--filter KEY=VALUE]``"""
        return self.execute(NetworkLs(filters=filters_given(filters, "network ls")))

    def network_inspect(self, network: str) -> StepResult:
        """A network's configuration. Equivalent CLI: ``docker network inspect NETWORK``"""
        return self.execute(NetworkInspect(network=network))

    def network_create(self, network: str) -> StepResult:
        """Create a network, labelled as this notebook's.

        Equivalent CLI: ``docker network create --label org.docdocker.notebook=NB NETWORK``
        """
        return self.execute(NetworkCreate(network=network))

    def network_connect(self, network: str, container: str) -> StepResult:
        """Attach a container to a network. Equivalent CLI: ``docker network connect NET C``"""
        return self.execute(NetworkConnect(network=network, container=container))

    def network_disconnect(self, network: str, container: str) -> StepResult:
        """Detach a container from a network.

        Equivalent CLI: ``docker network disconnect NETWORK CONTAINER``
        """
        return self.execute(NetworkDisconnect(network=network, container=container))

    def network_rm(self, network: str) -> StepResult:
        """Remove a network (no container may be on it).

        Equivalent CLI: ``docker network rm NETWORK``
        """
        return self.execute(NetworkRm(network=network))
