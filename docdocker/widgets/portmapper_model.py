"""The PortMapper's model: what the learner typed and everything derived from it.

:class:`~docdocker.widgets.portmapper_row.PortRow` holds one ``-p`` mapping as
typed; :class:`PortMapperModel`
holds the rows, the image, the name and the text of the ``-p`` box, and derives
the mappings, the ``docker run`` line and every problem, using the grammar in
:mod:`docdocker.grammar.ports` and :mod:`docdocker.grammar.reference`. No widgets and no engine
here: what it asks the outside world (which container holds a port? is a name
taken?) are callables passed in. The view is :mod:`docdocker.widgets.portmapper`.

Equivalent CLI: ``docker run -d -p 127.0.0.1:8080:80 nginx``
"""

from __future__ import annotations

import errno
import ipaddress
import re
import shlex
import socket
import threading
from collections.abc import Callable
from typing import Any, cast

from traitlets import (
    Bool,
    Dict,
    HasTraits,
    Instance,
    List,
    Unicode,
    observe,
    validate,
)

from docdocker.base.errors import (
    DocDockerError,
    InvalidPortSpec,
    InvalidReference,
    NameConflict,
    PortAllocated,
)
from docdocker.concepts.run import Run
from docdocker.grammar import ports, reference
from docdocker.grammar.ports import PortMapping
from docdocker.widgets.portmapper_row import (
    EVERYWHERE,
    LOCALHOST,
    PortRow,
    everywhere_warning,
    port_number,
)

__all__ = [
    "EVERYWHERE",
    "LOCALHOST",
    "MAX_ROWS",
    "HolderLookup",
    "NameLookup",
    "PortMapperModel",
    "PortRow",
    "everywhere_warning",
    "port_number",
]


# Docker's own rule for container names (RestrictedNamePattern in the engine):
# one letter or digit, then at least one more of these characters.
_CONTAINER_NAME = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]+")
#: The longest name the name box takes. Docker sets no limit of its own, but a name
#: longer than this is a paste gone wrong, and each keystroke re-checks all of it.
MAX_NAME = 128

# The traits a learner edits; the derived ones are set by the model and must not
# re-trigger a check, or every check would loop.
_ROW_INPUTS = ["host_ip", "host_port", "container_port", "protocol"]

HolderLookup = Callable[[int, str], str | None]
"""Names the container publishing a host port (port, protocol), or returns None."""
NameLookup = Callable[[str], bool]
"""Tells whether a container of that name exists on the engine."""

#: Most rows one PortMapper shows; a -p value that would add more is refused.
MAX_ROWS = 50


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


