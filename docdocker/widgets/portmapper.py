"""PortMapper: choose the ports a container publishes, see its ``docker run`` line, run it.

The widget is built in the layers DESIGN.md asks of every widget:

* pure logic: :func:`docdocker.ports.parse`, :func:`~docdocker.ports.is_free`
  and :func:`~docdocker.ports.find_free`;
* :class:`PortRow` and :class:`PortMapperModel`, ``traitlets`` models that hold
  what the learner typed and derive the mappings, the ``docker run`` line and
  the errors. They know nothing of widgets or of the engine;
* :class:`PortMapper`, stock ipywidgets linked to the model, whose Run button
  hands :meth:`docdocker.engine.Engine.execute` the very step the shown line was
  printed from.

Example::

    from docdocker.widgets import PortMapper

    pm = PortMapper(image="nginx", engine=engine)
    pm                      # the widget
    pm.cli                  # 'docker run -d -p 127.0.0.1:8080:80 --label ... nginx'
    pm.add_spec("127.0.0.1:8443:443")
    pm.run()                # or click Run

Equivalent CLI: ``docker run -d -p 127.0.0.1:8080:80 nginx``
"""

from __future__ import annotations

import errno
import ipaddress
import re
import shlex
import socket
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from html import escape
from typing import TYPE_CHECKING, Any, cast

import docker
import docker.errors
import ipywidgets as widgets
import requests.exceptions
from traitlets import (
    Bool,
    CaselessStrEnum,
    Dict,
    HasTraits,
    Instance,
    Int,
    List,
    Unicode,
    link,
    observe,
    validate,
)

from docdocker import connection, ports, reference, render
from docdocker.console import Console
from docdocker.containers import Run
from docdocker.engine import Engine, StepResult
from docdocker.errors import DocDockerError, InvalidPortSpec, InvalidReference, PortAllocated
from docdocker.ports import PROTOCOLS, PortMapping, everywhere_warning
from docdocker.steps import LABEL
from docdocker.widgets.base import FullTextRepr

if TYPE_CHECKING:
    from docdocker.progress import Progress

__all__ = [
    "DEFAULT_NOTEBOOK",
    "PortMapper",
    "PortMapperModel",
    "PortRow",
    "everywhere_warning",
]

#: The notebook a PortMapper labels its containers with when no engine is given.
DEFAULT_NOTEBOOK = "01-containers"

LOCALHOST = "127.0.0.1"
EVERYWHERE = "0.0.0.0"

# Dropdown values that are not addresses themselves.
_NO_ADDRESS = "<none>"
_CUSTOM = "<custom>"
_ADDRESS_CHOICES = (
    ("127.0.0.1 (this machine only)", LOCALHOST),
    ("0.0.0.0 (every interface)", EVERYWHERE),
    ("no address (Docker's default: every interface)", _NO_ADDRESS),
    ("other address…", _CUSTOM),
)

# Docker's own rule for container names (RestrictedNamePattern in the engine):
# one letter or digit, then at least one more of these characters.
_CONTAINER_NAME = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]+")

# The traits a learner edits; the derived ones are set by the model and must not
# re-trigger a check, or every check would loop.
_ROW_INPUTS = ["host_ip", "host_port", "container_port", "protocol"]

# Reading EXPOSE without an engine passed in opens a short-lived client; a dead
# DOCKER_HOST must not freeze the cell that merely shows the widget.
_PROBE_TIMEOUT = 5

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


# ---------------------------------------------------------------- the engine side
def _exposed_ports(client: docker.DockerClient, image: str) -> list[tuple[int, str]] | None:
    """The image's EXPOSE ports as (port, protocol), or None if it is not on this machine.

    Equivalent CLI: ``docker image inspect --format '{{.Config.ExposedPorts}}' IMAGE``
    """
    try:
        attrs = client.images.get(image).attrs
    except docker.errors.ImageNotFound:
        return None
    exposed = (attrs.get("Config") or {}).get("ExposedPorts") or {}
    found = []
    for key in exposed:
        number, _, protocol = key.partition("/")
        if number.isdigit():
            found.append((int(number), (protocol or "tcp").lower()))
    return sorted(found)


def _probe_exposed(
    engine: Engine | None, image: str
) -> tuple[list[tuple[int, str]] | None, bool]:
    """EXPOSE ports via the engine, or a short-lived read-only client without one.

    Returns:
        The ports (None: image not local) and whether the engine answered.
    """
    if engine is not None:
        try:
            return _exposed_ports(engine.client, image), True
        except (docker.errors.DockerException, requests.exceptions.RequestException):
            return None, False
    # No engine given: Run connects later, as the brief of the widget says; this
    # lookup only reads, and fails quietly (as on Binder, which has no engine).
    try:
        client = connection.open_client(timeout=_PROBE_TIMEOUT)[0]
    except (docker.errors.DockerException, requests.exceptions.RequestException):
        return None, False
    try:
        return _exposed_ports(client, image), True
    except (docker.errors.DockerException, requests.exceptions.RequestException):
        return None, False
    finally:
        client.close()


