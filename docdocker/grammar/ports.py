"""Port mappings: the ``docker run -p`` grammar, its SDK form, and free-port checks.

The grammar is the one the Docker CLI accepts (``nat.ParsePortSpec`` in
go-connections)::

    [host_ip:][host_port[-end]:]container_port[-end][/tcp|udp|sctp]

* ``80`` publishes container port 80 on a port the engine picks, on every
  interface.
* ``8080:80`` fixes the host port; ``127.0.0.1:8080:80`` also the interface.
* ``127.0.0.1::80`` fixes the interface and lets the engine pick the port.
* ``[::1]:8080:80`` is an IPv6 address; the brackets are what keep its colons
  apart from the port separators.
* ``8080-8081:80-81`` publishes two ports; both ranges must have the same length.
* ``8000-8010:80`` publishes one container port on whichever host port of the
  range is free when the container starts.

Ports are written with the ASCII digits 0-9 only; leading zeros are ignored, as
they are by the CLI. One value may publish at most :data:`MAX_RANGE` container
ports: a limit of this module, not of the CLI, explained where it is defined.

:func:`parse` accepts everything ``docker run -p`` accepts and rejects the rest
with a message a beginner can act on. docker-py's own parser
(:func:`docker.utils.ports.split_port`) is looser (it takes ``1.2.3`` as an
address and port 0 or 99999 as ports) and stricter (it refuses ``::80`` and
``80/UDP``, which the CLI takes), so it is only the reference the tests compare
the SDK form against.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re
import socket
import sys
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TypeAlias

from docker.utils.ports import add_port_mapping

from docdocker.base.errors import DocDockerError, InvalidPortSpec

__all__ = [
    "GRAMMAR",
    "MAX_RANGE",
    "PROTOCOLS",
    "PortMapping",
    "SdkBinding",
    "SdkPorts",
    "find_free",
    "is_free",
    "parse",
    "parse_all",
    "to_argv",
    "to_sdk",
]

GRAMMAR = "[host_ip:][host_port[-end]:]container_port[-end][/tcp|udp|sctp]"
"""The ``-p`` grammar, as quoted in every :class:`InvalidPortSpec` message."""

PROTOCOLS: tuple[str, ...] = ("tcp", "udp", "sctp")
"""The protocols Docker can publish."""

MIN_PORT = 1
MAX_PORT = 65535

MAX_RANGE = 1000
"""Most container ports one ``-p`` value may publish, e.g. ``8000-8999:8000-8999``.

