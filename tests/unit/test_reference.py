"""Tests for docdocker.grammar.reference: the grammar docker pull accepts, and its error
messages."""

from __future__ import annotations

import dataclasses

import pytest

from docdocker.base.errors import InvalidReference
from docdocker.grammar.reference import (
    DEFAULT_REGISTRY,
    MAX_NAME_LENGTH,
    MAX_TAG_LENGTH,
    ImageRef,
    parse,
)

SHA256 = "sha256:" + "0123456789abcdef" * 4
SHA384 = "sha384:" + "e" * 96
SHA512 = "sha512:" + "f" * 128
IMAGE_ID = "4f9a0c3b" * 8

# A 20-character registry plus "/" leaves 234 characters of path at the 255 limit.
REGISTRY = "registry.example.com"
# Docker prefixes "docker.io/library/" (18 characters) before it counts an official name.
OFFICIAL_AT_LIMIT = "a" * (MAX_NAME_LENGTH - len("docker.io/library/"))
TAG_AT_LIMIT = "t" * MAX_TAG_LENGTH

# text, domain, path, tag, digest, normalized, familiar
VALID = [
    # Official images and Docker Hub spellings.
    ("nginx", None, "nginx", None, None, "docker.io/library/nginx:latest", "nginx"),
    ("nginx:1.25", None, "nginx", "1.25", None, "docker.io/library/nginx:1.25", "nginx:1.25"),
    ("library/nginx", None, "library/nginx", None, None, "docker.io/library/nginx:latest", "nginx"),
    (
        "docker.io/library/nginx:latest",
        "docker.io",
        "library/nginx",
        "latest",
        None,
        "docker.io/library/nginx:latest",
        "nginx:latest",
    ),
    (
        "docker.io/nginx",
        "docker.io",
        "nginx",
        None,
        None,
        "docker.io/library/nginx:latest",
        "nginx",
    ),
    (
        "index.docker.io/library/debian:12",
        "index.docker.io",
        "library/debian",
        "12",
        None,
        "docker.io/library/debian:12",
        "debian:12",
    ),
    (
        "index.docker.io/redis",
        "index.docker.io",
        "redis",
        None,
        None,
        "docker.io/library/redis:latest",
        "redis",
    ),
    # User images on Docker Hub.
    ("user/app", None, "user/app", None, None, "docker.io/user/app:latest", "user/app"),
    (
        "docker.io/user/app",
        "docker.io",
        "user/app",
        None,
        None,
        "docker.io/user/app:latest",
        "user/app",
    ),
    ("user/app:2.0", None, "user/app", "2.0", None, "docker.io/user/app:2.0", "user/app:2.0"),
    # Nested names under library/ are not official images, so "library/" stays.
    (
        "library/foo/bar",
        None,
        "library/foo/bar",
        None,
        None,
        "docker.io/library/foo/bar:latest",
        "library/foo/bar",
    ),
    (
        "org/team/app",
        None,
        "org/team/app",
        None,
        None,
        "docker.io/org/team/app:latest",
        "org/team/app",
    ),
    # localhost and registries with ports.
    ("localhost/app", "localhost", "app", None, None, "localhost/app:latest", "localhost/app"),
    (
        "localhost:5000/app:1",
        "localhost:5000",
        "app",
        "1",
        None,
        "localhost:5000/app:1",
        "localhost:5000/app:1",
    ),
    # Without a slash there is no registry: this is the image "localhost" tagged "5000".
    (
        "localhost:5000",
        None,
        "localhost",
        "5000",
        None,
        "docker.io/library/localhost:5000",
        "localhost:5000",
    ),
    (
        "example:5000/app",
        "example:5000",
        "app",
        None,
        None,
        "example:5000/app:latest",
        "example:5000/app",
    ),
    (
        "registry.example.com:8443/team/project/app:v2.0.1",
        "registry.example.com:8443",
        "team/project/app",
        "v2.0.1",
        None,
        "registry.example.com:8443/team/project/app:v2.0.1",
        "registry.example.com:8443/team/project/app:v2.0.1",
    ),
    (
        "ghcr.io/owner/tool",
        "ghcr.io",
        "owner/tool",
        None,
        None,
        "ghcr.io/owner/tool:latest",
        "ghcr.io/owner/tool",
    ),
    (
        "xn--n3h.com/myimage:xn--n3h.com",
        "xn--n3h.com",
        "myimage",
        "xn--n3h.com",
        None,
        "xn--n3h.com/myimage:xn--n3h.com",
        "xn--n3h.com/myimage:xn--n3h.com",
    ),
    (
        "my-registry-1.local/app",
        "my-registry-1.local",
        "app",
        None,
        None,
        "my-registry-1.local/app:latest",
        "my-registry-1.local/app",
    ),
    # A dot in the first part makes it a registry, even if it was meant as a user name.
    ("a.b/c", "a.b", "c", None, None, "a.b/c:latest", "a.b/c"),
    # IPv4.
    (
        "192.168.1.10/app",
        "192.168.1.10",
        "app",
        None,
        None,
        "192.168.1.10/app:latest",
        "192.168.1.10/app",
    ),
    (
        "192.168.1.10:5000/app:2",
        "192.168.1.10:5000",
        "app",
        "2",
        None,
        "192.168.1.10:5000/app:2",
        "192.168.1.10:5000/app:2",
    ),
    # IPv6, in brackets.
    ("[::1]:5000/app", "[::1]:5000", "app", None, None, "[::1]:5000/app:latest", "[::1]:5000/app"),
    ("[::1]/app", "[::1]", "app", None, None, "[::1]/app:latest", "[::1]/app"),
    (
        "[fd00:1:2::3]/team/app:x",
        "[fd00:1:2::3]",
        "team/app",
        "x",
        None,
        "[fd00:1:2::3]/team/app:x",
        "[fd00:1:2::3]/team/app:x",
    ),
    (
        "[2001:DB8::1]:5000/app@" + SHA256,
        "[2001:DB8::1]:5000",
        "app",
        None,
        SHA256,
        "[2001:DB8::1]:5000/app@" + SHA256,
        "[2001:DB8::1]:5000/app@" + SHA256,
    ),
    # An uppercase first part can only be a host name, so it is a registry.
    (
        "Registry.Example.COM/app",
        "Registry.Example.COM",
        "app",
        None,
        None,
        "Registry.Example.COM/app:latest",
        "Registry.Example.COM/app",
    ),
    ("Foo/bar", "Foo", "bar", None, None, "Foo/bar:latest", "Foo/bar"),
    ("MYHOST:5000/x", "MYHOST:5000", "x", None, None, "MYHOST:5000/x:latest", "MYHOST:5000/x"),
    # Digests, alone and with a tag; latest is only added when both are missing.
    (
        "nginx@" + SHA256,
        None,
        "nginx",
        None,
        SHA256,
        "docker.io/library/nginx@" + SHA256,
        "nginx@" + SHA256,
    ),
    (
        "nginx:1.25@" + SHA256,
        None,
        "nginx",
        "1.25",
        SHA256,
        "docker.io/library/nginx:1.25@" + SHA256,
        "nginx:1.25@" + SHA256,
    ),
    (
        "docker.io/library/busybox:latest@" + SHA256,
        "docker.io",
        "library/busybox",
        "latest",
        SHA256,
        "docker.io/library/busybox:latest@" + SHA256,
        "busybox:latest@" + SHA256,
    ),
    (
        "alpine@" + SHA384,
        None,
        "alpine",
        None,
        SHA384,
        "docker.io/library/alpine@" + SHA384,
        "alpine@" + SHA384,
    ),
    (
        "quay.io/org/app:v1@" + SHA512,
        "quay.io",
        "org/app",
        "v1",
        SHA512,
        "quay.io/org/app:v1@" + SHA512,
        "quay.io/org/app:v1@" + SHA512,
    ),
    # Separators: one ".", one or two "_", any number of "-".
    ("a__b", None, "a__b", None, None, "docker.io/library/a__b:latest", "a__b"),
    ("a---b", None, "a---b", None, None, "docker.io/library/a---b:latest", "a---b"),
    ("a.b", None, "a.b", None, None, "docker.io/library/a.b:latest", "a.b"),
    ("a_b", None, "a_b", None, None, "docker.io/library/a_b:latest", "a_b"),
    (
        "a-b/c.d_e__f---g",
        None,
        "a-b/c.d_e__f---g",
        None,
        None,
        "docker.io/a-b/c.d_e__f---g:latest",
        "a-b/c.d_e__f---g",
    ),
    (
        "test_com/foo",
        None,
        "test_com/foo",
        None,
        None,
        "docker.io/test_com/foo:latest",
        "test_com/foo",
    ),
    (
        "ubuntu-12.04-base",
        None,
        "ubuntu-12.04-base",
        None,
        None,
        "docker.io/library/ubuntu-12.04-base:latest",
        "ubuntu-12.04-base",
    ),
    ("d/t", None, "d/t", None, None, "docker.io/d/t:latest", "d/t"),
    # Without a slash, "test.com" is a repository name and 5000 a tag.
    (
        "test.com:5000",
        None,
        "test.com",
        "5000",
        None,
        "docker.io/library/test.com:5000",
        "test.com:5000",
    ),
    (
        "foo_bar.com:8080",
        None,
        "foo_bar.com",
        "8080",
        None,
        "docker.io/library/foo_bar.com:8080",
        "foo_bar.com:8080",
    ),
    # Tags may use uppercase, digits and "_" anywhere, and "." or "-" after the first character.
    (
        "app:Uppercase_TAG",
        None,
        "app",
        "Uppercase_TAG",
        None,
        "docker.io/library/app:Uppercase_TAG",
        "app:Uppercase_TAG",
    ),
    (
        "app:_private",
        None,
        "app",
        "_private",
        None,
        "docker.io/library/app:_private",
        "app:_private",
    ),
    ("app:0", None, "app", "0", None, "docker.io/library/app:0", "app:0"),
    (
        "app:1.0-rc.1",
        None,
        "app",
        "1.0-rc.1",
        None,
        "docker.io/library/app:1.0-rc.1",
        "app:1.0-rc.1",
    ),
    # Only a bare 64-hex string is refused as an image ID.
    (
        "docker.io/" + IMAGE_ID,
        "docker.io",
        IMAGE_ID,
        None,
        None,
        f"docker.io/library/{IMAGE_ID}:latest",
        IMAGE_ID,
    ),
    (
        IMAGE_ID + ":v1",
        None,
        IMAGE_ID,
        "v1",
        None,
        f"docker.io/library/{IMAGE_ID}:v1",
        IMAGE_ID + ":v1",
    ),
    (
        IMAGE_ID[:63],
        None,
        IMAGE_ID[:63],
        None,
        None,
        f"docker.io/library/{IMAGE_ID[:63]}:latest",
        IMAGE_ID[:63],
    ),
    ("x" * 64, None, "x" * 64, None, None, f"docker.io/library/{'x' * 64}:latest", "x" * 64),
    # Length limits, exactly at the limit.
    (
        f"{REGISTRY}/{'a' * 234}",
        REGISTRY,
        "a" * 234,
        None,
        None,
        f"{REGISTRY}/{'a' * 234}:latest",
        f"{REGISTRY}/{'a' * 234}",
    ),
    (
        OFFICIAL_AT_LIMIT,
        None,
        OFFICIAL_AT_LIMIT,
        None,
        None,
        f"docker.io/library/{OFFICIAL_AT_LIMIT}:latest",
        OFFICIAL_AT_LIMIT,
    ),
    (
        f"app:{TAG_AT_LIMIT}",
        None,
        "app",
        TAG_AT_LIMIT,
        None,
        f"docker.io/library/app:{TAG_AT_LIMIT}",
        f"app:{TAG_AT_LIMIT}",
    ),
]


