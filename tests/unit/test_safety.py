"""Pure safety rules: secrets masked in what is shown, ports on 127.0.0.1 by default,
output capped, unsplittable commands and empty notebook names refused."""

from __future__ import annotations

import shlex

import pytest

from docdocker.base import errors, render
from docdocker.base.masking import MASK, looks_secret, mask_argv
from docdocker.concepts.containers import ContainerCommands
from docdocker.concepts.run import Run, _mappings
from docdocker.core.console import Capped
from docdocker.core.engine import Engine
from docdocker.core.steps import check_notebook, label_filter
from docdocker.grammar.ports import PortMapping, everywhere_warning
from docdocker.grammar.shell import open_quote as _open_quote
from docdocker.session.connect import connect


@pytest.mark.parametrize("name", [
    "PASSWORD", "password", "POSTGRES_PASSWORD", "MYSQL_ROOT_PASSWORD", "MYSQL_PWD", "DB_PASS",
    "PASSWD", "API_TOKEN", "githubToken", "GITHUB_TOKEN", "SECRET", "AWS_SECRET_ACCESS_KEY",
    "API_KEY", "apiKey", "STRIPE_APIKEY", "GOOGLE_CREDENTIALS", "AUTH", "BASIC_AUTH",
    "Authorization", "REGISTRY_AUTH_TOKEN", "session-cookie", "ssh.privatekey",
])
def test_secret_looking_names(name: str) -> None:
    assert looks_secret(name)


@pytest.mark.parametrize("name", [
    "PWD", "HOME", "PATH", "KEYBOARD", "MONKEY", "GREETING", "MODE", "AUTHOR", "PASSPORT_NO",
    "BYPASS", "TOKENIZER_MODEL", "X",
])
def test_ordinary_names(name: str) -> None:
    assert not looks_secret(name)


def test_mask_argv_masks_values_of_secret_variables_only() -> None:
    argv = ["docker", "run", "-e", "PASSWORD=hunter2", "-e", "MODE=dev", "--env=API_TOKEN=t0k",
            "-e", "SECRET", "--build-arg", "NPM_TOKEN=abc", "--password", "pw", "busybox",
            "echo", "PASSWORD=visible-argument"]
    assert mask_argv(argv) == [
        "docker", "run", "-e", f"PASSWORD={MASK}", "-e", "MODE=dev", f"--env=API_TOKEN={MASK}",
        "-e", "SECRET", "--build-arg", f"NPM_TOKEN={MASK}", "--password", MASK, "busybox",
        "echo", "PASSWORD=visible-argument"]


def test_a_run_with_a_secret_shows_it_nowhere_but_executes_it() -> None:
    step = Run(image="postgres", env={"POSTGRES_PASSWORD": "hunter2", "X": None, "MODE": "a b"})
    assert step.argv[2:4] == ["-e", "POSTGRES_PASSWORD=hunter2"]           # exact, executed
    assert step.sdk_kwargs["environment"][0] == "POSTGRES_PASSWORD=hunter2"
    assert step.cli == f"docker run -e POSTGRES_PASSWORD={MASK} -e X -e 'MODE=a b' postgres"
    assert shlex.split(step.cli)[3] == f"POSTGRES_PASSWORD={MASK}"
    assert "hunter2" not in repr(step)
    assert "'MODE': 'a b'" in repr(step)
    error = errors.StepFailed("failed", command=step.argv)
    for shown in (str(error), error.cli, render.error_html(error), repr(error)):
        assert "hunter2" not in shown
    assert f"POSTGRES_PASSWORD={MASK}" in str(error)


def test_a_publish_spec_without_an_address_binds_localhost() -> None:
    assert [m.cli for m in _mappings("38080:80")] == ["127.0.0.1:38080:80"]
    assert [m.cli for m in _mappings(["80", "53:53/udp"])] == ["127.0.0.1::80",
                                                             "127.0.0.1:53:53/udp"]
    assert [m.cli for m in _mappings("0.0.0.0:8080:80")] == ["0.0.0.0:8080:80"]
    assert [m.cli for m in _mappings("[::]:8080:80")] == ["[::]:8080:80"]
    built = PortMapping(80, host_port=8080)  # a PortMapping is taken as given
    assert list(_mappings([built])) == [built]


def test_the_everywhere_warning_names_the_address_and_the_safe_choice() -> None:
    text = everywhere_warning(PortMapping(80, "tcp", "0.0.0.0", 8080))
    assert text.startswith("0.0.0.0 means every network interface")
    assert "`-p 8080:80` (no address) does the same" in text
    assert "Keep 127.0.0.1" in text


def test_capped_output_keeps_the_start_and_the_end_in_bounded_memory() -> None:
    cap = Capped(head=100, tail=50)
    shown = "".join(cap.feed(f"line {i}\n") for i in range(100_000))
    assert shown == "".join(f"line {i}\n" for i in range(100_000))[:100]
    text = cap.text("; read everything with `docker logs web` in a terminal")
    assert text.endswith("line 99999\n")
    assert "characters not shown" in text and "`docker logs web`" in text
    assert len(text) < 300
    assert cap.cut_lines > 99_000


def test_short_output_is_not_capped() -> None:
    cap = Capped(head=100, tail=50)
    assert cap.feed("hello\n") == "hello\n"
    assert cap.text() == "hello\n" and not cap.capped and cap.rest() == ""


@pytest.mark.parametrize(("typed", "quote", "where"), [
    ("sh -c 'echo hi", "'", 6),
    ('echo "hi', '"', 5),
    ("echo 'it''s", "'", 9),
    ('echo "a \\" b', '"', 5),
])
def test_the_open_quote_is_found(typed: str, quote: str, where: int) -> None:
    with pytest.raises(ValueError):
        shlex.split(typed)
    assert _open_quote(typed) == (quote, where)


def test_empty_notebook_names_are_refused_everywhere() -> None:
    for empty in ("", "   "):
        with pytest.raises(ValueError, match="names no notebook"):
            label_filter(empty)
        with pytest.raises(ValueError, match="names no notebook"):
            Engine(empty, client=None)
        with pytest.raises(ValueError, match="names no notebook"):
            check_notebook(empty)
        with pytest.raises(ValueError, match="names no notebook"):
            connect(empty)  # refused before any connection is tried
    assert label_filter(None) == {"label": "org.docdocker.notebook"}
    assert issubclass(ContainerCommands, Engine)


def test_a_secret_object_is_sent_revealed_and_shown_masked_under_any_name() -> None:
    from docdocker.concepts.credentials import Secret

    step = Run(image="busybox", env={"GREETING": Secret("s3cret-value")})
    assert step.argv[2:4] == ["-e", "GREETING=s3cret-value"]
    assert step.sdk_kwargs["environment"] == ["GREETING=s3cret-value"]
    assert step.cli == f"docker run -e GREETING={MASK} busybox"
    assert "s3cret-value" not in repr(step)
    import docker.errors

    from docdocker import friendly

    error = friendly.translate_error(docker.errors.APIError("refused"), step)
    assert error is not None and "s3cret-value" not in str(error)


def test_a_mistake_that_does_not_fail_says_so_without_a_traceback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import docdocker as dd
    from docdocker.tools import lesson

    with dd.expect_error(dd.errors.RegistryAuthFailed) as caught:
        pass  # e.g. the learner logged in from a terminal
    said = capsys.readouterr().out
    assert caught.worked and caught.error is None
    assert said.startswith(lesson.UNEXPECTED_SUCCESS)
    assert "Traceback" not in said and "docdocker reset --notebook" in said