Docker accepts any range, but every port in it becomes a mapping of its own: a
set of NAT rules and, with the default userland proxy, one ``docker-proxy``
process per port. ``-p 1-65535`` therefore makes a container slow to start and
heavy to run, and :func:`parse` would build 65535 objects for it. A thousand
ports covers the ranges people do publish (a passive-FTP or media pool of a few
hundred ports) while keeping both costs small. A host pool for a single
container port (``8000-9000:80``) publishes one port and is not limited.
"""

SdkBinding: TypeAlias = int | str | tuple[str] | tuple[str, int | str] | None
"""One host side of a binding in the form ``containers.run(ports=...)`` takes."""

SdkPorts: TypeAlias = dict[str, SdkBinding | list[SdkBinding]]
"""The whole ``ports=`` argument of ``containers.run``."""

# int() would also take "+80", " 80", "8_0" and non-ASCII digits; the CLI takes none of them.
_DIGITS = re.compile(r"[0-9]+")
# Only the flag itself is matched, so "-1" still reaches the port checks.
_PASTED_FLAG = re.compile(r"(?:-p|--publish)(?:=|\s+)(?P<value>.*)", re.DOTALL)
_DEFAULT_EXAMPLE = "127.0.0.1:8080:80"
# Enough digits for MAX_PORT once leading zeros are dropped; anything longer is
# out of range and never reaches int(), which refuses strings over 4300 digits.
_MAX_PORT_DIGITS = len(str(MAX_PORT))
# Quoted values longer than this are shortened, so a huge input keeps the message readable.
_SHOW_LIMIT = 40


class _Subject(str):
    """What an error names when it is a call or an object rather than a ``-p`` value.

    The shared checks take it in place of the learner's input, so one check
    can serve :func:`parse`, :class:`PortMapping` and :func:`is_free` while
    each error still names the right thing and offers a fitting fix.
    """

    fix: str | None = None


def _subject(text: str, fix: str | None = None) -> _Subject:
    subject = _Subject(text)
    subject.fix = fix
    return subject


def _show(value: object) -> str:
    """Quote ``value`` for a message, shortened to about 40 characters if it is long.

    Strings keep their start and end and say how long they were; whole numbers
    too long to print (Python refuses ``str()`` beyond 4300 digits) are described.
    """
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 128:
        # log10(2) digits per bit; exact enough to tell the learner what went wrong.
        return f"<a whole number about {int(value.bit_length() * 0.30103) + 1} digits long>"
    if isinstance(value, str) and len(value) > _SHOW_LIMIT:
        return f"{value[:26] + '...' + value[-10:]!r} ({len(value)} characters)"
    text = repr(value)
    return text if len(text) <= _SHOW_LIMIT else f"{text[: _SHOW_LIMIT - 3]}..."


def _invalid(spec: object, problem: str, example: str = _DEFAULT_EXAMPLE) -> InvalidPortSpec:
    """Build the error every validation failure raises, so they all read the same way."""
    fix = f"Write it as {GRAMMAR}, for example {example!r}."
    if isinstance(spec, _Subject):
        return InvalidPortSpec(f"{spec}: {problem}.", fix=spec.fix or fix)
    return InvalidPortSpec(f"Invalid port mapping {_show(spec)}: {problem}.", fix=fix)


def _check_protocol(protocol: object, spec: object) -> str:
    """Return ``protocol`` lower-cased (the CLI ignores case) or raise."""
    if not isinstance(protocol, str) or protocol.lower() not in PROTOCOLS:
        raise _invalid(
            spec,
            f"unknown protocol {_show(protocol)}; Docker publishes only tcp, udp or sctp",
            "8080:80/udp",
        )
    return protocol.lower()


def _check_port(value: object, spec: object, what: str) -> int:
    """Return ``value`` if it is an int in 1-65535, else raise."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise _invalid(spec, f"the {what} {_show(value)} is not a whole number", "8080:80")
    if not MIN_PORT <= value <= MAX_PORT:
        raise _invalid(
            spec,
            f"the {what} {_show(value)} is out of range {MIN_PORT}-{MAX_PORT}",
            "8080:80",
        )
    return value


def _check_ip(ip: str, spec: object, rest: str) -> str:
    """Return ``ip`` without brackets if it is an IPv4 or IPv6 address, else raise.

    ``rest`` is the part of the spec after the address, in its canonical form;
    it only makes the example in the error message match what the learner typed.
    """
    if ip.startswith("[") and ip.endswith("]"):
        ip = ip[1:-1]
    if "%" in ip:
        raise _invalid(
            spec,
            f"{_show(ip)} has a zone index (the part after '%'), which Docker does not accept",
            f"[::1]:{rest}",
        )
    try:
        ipaddress.ip_address(ip)
    except ValueError:
        if ":" in ip:
            hint = (
                "; without brackets everything before the last two ':' is read as the "
                "address, so write IPv6 addresses in brackets"
            )
            # Which colon the learner meant as a separator is a guess; show a whole form.
            example = "[::1]:8080:80"
        elif any(char.isalpha() for char in ip):
            hint = "; Docker needs an address here, not a host name (127.0.0.1 is localhost)"
            example = f"127.0.0.1:{rest}"
        else:
            hint = ""
            example = f"127.0.0.1:{rest}"
        raise _invalid(spec, f"{_show(ip)} is not a valid IP address{hint}", example) from None
    return ip


def _is_foreign_digit(char: str) -> bool:
    """Tell whether ``char`` is a digit or numeral other than 0-9, such as ``'٣'`` or ``'²'``."""
    return not char.isascii() and char.isnumeric()