def _case_id(text: str) -> str:
    return text if len(text) <= 40 else f"{text[:30]}...({len(text)})"


@pytest.mark.parametrize(
    ("text", "domain", "path", "tag", "digest", "normalized", "familiar"),
    VALID,
    ids=[_case_id(case[0]) for case in VALID],
)
def test_parse_valid(
    text: str,
    domain: str | None,
    path: str,
    tag: str | None,
    digest: str | None,
    normalized: str,
    familiar: str,
) -> None:
    ref = parse(text)
    assert ref.domain == domain
    assert ref.path == path
    assert ref.tag == tag
    assert ref.digest == digest
    assert ref.normalized == normalized
    assert ref.familiar == familiar
    assert str(ref) == text
    assert ref.name == (path if domain is None else f"{domain}/{path}")


@pytest.mark.parametrize(
    "text", [case[0] for case in VALID], ids=[_case_id(case[0]) for case in VALID]
)
def test_normalized_and_familiar_forms_parse_back_to_the_same_image(text: str) -> None:
    ref = parse(text)
    again = parse(ref.normalized)
    assert again.normalized == ref.normalized
    assert (again.registry, again.repository) == (ref.registry, ref.repository)
    # The bare 64-hex familiar form is the one Docker itself refuses to read back.
    if ref.familiar != IMAGE_ID:
        assert parse(ref.familiar).normalized == ref.normalized