class PortMapperModel(HasTraits):
    """What a PortMapper holds and everything derived from it; no widgets, no engine.

    Inputs are ``image``, ``name``, ``spec`` (the text of the ``-p`` box),
    ``labels`` and ``rows``; ``rows`` is always replaced, never changed in place,
    so that observers see every change. Each edit re-derives ``mappings``,
    ``flags``, ``cli``, ``problems``, ``error`` and ``valid``.

    Args:
        holder: Names the container that publishes a host port, so a taken
            port's message can say who holds it; None when there is no engine.
        name_taken: Tells whether a container name is in use on the engine,
            so a name conflict shows before Run; None when there is no engine.
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
    name_suggestion = Unicode(read_only=True, help="A free name to use instead of a taken one.")
    own_container = Unicode(help="The container this mapper started last, by name: what it "
                                 "holds is news, not a mistake.")

    def __init__(self, *, holder: HolderLookup | None = None,
                 name_taken: NameLookup | None = None, **kwargs: Any) -> None:
        self.holder = holder
        self.name_taken = name_taken
        # Edits arrive on the kernel's thread, engine changes on a watcher's: one
        # derivation at a time, each from the state as it is when it starts.
        self._deriving = threading.RLock()
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
        if self.spec_problem is not None:
            return []  # refresh() has put the message in spec_problem already
        try:
            found = ports.parse(text)
        except InvalidPortSpec:
            return []
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
        return self._step(tuple(self.mappings))

    def _step(self, publish: tuple[PortMapping, ...]) -> Run:
        step = Run(image=self.image, detach=True, publish=publish, name=self.name or None)
        return cast(Run, step.with_labels(self.labels))

    @property
    def sdk_ports(self) -> ports.SdkPorts:
        """The ``ports=`` argument of ``client.containers.run`` for :attr:`mappings`."""
        return ports.to_sdk(self.mappings)

    # ------------------------------------------------------------ checks
    def refresh(self) -> None:
        """Re-derive everything, re-checking which host ports are free right now.

        Whatever was typed, the derived traits are all set again: an input that
        breaks a check leaves Run disabled with a message, never the previous line.

        Equivalent CLI: ``ss -ltun`` (what listens on this machine)
        """
        try:
            with self._deriving:
                self._derive()
        except Exception as err:  # a bug must not leave a stale line with Run enabled
            problem = DocDockerError(
                f"The port mapper could not check these values ({type(err).__name__}: {err}).",
                fix="Correct the last value you typed, or start again with a new PortMapper.")
            with self.hold_trait_notifications():
                self.set_trait("mappings", [])
                self.set_trait("flags", "")
                self.set_trait("cli", self._step(()).cli)
                self.set_trait("problems", [("Ports", problem)])
                self.set_trait("error", f"Ports: {problem}")
                self.set_trait("valid", False)

    def _derive(self) -> None:
        problems: list[tuple[str, DocDockerError]] = []
        image_problem = self._image_problem()
        if image_problem is not None:
            problems.append(("Image", image_problem))
        name_problem, name_suggestion = self._name_problem()
        if name_problem is not None:
            problems.append(("Container name", name_problem))
        if not self.rows:
            problems.append(("Ports", DocDockerError(
                "No port is published yet.",
                fix="Add a row, or type a -p value such as 127.0.0.1:8080:80 and press Enter.",
            )))

        used = {n for row in self.rows if (n := port_number(row.host_port)) is not None}
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
            self.set_trait("name_suggestion", name_suggestion)
            self.set_trait("problems", problems)
            self.set_trait("error", "\n".join(f"{where}: {err}" for where, err in problems))
            self.set_trait("valid", not problems)

    def _image_problem(self) -> DocDockerError | None:
        try:
            reference.parse(self.image)
        except InvalidReference as err:
            return err
        return None

    def _name_problem(self) -> tuple[DocDockerError | None, str]:
        """A bad or taken ``--name``, and a free name to use instead."""
        name = self.name
        if not name:
            return None, ""
        if len(name) > MAX_NAME:
            return DocDockerError(
                f"The container name is {len(name):,} characters long (it starts "
                f"{name[:24]!r}); the name box takes at most {MAX_NAME}.",
                fix="Shorten it, or leave the name empty to let Docker pick one.",
            ), ""
        if not _CONTAINER_NAME.fullmatch(name):
            tidy = re.sub(r"[^a-zA-Z0-9_.-]+", "-", name).strip("-_.")
            example = tidy if _CONTAINER_NAME.fullmatch(tidy) else "web"
            return DocDockerError(
                f"Invalid container name {name!r}: a name starts with a letter or digit "
                "and goes on with at least one letter, digit, '_', '.' or '-'.",
                fix=f"Use for example {example!r}, or leave the name empty to let Docker "
                    "pick one.",
            ), ""
        if self.name_taken is None or not self.name_taken(name):
            return None, ""
        base = re.sub(r"-\d+$", "", name)
        free = next(f"{base}-{n}" for n in range(2, 10_000) if not self.name_taken(f"{base}-{n}"))
        if self.own_container and name == self.own_container:
            return _own(NameConflict(
                f'"{name}" is the container this port mapper just started.',
                fix=f'To run another one, name it {free} (the "use {free}" button).')), free
        return NameConflict(
            f'The container name "{name}" is already in use by a container on this engine: '
            "Docker would refuse to run a second one.",
            fix=f'Use {free} (the "use {free}" button), or remove the other container with '
                f"`docker rm --force {name}` if you no longer need it.",
        ), free

    def _check_spec(self) -> tuple[DocDockerError | None, str]:
        text = self.spec.strip()
        if not text:
            return None, ""
        try:
            found = ports.parse(text)
        except InvalidPortSpec as err:
            return err, ""
        kept = sum(1 for row in self.rows if row.container_port)
        if kept + len(found) > MAX_ROWS:
            return InvalidPortSpec(
                f"{text!r} publishes {len(found)} container ports: with the {kept} rows "
                f"already here that makes more than the {MAX_ROWS} rows this port mapper "
                "shows (one per container port).",
                fix=f"Publish fewer ports here, or pass the value to `engine.run(..., "
                    f"publish={text!r})`, which takes up to {ports.MAX_RANGE} ports.",
            ), ""
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
        if holder and self.own_container and holder == self.own_container:
            use = f"use {free} (the \"use {free}\" button)" if free else "choose another port"
            return _own(PortAllocated(
                f"Host port {port}/{protocol} now belongs to {holder}, the container this port "
                "mapper just started.", fix=f"To run another one, {use}.")), free
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
        number = port_number(str(container_port).strip())
        start = _preferred_host_port(number)
        used = {n for row in self.rows if (n := port_number(row.host_port)) is not None}
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


def _own(err: DocDockerError) -> DocDockerError:
    """Mark a conflict with the container the mapper itself started: news, not an error."""
    err.own = True  # type: ignore[attr-defined]
    return err


def is_own(err: DocDockerError | None) -> bool:
    """Whether a problem is only that the mapper's own container holds a name or port."""
    return bool(getattr(err, "own", False))