def _parse_number(bound: str, text: str, spec: object, what: str) -> int:
    """Return the port written as ``bound``, one end of ``text``, or raise.

    Only the ASCII digits 0-9 count. ``str.isdigit()`` and ``int()`` also take
    other scripts' digits (``'٣'``) and superscripts (``'²'``), which the CLI
    refuses, and ``int()`` fails on strings over 4300 digits, so a bound is
    checked character by character and by length before it is converted.
    """
    if not _DIGITS.fullmatch(bound):
        if any(_is_foreign_digit(char) for char in bound):
            raise _invalid(
                spec,
                f"the {what} {_show(text)} is not a number Docker reads: a port must be "
                "written with the digits 0-9",
                _ascii_example(spec),
            )
        raise _invalid(
            spec,
            f"the {what} {_show(text)} is not a number (or a range such as 8000-8010)",
            "8080:80",
        )
    significant = bound.lstrip("0")
    if len(significant) > _MAX_PORT_DIGITS:
        shown = bound if len(bound) <= _SHOW_LIMIT else _show(bound)
        raise _invalid(spec, f"the {what} {shown} is out of range {MIN_PORT}-{MAX_PORT}", "8080:80")
    return _check_port(int(significant or "0"), spec, what)


def _parse_range(text: str, spec: object, what: str) -> tuple[int, int]:
    """Parse ``80`` or ``80-89`` into ``(start, end)``, raising on anything else."""
    bounds = text.split("-", 2)
    if len(bounds) > 2:
        raise _invalid(
            spec,
            f"the {what} {_show(text)} is not a number (or a range such as 8000-8010)",
            "8080:80",
        )
    start, end = (_parse_number(bound, text, spec, what) for bound in (bounds[0], bounds[-1]))
    if end < start:
        raise _invalid(
            spec,
            f"the {what} range {start}-{end} ends before it starts",
            "8000-8010:80" if what == "host port" else "8080-8081:80-81",
        )
    return start, end


def _range_text(start: int, end: int) -> str:
    """Write a range the way the CLI reads it: ``80`` or ``80-89``."""
    return str(start) if start == end else f"{start}-{end}"


def _is_ip(text: str) -> bool:
    """Tell whether ``text`` (brackets allowed) is an address Docker would take."""
    try:
        ipaddress.ip_address(text.removeprefix("[").removesuffix("]"))
    except ValueError:
        return False
    return "%" not in text


def _value_example(value: str) -> str:
    """Return ``value`` if it is a short ``-p`` value that parses, else a default example.

    Used when the learner pasted ``-p <value>``: the fix can then show their own value.
    """
    if not value or len(value) > _SHOW_LIMIT or _PASTED_FLAG.fullmatch(value):
        return "8080:80"
    try:
        parse(value)
    except InvalidPortSpec:
        return "8080:80"
    return value


def _ascii_example(spec: object) -> str:
    """Return ``spec`` with decimal digits of other scripts (Arabic-Indic, full-width) as 0-9.

    Falls back to a default example when the result still has digits that are
    not 0-9 (``'²'`` has no decimal value) or does not parse.
    """
    if not isinstance(spec, str) or isinstance(spec, _Subject):
        return "8080:80"
    ascii_spec = "".join(
        str(digit) if (digit := unicodedata.decimal(char, None)) is not None else char
        for char in spec.strip()
    )
    # Without this check, parse() would come straight back here for the same text.
    if any(_is_foreign_digit(char) for char in ascii_spec):
        return "8080:80"
    return _value_example(ascii_spec)


def _ports(count: int) -> str:
    return "1 port" if count == 1 else f"{count} ports"