class _WidgetConsole(Console):
    """Writes a step's echo, pull progress and output into one HTML widget.

    Nothing reaches the cell's output (or, for a click, JupyterLab's log console).
    """

    #: Redraw progress at most this often (seconds): a pull emits hundreds of events.
    interval = 0.2

    def __init__(self, out: widgets.HTML) -> None:
        self.out = out
        self._parts = {"command": "", "progress": "", "text": "", "end": ""}
        self._text = ""
        self._last = 0.0

    def command(self, cli: str) -> None:
        self._parts["command"] = render.command_html(cli)
        self._show()

    def progress(self, progress: Progress, *, final: bool = False) -> None:
        now = time.monotonic()
        if not final and now - self._last < self.interval:
            return
        self._last = now
        self._parts["progress"] = progress.html()
        self._show()

    def text(self, chunk: str) -> None:
        self._text += chunk
        self._parts["text"] = render.output_html(self._text.rstrip("\n"))
        self._show()

    def end(self, html: str) -> None:
        """Show how the step ended, under what it printed."""
        self._parts["end"] = html
        self._show()

    def _show(self) -> None:
        self.out.value = "".join(self._parts.values())


# ---------------------------------------------------------------- the view
class _RowView:
    """The widgets of one row, kept in step with its :class:`PortRow` both ways."""

    def __init__(self, row: PortRow, on_remove: Callable[[PortRow], None]) -> None:
        self.row = row
        self._syncing = False
        self.address = widgets.Dropdown(
            options=_ADDRESS_CHOICES, layout=widgets.Layout(width="19em"),
            tooltip="The host address to listen on",
        )
        self.custom = widgets.Text(
            placeholder="e.g. 192.168.1.10", layout=widgets.Layout(width="11em"),
        )
        self.host_port = widgets.Text(
            placeholder="engine picks", layout=widgets.Layout(width="8em"),
            tooltip="Host port (empty: the engine picks one)",
        )
        self.container_port = widgets.Text(
            placeholder="e.g. 80", layout=widgets.Layout(width="6em"), tooltip="Container port",
        )
        self.protocol = widgets.Dropdown(options=PROTOCOLS, layout=widgets.Layout(width="6em"))
        self.remove = widgets.Button(
            icon="times", tooltip="Remove this mapping", layout=widgets.Layout(width="2.6em"),
        )
        self.message = widgets.HTML()
        self.use = widgets.Button(button_style="info", layout=widgets.Layout(display="none"))
        colon = widgets.HTML("<b>:</b>")
        arrow = widgets.HTML("&rarr;")
        self.box = widgets.VBox([
            widgets.HBox([self.address, self.custom, colon, self.host_port, arrow,
                          self.container_port, self.protocol, self.remove]),
            widgets.HBox([self.message, self.use]),
        ])
        # traitlets.link, not jslink: the model lives in the kernel.
        self._links = [
            link((row, "host_port"), (self.host_port, "value")),
            link((row, "container_port"), (self.container_port, "value")),
            link((row, "protocol"), (self.protocol, "value")),
        ]
        self._address_from_row()
        self.address.observe(self._address_chosen, names="value")
        self.custom.observe(self._custom_typed, names="value")
        row.observe(self._address_from_row, names="host_ip")
        row.observe(self._derived_changed, names=["problem", "warning", "suggestion"])
        self.remove.on_click(lambda _: on_remove(row))
        self.use.on_click(self._use_suggestion)
        self._derived_changed()

    @contextmanager
    def _sync(self) -> Iterator[None]:
        self._syncing = True
        try:
            yield
        finally:
            self._syncing = False

    def _show_custom(self) -> None:
        self.custom.layout.display = None if self.address.value == _CUSTOM else "none"

    def _address_chosen(self, change: Any) -> None:
        self._show_custom()
        if self._syncing:
            return
        with self._sync():
            choice = change["new"]
            if choice == _NO_ADDRESS:
                self.row.host_ip = None
            elif choice == _CUSTOM:
                self.row.host_ip = self.custom.value
            else:
                self.row.host_ip = choice

    def _custom_typed(self, change: Any) -> None:
        if self._syncing or self.address.value != _CUSTOM:
            return
        with self._sync():
            self.row.host_ip = change["new"]

    def _address_from_row(self, change: Any = None) -> None:
        if self._syncing:
            return
        ip = self.row.host_ip
        with self._sync():
            if ip is None:
                self.address.value = _NO_ADDRESS
            elif ip in (LOCALHOST, EVERYWHERE):
                self.address.value = ip
            else:
                self.address.value = _CUSTOM
                self.custom.value = ip
        self._show_custom()

    def _derived_changed(self, change: Any = None) -> None:
        row = self.row
        parts = []
        if row.problem is not None:
            parts.append(render.error_html(row.problem))
        if row.warning:
            parts.append(f"<div>{render.status_html(None, row.warning)}</div>")
        self.message.value = "".join(parts)
        if row.suggestion is None:
            self.use.layout.display = "none"
        else:
            self.use.description = f"use {row.suggestion}"
            self.use.tooltip = f"Publish on host port {row.suggestion} instead"
            self.use.layout.display = None

    def _use_suggestion(self, _: Any = None) -> None:
        if self.row.suggestion is not None:
            self.row.host_port = str(self.row.suggestion)

    def close(self) -> None:
        for one in self._links:
            one.unlink()
        self.row.unobserve(self._address_from_row, names="host_ip")
        self.row.unobserve(self._derived_changed, names=["problem", "warning", "suggestion"])
        _close_tree(self.box)


