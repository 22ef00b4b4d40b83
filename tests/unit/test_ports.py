"""Unit tests for docdocker.grammar.ports: the -p grammar, its SDK form and free-port checks.

No engine is needed; the free-port tests use sockets on 127.0.0.1 (and ::1
where the machine has IPv6).
"""

from __future__ import annotations

import dataclasses
import re
import socket
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from docker.types import HostConfig
from docker.utils.ports import build_port_bindings, split_port
from docker.utils.utils import convert_port_bindings

from docdocker.base.errors import DocDockerError, InvalidPortSpec
from docdocker.grammar import ports
from docdocker.grammar.ports import (
    GRAMMAR,
    MAX_RANGE,
    PortMapping,
    find_free,
    is_free,
    parse,
    parse_all,
    to_argv,
    to_sdk,
)

PM = PortMapping

# Each row: the -p value, what parse() must return, and the same value in the
# spelling docker-py's split_port takes. The third column differs from the
# first only for forms the Docker CLI accepts and docker-py's regex does not
# (or reads differently), which is why parse() does not simply delegate to it.
VALID = [
    pytest.param("80", [PM(80)], "80", id="container-only"),
    pytest.param("8080:80", [PM(80, host_port=8080)], "8080:80", id="host-port"),
    pytest.param(
        "127.0.0.1:8080:80",
        [PM(80, host_ip="127.0.0.1", host_port=8080)],
        "127.0.0.1:8080:80",
        id="ipv4-host-port",
    ),
    pytest.param(
        "127.0.0.1::80", [PM(80, host_ip="127.0.0.1")], "127.0.0.1::80", id="ipv4-engine-picks"
    ),
    pytest.param(
        "0.0.0.0:3000:3000",
        [PM(3000, host_ip="0.0.0.0", host_port=3000)],
        "0.0.0.0:3000:3000",
        id="explicit-wildcard",
    ),
    pytest.param("5353:53/udp", [PM(53, "udp", host_port=5353)], "5353:53/udp", id="udp"),
    pytest.param("9000/sctp", [PM(9000, "sctp")], "9000/sctp", id="sctp"),
    pytest.param(
        "[::1]:8080:80", [PM(80, host_ip="::1", host_port=8080)], "[::1]:8080:80", id="ipv6"
    ),
    pytest.param("[::1]::443", [PM(443, host_ip="::1")], "[::1]::443", id="ipv6-engine-picks"),
    pytest.param(
        "[::]:8443:443",
        [PM(443, host_ip="::", host_port=8443)],
        "[::]:8443:443",
        id="ipv6-wildcard",
    ),
    pytest.param(
        "[2001:db8::10]:2222:22",
        [PM(22, host_ip="2001:db8::10", host_port=2222)],
        "[2001:db8::10]:2222:22",
        id="ipv6-global",
    ),
    pytest.param(
        "::1:8081:81",
        [PM(81, host_ip="::1", host_port=8081)],
        "::1:8081:81",
        id="ipv6-unbracketed",
    ),
    pytest.param(
        ":::8082:82",
        [PM(82, host_ip="::", host_port=8082)],
        ":::8082:82",
        id="ipv6-wildcard-unbracketed",
    ),
    pytest.param(
        "[127.0.0.1]:8080:80",
        [PM(80, host_ip="127.0.0.1", host_port=8080)],
        "[127.0.0.1]:8080:80",
        id="ipv4-bracketed",
    ),
    pytest.param(
        "8080-8082:80-82",
        [PM(80, host_port=8080), PM(81, host_port=8081), PM(82, host_port=8082)],
        "8080-8082:80-82",
        id="ranges",
    ),
    pytest.param(
        "127.0.0.1:5000-5001:6000-6001/udp",
        [
            PM(6000, "udp", "127.0.0.1", 5000),
            PM(6001, "udp", "127.0.0.1", 5001),
        ],
        "127.0.0.1:5000-5001:6000-6001/udp",
        id="ranges-ip-udp",
    ),
    pytest.param("7000-7002", [PM(7000), PM(7001), PM(7002)], "7000-7002", id="container-range"),
    pytest.param(
        "192.168.0.10::9000-9001",
        [PM(9000, host_ip="192.168.0.10"), PM(9001, host_ip="192.168.0.10")],
        "192.168.0.10::9000-9001",
        id="container-range-ip",
    ),
    pytest.param(
        "8000-8010:80",
        [PM(80, host_port=8000, host_port_end=8010)],
        "8000-8010:80",
        id="host-pool",
    ),
    pytest.param(
        "127.0.0.1:8000-8010:80/udp",
        [PM(80, "udp", "127.0.0.1", 8000, 8010)],
        "127.0.0.1:8000-8010:80/udp",
        id="host-pool-ip-udp",
    ),
    pytest.param("1:65535", [PM(65535, host_port=1)], "1:65535", id="bounds"),
    pytest.param(8080, [PM(8080)], 8080, id="int"),
    # Accepted by the Docker CLI, refused or read differently by docker-py:
    pytest.param("  8080:80\n", [PM(80, host_port=8080)], "8080:80", id="whitespace"),
    pytest.param("8080:80/UDP", [PM(80, "udp", host_port=8080)], "8080:80/udp", id="upper-proto"),
    pytest.param("::80", [PM(80)], "80", id="empty-ip-empty-host-port"),
    pytest.param(":8080:80", [PM(80, host_port=8080)], "8080:80", id="empty-ip"),
    pytest.param("80/", [PM(80)], "80", id="empty-proto-is-tcp"),
    pytest.param("8080-8080:80", [PM(80, host_port=8080)], "8080:80", id="one-port-host-range"),
    pytest.param("08080:080", [PM(80, host_port=8080)], "8080:80", id="leading-zeros"),
]