def _split(text: str, spec: object) -> tuple[str | None, str | None, str]:
    """Split ``text`` into ``(host_ip, host_port, container_part)`` like the CLI does.

    Without brackets, everything before the last two colons is the address,
    which is how the CLI lets ``::1:8080:80`` through; an empty address there
    (``::80``, ``:8080:80``) means "every interface", as it does for the CLI.
    """
    if text.startswith("["):
        close = text.find("]")
        if close == -1:
            raise _invalid(
                spec, "the '[' that opens the IPv6 address is never closed", "[::1]:8080:80"
            )
        ip, after = text[: close + 1], text[close + 1 :]
        fields = after[1:].split(":", 2) if after.startswith(":") else []
        if len(fields) != 2:
            raise _invalid(
                spec,
                f"the address {_show(ip)} must be followed by ':host_port:container_port' "
                "(leave host_port empty to let the engine pick it)",
                f"{ip}::80" if _is_ip(ip) else "[::1]::80",
            )
        return ip, fields[0], fields[1]
    fields = text.rsplit(":", 2)
    if len(fields) == 1:
        return None, None, fields[0]
    if len(fields) == 2:
        return None, fields[0], fields[1]
    return fields[0] or None, fields[1], fields[2]


@dataclass(frozen=True)
class PortMapping:
    """One published container port: the parsed form of (part of) a ``-p`` value.

    A ``-p`` range such as ``8080-8081:80-81`` becomes one PortMapping per
    container port.

    Attributes:
        container_port: The port inside the container, 1-65535.
        protocol: ``"tcp"``, ``"udp"`` or ``"sctp"`` (stored lower-case).
        host_ip: The host address to listen on, without brackets; None means
            every interface, Docker's default.
        host_port: The host port; None lets the engine pick a free one.
        host_port_end: Set only when ``host_port``-``host_port_end`` is a range
            from which the engine picks one port for this container port.

    Raises:
        InvalidPortSpec: If a field is out of range or not what it should be.
    """

    container_port: int
    protocol: str = "tcp"
    host_ip: str | None = None
    host_port: int | None = None
    host_port_end: int | None = None

    def __post_init__(self) -> None:
        fields = ", ".join(
            f"{field.name}={_show(getattr(self, field.name))}" for field in dataclasses.fields(self)
        )
        spec = _subject(f"Invalid PortMapping({fields})")
        _check_port(self.container_port, spec, "container port")
        # Frozen, so normalising needs object.__setattr__; doing it here keeps
        # PortMapping(80, "UDP") equal to what parse("80/UDP") returns.
        object.__setattr__(self, "protocol", _check_protocol(self.protocol, spec))
        if self.host_ip is not None:
            if not isinstance(self.host_ip, str):
                raise _invalid(spec, f"host_ip must be a string, not {_show(self.host_ip)}")
            host_ip = _check_ip(self.host_ip, spec, "8080:80") if self.host_ip else None
            object.__setattr__(self, "host_ip", host_ip)
        if self.host_port is not None:
            _check_port(self.host_port, spec, "host port")
        if self.host_port_end is not None:
            _check_port(self.host_port_end, spec, "host port")
            if self.host_port is None or self.host_port_end <= self.host_port:
                raise _invalid(
                    spec,
                    "host_port_end needs a host_port below it (it closes a host range)",
                    "8000-8010:80",
                )

    @property
    def _host_port_text(self) -> str:
        """The host port part of the CLI form: ``8080``, ``8000-8010`` or ``""``."""
        if self.host_port is None:
            return ""
        if self.host_port_end is None:
            return str(self.host_port)
        return f"{self.host_port}-{self.host_port_end}"

    @property
    def _is_ipv6(self) -> bool:
        return self.host_ip is not None and ":" in self.host_ip

    @property
    def cli(self) -> str:
        """The ``-p`` value exactly as you would type it.

        Examples: ``80``, ``8080:80/udp``, ``127.0.0.1:8080:80``,
        ``127.0.0.1::80``, ``[::1]:8080:80``, ``8000-8010:80``.

        Equivalent CLI: ``docker run -p <this value> ...``
        """
        suffix = "" if self.protocol == "tcp" else f"/{self.protocol}"
        container = f"{self.container_port}{suffix}"
        if self.host_ip is None:
            host_port = self._host_port_text
            return f"{host_port}:{container}" if host_port else container
        ip = f"[{self.host_ip}]" if self._is_ipv6 else self.host_ip
        return f"{ip}:{self._host_port_text}:{container}"

    @property
    def container_key(self) -> str:
        """The key for this port in the SDK ``ports`` dict, e.g. ``"80/tcp"``."""
        return f"{self.container_port}/{self.protocol}"

    @property
    def sdk_binding(self) -> SdkBinding:
        """The host side in the form ``client.containers.run(ports=...)`` takes.

        * ``None``: any interface, the engine picks the port (``-p 80``).
        * ``8080``: any interface, that port (``-p 8080:80``).
        * ``"8000-8010"``: any interface, one port from the range.
        * ``("127.0.0.1",)``: that interface, the engine picks the port
          (``-p 127.0.0.1::80``).
        * ``("127.0.0.1", 8080)``: that interface and port.
        * ``("127.0.0.1", "8000-8010")``: that interface, one port from the range.
        """
        port: int | str | None = (
            self.host_port if self.host_port_end is None else self._host_port_text
        )
        if self.host_ip is None:
            return port
        if port is None:
            return (self.host_ip,)
        return (self.host_ip, port)

    @property
    def listens_everywhere(self) -> bool:
        """True when the port is published on every interface of the host.

        Then other machines on the network can reach it too, not only this
        one. That is Docker's default (no host_ip) and what the explicit
        ``0.0.0.0`` and ``::`` ask for.
        """
        return self.host_ip is None or ipaddress.ip_address(self.host_ip).is_unspecified

    @property
    def url(self) -> str | None:
        """``http://host:port`` to open the published port in a browser, or None.

        None when the engine picks the host port (the URL is only known once the
        container runs; ``docker port`` tells it) and for udp and sctp, which a
        browser cannot talk. Wildcard addresses become the matching loopback
        address, because a browser cannot connect to ``0.0.0.0`` or ``::``.
        """
        if self.protocol != "tcp" or self.host_port is None or self.host_port_end is not None:
            return None
        if self.host_ip is None or self.host_ip == "0.0.0.0":
            host = "127.0.0.1"
        elif self._is_ipv6:
            unspecified = ipaddress.ip_address(self.host_ip).is_unspecified
            host = "[::1]" if unspecified else f"[{self.host_ip}]"
        else:
            host = self.host_ip
        return f"http://{host}:{self.host_port}"

    def __str__(self) -> str:
        return self.cli