@pytest.mark.parametrize(
    ("text", "registry", "repository", "is_official"),
    [
        ("nginx", "docker.io", "library/nginx", True),
        ("library/nginx:1", "docker.io", "library/nginx", True),
        ("docker.io/nginx", "docker.io", "library/nginx", True),
        ("index.docker.io/nginx", "docker.io", "library/nginx", True),
        ("index.docker.io/user/app", "docker.io", "user/app", False),
        ("user/app", "docker.io", "user/app", False),
        ("library/foo/bar", "docker.io", "library/foo/bar", False),
        ("localhost/nginx", "localhost", "nginx", False),
        ("localhost:5000/library/nginx", "localhost:5000", "library/nginx", False),
        ("ghcr.io/library/nginx", "ghcr.io", "library/nginx", False),
        ("[::1]:5000/app", "[::1]:5000", "app", False),
    ],
)
def test_registry_repository_and_official(
    text: str, registry: str, repository: str, is_official: bool
) -> None:
    ref = parse(text)
    assert ref.registry == registry
    assert ref.repository == repository
    assert ref.is_official is is_official


# text, a substring the message must contain
INVALID = [
    ("", "empty"),
    # Bad characters, with their position (counted from 0).
    ("my-app!:1", "invalid character '!' at position 6 in 'my-app!:1'"),
    ("my app", "invalid character ' ' at position 2"),
    (" nginx", "invalid character ' ' at position 0"),
    ("nginx\n", "invalid character '\\n' at position 5"),
    ("ngïnx", "invalid character 'ï' at position 2"),
    ("user/app$", "invalid character '$' at position 8"),
    ("aa/asdf$$^/aa", "invalid character '$' at position 7"),
    ("nginx:1.0+build", "invalid character '+' at position 9"),
    ("nginx:1.0:2", "invalid character ':' at position 5"),
    ("a@b@c", "invalid character '@' at position 3"),
    # Uppercase in the repository name.
    ("MyApp", "repository name 'MyApp' in 'MyApp' must be lowercase"),
    ("user/MyApp:1.0", "must be lowercase"),
    ("docker.io/docker/Docker", "must be lowercase"),
    ("localhost:5000/Team/app", "must be lowercase"),
    ("Uppercase:tag", "must be lowercase"),
    # Leading, trailing and doubled separators.
    ("-docker", "must start and end with a lowercase letter or digit"),
    ("docker-", "must start and end with a lowercase letter or digit"),
    ("_docker/app", "must start and end with a lowercase letter or digit"),
    ("user/app.", "must start and end with a lowercase letter or digit"),
    ("-docker-/docker", "must start and end with a lowercase letter or digit"),
    ("____/____", "must start and end with a lowercase letter or digit"),
    ("a..b", "separator '..' at position 1"),
    ("user/a._b", "separator '._' at position 6"),
    ("a___b", "separator '___'"),
    ("a-.b", "separator '-.'"),
    ("a_-b", "separator '_-'"),
    ("docker///docker", "empty part ('//')"),
    ("/app", "starts with '/'"),
    ("user/app/", "ends with '/'"),
    ("localhost/", "no repository name after the registry 'localhost'"),
    ("example.com:5000/", "no repository name after the registry"),
    # Missing names, tags and digests.
    (":tag", "no image name before ':'"),
    ("@" + SHA256, "no image name before '@'"),
    ("nginx:", "tag after ':'"),
    ("nginx:-beta", "invalid tag '-beta'"),
    ("nginx:.hidden", "invalid tag '.hidden'"),
    ("nginx@", "nothing follows '@'"),
    ("nginx@sha256", "is not 'algorithm:hex'"),
    ("nginx@:" + "a" * 64, "is not 'algorithm:hex'"),
    # Digests.
    ("nginx@sha256:abc", "expected 64 hex characters for sha256, got 3"),
    ("nginx@sha256:" + "a" * 65, "expected 64 hex characters for sha256, got 65"),
    ("nginx@sha256:", "expected 64 hex characters for sha256, got 0"),
    ("nginx@sha384:" + "a" * 64, "expected 96 hex characters for sha384, got 64"),
    ("nginx@sha512:" + "a" * 64, "expected 128 hex characters for sha512, got 64"),
    ("nginx@sha256:" + "A" * 64, "lowercase hex"),
    ("nginx@SHA256:" + "a" * 64, "digest algorithm 'SHA256'"),
    ("nginx@md5:" + "a" * 32, "unsupported digest algorithm 'md5'"),
    ("validname@invaliddigest:" + "f" * 64, "unsupported digest algorithm 'invaliddigest'"),
    ("nginx@sha256:" + "g" * 64, "invalid character 'g' at position 13"),
    ("nginx@sha256:" + "a" * 63 + ":", "invalid character ':' at position 76"),
    ("nginx@sha 256:" + "a" * 64, "invalid character ' ' at position 9"),
    ("nginx@1sha:" + "a" * 64, "digest algorithm '1sha'"),
    ("nginx@sha256+:" + "a" * 64, "digest algorithm 'sha256+'"),
    # Registries.
    ("https://docker.io/library/nginx", "looks like a web address"),
    ("[2001:db8::1]", "invalid character '[' at position 0"),
    ("[2001:db8::1]:5000", "invalid character '[' at position 0"),
    ("[fe80::1%eth0]:5000/app", "invalid character '%' at position 8"),
    ("[2001:db8:3:4::192.0.2.33]:5000/app", "invalid character '.' at position 18"),
    ("[::1:5000/app", "no closing ']'"),
    ("[]:5000/app", "no IPv6 address"),
    ("[::1]x/app", "invalid character 'x' at position 5"),
    ("fc00::1:5000/app", "invalid character ':' at position 5"),
    ("localhost:/app", "no port number"),
    ("localhost:50a0/app", "invalid character 'a' at position 12"),
    # str.isdigit() takes these, Docker does not: a port is written with 0-9 only.
    ("localhost:\u00b2/app", "a registry port may only contain the digits 0-9"),
    ("localhost:\u0665\u0660\u0660\u0660/app", "invalid character '\u0665' at position 10"),
    ("localhost:\uff15\uff10\uff10\uff10/app", "may only contain the digits 0-9"),
    ("foo:bar/baz", "invalid character 'b' at position 4"),
    ("-registry.com/app", "starts or ends with '-'"),
    ("registry-.com/app", "starts or ends with '-'"),
    ("registry..com/app", "empty part"),
    (".registry.com/app", "empty part"),
    # Deliberately stricter than distribution/reference, which reads this whole text as a
    # repository path with no registry because the "registry" part is not a valid host.
    ("reg_istry.com/app", "invalid character '_' at position 3"),
    # Looks like an image ID.
    (IMAGE_ID, "image ID"),
    ("a" * 64, "image ID"),
    # Length limits, one over.
    (f"{REGISTRY}/{'a' * 235}", "256 characters, and the limit is 255"),
    ("a" * (len(OFFICIAL_AT_LIMIT) + 1), "256 characters, and the limit is 255"),
    ("a/" * 128 + "a:tag", "the limit is 255"),
    (f"app:{TAG_AT_LIMIT}t", "129 characters, and the limit is 128"),
]


