"""The PortMapper's model: what the learner typed and everything derived from it.

:class:`PortRow` holds one ``-p`` mapping as typed; :class:`PortMapperModel`
holds the rows, the image, the name and the text of the ``-p`` box, and derives
the mappings, the ``docker run`` line and every problem, using the grammar in
:mod:`docdocker.ports` and :mod:`docdocker.reference`. No widgets and no engine
here: the one thing it asks the outside world (which container holds a port?)
is a callable passed in. The view is :mod:`docdocker.widgets.portmapper`.

Equivalent CLI: ``docker run -d -p 127.0.0.1:8080:80 nginx``
"""

from __future__ import annotations

import errno
import ipaddress
import re
import shlex
import socket
from collections.abc import Callable
from typing import Any, cast

from traitlets import (
    Bool,
    CaselessStrEnum,
    Dict,
    HasTraits,
    Instance,
    Int,
    List,
    Unicode,
    observe,
    validate,
)

from docdocker import ports, reference
from docdocker.containers import Run
from docdocker.errors import DocDockerError, InvalidPortSpec, InvalidReference, PortAllocated
from docdocker.ports import PROTOCOLS, PortMapping, everywhere_warning

__all__ = [
    "EVERYWHERE",
    "LOCALHOST",
    "HolderLookup",
    "PortMapperModel",
    "PortRow",
    "everywhere_warning",
]

LOCALHOST = "127.0.0.1"
EVERYWHERE = "0.0.0.0"

# Docker's own rule for container names (RestrictedNamePattern in the engine):
# one letter or digit, then at least one more of these characters.
_CONTAINER_NAME = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]+")

# The traits a learner edits; the derived ones are set by the model and must not
# re-trigger a check, or every check would loop.
_ROW_INPUTS = ["host_ip", "host_port", "container_port", "protocol"]

HolderLookup = Callable[[int, str], str | None]
"""Names the container publishing a host port (port, protocol), or returns None."""


def _as_text(value: int | str | None) -> str:
    return "" if value is None else str(value)


def _host_port_text(mapping: PortMapping) -> str:
    if mapping.host_port is None:
        return ""
    if mapping.host_port_end is None:
        return str(mapping.host_port)
    return f"{mapping.host_port}-{mapping.host_port_end}"


def _preferred_host_port(container_port: int | None) -> int:
    """Where the search for a free host port starts: 80 -> 8080, 443 -> 8443, 6379 -> 6379.

    Ports below 1024 need privileges on many hosts and clash with system
    services, so those get the 8000 + port convention instead.
    """
    if container_port is None:
        return 8080
    if container_port >= 1024:
        return container_port
    return 8000 + container_port if container_port < 1000 else 8080


def _is_local_address(host_ip: str) -> bool:
    """Tell whether this machine owns ``host_ip``, so Docker could listen on it."""
    try:
        address = ipaddress.ip_address(host_ip)
    except ValueError:
        return True  # ports.parse reports a malformed address better
    if address.is_unspecified:
        return True
    family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_DGRAM) as probe:
            probe.bind((host_ip, 0))
    except OSError as err:
        # Only "cannot assign requested address" means "not ours"; anything else
        # (no IPv6 at all, say) leaves the question to the engine.
        return err.errno != errno.EADDRNOTAVAIL
    return True


def _clash(a: PortMapping, b: PortMapping) -> bool:
    """Whether two mappings ask for the same host port (so the second cannot start)."""
    if a.protocol != b.protocol or a.host_port is None or a.host_port != b.host_port:
        return False
    if a.host_port_end is not None or b.host_port_end is not None:
        return False  # a range is a pool the engine picks a free port from
    return a.host_ip == b.host_ip or a.listens_everywhere or b.listens_everywhere


def _where(host_ip: str | None) -> str:
    if host_ip is None:
        return "every interface"
    return f"[{host_ip}]" if ":" in host_ip else host_ip


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