def everywhere_warning(mapping: PortMapping) -> str:
    """The warning shown for a mapping that listens on every interface.

    Shown by the PortMapper and by ``engine.run`` alike, so the learner reads
    the same words wherever the choice is made.

    Args:
        mapping: A mapping whose :attr:`PortMapping.listens_everywhere` is true.

    Returns:
        One paragraph: what the address means, the firewall caveat, the
        equivalent address-less ``-p`` form, and the safer choice.

    Equivalent CLI: ``docker run -p 0.0.0.0:8080:80 ...`` (or ``-p 8080:80``)
    """
    host_port = mapping.host_port or 8080
    bare = f"-p {host_port}:{mapping.container_port}"
    if mapping.protocol != "tcp":
        bare += f"/{mapping.protocol}"
    what = "No host address means" if mapping.host_ip is None else f"{mapping.host_ip} means"
    return (
        f"{what} every network interface: other machines on your network can reach "
        "this port, and Docker's published ports bypass host firewalls such as ufw "
        f"and firewalld. `{bare}` (no address) does the same. Keep 127.0.0.1 unless "
        "another machine must connect."
    )


def parse(spec: str | int) -> list[PortMapping]:
    """Parse one ``-p`` value into one PortMapping per container port.

    Surrounding whitespace is ignored and the protocol is case-insensitive,
    as with the CLI. Pass only the value, not the ``-p`` flag.

    Equivalent CLI: ``docker run -p 127.0.0.1:8080:80 ...`` for
    ``parse("127.0.0.1:8080:80")``.

    Args:
        spec: A value in the form
            ``[host_ip:][host_port[-end]:]container_port[-end][/tcp|udp|sctp]``;
            a bare int is taken as a container port.

    Returns:
        The mappings in container-port order; a range gives several.

    Raises:
        InvalidPortSpec: For every value it refuses: the value is empty, a port
            is not written with the digits 0-9 or is not in 1-65535, a range
            covers more than :data:`MAX_RANGE` container ports, the two ranges
            have different lengths, the protocol is unknown, or the host
            address is not an IP address. A value that is neither str nor
            int is refused with it too; no other exception escapes.
    """
    if isinstance(spec, bool) or not isinstance(spec, (str, int)):
        raise _invalid(spec, f"expected a string, not {type(spec).__name__}", "8080:80")
    if isinstance(spec, int) and not MIN_PORT <= spec <= MAX_PORT:
        # Checked before str(), which refuses ints of more than 4300 digits.
        raise _invalid(
            spec,
            f"the container port {_show(spec)} is out of range {MIN_PORT}-{MAX_PORT}",
            "8080:80",
        )
    text = str(spec).strip()
    if not text:
        raise _invalid(spec, "it is empty", "8080:80")
    pasted = _PASTED_FLAG.fullmatch(text)
    if pasted:
        raise _invalid(
            spec,
            "it includes the -p/--publish flag; pass only the value after it",
            _value_example(pasted["value"].strip()),
        )

    ip_text, host_text, container_field = _split(text, spec)
    container_text, _, protocol_text = container_field.partition("/")
    # The CLI reads "80/" as tcp, so an empty protocol is the default, not an error.
    protocol = _check_protocol(protocol_text or "tcp", spec)
    if not container_text:
        raise _invalid(spec, "there is no container port (the part after the last ':')", "8080:80")
    start, end = _parse_range(container_text, spec, "container port")
    count = end - start + 1
    # From here on, examples are built from the canonical numbers, not from the
    # text as typed, so they stay short and valid whatever the input looked like.
    suffix = "" if protocol == "tcp" else f"/{protocol}"
    container = _range_text(start, end) + suffix
    if host_text and ip_text is None and _is_ip(host_text):
        raise _invalid(
            spec,
            f"{_show(host_text)} is in the host port position; an address needs a host "
            "port after it (empty lets the engine pick)",
            f"{host_text}::{container}",
        )
    host_range = _parse_range(host_text, spec, "host port") if host_text else None
    prefix = f"{ip_text}:" if ip_text and _is_ip(ip_text) else ""
    if count > MAX_RANGE:
        # The example keeps the learner's start and publishes the first MAX_RANGE ports.
        host_example = ":" if prefix else ""
        if host_range is not None:
            first = min(host_range[0], MAX_PORT - MAX_RANGE + 1)
            host_example = f"{first}-{first + MAX_RANGE - 1}:"
        raise _invalid(
            spec,
            f"the container port range {start}-{end} covers {_ports(count)}, but one value "
            f"may publish at most {MAX_RANGE} (ports.MAX_RANGE), because Docker sets up every "
            "port of a range separately; publish a smaller range",
            f"{prefix}{host_example}{start}-{start + MAX_RANGE - 1}{suffix}",
        )
    if host_range is not None and count > 1:
        host_count = host_range[1] - host_range[0] + 1
        if host_count != count:
            first = min(host_range[0], MAX_PORT - count + 1)
            raise _invalid(
                spec,
                f"the host side {_range_text(*host_range)} ({_ports(host_count)}) and the "
                f"container side {start}-{end} ({_ports(count)}) have different lengths",
                f"{prefix}{first}-{first + count - 1}:{container}",
            )
    # The address is checked last so that the example in its error can reuse
    # the rest of the value, which is valid by now.
    rest = f"{_range_text(*host_range) if host_range else ''}:{container}"
    host_ip = _check_ip(ip_text, spec, rest) if ip_text is not None else None

    if host_range is None:
        return [PortMapping(port, protocol, host_ip) for port in range(start, end + 1)]
    host_start, host_end = host_range
    if count == 1:
        # A host range for a single container port is a pool the engine picks from.
        pool_end = host_end if host_end > host_start else None
        return [PortMapping(start, protocol, host_ip, host_start, pool_end)]
    return [
        PortMapping(start + offset, protocol, host_ip, host_start + offset)
        for offset in range(count)
    ]