@pytest.mark.parametrize(("text", "expected"), INVALID, ids=[_case_id(c[0]) for c in INVALID])
def test_parse_invalid(text: str, expected: str) -> None:
    with pytest.raises(InvalidReference) as excinfo:
        parse(text)
    error = excinfo.value
    assert expected in error.message
    assert error.fix, "every error carries a fix hint"
    if len(text) <= 80:
        assert repr(text) in error.message, "the message quotes the input"


# Hostile inputs whose problem sits in a part that is itself huge.
HUGE = [
    "a" * 100_000,
    "-" + "a" * 100_000,
    "a" * 100_000 + "-",
    "a" + "._" * 50_000 + "b",
    "/" * 100_000,
    "nginx:." + "a" * 100_000,
    "nginx@" + "x" * 100_000 + ":abc",
    "nginx@sha256+" + "a" * 100_000 + ":abc",
    "nginx@SHA" + "A" * 100_000 + ":abc",
    "a." * 50_000 + "/app",
    "a" * 100_000 + ".com:/app",
    "a" * 100_000 + ".com/",
    "A" * 100_000 + "/app/",
    "user/" + "A" * 100_000,
    "x" * 100_000 + "://nginx",
    "localhost:" + "9" * 100_000 + "/app",
    "[" + "a" * 100_000 + "]/app",
]