@pytest.mark.parametrize(("spec", "expected", "py_spec"), VALID)
def test_parse_valid(spec: str | int, expected: list[PortMapping], py_spec: str | int) -> None:
    assert parse(spec) == expected


@pytest.mark.parametrize(("spec", "expected", "py_spec"), VALID)
def test_cli_round_trips(spec: str | int, expected: list[PortMapping], py_spec: str | int) -> None:
    for mapping in parse(spec):
        assert parse(mapping.cli) == [mapping]
        assert str(mapping) == mapping.cli


@pytest.mark.parametrize(("spec", "expected", "py_spec"), VALID)
def test_sdk_form_matches_docker_py(
    spec: str | int, expected: list[PortMapping], py_spec: str | int
) -> None:
    mappings = parse(spec)

    internal, _ = split_port(py_spec)
    with_protocol = [port if "/" in port else f"{port}/tcp" for port in internal]
    assert [m.container_key for m in mappings] == with_protocol

    # Compared after convert_port_bindings, the step docker-py itself applies
    # before sending, so equivalent spellings (8080 vs "8080", (ip,) vs
    # (ip, None)) count as the same request to the engine.
    ours = convert_port_bindings(to_sdk(mappings))
    theirs = convert_port_bindings(build_port_bindings([py_spec]))
    assert ours == theirs


@pytest.mark.parametrize("spec", ["::80", ":8080:80", "8080:80/UDP", " 80"])
def test_docker_py_refuses_what_the_cli_accepts(spec: str) -> None:
    with pytest.raises(ValueError):
        split_port(spec)
    assert parse(spec)


@pytest.mark.parametrize(
    ("spec", "cli"),
    [
        ("80", ["80"]),
        ("8080:80/udp", ["8080:80/udp"]),
        ("8080:80/UDP", ["8080:80/udp"]),
        ("127.0.0.1:8080:80", ["127.0.0.1:8080:80"]),
        ("127.0.0.1::80", ["127.0.0.1::80"]),
        ("[::1]:8080:80", ["[::1]:8080:80"]),
        ("::1:8080:80", ["[::1]:8080:80"]),
        ("[::]::80", ["[::]::80"]),
        ("[127.0.0.1]:8080:80", ["127.0.0.1:8080:80"]),
        ("8000-8010:80", ["8000-8010:80"]),
        ("8080-8081:80-81", ["8080:80", "8081:81"]),
        ("::80", ["80"]),
        (" 8080:80 ", ["8080:80"]),
    ],
)
def test_cli_is_canonical(spec: str, cli: list[str]) -> None:
    assert [m.cli for m in parse(spec)] == cli


