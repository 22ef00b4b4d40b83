"""Seeded fuzzing of the two grammars: ``ports.parse`` (``-p``) and ``reference.parse``.

Each test builds a fixed list of inputs from a fixed seed, so a failure
reproduces exactly: the inputs mix valid pieces of the grammar, boundary
numbers, digits of other scripts, huge strings, separators, whitespace and
control characters, plus random edits of valid values. For every input:

* parse either returns or raises the grammar's own error (InvalidPortSpec,
  InvalidReference), whose message and fix stay short whatever the input;
* what it accepts survives a round trip through its canonical forms;
* ``ports.parse`` agrees with docker-py's ``split_port`` wherever both accept
  the same text.

A time budget stops a run early on a very slow machine instead of failing it;
the test asserts properties, never durations.
"""

from __future__ import annotations

import dataclasses
import random
import string
import time
from collections.abc import Callable, Iterator

import pytest
from docker.utils.ports import build_port_bindings, split_port
from docker.utils.utils import convert_port_bindings

from docdocker.base.errors import DocDockerError, InvalidPortSpec, InvalidReference
from docdocker.grammar import ports, reference
from docdocker.grammar.ports import MAX_RANGE, PortMapping
from docdocker.grammar.reference import MAX_NAME_LENGTH, MAX_TAG_LENGTH, ImageRef

SEED = 20240917
CASES = 3000
# Guard, not assertion: each grammar's loop stops once this is spent (about
# 0.5 s is needed on a laptop core), so a slow runner cannot hang the suite.
BUDGET_SECONDS = 1.25
# Longest message or fix we accept for any input, however long the input was.
MAX_MESSAGE = 600
# docker-py's port regex backtracks on long inputs; it is only asked about short ones.
DOCKER_PY_MAX_INPUT = 80
# Ranges expand to many mappings; round trips check this many of them.
SAMPLED_MAPPINGS = 8

# Characters that satisfy str.isdigit() or str.isnumeric() without being 0-9:
# superscript two, Arabic-Indic 3 and 80, full-width 80 and 0, one half, NKo 0,
# Bengali 0, double-struck 8, CJK one, Roman numeral twelve.
FOREIGN_DIGITS = [
    "\u00b2",
    "\u0663",
    "\u0668\u0660",
    "\uff18\uff10",
    "\uff10",
    "\u00bd",
    "\u07c0",
    "\u09e6",
    "\U0001d7e0",
    "\u4e00",
    "\u216b",
]
ARABIC_5000 = "\u0665\u0660\u0660\u0660"
BLANKS = [" ", "\t", "\n", "\r", "\u00a0", "\u2003", "\u200b", "\ufeff"]
CONTROLS = ["\x00", "\x01", "\x1b", "\x7f", "\x85", "\ud800"]
HUGE = [
    "9" * 5000,
    "0" * 5000 + "80",
    "1" * 4301,
    ":" * 5000,
    "-" * 5000,
    "/" * 5000,
    "1-" * 2000 + "1",
    "[" * 1000,
    "a" * 20000,
    "a/" * 3000 + "a",
    "a." * 3000 + "b",
    "a" + "._" * 2000 + "b",
]


def _run(
    inputs: list[str],
    check: Callable[[str], None],
) -> tuple[int, list[str]]:
    """Run ``check`` on each input until the budget is spent.

    Returns:
        How many inputs ran, and one line per failing input.
    """
    deadline = time.monotonic() + BUDGET_SECONDS
    failures: list[str] = []
    ran = 0
    for text in inputs:
        if time.monotonic() > deadline:
            break
        ran += 1
        try:
            check(text)
        except Exception as error:  # every failure is reported with its input
            failures.append(f"{_short(text)}: {type(error).__name__}: {_short(str(error))}")
    return ran, failures


def _short(text: str) -> str:
    return repr(text if len(text) <= 60 else f"{text[:40]}...{text[-10:]} ({len(text)} chars)")