@pytest.mark.parametrize("text", HUGE, ids=[_case_id(text) for text in HUGE])
def test_huge_inputs_get_short_messages(text: str) -> None:
    with pytest.raises(InvalidReference) as excinfo:
        parse(text)
    error = excinfo.value
    assert "..." in error.message
    assert len(error.message) < 400
    assert error.fix is not None
    assert len(error.fix) < 300


def test_invalid_reference_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="must be lowercase"):
        parse("Nginx")


def test_uppercase_fix_suggests_the_lowercase_reference() -> None:
    with pytest.raises(InvalidReference) as excinfo:
        parse("localhost:5000/Team/MyApp:V1")
    # The registry and the tag may keep their case; only the repository is lowercased.
    assert excinfo.value.fix == "Use 'localhost:5000/team/myapp:V1' instead."


def test_bad_character_message_in_full() -> None:
    with pytest.raises(InvalidReference) as excinfo:
        parse("my-app!:1")
    message = excinfo.value.message
    assert message.startswith("invalid character '!' at position 6 in 'my-app!:1'")
    assert "lowercase letters, digits" in message


def test_whitespace_gets_its_own_fix() -> None:
    with pytest.raises(InvalidReference) as excinfo:
        parse("nginx :latest")
    assert excinfo.value.fix is not None
    assert "spaces" in excinfo.value.fix