@pytest.mark.parametrize(
    ("spec", "binding"),
    [
        ("80", None),
        ("8080:80", 8080),
        ("8000-8010:80", "8000-8010"),
        ("127.0.0.1::80", ("127.0.0.1",)),
        ("127.0.0.1:8080:80", ("127.0.0.1", 8080)),
        ("127.0.0.1:8000-8010:80", ("127.0.0.1", "8000-8010")),
        ("[::1]:8080:80", ("::1", 8080)),
    ],
)
def test_sdk_binding_shapes(spec: str, binding: object) -> None:
    (mapping,) = parse(spec)
    assert mapping.sdk_binding == binding
    assert type(mapping.sdk_binding) is type(binding)


@pytest.mark.parametrize(
    ("spec", "key"),
    [("80", "80/tcp"), ("8080:80/udp", "80/udp"), ("9000/SCTP", "9000/sctp")],
)
def test_container_key(spec: str, key: str) -> None:
    assert parse(spec)[0].container_key == key


@pytest.mark.parametrize(
    ("spec", "everywhere"),
    [
        ("8080:80", True),
        ("80", True),
        ("0.0.0.0:8080:80", True),
        ("[::]:8080:80", True),
        (":::8080:80", True),
        ("127.0.0.1:8080:80", False),
        ("[::1]:8080:80", False),
        ("192.168.1.5:8080:80", False),
    ],
)
def test_listens_everywhere(spec: str, everywhere: bool) -> None:
    assert parse(spec)[0].listens_everywhere is everywhere


@pytest.mark.parametrize(
    ("spec", "url"),
    [
        ("8080:80", "http://127.0.0.1:8080"),
        ("0.0.0.0:8080:80", "http://127.0.0.1:8080"),
        ("127.0.0.1:8080:80", "http://127.0.0.1:8080"),
        ("192.168.1.5:8080:80", "http://192.168.1.5:8080"),
        ("[::1]:8080:80", "http://[::1]:8080"),
        ("[::]:8080:80", "http://[::1]:8080"),
        ("[2001:db8::10]:8080:80", "http://[2001:db8::10]:8080"),
        ("80", None),
        ("127.0.0.1::80", None),
        ("8000-8010:80", None),
        ("8080:80/udp", None),
    ],
)
def test_url(spec: str, url: str | None) -> None:
    assert parse(spec)[0].url == url


def test_to_sdk_merges_bindings_of_one_container_port() -> None:
    mappings = parse_all(["8080:80", "127.0.0.1:9090:80", "5353:53/udp", "[::1]::443"])
    sdk = to_sdk(mappings)
    assert sdk == {
        "80/tcp": [8080, ("127.0.0.1", 9090)],
        "53/udp": 5353,
        "443/tcp": ("::1",),
    }
    # What docker-py would send to the engine for containers.run(ports=sdk).
    assert HostConfig(version="1.44", port_bindings=sdk)["PortBindings"] == {
        "80/tcp": [{"HostIp": "", "HostPort": "8080"}, {"HostIp": "127.0.0.1", "HostPort": "9090"}],
        "53/udp": [{"HostIp": "", "HostPort": "5353"}],
        "443/tcp": [{"HostIp": "::1", "HostPort": ""}],
    }


def test_to_sdk_takes_strings_and_single_values() -> None:
    assert to_sdk("8080-8081:80-81") == {"80/tcp": 8080, "81/tcp": 8081}
    assert to_sdk(PM(80, host_port=8080)) == {"80/tcp": 8080}
    assert to_sdk(["80", PM(81, "udp")]) == {"80/tcp": None, "81/udp": None}
    assert to_sdk([]) == {}