def parse_all(specs: Iterable[str | int]) -> list[PortMapping]:
    """Parse several ``-p`` values, keeping their order.

    Equivalent CLI: ``docker run -p 8080:80 -p 127.0.0.1:5432:5432 ...``

    Args:
        specs: Values as :func:`parse` takes them. A single string is taken as
            one value, not as a sequence of characters.

    Returns:
        All mappings, in order.

    Raises:
        InvalidPortSpec: For the first value that does not parse.
    """
    if isinstance(specs, (str, int)):
        return parse(specs)
    return [mapping for spec in specs for mapping in parse(spec)]


def _mappings(mappings: Iterable[PortMapping | str] | PortMapping | str) -> Iterator[PortMapping]:
    """Yield PortMappings, parsing strings, so callers can mix both."""
    items = [mappings] if isinstance(mappings, (str, PortMapping)) else mappings
    for item in items:
        if isinstance(item, PortMapping):
            yield item
        else:
            yield from parse(item)


def to_sdk(mappings: Iterable[PortMapping | str] | PortMapping | str) -> SdkPorts:
    """Build the ``ports=`` argument of ``client.containers.run``.

    Mappings of the same container port (``-p 8080:80 -p 127.0.0.1:9090:80``)
    are merged into a list, which docker-py turns into several bindings.

    Equivalent CLI: ``docker run -p 8080:80 -p 53:53/udp ...`` gives
    ``{"80/tcp": 8080, "53/udp": 53}``.

    Args:
        mappings: PortMappings, ``-p`` strings, or a mix.

    Returns:
        ``{"80/tcp": binding, ...}`` where each binding is a
        :attr:`PortMapping.sdk_binding`, or a list of them.

    Raises:
        InvalidPortSpec: If a string does not parse.
    """
    grouped: dict[str, list[SdkBinding]] = {}
    for mapping in _mappings(mappings):
        add_port_mapping(grouped, mapping.container_key, mapping.sdk_binding)
    return {
        key: bindings[0] if len(bindings) == 1 else bindings for key, bindings in grouped.items()
    }


