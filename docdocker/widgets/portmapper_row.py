"""One row of the PortMapper: a ``-p`` mapping as the learner typed it.

Pure: traitlets and the port grammar, no widgets and no engine. The model
(:mod:`docdocker.widgets.portmapper_model`) fills in each row's derived traits.
"""

from __future__ import annotations

from typing import Any

from traitlets import CaselessStrEnum, HasTraits, Instance, Int, Unicode, validate

from docdocker.base.errors import DocDockerError
from docdocker.grammar import ports
from docdocker.grammar.ports import PROTOCOLS, PortMapping, everywhere_warning

__all__ = ["EVERYWHERE", "LOCALHOST", "PortRow", "everywhere_warning", "port_number"]

LOCALHOST = "127.0.0.1"
EVERYWHERE = "0.0.0.0"


def port_number(text: str) -> int | None:
    """``text`` as a port number when it is one written in ASCII digits (1-65535), else None.

    ``str.isdigit`` is true for "²" and other non-ASCII digits, which ``int``
    then refuses or reads as another number: only 0-9 count, as for the CLI.
    """
    if not (text.isascii() and text.isdigit()) or len(text) > 5:
        return None
    number = int(text)
    return number if 1 <= number <= ports.MAX_PORT else None


def _as_text(value: int | str | None) -> str:
    return "" if value is None else str(value)


def _host_port_text(mapping: PortMapping) -> str:
    if mapping.host_port is None:
        return ""
    if mapping.host_port_end is None:
        return str(mapping.host_port)
    return f"{mapping.host_port}-{mapping.host_port_end}"



class PortRow(HasTraits):
    """One mapping as the learner typed it: host address, host port, container port, protocol.

    The port fields are text, as typed, so that "eighty" or 99999 can be shown
    as an error instead of being silently refused or clamped by a number box.
    :class:`PortMapperModel` fills in the derived traits (``mapping``,
    ``problem``, ``warning``, ``suggestion``), since a row's validity depends on
    the other rows and on what already listens on this machine.

    Args:
        container_port: The port the program inside the container listens on.
        host_port: The host port; ``""`` or None leaves it to the engine.
        host_ip: The host address; None means no address (Docker's default,
            every interface); ``""`` means the learner has yet to type one.
        protocol: ``"tcp"``, ``"udp"`` or ``"sctp"`` (any case).

    Equivalent CLI: ``-p HOST_IP:HOST_PORT:CONTAINER_PORT/PROTOCOL``
    """

    host_ip = Unicode(LOCALHOST, allow_none=True, help="Host address; None: every interface.")
    host_port = Unicode("", help="Host port, a range such as 8000-8010, or '' (engine picks).")
    container_port = Unicode("", help="Container port, as typed.")
    protocol = CaselessStrEnum(PROTOCOLS, default_value="tcp")

    mapping = Instance(PortMapping, allow_none=True, help="The parsed mapping, if it parses.")
    problem = Instance(DocDockerError, allow_none=True, help="Why the row cannot run.")
    warning = Unicode("", help="A caveat that does not block Run (e.g. 0.0.0.0).")
    suggestion = Int(None, allow_none=True, help="A free host port to use instead.")

    def __init__(
        self,
        container_port: int | str | None = None,
        host_port: int | str | None = None,
        host_ip: str | None = LOCALHOST,
        protocol: str = "tcp",
    ) -> None:
        super().__init__(
            host_ip=host_ip,
            host_port=_as_text(host_port),
            container_port=_as_text(container_port),
            protocol=protocol,
        )

    @classmethod
    def from_mapping(cls, mapping: PortMapping) -> PortRow:
        """A row holding ``mapping``, e.g. one of those :func:`ports.parse` returned."""
        return cls(
            container_port=mapping.container_port,
            host_port=_host_port_text(mapping),
            host_ip=mapping.host_ip,
            protocol=mapping.protocol,
        )

    @validate("host_port", "container_port")
    def _strip_port(self, proposal: Any) -> str:
        # Spaces are invisible in a text box; the CLI would not see them either.
        return str(proposal["value"]).strip()

    @validate("host_ip")
    def _strip_ip(self, proposal: Any) -> str | None:
        value = proposal["value"]
        return None if value is None else value.strip()

    @property
    def spec(self) -> str:
        """The ``-p`` value these fields spell, valid or not (``127.0.0.1:8080:80``)."""
        container = self.container_port
        if self.protocol != "tcp":
            container += f"/{self.protocol}"
        if self.host_ip is None:
            return f"{self.host_port}:{container}" if self.host_port else container
        ip = self.host_ip
        if ":" in ip and not ip.startswith("["):
            ip = f"[{ip}]"
        return f"{ip}:{self.host_port}:{container}"

    @property
    def error(self) -> str:
        """The problem as text (message and fix), or ``""``."""
        return "" if self.problem is None else str(self.problem)

    def __repr__(self) -> str:
        return f"PortRow({self.spec!r})"


