"""Registry refusals become errors that name the registry, keep its words and give a fix;
secrets stay masked; tag records survive other writers."""

from __future__ import annotations

import pickle
from pathlib import Path

import bcrypt
import pytest

from docdocker import friendly
from docdocker.base import errors
from docdocker.concepts import credentials
from docdocker.concepts.credentials import Secret
from docdocker.concepts.registries import Login, Push
from docdocker.core import tagrecord

PUSH = Push(image="localhost:5001/student/app:1.0")
LOGIN = Login(server="localhost:5001", username="student", password=Secret("pw"))


@pytest.mark.parametrize(("step", "reason", "kind", "words"), [
    (PUSH, "no basic auth credentials", errors.RegistryAuthFailed,
     ["localhost:5001", "not logged in", "docker login localhost:5001"]),
    (LOGIN, "login attempt to http://localhost:5001/v2/ failed with status: 401 Unauthorized",
     errors.RegistryAuthFailed, ["wrong user name or password"]),
    (PUSH, 'Get "http://localhost:5001/v2/": dial tcp 127.0.0.1:5001: connect: connection '
           'refused', errors.RegistryUnreachable,
     ["Nothing answers at localhost:5001", "docker ps"]),
    (Push(image="nosuch.invalid:5000/a:1"), 'Get "https://nosuch.invalid:5000/v2/": dial tcp: '
     "lookup nosuch.invalid on 10.0.0.1:53: no such host", errors.RegistryUnreachable,
     ["'nosuch.invalid:5000' is unknown", "localhost:PORT"]),
    (PUSH, "An image does not exist locally with the tag: localhost:5001/student/app",
     errors.ImageNotFound, ["docker tag SOURCE_IMAGE localhost:5001/student/app:1.0"]),
    # The containerd image store's words for the same mistake.
    (PUSH, "tag does not exist: localhost:5001/student/app:1.0",
     errors.ImageNotFound, ["docker tag SOURCE_IMAGE localhost:5001/student/app:1.0"]),
    (PUSH, 'failed to do request: Head "https://localhost:1/v2/x/blobs/sha256:e2b9": dial tcp '
     "127.0.0.1:1: connect: connection refused", errors.RegistryUnreachable,
     ["Nothing answers at localhost:5001"]),
    (Push(image="10.0.0.5:5000/a:1"), "http: server gave HTTP response to HTTPS client",
     errors.RegistryUnreachable, ["plain HTTP", "127.0.0.1:PORT"]),
    (PUSH, "something new", errors.StepFailed, ["refused the push", "something new"]),
])
def test_each_registry_refusal_has_its_own_message(step, reason, kind, words) -> None:  # type: ignore[no-untyped-def]
    err = friendly.registry_error(reason, step)
    assert type(err) is kind
    text = f"{err.message} {err.fix}"
    for word in words:
        assert word in text
    assert err.stderr == reason  # the registry's own words are kept
    assert err.command == tuple(step.argv)


def test_the_engine_translator_routes_login_failures_to_the_registry_messages() -> None:
    import docker.errors

    err = docker.errors.APIError("500 Server Error", explanation="login attempt to "
                                 "http://localhost:5001/v2/ failed with status: 401 Unauthorized")
    translated = friendly.translate_error(err, LOGIN)
    assert isinstance(translated, errors.RegistryAuthFailed)
    assert translated.cli == "docker login localhost:5001 -u student --password-stdin"


def test_a_secret_never_shows_and_cannot_be_pickled() -> None:
    secret = Secret("hunter2-correct")
    shown = [repr(secret), str(secret), f"{secret}", f"{secret!r}", secret._repr_html_(),
             repr(LOGIN), repr([secret]), repr({"p": secret})]
    assert not any("hunter2" in text for text in shown)
    assert secret.reveal() == "hunter2-correct"
    with pytest.raises(TypeError):
        pickle.dumps(secret)
    assert Secret.generate() != Secret.generate()
    assert len(Secret.generate().reveal()) >= 20


def test_htpasswd_lines_are_bcrypt_and_check_out() -> None:
    line = credentials.htpasswd_line("student", Secret("pw-123"), rounds=4)
    user, hashed = line.split(":", 1)
    assert user == "student" and hashed.startswith("$2b$")
    assert bcrypt.checkpw(b"pw-123", hashed.encode())
    with pytest.raises(errors.DocDockerError, match="without ':'"):
        credentials.htpasswd_line("a:b", Secret("x"))
    with pytest.raises(errors.DocDockerError, match="72 bytes"):
        credentials.htpasswd_line("a", Secret("x" * 73))


def test_config_summary_says_how_credentials_are_kept_without_them(tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text('{"auths": {"localhost:5001": {"auth": "c3R1ZGVudDpleGFtcGxl"},'
                      ' "https://index.docker.io/v1/": {}}, "credsStore": "desktop"}')
    summary = credentials.config_summary(config)
    assert summary.auths["localhost:5001"] == "auth (base64 of user:password)"
    assert "credential helper" in summary.auths["https://index.docker.io/v1/"]
    assert {"REGISTRY": "(every other)", "STORED AS": "credential helper docker-credential-desktop"
            } in summary.rows
    assert "c3R1ZGVudDpleGFtcGxl" not in repr(summary)
    assert credentials.decode_auth("c3R1ZGVudDpleGFtcGxl") == ("student", "example")
    assert credentials.config_summary(tmp_path / "none.json").exists is False


def test_tag_records_are_kept_per_notebook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCDOCKER_STATE_DIR", str(tmp_path))
    tagrecord.remember("03-registries", "localhost:5000/a/b:1.0", "sha256:1")
    tagrecord.remember("other", "x:1", "sha256:2")
    tagrecord.remember("03-registries", "localhost:5000/a/b:1.0", "sha256:3")  # re-tagged
    assert [(r.tag, r.image_id) for r in tagrecord.recorded("03-registries")] == [
        ("localhost:5000/a/b:1.0", "sha256:3")]
    tagrecord.forget("03-registries", "localhost:5000/a/b:1.0")
    assert [r.notebook for r in tagrecord.recorded()] == ["other"]
    (tmp_path / "tags.json").write_text("not json")
    assert tagrecord.recorded() == []