def to_argv(mappings: Iterable[PortMapping | str] | PortMapping | str) -> list[str]:
    """Build the ``-p`` part of a ``docker run`` argv.

    Equivalent CLI: ``-p 127.0.0.1:8080:80 -p 53:53/udp``

    Args:
        mappings: PortMappings, ``-p`` strings, or a mix.

    Returns:
        ``["-p", "127.0.0.1:8080:80", "-p", "53:53/udp"]``; a range shows up
        as one ``-p`` per container port.

    Raises:
        InvalidPortSpec: If a string does not parse.
    """
    return [part for mapping in _mappings(mappings) for part in ("-p", mapping.cli)]


_ARGUMENTS_FIX = (
    "Pass an IP address such as '127.0.0.1' (or None for every interface), a port "
    "from 1 to 65535 and one of 'tcp', 'udp', 'sctp', e.g. is_free('127.0.0.1', 8080)."
)


def _bind_address(host_ip: str | None, spec: _Subject) -> str:
    """Validate ``host_ip`` and return the address to bind (0.0.0.0 for None)."""
    if host_ip is None or host_ip == "":
        return "0.0.0.0"
    if not isinstance(host_ip, str):
        raise _invalid(spec, f"the host IP must be a string, not {_show(host_ip)}")
    return _check_ip(host_ip.strip(), spec, "8080:80")


def _someone_listens(address: str, port: int) -> bool:
    """Return True if a TCP connection to ``address:port`` is accepted."""
    ip = ipaddress.ip_address(address)
    if ip.is_unspecified:
        ip = ipaddress.ip_address("::1" if ip.version == 6 else "127.0.0.1")
    family = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((str(ip), port)) == 0


