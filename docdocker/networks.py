"""Networks: ``docker network ls``, ``docker network inspect`` and ``docker network rm``.

Each step is declared once and registered with the function that executes it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from docdocker.engine import Engine, StepResult, handles
from docdocker.steps import POSITIONAL, TARGET, Step, arg, pairs

NETWORK_COLUMNS = ("NETWORK ID", "NAME", "DRIVER", "SCOPE")


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


def network_members(attrs: Mapping[str, Any]) -> list[dict[str, str]]:
    """The containers on a network and their addresses, from ``docker network inspect``."""
    members = (attrs.get("Containers") or {}).values()
    return sorted(({"NAME": c.get("Name", ""), "IPV4 ADDRESS": c.get("IPv4Address", "")}
                   for c in members), key=lambda row: row["NAME"])


class NetworkCommands(Engine):
    """The network verbs of :class:`docdocker.tutorial.Tutorial`."""

    def network_ls(self, *, filters: Mapping[str, Any] | None = None) -> StepResult:
        """List networks. Equivalent CLI: ``docker network ls [--filter KEY=VALUE]``"""
        return self.execute(NetworkLs(filters=dict(filters or {})))

    def network_inspect(self, network: str) -> StepResult:
        """A network's configuration. Equivalent CLI: ``docker network inspect NETWORK``"""
        return self.execute(NetworkInspect(network=network))