def _mutate(rng: random.Random, text: str, alphabet: list[str]) -> str:
    """Apply one to three random edits: insert, delete, replace or duplicate a slice."""
    for _ in range(rng.randint(1, 3)):
        pos = rng.randint(0, len(text))
        edit = rng.randrange(4)
        if edit == 0:
            text = text[:pos] + rng.choice(alphabet) + text[pos:]
        elif edit == 1 and text:
            text = text[:pos] + text[pos + 1 :]
        elif edit == 2 and text:
            text = text[:pos] + rng.choice(alphabet) + text[pos + 1 :]
        else:
            end = rng.randint(pos, len(text))
            text = text[:end] + text[pos:end] + text[end:]
    return text


def _assert_error_is_readable(error: DocDockerError) -> None:
    assert error.fix, "every error carries a fix"
    assert len(error.message) <= MAX_MESSAGE, f"message of {len(error.message)} chars"
    assert len(error.fix) <= MAX_MESSAGE, f"fix of {len(error.fix)} chars"


# --- ports ----------------------------------------------------------------


def _port_number(rng: random.Random) -> str:
    choice = rng.random()
    if choice < 0.55:
        return str(rng.randint(*rng.choice([(1, 65535), (1, 1024), (8000, 8100)])))
    if choice < 0.75:
        return rng.choice(["0", "1", "2", "1023", "65534", "65535", "65536", "99999", "100000"])
    if choice < 0.85:
        return "0" * rng.randint(1, 8) + str(rng.randint(1, 65535))
    if choice < 0.95:
        return rng.choice(FOREIGN_DIGITS)
    return rng.choice(["", "-1", "+80", "8_0", "1e3", "0x50", "9" * rng.choice([6, 4300, 4301])])


def _port_range(rng: random.Random) -> tuple[str, int]:
    """A port or range as text, and how many ports it covers if it is well formed."""
    start = _port_number(rng)
    if rng.random() < 0.7:
        return start, 1
    if start.isascii() and start.isdigit() and len(start) <= 6:
        width = rng.choice([0, 1, 2, 10, MAX_RANGE - 1, MAX_RANGE, MAX_RANGE + 1, 65535])
        end = str(int(start) + width)
        return f"{start}-{end}", width + 1
    return f"{start}-{_port_number(rng)}", 2


def _host_ip(rng: random.Random) -> str:
    return rng.choice(
        [
            "127.0.0.1",
            "0.0.0.0",
            "192.168.0.10",
            "[::1]",
            "[::]",
            "::1",
            "::",
            "[2001:db8::10]",
            "[127.0.0.1]",
            "[fe80::1%eth0]",
            "999.1.1.1",
            "1.2.3",
            "localhost",
            "[]",
            "",
            "\uff11\uff12\uff17.0.0.1",  # full-width 127
        ]
    )


def _port_spec(rng: random.Random) -> str:
    """A value built from the -p grammar, usually well formed."""
    container, count = _port_range(rng)
    spec = container
    if rng.random() < 0.6:
        if count > 1 and rng.random() < 0.7:
            start = rng.randint(1, 65535 - count + 1) if count <= 65535 else 1
            host = f"{start}-{start + count - 1}"
        else:
            host = _port_range(rng)[0] if rng.random() < 0.9 else ""
        spec = f"{host}:{spec}"
        if rng.random() < 0.4:
            spec = f"{_host_ip(rng)}:{spec}"
    elif rng.random() < 0.15:
        spec = f"{_host_ip(rng)}::{spec}"
    if rng.random() < 0.3:
        spec += "/" + rng.choice(["tcp", "udp", "sctp", "UDP", "Sctp", "", "http", "tcp/udp"])
    if rng.random() < 0.05:
        spec = rng.choice(["-p ", "--publish=", "--publish "]) + spec
    if rng.random() < 0.1:
        spec = rng.choice(BLANKS) + spec + rng.choice(BLANKS)
    return spec