def is_free(host_ip: str | None, port: int, protocol: str = "tcp") -> bool:
    """Tell whether ``port`` can be bound on ``host_ip`` on this machine right now.

    The check is a real bind, released at once. On Linux a tcp check sets
    SO_REUSEADDR, as the engine's own port proxy does: a port whose last
    connections are still in TIME-WAIT is free for the engine, while a port
    with a listener still refuses the bind. The answer can be stale by the time
    a container starts; the engine then fails with "port is already allocated".

    A port this process may not bind (below 1024 for a non-root user) is not
    taken for that reason alone, since the engine runs with the privilege to
    bind it: for tcp it counts as taken only if something accepts connections
    on it, and for udp and sctp it counts as free.

    Equivalent CLI: ``ss -ltnu 'sport = :8080'`` (Linux) lists what holds the port.

    Args:
        host_ip: The address to check; None (Docker's default) means every
            interface, checked as ``0.0.0.0``. IPv6 addresses may be bracketed.
        port: The port, 1-65535.
        protocol: ``"tcp"``, ``"udp"`` or ``"sctp"``.

    Returns:
        True if nothing holds the port; False if something does, or the
        address does not belong to this machine.

    Raises:
        InvalidPortSpec: If an argument is invalid.
        DocDockerError: If this machine cannot open a socket of that kind at
            all (no IPv6, or no SCTP support), so the question has no answer.
    """
    spec = _subject(
        f"Invalid is_free({_show(host_ip)}, {_show(port)}, {_show(protocol)})", _ARGUMENTS_FIX
    )
    address = _bind_address(host_ip, spec)
    _check_port(port, spec, "port")
    protocol = _check_protocol(protocol, spec)
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    kind = socket.SOCK_DGRAM if protocol == "udp" else socket.SOCK_STREAM
    # Linux's number for SCTP, for Pythons built without the constant.
    number = getattr(socket, "IPPROTO_SCTP", 132) if protocol == "sctp" else 0
    try:
        sock = socket.socket(family, kind, number)
    except OSError as exc:
        raise DocDockerError(
            f"Cannot check {protocol} port {port} on {address}: this machine cannot open "
            f"{'an IPv6' if family == socket.AF_INET6 else 'an IPv4'} {protocol} socket "
            f"({exc.strerror or exc}).",
            fix="Check a tcp port, or use an IPv4 address such as 127.0.0.1.",
        ) from exc
    with sock:
        if protocol == "tcp" and sys.platform == "linux":
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((address, port))
        except PermissionError:
            return not _someone_listens(address, port) if protocol == "tcp" else True
        except OSError:
            # In use, or an address this machine does not have: the engine could not bind either.
            return False
    return True


def find_free(
    host_ip: str | None,
    start: int,
    protocol: str = "tcp",
    limit: int = 100,
) -> int:
    """Return the first port from ``start`` upwards that :func:`is_free` accepts.

    The search stops at 65535 rather than wrapping, so the answer is never
    below ``start``. Another program can still take the port before the
    container starts.

    Equivalent CLI: none; it picks the host port for ``-p 127.0.0.1:<port>:80``.

    Args:
        host_ip: The address to check; None means every interface.
        start: The first port to try, 1-65535.
        protocol: ``"tcp"``, ``"udp"`` or ``"sctp"``.
        limit: How many ports to try at most.

    Returns:
        A free port, ``start <= port <= 65535``.

    Raises:
        InvalidPortSpec: If an argument is invalid.
        DocDockerError: If none of the ports tried is free.
    """
    spec = _subject(
        f"Invalid find_free({_show(host_ip)}, {_show(start)}, {_show(protocol)})",
        _ARGUMENTS_FIX.replace("is_free('127.0.0.1', 8080)", "find_free('127.0.0.1', 8080)"),
    )
    where = "every interface" if host_ip is None else _bind_address(host_ip, spec)
    _check_port(start, spec, "start port")
    protocol = _check_protocol(protocol, spec)
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise InvalidPortSpec(
            f"find_free needs limit to be a positive whole number, not {_show(limit)}.",
            fix="Leave limit at its default of 100.",
        )
    last = min(MAX_PORT, start + limit - 1)
    for port in range(start, last + 1):
        if is_free(host_ip, port, protocol):
            return port
    tried = last - start + 1
    stopped = " (the search stops at 65535)" if last == MAX_PORT else ""
    raise DocDockerError(
        f"No free {protocol} port on {where} from {start} to {last}: "
        f"all {tried} are in use{stopped}.",
        fix=(
            "Stop what holds them (`docker ps` shows containers publishing ports) "
            f"or search elsewhere, e.g. find_free({host_ip!r}, 20000)."
        ),
    )