def test_to_argv() -> None:
    assert to_argv(parse_all(["127.0.0.1:8080:80", "53:53/udp", "[::1]::443"])) == [
        "-p",
        "127.0.0.1:8080:80",
        "-p",
        "53:53/udp",
        "-p",
        "[::1]::443",
    ]
    assert to_argv("8080-8081:80-81") == ["-p", "8080:80", "-p", "8081:81"]
    assert to_argv([]) == []


def test_parse_all_keeps_order_and_takes_a_single_string() -> None:
    assert parse_all(["81", "8080:80"]) == [PM(81), PM(80, host_port=8080)]
    assert parse_all("80-81") == [PM(80), PM(81)]
    with pytest.raises(InvalidPortSpec, match="'abc'"):
        parse_all(["80", "abc"])


# Each row: an invalid -p value and a phrase its error must contain.
INVALID = [
    pytest.param("", "it is empty", id="empty"),
    pytest.param("   ", "it is empty", id="blank"),
    pytest.param("0", "container port 0 is out of range 1-65535", id="port-0"),
    pytest.param("0:80", "host port 0 is out of range 1-65535", id="host-port-0"),
    pytest.param("65536", "container port 65536 is out of range 1-65535", id="port-65536"),
    pytest.param("65536:80", "host port 65536 is out of range", id="host-port-65536"),
    pytest.param("127.0.0.1:8080:70000", "70000 is out of range", id="ip-port-70000"),
    pytest.param("65535-65536:80", "65536 is out of range", id="range-past-65535"),
    pytest.param("abc", "'abc' is not a number", id="abc"),
    pytest.param("8080:http", "'http' is not a number", id="service-name"),
    pytest.param("+80", "is not a number", id="plus-sign"),
    pytest.param("8080 :80", "is not a number", id="inner-space"),
    pytest.param("\u0668\u0660", "is not a number", id="non-ascii-digits"),
    pytest.param("\u00b2", "port must be written with the digits 0-9", id="superscript-two"),
    pytest.param("\u0663", "port must be written with the digits 0-9", id="arabic-indic-three"),
    pytest.param(
        "8080:\uff18\uff10", "port must be written with the digits 0-9", id="full-width-digits"
    ),
    pytest.param(
        "\uff18\uff10:80", "host port '\uff18\uff10' is not a number", id="full-width-host"
    ),
    pytest.param("80-8\u00bd", "written with the digits 0-9", id="vulgar-fraction"),
    pytest.param("123456", "container port 123456 is out of range 1-65535", id="six-digits"),
    pytest.param("1-65535", "covers 65535 ports, but one value may publish at most", id="1-65535"),
    pytest.param(
        "127.0.0.1:1-65535:1-65535", "at most 1000 (ports.MAX_RANGE)", id="ranges-too-large-ip"
    ),
    pytest.param("[::1]::1-2000/udp", "covers 2000 ports", id="range-too-large-ipv6"),
    pytest.param("60000-65535:1-5536", "covers 5536 ports", id="ranges-too-large-and-unequal"),
    pytest.param("-1", "is not a number", id="negative"),
    pytest.param("80-81-82", "is not a number", id="three-part-range"),
    pytest.param("80-", "is not a number", id="open-range"),
    pytest.param("80-81:80-82", "different lengths", id="unequal-ranges"),
    pytest.param("8080:80-81", "different lengths", id="one-host-port-two-container"),
    pytest.param("127.0.0.1:8080-8082:80-81", "different lengths", id="unequal-ranges-ip"),
    pytest.param("65535:80-81", "different lengths", id="unequal-ranges-at-top"),
    pytest.param("81-80", "ends before it starts", id="reversed-range"),
    pytest.param("8010-8000:80", "ends before it starts", id="reversed-host-range"),
    pytest.param("80/foo", "unknown protocol 'foo'", id="protocol-foo"),
    pytest.param("8080:80/tcp/udp", "unknown protocol 'tcp/udp'", id="two-protocols"),
    pytest.param("999.1.1.1:80:80", "'999.1.1.1' is not a valid IP address", id="ip-999"),
    pytest.param("1.2.3:80:80", "'1.2.3' is not a valid IP address", id="short-ip"),
    pytest.param("localhost:8080:80", "not a host name", id="hostname"),
    pytest.param("::1:80", "brackets", id="ipv6-unbracketed-ambiguous"),
    pytest.param(":::80", "not a valid IP address", id="triple-colon"),
    pytest.param("[::1:8080:80", "never closed", id="unclosed-bracket"),
    pytest.param("[::1]:80", "must be followed by ':host_port:container_port'", id="ipv6-no-host"),
    pytest.param("[::1]8080:80", "must be followed by", id="ipv6-missing-colon"),
    pytest.param("[fe80::1%eth0]:8080:80", "zone index", id="ipv6-zone"),
    pytest.param("[nope]:8080:80", "'nope' is not a valid IP address", id="bracketed-junk"),
    pytest.param("999.1.1.1:8080:80-81", "different lengths", id="ranges-before-ip"),
    pytest.param("8080:", "no container port", id="no-container-port"),
    pytest.param("127.0.0.1:8080:", "no container port", id="ip-no-container-port"),
    pytest.param("/udp", "no container port", id="protocol-only"),
    pytest.param("::", "no container port", id="colons-only"),
    pytest.param("1.2.3.4:80", "in the host port position", id="ip-without-host-port"),
    pytest.param("-p 8080:80", "-p/--publish flag", id="flag-p"),
    pytest.param("--publish 8080:80", "-p/--publish flag", id="flag-publish"),
    pytest.param("--publish=8080:80", "-p/--publish flag", id="flag-publish-equals"),
    pytest.param(None, "expected a string, not NoneType", id="none"),
    pytest.param(80.0, "expected a string, not float", id="float"),
]