def test_name_too_long_explains_the_docker_io_prefix() -> None:
    with pytest.raises(InvalidReference) as excinfo:
        parse("a" * (len(OFFICIAL_AT_LIMIT) + 1))
    assert "docker.io/library/" in excinfo.value.message
    assert "256 characters" in excinfo.value.message


def test_empty_digest_hint_shows_the_shape() -> None:
    with pytest.raises(InvalidReference) as excinfo:
        parse("nginx@sha256:abc")
    assert excinfo.value.fix is not None
    assert "sha256:<64 hex characters>" in excinfo.value.fix


def test_ipv6_without_brackets_hint() -> None:
    with pytest.raises(InvalidReference) as excinfo:
        parse("fc00::1:5000/app")
    assert excinfo.value.fix is not None
    assert "brackets" in excinfo.value.fix


@pytest.mark.parametrize("value", [None, 5, b"nginx"])
def test_parse_rejects_non_text(value: object) -> None:
    with pytest.raises(InvalidReference, match="must be text"):
        parse(value)  # type: ignore[arg-type]


def test_with_tag_replaces_the_tag() -> None:
    ref = parse("localhost:5000/app:1")
    retagged = ref.with_tag("2.0")
    assert retagged.tag == "2.0"
    assert str(retagged) == "localhost:5000/app:2.0"
    assert retagged.normalized == "localhost:5000/app:2.0"
    assert ref.tag == "1", "the original is unchanged"