class PortMapperModel(HasTraits):
    """What a PortMapper holds and everything derived from it; no widgets, no engine.

    Inputs are ``image``, ``name``, ``spec`` (the text of the ``-p`` box),
    ``labels`` and ``rows``; ``rows`` is always replaced, never changed in place,
    so that observers see every change. Each edit re-derives ``mappings``,
    ``flags``, ``cli``, ``problems``, ``error`` and ``valid``.

    Args:
        holder: Names the container that publishes a host port, so a taken
            port's message can say who holds it; None when there is no engine.
        **kwargs: Initial trait values.

    Equivalent CLI: ``docker run -d [--name NAME] -p ... --label ... IMAGE``
    """

    image = Unicode("nginx", help="The image to run.")
    name = Unicode("", help="The container's name; '' lets Docker pick one.")
    spec = Unicode("", help="The -p value typed in the box, not yet added.")
    labels = Dict(value_trait=Unicode(), key_trait=Unicode(), help="Labels for --label.")
    rows = List(Instance(PortRow), help="The mappings, one per row.")
    check_ports = Bool(True, help="Check host ports against this machine (ports.is_free).")

    mappings = List(Instance(PortMapping), read_only=True, help="Every row that parses.")
    flags = Unicode(read_only=True, help="The -p flags, e.g. '-p 127.0.0.1:8080:80'.")
    cli = Unicode(read_only=True, help="The whole docker run line.")
    problems: List[tuple[str, DocDockerError]] = List(
        read_only=True, help="(where, DocDockerError) pairs, in display order."
    )
    error = Unicode(read_only=True, help="Every problem as text; '' when Run may go.")
    valid = Bool(False, read_only=True, help="True when there is no problem.")
    spec_problem = Instance(DocDockerError, allow_none=True, read_only=True)
    spec_hint = Unicode(read_only=True, help="What pressing Enter in the -p box would add.")

    def __init__(self, *, holder: HolderLookup | None = None, **kwargs: Any) -> None:
        self.holder = holder
        super().__init__(**kwargs)
        self.refresh()

    # ------------------------------------------------------------ inputs
    @validate("image", "name")
    def _strip(self, proposal: Any) -> str:
        return str(proposal["value"]).strip()

    @observe("rows")
    def _rows_replaced(self, change: Any) -> None:
        old, new = change["old"] or [], change["new"]
        for row in old:
            if all(row is not kept for kept in new):
                row.unobserve(self._row_edited, names=_ROW_INPUTS)
        for row in new:
            if all(row is not had for had in old):
                row.observe(self._row_edited, names=_ROW_INPUTS)
        self.refresh()

    @observe("image", "name", "spec", "labels", "check_ports")
    def _input_edited(self, change: Any) -> None:
        self.refresh()

    def _row_edited(self, change: Any) -> None:
        self.refresh()

    # ------------------------------------------------------------ actions
    def add_row(
        self,
        container_port: int | str | None = None,
        host_port: int | str | None = None,
        host_ip: str | None = LOCALHOST,
        protocol: str = "tcp",
    ) -> PortRow:
        """Add one mapping row.

        Equivalent CLI: ``-p HOST_IP:HOST_PORT:CONTAINER_PORT/PROTOCOL``

        Args:
            container_port: The port inside the container; None leaves it blank.
            host_port: The host port. None picks a free one now (from 8080
                for container ports below 1024, else from the container port);
                ``""`` leaves it empty so the engine picks one at start.
            host_ip: The host address; None means every interface.
            protocol: ``"tcp"``, ``"udp"`` or ``"sctp"``.

        Returns:
            The new row.
        """
        if host_port is None:
            host_port = self._free_host_port(container_port, host_ip, protocol)
        row = PortRow(container_port, host_port, host_ip, protocol)
        self.rows = [*self.rows, row]
        return row

    def add_spec(self, spec: str | None = None) -> list[PortMapping]:
        """Parse a ``-p`` value and add one row per mapping it yields.

        Rows still missing their container port are dropped, since the value
        says what they were waiting for.

        Equivalent CLI: ``docker run -p SPEC ...``

        Args:
            spec: The value, e.g. ``"127.0.0.1:8080:80"``; None takes the text
                of the ``-p`` box (:attr:`spec`).

        Returns:
            The mappings added; empty when the value does not parse, in which
            case :attr:`spec_problem` (and :attr:`error`) say why and the box
            keeps the text for the learner to correct.
        """
        if spec is not None:
            self.spec = str(spec)
        text = self.spec.strip()
        if not text:
            return []
        try:
            found = ports.parse(text)
        except InvalidPortSpec:
            return []  # refresh() has put the message in spec_problem already
        kept = [row for row in self.rows if row.container_port]
        with self.hold_trait_notifications():
            self.rows = kept + [PortRow.from_mapping(m) for m in found]
            self.spec = ""
        return found

    def remove_row(self, index: int) -> PortRow:
        """Remove the row at ``index`` (0-based) and return it.

        Raises:
            IndexError: If there is no such row.
        """
        rows = list(self.rows)
        removed = rows.pop(index)
        self.rows = rows
        return removed

    @property
    def step(self) -> Run:
        """The step the line is printed from and Run executes (labels included).

        Equivalent CLI: :attr:`cli`
        """
        step = Run(
            image=self.image,
            detach=True,
            publish=tuple(self.mappings),
            name=self.name or None,
        )
        return cast(Run, step.with_labels(self.labels))

    @property
    def sdk_ports(self) -> ports.SdkPorts:
        """The ``ports=`` argument of ``client.containers.run`` for :attr:`mappings`."""
        return ports.to_sdk(self.mappings)

    # ------------------------------------------------------------ checks
    def refresh(self) -> None:
        """Re-derive everything, re-checking which host ports are free right now.

        Equivalent CLI: ``ss -ltun`` (what listens on this machine)
        """
        problems: list[tuple[str, DocDockerError]] = []
        image_problem = self._image_problem()
        if image_problem is not None:
            problems.append(("Image", image_problem))
        name_problem = self._name_problem()
        if name_problem is not None:
            problems.append(("Container name", name_problem))
        if not self.rows:
            problems.append(("Ports", DocDockerError(
                "No port is published yet.",
                fix="Add a row, or type a -p value such as 127.0.0.1:8080:80 and press Enter.",
            )))

        used = {int(row.host_port) for row in self.rows if row.host_port.isdigit()}
        claimed: list[tuple[int, PortMapping]] = []
        mappings: list[PortMapping] = []
        for index, row in enumerate(self.rows):
            mapping, problem, suggestion = self._check_row(row, claimed, used)
            with row.hold_trait_notifications():
                row.mapping = mapping
                row.problem = problem
                row.suggestion = suggestion
                everywhere = mapping is not None and mapping.listens_everywhere
                row.warning = everywhere_warning(mapping) if mapping and everywhere else ""
            if mapping is not None:
                mappings.append(mapping)
                claimed.append((index, mapping))
            if problem is not None:
                problems.append((f"Row {index + 1}", problem))

        spec_problem, spec_hint = self._check_spec()
        if spec_problem is not None:
            problems.append(("The -p value", spec_problem))
        elif spec_hint:
            problems.append(("The -p value", DocDockerError(
                f"{self.spec.strip()!r} is typed in the -p box but not added yet.",
                fix="Press Enter (or Add) to add it, or clear the box.",
            )))

        with self.hold_trait_notifications():
            self.set_trait("mappings", mappings)
            self.set_trait("flags", shlex.join(ports.to_argv(mappings)))
            self.set_trait("cli", self.step.cli)
            self.set_trait("spec_problem", spec_problem)
            self.set_trait("spec_hint", spec_hint)
            self.set_trait("problems", problems)
            self.set_trait("error", "\n".join(f"{where}: {err}" for where, err in problems))
            self.set_trait("valid", not problems)

    def _image_problem(self) -> DocDockerError | None:
        try:
            reference.parse(self.image)
        except InvalidReference as err:
            return err
        return None

    def _name_problem(self) -> DocDockerError | None:
        if not self.name or _CONTAINER_NAME.fullmatch(self.name):
            return None
        tidy = re.sub(r"[^a-zA-Z0-9_.-]+", "-", self.name).strip("-_.")
        example = tidy if _CONTAINER_NAME.fullmatch(tidy) else "web"
        return DocDockerError(
            f"Invalid container name {self.name!r}: a name starts with a letter or digit "
            "and goes on with at least one letter, digit, '_', '.' or '-'.",
            fix=f"Use for example {example!r}, or leave the name empty to let Docker pick one.",
        )

    def _check_spec(self) -> tuple[DocDockerError | None, str]:
        text = self.spec.strip()
        if not text:
            return None, ""
        try:
            found = ports.parse(text)
        except InvalidPortSpec as err:
            return err, ""
        rows = "1 row" if len(found) == 1 else f"{len(found)} rows"
        return None, f"Press Enter or Add to add {rows}: " + ", ".join(m.cli for m in found)

    def _check_row(
        self, row: PortRow, claimed: list[tuple[int, PortMapping]], used: set[int]
    ) -> tuple[PortMapping | None, DocDockerError | None, int | None]:
        """Parse one row, then check it against the earlier rows and this machine."""
        if row.host_ip == "":
            return None, InvalidPortSpec(
                "No host address typed yet.",
                fix="Type an IP address of this machine, e.g. 192.168.1.10, or choose "
                    "127.0.0.1 in the list.",
            ), None
        if not row.container_port:
            return None, InvalidPortSpec(
                "No container port yet: Docker needs the port the program inside the "
                "container listens on.",
                fix="Type it in the container port box; the image's documentation says which "
                    "(`docker image inspect --format '{{.Config.ExposedPorts}}' IMAGE` shows "
                    "what a local image declares).",
            ), None
        try:
            found = ports.parse(row.spec)
        except InvalidPortSpec as err:
            return None, err, None
        if len(found) != 1:
            return None, InvalidPortSpec(
                f"Invalid port mapping {row.spec!r}: a row publishes one container port, "
                f"and {row.container_port} is a range.",
                fix=f"Type {row.spec!r} in the -p box instead: it adds one row per port.",
            ), None
        mapping = found[0]
        if mapping.host_port is None or mapping.host_port_end is not None:
            return mapping, None, None  # the engine picks the port, from a range or anywhere
        port, protocol = mapping.host_port, mapping.protocol
        for index, earlier in claimed:
            if _clash(mapping, earlier):
                free = self._suggest(mapping, used)
                use = f"Use another host port, e.g. {free}" if free else "Use another host port"
                return mapping, InvalidPortSpec(
                    f"Host port {port}/{protocol} is already published by row {index + 1}: "
                    "two mappings cannot listen on the same host port.",
                    fix=f"{use}, or remove one of the rows.",
                ), free
        if not self.check_ports:
            return mapping, None, None
        if mapping.host_ip is not None and not _is_local_address(mapping.host_ip):
            return mapping, InvalidPortSpec(
                f"{mapping.host_ip} is not an address of this machine, so Docker cannot "
                "listen on it.",
                fix="Choose 127.0.0.1 (this machine only), or one of this machine's own "
                    "addresses (`ip -brief address` lists them).",
            ), None
        return (mapping, *self._check_free(mapping, used))

    def _check_free(
        self, mapping: PortMapping, used: set[int]
    ) -> tuple[DocDockerError | None, int | None]:
        """Whether the host port is free now; if not, who holds it and a free one to use."""
        port, protocol = cast(int, mapping.host_port), mapping.protocol
        try:
            if ports.is_free(mapping.host_ip, port, protocol):
                return None, None
        except DocDockerError:
            # This machine cannot open such a socket (no IPv6, no SCTP), so it
            # cannot tell; the engine has the last word when the step runs.
            return None, None
        holder = self.holder(port, protocol) if self.holder is not None else None
        free = self._suggest(mapping, used)
        where = f"Host port {port}/{protocol} on {_where(mapping.host_ip)} is already in use"
        if holder:
            message = f"{where}: container {holder} publishes it."
            free_it = f"free it with `docker stop {holder}`"
        elif self.holder is not None:
            message = f"{where} by another program on this machine (not a container)."
            free_it = f"stop that program (`ss -ltunp 'sport = :{port}'` names it)"
        else:
            message = f"{where} on this machine."
            free_it = (f"free it (`docker ps` lists containers publishing ports; "
                       f"`ss -ltunp 'sport = :{port}'` names any program)")
        use = f'Use {free} instead (the "use {free}" button)' if free else "Choose another port"
        return PortAllocated(message, fix=f"{use}, or {free_it}."), free

    def _suggest(self, mapping: PortMapping, used: set[int]) -> int | None:
        """The next free host port above the wanted one that no other row uses."""
        start = cast(int, mapping.host_port) + 1
        while start <= ports.MAX_PORT:
            if not self.check_ports:
                candidate = start
            else:
                try:
                    candidate = ports.find_free(mapping.host_ip, start, mapping.protocol)
                except DocDockerError:
                    return None
            if candidate not in used:
                return candidate
            start = candidate + 1
        return None

    def _free_host_port(
        self, container_port: int | str | None, host_ip: str | None, protocol: str
    ) -> int:
        number = int(str(container_port)) if str(container_port).isdigit() else None
        start = _preferred_host_port(number)
        used = {int(row.host_port) for row in self.rows if row.host_port.isdigit()}
        while start <= ports.MAX_PORT:
            candidate = start
            if self.check_ports:
                try:
                    candidate = ports.find_free(host_ip, start, protocol.lower())
                except DocDockerError:
                    return start  # nothing free nearby: the row's check will say so
            if candidate not in used:
                return candidate
            start = candidate + 1
        return _preferred_host_port(number)