@pytest.mark.parametrize(("spec", "phrase"), INVALID)
def test_parse_invalid(spec: object, phrase: str) -> None:
    with pytest.raises(InvalidPortSpec) as caught:
        parse(spec)  # type: ignore[arg-type]
    error = caught.value
    text = str(error)
    assert isinstance(error, ValueError)
    assert isinstance(error, DocDockerError)
    assert phrase in text
    assert repr(spec) in error.message
    assert GRAMMAR in text

    # The example in the fix must itself be a value parse() accepts.
    assert error.fix is not None
    example = re.search(r"for example '([^']+)'\.$", error.fix)
    assert example is not None, error.fix
    assert parse(example.group(1))


@pytest.mark.parametrize(
    ("spec", "what"),
    [
        ("9" * 5000, "container port"),
        ("9" * 5000 + ":80", "host port"),
        ("80-" + "9" * 5000, "container port"),
        ("127.0.0.1:" + "1" * 4301 + ":80", "host port"),
        ("8080:" + "7" * 100_000 + "/udp", "container port"),
    ],
    ids=["container", "host", "range-end", "host-with-ip", "with-protocol"],
)
def test_overlong_numbers_are_out_of_range_before_int_sees_them(spec: str, what: str) -> None:
    # int() refuses strings of more than 4300 digits with a plain ValueError.
    with pytest.raises(InvalidPortSpec) as caught:
        parse(spec)
    error = caught.value
    assert f"the {what} '" in error.message
    assert "characters) is out of range 1-65535" in error.message
    assert error.__context__ is None, "int() was called on the long string"
    assert len(error.message) < 200


def test_leading_zeros_are_ignored_however_many() -> None:
    # The CLI reads ports with strconv.ParseUint, which takes any number of leading zeros.
    assert parse("0" * 5000 + "80") == [PM(80)]
    assert parse("127.0.0.1:" + "0" * 4301 + "8080:80/udp") == [PM(80, "udp", "127.0.0.1", 8080)]