PORT_PIECES = [
    *[str(n) for n in (0, 1, 80, 443, 8080, 65535, 65536)],
    *FOREIGN_DIGITS,
    *BLANKS,
    *CONTROLS,
    ":", "::", "-", "--", "/", "[", "]", ".", "%", "tcp", "udp", "sctp", "UDP",
    "127.0.0.1", "::1", "[::1]", "localhost", "-p", "--publish=", "a",
]  # fmt: skip


def _port_inputs() -> Iterator[str]:
    """The fixed list of -p inputs: regressions first, then seeded random ones."""
    rng = random.Random(SEED)
    yield from [
        "9" * 5000,
        "9" * 5000 + ":80",
        "80-" + "9" * 5000,
        "\u00b2",
        "\u0663",
        "\u0668\u0660\u0668\u0660:\u0668\u0660",
        "1-65535",
        "127.0.0.1:1-65535:1-65535",
        f"1-{MAX_RANGE}",
        f"1-{MAX_RANGE + 1}",
        "1-65535:80",
        "-p " * 1000 + "80",
    ]
    yield from HUGE
    alphabet = [*PORT_PIECES, *string.printable]
    for _ in range(CASES):
        kind = rng.random()
        if kind < 0.5:
            yield _port_spec(rng)
        elif kind < 0.75:
            yield _mutate(rng, _port_spec(rng), alphabet)
        elif kind < 0.97:
            yield "".join(rng.choice(PORT_PIECES) for _ in range(rng.randint(1, 8)))
        else:
            yield rng.choice(HUGE) + _port_spec(rng)


def _canonical_host_port(text: str | None) -> str | None:
    """Write a host port or range without leading zeros, and ``a-a`` as ``a``."""
    if not text:
        return None
    start, _, end = text.partition("-")
    if not end or int(start) == int(end):
        return str(int(start))
    return f"{int(start)}-{int(end)}"


PortView = list[tuple[int, str, "str | None", "str | None"]]


def _docker_py_view(spec: str) -> PortView | None:
    """What docker-py's split_port makes of ``spec``, or None if it refuses it."""
    try:
        internal, external = split_port(spec)
    except ValueError:
        return None
    view: PortView = []
    for index, key in enumerate(internal):
        port, _, protocol = key.partition("/")
        binding = external[index] if external else None
        host_ip, host_port = binding if isinstance(binding, tuple) else (None, binding)
        view.append((int(port), protocol or "tcp", host_ip, _canonical_host_port(host_port)))
    return view


def _our_view(mappings: list[PortMapping]) -> PortView:
    view: PortView = []
    for m in mappings:
        host_port = None if m.host_port is None else str(m.host_port)
        if m.host_port_end is not None:
            host_port = f"{m.host_port}-{m.host_port_end}"
        view.append((m.container_port, m.protocol, m.host_ip, host_port))
    return view