def test_with_tag_adds_a_tag_and_keeps_the_digest() -> None:
    assert str(parse("nginx").with_tag("1.25")) == "nginx:1.25"
    ref = parse("nginx@" + SHA256).with_tag("1.25")
    assert ref.digest == SHA256
    assert str(ref) == "nginx:1.25@" + SHA256
    assert ref.normalized == "docker.io/library/nginx:1.25@" + SHA256


def test_with_tag_accepts_the_longest_tag() -> None:
    assert parse("app").with_tag(TAG_AT_LIMIT).tag == TAG_AT_LIMIT


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("", "tag after ':'"),
        ("-x", "invalid tag '-x'"),
        ("a/b", "invalid character '/' at position 7 in 'nginx:a/b'"),
        ("t" * (MAX_TAG_LENGTH + 1), "129 characters, and the limit is 128"),
    ],
)
def test_with_tag_validates(tag: str, expected: str) -> None:
    with pytest.raises(InvalidReference) as excinfo:
        parse("nginx").with_tag(tag)
    assert expected in excinfo.value.message
    assert excinfo.value.fix


def test_with_tag_rejects_non_text() -> None:
    with pytest.raises(InvalidReference, match="must be text"):
        parse("nginx").with_tag(1)  # type: ignore[arg-type]


def test_image_ref_is_frozen_and_hashable() -> None:
    ref = parse("nginx:1.25")
    with pytest.raises(dataclasses.FrozenInstanceError):
        ref.tag = "2"  # type: ignore[misc]
    assert ref == parse("nginx:1.25")
    assert len({ref, parse("nginx:1.25")}) == 1
    # Equality is on the parts as written; compare .normalized for "same image".
    assert ref != parse("docker.io/library/nginx:1.25")
    assert ref.normalized == parse("docker.io/library/nginx:1.25").normalized


def test_direct_construction_is_validated() -> None:
    assert ImageRef(path="nginx") == parse("nginx")
    assert ImageRef(domain="ghcr.io", path="o/app", tag="1") == parse("ghcr.io/o/app:1")
    with pytest.raises(InvalidReference, match="must be lowercase"):
        ImageRef(path="Nginx")
    # "user" would be read back as part of the path, not as a registry.
    with pytest.raises(InvalidReference, match="do not make up the reference"):
        ImageRef(domain="user", path="app")
    with pytest.raises(InvalidReference, match="must be text"):
        ImageRef(path="nginx", tag=1)  # type: ignore[arg-type]


def test_default_registry_constant() -> None:
    assert DEFAULT_REGISTRY == "docker.io"
    assert parse("nginx").registry == DEFAULT_REGISTRY