def _close_tree(widget: widgets.Widget) -> None:
    for child in getattr(widget, "children", ()):
        _close_tree(child)
    widget.close()


class PortMapper(FullTextRepr, widgets.VBox):
    """Publish a container's ports, row by row or as typed ``-p`` values, and run it.

    The rows start from the image's EXPOSE ports when the image is on this
    machine, each on a free host port of 127.0.0.1. Every edit is checked at
    once (grammar, 1-65535, duplicates, host ports already taken here) and the
    ``-p`` flags and the whole ``docker run`` line follow live; Run is disabled
    while anything is wrong, and executes exactly the step the line shows.

    Args:
        image: The image to run.
        engine: The engine to run on; None connects on the first Run with
            :func:`docdocker.connect` (silently: output stays in the widget).
        publish: Initial mappings (``-p`` values or PortMappings) instead of
            the image's EXPOSE ports; ``()`` starts with no rows.
        name: The container's name (``--name``); ``""`` lets Docker pick one.
        notebook: The label value when no engine is given.
        **kwargs: Passed to :class:`ipywidgets.VBox` (``layout``, ...).

    Raises:
        docdocker.errors.InvalidPortSpec: If a ``publish`` value does not parse.

    Equivalent CLI: ``docker run -d [--name NAME] -p 127.0.0.1:8080:80 --label ... IMAGE``
    """

    result = Instance(StepResult, allow_none=True,
                      help="What the last successful Run returned.")
    run_error = Instance(DocDockerError, allow_none=True,
                         help="Why the last Run failed, or None.")

    def __init__(
        self,
        image: str = "nginx",
        engine: Engine | None = None,
        *,
        publish: Iterable[PortMapping | str] | str | None = None,
        name: str = "",
        notebook: str = DEFAULT_NOTEBOOK,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.engine = engine
        self.notebook = engine.notebook if engine is not None else notebook
        self._running = False
        self._row_views: dict[PortRow, _RowView] = {}
        labels = engine.labels if engine is not None else {LABEL: self.notebook}
        holder = self._holder_lookup()
        self.model = PortMapperModel(image=image, name=name, labels=labels, holder=holder)

        self.note = widgets.HTML()
        if publish is not None:
            given = [publish] if isinstance(publish, (str, PortMapping)) else list(publish)
            found = [m for item in given for m in (
                [item] if isinstance(item, PortMapping) else ports.parse(item))]
            self.model.rows = [PortRow.from_mapping(m) for m in found]
        else:
            self._rows_from_expose()

        self._build()

    # ------------------------------------------------------------ set-up
    def _holder_lookup(self) -> HolderLookup | None:
        engine = self.engine
        if engine is None:
            return None
        return engine.port_holder  # type: ignore[attr-defined, no-any-return]

    def _rows_from_expose(self) -> None:
        image = self.model.image
        exposed, answered = _probe_exposed(self.engine, image)
        if exposed:
            for port, protocol in exposed:
                self.model.add_row(container_port=port, protocol=protocol)
            declared = ", ".join(f"{p}/{proto}" for p, proto in exposed)
            self.note.value = (
                f"Container ports from the image's EXPOSE ({_code(declared)}); host ports "
                "are free ports of this machine. Change any of them."
            )
            return
        self.model.add_row()
        if not answered:
            text = (f"Cannot reach the Docker Engine to read the ports {image} declares: "
                    "type the container port yourself. Run connects (and says what is "
                    "wrong if it cannot).")
        elif exposed is None:
            text = (f"{image} is not on this machine yet, so the ports it declares (EXPOSE) "
                    "are unknown: type the port the program inside listens on (the image's "
                    "documentation says). Run pulls the image first.")
        else:
            text = (f"{image} declares no ports (no EXPOSE): type the port the program "
                    "inside listens on.")
        self.note.value = render.status_html(None, text)

    def _build(self) -> None:
        model = self.model
        self.title = widgets.HTML(
            f"<b>Publish ports of {_code(model.image)}</b> &nbsp;"
            "<span style='color: var(--jp-ui-font-color2, #888)'>"
            "host address : host port &rarr; container port / protocol</span>"
        )
        self.rows_box = widgets.VBox()
        self.add_row_button = widgets.Button(
            description="Add a port", icon="plus", tooltip="Add a mapping row",
        )
        self.check_button = widgets.Button(
            description="Check again", icon="refresh",
            tooltip="Check again which host ports are free on this machine",
        )
        self.spec_box = widgets.Text(
            description="-p", placeholder="127.0.0.1:8080:80",
            tooltip="A -p value, as for docker run; Enter adds it",
            layout=widgets.Layout(width="24em"),
        )
        self.add_button = widgets.Button(description="Add", tooltip="Add this -p value")
        self.spec_message = widgets.HTML()
        self.name_box = widgets.Text(
            description="--name", placeholder="optional, e.g. web",
            layout=widgets.Layout(width="24em"),
        )
        self.message = widgets.HTML()
        self.flags_html = widgets.HTML()
        self.cli_html = widgets.HTML()
        self.run_button = widgets.Button(
            description="Run", icon="play", button_style="primary",
        )
        self.output = widgets.HTML()

        link((model, "spec"), (self.spec_box, "value"))
        link((model, "name"), (self.name_box, "value"))
        self.add_row_button.on_click(lambda _: self.add_row())
        self.check_button.on_click(lambda _: self.refresh())
        self.add_button.on_click(lambda _: self.add_spec())
        # Text.on_submit is deprecated in ipywidgets 8, and continuous_update=False
        # would stop the live check; the frontend still sends this message on Enter.
        self.spec_box.on_msg(self._spec_message)
        self.run_button.on_click(lambda _: self.run())
        model.observe(self._rows_changed, names="rows")
        model.observe(self._show_state, names=[
            "cli", "flags", "problems", "spec_problem", "spec_hint", "valid",
        ])

        self.children = [
            self.title,
            self.note,
            self.rows_box,
            widgets.HBox([self.add_row_button, self.check_button]),
            widgets.HBox([self.spec_box, self.add_button]),
            self.spec_message,
            self.name_box,
            self.flags_html,
            self.cli_html,
            self.message,
            self.run_button,
            self.output,
        ]
        self._rows_changed()
        self._show_state()

    # ------------------------------------------------------------ view updates
    def _rows_changed(self, change: Any = None) -> None:
        views: dict[PortRow, _RowView] = {}
        for row in self.model.rows:
            view = self._row_views.pop(row, None)
            views[row] = view or _RowView(row, self._remove_clicked)
        for stale in self._row_views.values():
            stale.close()
        self._row_views = views
        self.rows_box.children = [view.box for view in views.values()]

    def _remove_clicked(self, row: PortRow) -> None:
        for index, candidate in enumerate(self.model.rows):
            if candidate is row:
                self.remove_row(index)
                return

    def _spec_message(self, _widget: Any, content: dict[str, Any], _buffers: Any) -> None:
        if content.get("event") == "submit":
            self.add_spec()

    def _show_state(self, change: Any = None) -> None:
        model = self.model
        if model.spec_problem is not None:
            self.spec_message.value = render.error_html(model.spec_problem)
        elif model.spec_hint:
            self.spec_message.value = render.status_html(None, model.spec_hint)
        else:
            self.spec_message.value = ""
        general = [err for where, err in model.problems
                   if where in ("Image", "Container name", "Ports")]
        self.message.value = "".join(render.error_html(err) for err in general)
        self.flags_html.value = f"<div>Port flags: {_code(model.flags or '(none)')}</div>"
        self.cli_html.value = render.command_html(model.cli)
        self.run_button.disabled = self._running or not model.valid
        self.run_button.tooltip = (model.cli if model.valid
                                   else "Fix the errors above to enable Run")

    # ------------------------------------------------------------ public API
    @property
    def image(self) -> str:
        """The image to run."""
        return self.model.image

    @property
    def rows(self) -> list[PortRow]:
        """The mapping rows, in order."""
        return list(self.model.rows)

    @property
    def mappings(self) -> list[PortMapping]:
        """Every row that parses, in order (rows with errors in their text left out)."""
        return list(self.model.mappings)

    @property
    def flags(self) -> str:
        """The ``-p`` flags, e.g. ``-p 127.0.0.1:8080:80``."""
        return self.model.flags

    @property
    def cli(self) -> str:
        """The whole ``docker run`` line, labels included: exactly what Run echoes."""
        return self.model.cli

    def __repr__(self) -> str:
        # What a reader sees where widgets cannot render (a static view of the notebook).
        return f"Port mapper for {self.model.image}:\n$ {self.cli}"

    @property
    def step(self) -> Run:
        """The :class:`~docdocker.stepRun` step that :attr:`cli` shows and Run executes."""
        return self.model.step

    @property
    def sdk_ports(self) -> ports.SdkPorts:
        """The ``ports=`` argument of ``client.containers.run`` (via :func:`ports.to_sdk`)."""
        return self.model.sdk_ports

    @property
    def error(self) -> str:
        """Every problem, one ``Where: message`` per line with its fix; ``""`` when valid."""
        return self.model.error

    def add_row(
        self,
        container_port: int | str | None = None,
        host_port: int | str | None = None,
        host_ip: str | None = LOCALHOST,
        protocol: str = "tcp",
    ) -> PortRow:
        """Add one mapping row; see :meth:`PortMapperModel.add_row`.

        Equivalent CLI: ``-p HOST_IP:HOST_PORT:CONTAINER_PORT/PROTOCOL``
        """
        return self.model.add_row(container_port, host_port, host_ip, protocol)

    def add_spec(self, spec: str | None = None) -> list[PortMapping]:
        """Add the rows a ``-p`` value yields; see :meth:`PortMapperModel.add_spec`.

        Equivalent CLI: ``docker run -p SPEC ...``
        """
        return self.model.add_spec(spec)

    def remove_row(self, index: int) -> PortRow:
        """Remove the row at ``index`` (0-based) and return it.

        Equivalent CLI: leaving that ``-p`` flag out.
        """
        return self.model.remove_row(index)

    def refresh(self) -> None:
        """Check again which host ports are free (after stopping a container, say).

        Equivalent CLI: ``docker ps`` and ``ss -ltun`` (what holds ports)
        """
        self.model.refresh()

    def run(self) -> StepResult | None:
        """Run the ``docker run`` line shown, if the mappings have no errors.

        The echo, then links to the published tcp ports, or the engine's
        refusal as a friendly message, appear in the widget; the rows stay as
        they are either way. Run trusts the last check: a port taken since then
        makes the engine refuse, and that is shown as ``PortAllocated``.

        Equivalent CLI: :attr:`cli`, e.g.
        ``docker run -d -p 127.0.0.1:8080:80 --label org.docdocker.notebook=01-containers nginx``

        Returns:
            The :class:`~docdocker.engine.StepResult`, or None when nothing
            ran or the engine refused (:attr:`run_error` then holds why).
        """
        if self._running:
            return None
        if not self.model.valid:
            self.output.value = render.status_html(
                False, "Nothing was run: fix the errors above first.")
            return None
        self._running = True
        self.run_button.disabled = True
        console = _WidgetConsole(self.output)
        console.end(render.status_html(None, "Running…"))
        try:
            engine = self._connect()
            step = self.model.step
            result = engine.using(console).execute(step)
        except DocDockerError as err:
            self.result, self.run_error = None, err
            console.end(render.error_html(err))
            # The refusal may be news about a port: show it on the rows too.
            self.model.refresh()
            return None
        finally:
            self._running = False
            self._show_state()
        self.result, self.run_error = result, None
        who = step.name or (result.container.id[:12] if result.container is not None else "")
        opened = ", ".join(render.link_html(one) for one in result.links)
        console.end(
            render.status_html(True, f"Started container {who}.")
            + (f"<div>Open: {opened}</div>" if opened else "")
        )
        return result

    def _connect(self) -> Engine:
        if self.engine is None:
            # Imported here: `docdocker.connect` is the documented entry point
            # (and what tests patch), and the package imports this module lazily.
            import docdocker

            self.engine = docdocker.connect(self.notebook, console=Console())
            self.model.labels = self.engine.labels
            self.model.holder = self._holder_lookup()
        return self.engine


def _code(text: str) -> str:
    return f"<code>{escape(text)}</code>"