def _check_port_spec(text: str) -> None:
    try:
        mappings = ports.parse(text)
    except InvalidPortSpec as error:
        _assert_error_is_readable(error)
        assert error.message.startswith("Invalid port mapping ")
        return

    assert 1 <= len(mappings) <= MAX_RANGE
    assert all(isinstance(m, PortMapping) for m in mappings)
    sample = mappings
    if len(mappings) > SAMPLED_MAPPINGS:
        sample = [*mappings[: SAMPLED_MAPPINGS // 2], *mappings[-SAMPLED_MAPPINGS // 2 :]]
    for mapping in sample:
        # The CLI form parses back to the very same mapping, and so do its fields.
        assert ports.parse(mapping.cli) == [mapping], mapping.cli
        assert PortMapping(**dataclasses.asdict(mapping)) == mapping
        # docker-py builds the same request from our CLI form as from our SDK form.
        assert convert_port_bindings(ports.to_sdk(mapping)) == convert_port_bindings(
            build_port_bindings([mapping.cli])
        ), mapping.cli
        assert split_port(mapping.cli)[0] == [
            mapping.container_key.removesuffix("/tcp")
        ], mapping.cli
    if len(mappings) > 1:
        assert [m.container_port for m in mappings] == list(
            range(mappings[0].container_port, mappings[-1].container_port + 1)
        )

    # Where docker-py accepts the very same text, it must read it the same way.
    if len(text) <= DOCKER_PY_MAX_INPUT:
        theirs = _docker_py_view(text)
        if theirs is not None:
            assert theirs == _our_view(mappings), f"docker-py reads {text!r} as {theirs}"


def test_port_specs_fuzz() -> None:
    inputs = list(_port_inputs())
    ran, failures = _run(inputs, _check_port_spec)
    assert not failures, f"{len(failures)} of {ran} inputs failed:\n" + "\n".join(failures[:20])


def test_port_fuzz_inputs_reach_both_outcomes() -> None:
    # Guards the generator: round trips only mean something if many inputs parse.
    inputs = list(_port_inputs())[:600]
    accepted = 0
    for text in inputs:
        try:
            ports.parse(text)
        except InvalidPortSpec:
            continue
        accepted += 1
    assert len(inputs) // 5 < accepted < len(inputs) * 4 // 5


# --- image references -------------------------------------------------------

SHA256 = "sha256:" + "0123456789abcdef" * 4
DOMAINS = [
    "docker.io",
    "index.docker.io",
    "localhost",
    "localhost:5000",
    "registry.example.com:8443",
    "ghcr.io",
    "[::1]:5000",
    "[fd00::1]",
    "127.0.0.1:5000",
    "MyUser",
    "a-b.c",
    "-bad.com",
    "reg_istry.com",
    f"localhost:{ARABIC_5000}",
    "localhost:\u00b2",
    "localhost:",
    "[::1",
]
COMPONENTS = [
    "nginx", "library", "user", "app", "a", "0", "a.b", "a_b", "a__b", "a---b", "foo.com",
    "localhost", "A", "a..b", "_a", "a-", "a___b", "ng\u00efnx", "",
]  # fmt: skip
TAGS = ["latest", "1.25", "v1.2.3", "_x", "x" * MAX_TAG_LENGTH, "-x", ".x", "", "\u0663", "1+2"]
DIGESTS = [
    SHA256,
    "sha384:" + "e" * 96,
    "sha512:" + "f" * 128,
    "sha256:" + "A" * 64,
    "SHA256:" + "a" * 64,
    "md5:" + "a" * 32,
    "sha256:abc",
    "sha256",
    "",
]
REFERENCE_PIECES = [
    *DOMAINS, *COMPONENTS, *TAGS[:4], *FOREIGN_DIGITS, *BLANKS, *CONTROLS,
    "/", "//", ":", "@", "::", "://", "[", "]", ".", "_", "-", "%", SHA256,
]  # fmt: skip


def _reference(rng: random.Random) -> str:
    """A reference built from the grammar, usually well formed."""
    good = rng.random() < 0.7
    depth = rng.choice([1, 1, 2, 2, 3, 4])
    pool = COMPONENTS[:11] if good else COMPONENTS
    path = "/".join(rng.choice(pool) for _ in range(depth))
    text = path
    if rng.random() < 0.5:
        text = f"{rng.choice(DOMAINS[:9] if good else DOMAINS)}/{path}"
    if rng.random() < 0.5:
        text += ":" + rng.choice(TAGS[:5] if good else TAGS)
    if rng.random() < 0.25:
        text += "@" + rng.choice(DIGESTS[:3] if good else DIGESTS)
    if rng.random() < 0.03:
        text = "https://" + text
    return text


def _reference_inputs() -> Iterator[str]:
    """The fixed list of reference inputs: regressions first, then seeded random ones."""
    rng = random.Random(SEED + 1)
    yield from [
        "localhost:" + "9" * 5000 + "/app",
        f"localhost:{ARABIC_5000}/app",
        "localhost:\u00b2/app",
        "a" * 64,
        "docker.io/library/" + "a" * 64,
        "docker.io/foo.com/app",
        "a" * (MAX_NAME_LENGTH - len("docker.io/library/")),
        "app:" + "t" * (MAX_TAG_LENGTH + 1),
    ]
    yield from HUGE
    alphabet = [*REFERENCE_PIECES, *string.printable]
    for _ in range(CASES):
        kind = rng.random()
        if kind < 0.5:
            yield _reference(rng)
        elif kind < 0.75:
            yield _mutate(rng, _reference(rng), alphabet)
        elif kind < 0.97:
            yield "".join(rng.choice(REFERENCE_PIECES) for _ in range(rng.randint(1, 8)))
        else:
            yield rng.choice(HUGE) + _reference(rng)


def _familiar_is_ambiguous(ref: ImageRef) -> bool:
    """Tell whether Docker's short form of ``ref`` reads back as another image.

    Docker drops ``docker.io/`` (and ``library/``) even where what is left is
    then read differently: ``docker.io/foo.com/app`` becomes ``foo.com/app``,
    a registry name, and ``docker.io/library/<64 hex>`` becomes an image ID.
    :attr:`ImageRef.familiar` prints what Docker prints, so these two cases
    are the exceptions to its round trip.
    """
    familiar = ref.familiar
    if ref.registry != reference.DEFAULT_REGISTRY:
        return False
    first, slash, _ = familiar.partition("/")
    registry_like = bool(slash) and (first == "localhost" or "." in first or ":" in first)
    image_id = len(familiar) == 64 and all(c in "0123456789abcdef" for c in familiar)
    return registry_like or image_id


def _check_reference(text: str) -> None:
    try:
        ref = reference.parse(text)
    except InvalidReference as error:
        _assert_error_is_readable(error)
        return

    assert str(ref) == text
    assert reference.parse(str(ref)) == ref
    assert ImageRef(domain=ref.domain, path=ref.path, tag=ref.tag, digest=ref.digest) == ref
    assert len(f"{ref.registry}/{ref.repository}") <= MAX_NAME_LENGTH
    assert ref.tag is None or len(ref.tag) <= MAX_TAG_LENGTH

    normalized = reference.parse(ref.normalized)
    assert normalized.normalized == ref.normalized
    assert (normalized.registry, normalized.repository, normalized.digest) == (
        ref.registry,
        ref.repository,
        ref.digest,
    )
    assert normalized.tag == (ref.tag or (None if ref.digest else reference.DEFAULT_TAG))
    assert reference.parse(normalized.normalized) == normalized

    if not _familiar_is_ambiguous(ref):
        familiar = reference.parse(ref.familiar)
        assert familiar.normalized == ref.normalized, ref.familiar
        assert familiar.familiar == ref.familiar


def test_references_fuzz() -> None:
    inputs = list(_reference_inputs())
    ran, failures = _run(inputs, _check_reference)
    assert not failures, f"{len(failures)} of {ran} inputs failed:\n" + "\n".join(failures[:20])


def test_reference_fuzz_inputs_reach_both_outcomes() -> None:
    inputs = list(_reference_inputs())[:600]
    accepted = 0
    for text in inputs:
        try:
            reference.parse(text)
        except InvalidReference:
            continue
        accepted += 1
    assert len(inputs) // 5 < accepted < len(inputs) * 4 // 5


@pytest.mark.parametrize(
    "text",
    ["docker.io/foo.com/app", "docker.io/localhost/app", "docker.io/library/" + "a" * 64],
)
def test_docker_short_forms_that_read_back_differently(text: str) -> None:
    # Documents the exceptions _familiar_is_ambiguous makes, so they stay known.
    ref = reference.parse(text)
    assert _familiar_is_ambiguous(ref)
    if text.endswith("a" * 64):
        with pytest.raises(InvalidReference, match="image ID"):
            reference.parse(ref.familiar)
    else:
        assert reference.parse(ref.familiar).normalized != ref.normalized