@pytest.mark.parametrize(
    "spec", [0, -1, 65536, 10**5000, -(10**5000)], ids=["0", "-1", "65536", "huge", "-huge"]
)
def test_int_spec_out_of_range(spec: int) -> None:
    with pytest.raises(InvalidPortSpec, match="is out of range 1-65535") as caught:
        parse(spec)
    assert len(caught.value.message) < 200


@pytest.mark.parametrize(
    ("spec", "example"),
    [
        ("\u0668\u0660\u0668\u0660:\u0668\u0660", "8080:80"),
        ("\uff18\uff10\uff18\uff10:\uff18\uff10/udp", "8080:80/udp"),
        ("127.0.0.1:\u0665\u0660\u0660\u0660:\u0665\u0660\u0660\u0660", "127.0.0.1:5000:5000"),
        ("\u00b2", "8080:80"),
    ],
)
def test_foreign_digits_get_the_same_value_in_0_9_as_fix(spec: str, example: str) -> None:
    with pytest.raises(InvalidPortSpec, match="port must be written with the digits 0-9") as caught:
        parse(spec)
    assert caught.value.fix is not None
    assert caught.value.fix.endswith(f"for example {example!r}.")


def test_a_range_of_max_range_ports_is_accepted() -> None:
    assert MAX_RANGE == 1000
    assert len(parse(f"1-{MAX_RANGE}")) == MAX_RANGE
    top = parse(f"127.0.0.1:{65536 - MAX_RANGE}-65535:{65536 - MAX_RANGE}-65535/udp")
    assert len(top) == MAX_RANGE
    assert top[-1] == PM(65535, "udp", "127.0.0.1", 65535)


@pytest.mark.parametrize(
    ("spec", "example"),
    [
        (f"1-{MAX_RANGE + 1}", f"1-{MAX_RANGE}"),
        ("127.0.0.1:1-65535:1-65535", f"127.0.0.1:1-{MAX_RANGE}:1-{MAX_RANGE}"),
        ("127.0.0.1::20000-30000/udp", f"127.0.0.1::20000-{20000 + MAX_RANGE - 1}/udp"),
        ("65000-65535:1-2000", f"{65536 - MAX_RANGE}-65535:1-{MAX_RANGE}"),
    ],
)
def test_larger_ranges_are_refused_with_a_range_that_fits(spec: str, example: str) -> None:
    with pytest.raises(InvalidPortSpec, match="publish a smaller range") as caught:
        parse(spec)
    assert caught.value.fix is not None
    assert caught.value.fix.endswith(f"for example {example!r}.")
    assert len(parse(example)) == MAX_RANGE


def test_a_host_pool_is_not_limited_by_max_range() -> None:
    # One container port on whichever host port is free: a single mapping.
    assert parse("1-65535:80") == [PM(80, host_port=1, host_port_end=65535)]


@pytest.mark.parametrize(
    "spec",
    [
        ":" * 100_000,
        "-" * 100_000,
        "a" * 100_000,
        "[" + "x" * 100_000 + "]:80",
        "[::1]:" + ":" * 100_000,
        "80/" + "x" * 100_000,
        "-p " * 10_000 + "80",
        "x" * 100_000 + ":8080:80",
        "\u00b2" * 100_000,
    ],
    ids=["colons", "dashes", "letters", "bracketed", "ipv6-colons", "protocol", "flags", "ip",
         "superscripts"],
)
def test_huge_values_get_short_messages(spec: str) -> None:
    with pytest.raises(InvalidPortSpec) as caught:
        parse(spec)
    error = caught.value
    assert "characters)" in error.message
    assert len(error.message) < 300
    assert error.fix is not None
    assert len(error.fix) < 200


def test_port_mapping_with_a_huge_int_names_it_briefly() -> None:
    with pytest.raises(InvalidPortSpec, match="about 5001 digits long") as caught:
        PortMapping(10**5000)
    assert len(caught.value.message) < 300


def test_unequal_ranges_suggest_a_matching_host_range() -> None:
    with pytest.raises(InvalidPortSpec) as caught:
        parse("127.0.0.1:8080-8082:80-81")
    assert "'127.0.0.1:8080-8081:80-81'" in str(caught.value)


@pytest.mark.parametrize(
    ("fields", "phrase"),
    [
        ({"container_port": 0}, "container port 0 is out of range"),
        ({"container_port": 65536}, "container port 65536 is out of range"),
        ({"container_port": "80"}, "not a whole number"),
        ({"container_port": True}, "not a whole number"),
        ({"container_port": 80, "protocol": "http"}, "unknown protocol 'http'"),
        ({"container_port": 80, "host_port": 0}, "host port 0 is out of range"),
        ({"container_port": 80, "host_ip": "localhost"}, "not a host name"),
        ({"container_port": 80, "host_ip": 127}, "must be a string"),
        ({"container_port": 80, "host_port_end": 8010}, "host_port_end needs a host_port"),
        (
            {"container_port": 80, "host_port": 8010, "host_port_end": 8000},
            "host_port_end needs a host_port below it",
        ),
    ],
)
def test_port_mapping_validates_its_fields(fields: dict[str, object], phrase: str) -> None:
    with pytest.raises(InvalidPortSpec, match=re.escape(phrase)) as caught:
        PortMapping(**fields)  # type: ignore[arg-type]
    assert caught.value.message.startswith("Invalid PortMapping(")


def test_port_mapping_normalises_like_the_cli() -> None:
    assert PM(80, "UDP") == PM(80, "udp")
    assert PM(80, host_ip="[::1]", host_port=8080).host_ip == "::1"
    assert PM(80, host_ip="").host_ip is None


def test_port_mapping_is_frozen_and_hashable() -> None:
    mapping = PM(80, host_port=8080)
    with pytest.raises(dataclasses.FrozenInstanceError):
        mapping.host_port = 9090  # type: ignore[misc]
    assert len({mapping, PM(80, host_port=8080)}) == 1


# --- is_free / find_free -------------------------------------------------


@pytest.fixture
def tcp_listener() -> Iterator[int]:
    """A TCP socket listening on 127.0.0.1; yields its port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def _unused_port() -> int:
    """A port the kernel just handed out and nobody holds any more."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_is_free_false_for_a_listening_port(tcp_listener: int) -> None:
    assert is_free("127.0.0.1", tcp_listener) is False


def test_all_interfaces_collide_with_a_loopback_listener(tcp_listener: int) -> None:
    # Docker's default binds every interface, which includes the listener's.
    assert is_free(None, tcp_listener) is False
    assert is_free("0.0.0.0", tcp_listener) is False


def test_is_free_true_for_an_unused_port() -> None:
    port = _unused_port()
    assert is_free("127.0.0.1", port) is True


def test_is_free_leaves_the_port_free() -> None:
    port = _unused_port()
    assert is_free("127.0.0.1", port)
    assert is_free("127.0.0.1", port)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", port))


def test_find_free_skips_a_taken_port(tcp_listener: int) -> None:
    port = find_free("127.0.0.1", tcp_listener)
    assert port != tcp_listener
    assert tcp_listener < port <= 65535
    assert is_free("127.0.0.1", port)


def test_find_free_returns_start_when_it_is_free() -> None:
    port = _unused_port()
    assert find_free("127.0.0.1", port) == port


def test_find_free_gives_up_after_limit(tcp_listener: int) -> None:
    with pytest.raises(DocDockerError) as caught:
        find_free("127.0.0.1", tcp_listener, limit=1)
    assert not isinstance(caught.value, InvalidPortSpec)
    assert f"from {tcp_listener} to {tcp_listener}" in str(caught.value)
    assert caught.value.fix


def test_find_free_stops_at_65535(monkeypatch: pytest.MonkeyPatch) -> None:
    tried: list[int] = []

    def nothing_free(host_ip: str | None, port: int, protocol: str = "tcp") -> bool:
        tried.append(port)
        return False

    monkeypatch.setattr(ports, "is_free", nothing_free)
    with pytest.raises(DocDockerError, match="stops at 65535") as caught:
        find_free(None, 65530, limit=100)
    assert tried == list(range(65530, 65536))
    assert "all 6 are in use" in str(caught.value)


def test_udp_is_checked_separately() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        assert is_free("127.0.0.1", port, "udp") is False
        assert find_free("127.0.0.1", port, "udp") != port


def _nonlocal_bind_allowed() -> bool:
    setting = Path("/proc/sys/net/ipv4/ip_nonlocal_bind")
    return setting.exists() and setting.read_text().strip() != "0"


@pytest.mark.skipif(_nonlocal_bind_allowed(), reason="this kernel lets any address be bound")
def test_is_free_false_for_an_address_this_machine_does_not_have() -> None:
    # 192.0.2.0/24 is reserved for documentation, so no interface carries it.
    assert is_free("192.0.2.1", _unused_port()) is False


def _ipv6_loopback_works() -> bool:
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock:
            sock.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _ipv6_loopback_works(), reason="no IPv6 loopback on this machine")
@pytest.mark.parametrize("host_ip", ["::1", "[::1]"])
def test_is_free_handles_ipv6(host_ip: str) -> None:
    with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock:
        sock.bind(("::1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        assert is_free(host_ip, port) is False
        free = find_free(host_ip, port)
        assert free != port
        assert is_free(host_ip, free) is True


class _PrivilegedPortSocket:
    """Stands in for a socket whose bind needs privileges this process lacks."""

    connect_result = 111  # ECONNREFUSED: nobody listening

    def __init__(self, *args: object) -> None:
        pass

    def __enter__(self) -> _PrivilegedPortSocket:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def setsockopt(self, *args: object) -> None:
        pass

    def bind(self, address: object) -> None:
        raise PermissionError(13, "Permission denied")

    def settimeout(self, timeout: float) -> None:
        pass

    def connect_ex(self, address: object) -> int:
        return self.connect_result


@pytest.mark.parametrize(
    ("protocol", "connect_result", "free"),
    [("tcp", 111, True), ("tcp", 0, False), ("udp", 0, True)],
)
def test_privileged_ports_are_judged_by_listeners(
    monkeypatch: pytest.MonkeyPatch, protocol: str, connect_result: int, free: bool
) -> None:
    # The engine binds with privileges, so "permission denied" alone must not mean taken.
    monkeypatch.setattr(_PrivilegedPortSocket, "connect_result", connect_result)
    monkeypatch.setattr(ports.socket, "socket", _PrivilegedPortSocket)
    assert is_free(None, 80, protocol) is free


@pytest.mark.parametrize(
    ("call", "phrase"),
    [
        (lambda: is_free(None, 0), "port 0 is out of range"),
        (lambda: is_free(None, 70000), "port 70000 is out of range"),
        (lambda: is_free("localhost", 8080), "not a host name"),
        (lambda: is_free(None, 8080, "http"), "unknown protocol 'http'"),
        (lambda: find_free(None, 0), "start port 0 is out of range"),
        (lambda: find_free("999.1.1.1", 8080), "not a valid IP address"),
        (lambda: find_free(None, 8080, limit=0), "positive whole number"),
    ],
)
def test_free_port_arguments_are_validated(call: Callable[[], object], phrase: str) -> None:
    with pytest.raises(InvalidPortSpec, match=re.escape(phrase)):
        call()


@pytest.mark.skipif(sys.platform != "linux", reason="TIME-WAIT reuse is Linux's bind rule")
def test_a_port_left_in_time_wait_is_free_for_the_engine() -> None:
    # A server like the engine's port proxy (SO_REUSEADDR, as Go sets it) closes a
    # connection first: its port is then in TIME-WAIT, and the engine may bind it again.
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        client = socket.create_connection(("127.0.0.1", port))
        conn, _ = listener.accept()
        conn.close()
        client.close()
    assert ports.is_free("127.0.0.1", port) is True
