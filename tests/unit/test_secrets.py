"""Secrets are masked by name and value together, in echoes and in everything shown."""

from __future__ import annotations

import shlex

import pytest

from docdocker.base import errors
from docdocker.base.masking import MASK, mask_pair, mask_text
from docdocker.concepts.run import Run
from docdocker.core.engine import StepResult, _masked

#: (NAME=VALUE as given, as it may be shown)
CASES = [
    ("DB_PASSWORD=hunter2", f"DB_PASSWORD={MASK}"),
    ("POSTGRES_PASSWORD=hunter2", f"POSTGRES_PASSWORD={MASK}"),
    ("DATABASE_URL=postgres://u:hunter2@host/db", f"DATABASE_URL=postgres://u:{MASK}@host/db"),
    ("GITHUB_PAT=ghp_0123456789abcdefghijklmnopqrstuvwxyz", f"GITHUB_PAT={MASK}"),
    ("JWT=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl", f"JWT={MASK}"),
    ("REDIS_ARGS=--requirepass hunter2", f"REDIS_ARGS=--requirepass {MASK}"),
    ("AWS_SECRET_ACCESS_KEY=abc", f"AWS_SECRET_ACCESS_KEY={MASK}"),
    ("githubToken=abc", f"githubToken={MASK}"),
    ("TOKEN_OF_SOMETHING=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig", f"TOKEN_OF_SOMETHING={MASK}"),
    ("REGISTRY_AUTH=htpasswd", "REGISTRY_AUTH=htpasswd"),
    ("REGISTRY_AUTH_HTPASSWD_REALM=Registry Realm", "REGISTRY_AUTH_HTPASSWD_REALM=Registry Realm"),
    ("REGISTRY_AUTH_HTPASSWD_PATH=/auth/htpasswd", "REGISTRY_AUTH_HTPASSWD_PATH=/auth/htpasswd"),
    ("POSTGRES_HOST_AUTH_METHOD=trust", "POSTGRES_HOST_AUTH_METHOD=trust"),
    ("PWD=/data", "PWD=/data"),
    ("KEYBOARD=us", "KEYBOARD=us"),
    ("NAME=World", "NAME=World"),
    ("REDIS_URL=redis://redis:6379/0", "REDIS_URL=redis://redis:6379/0"),
    ("DB_PASSWORD=", "DB_PASSWORD="),
]


@pytest.mark.parametrize(("given", "shown"), CASES)
def test_a_pair_is_masked_by_name_and_value_together(given: str, shown: str) -> None:
    assert mask_pair(given) == shown


@pytest.mark.parametrize(("given", "shown"), CASES)
def test_the_echo_masks_as_the_table_says(given: str, shown: str) -> None:
    name, _, value = given.partition("=")
    step = Run(image="busybox", env={name: value})
    assert step.shown_argv[step.shown_argv.index("-e") + 1] == shown
    assert f"-e {given}" in " ".join(step.argv)  # what runs is exact


def test_notebook_03s_registry_echo_pastes_into_a_terminal() -> None:
    step = Run(image="registry:2", env={
        "REGISTRY_AUTH": "htpasswd", "REGISTRY_AUTH_HTPASSWD_REALM": "Registry Realm",
        "REGISTRY_AUTH_HTPASSWD_PATH": "/auth/htpasswd"})
    assert step.cli == shlex.join(step.argv)  # nothing masked: it runs as pasted
    assert "'REGISTRY_AUTH_HTPASSWD_REALM=Registry Realm'" in step.cli


@pytest.mark.parametrize("text", [
    'RUN |1 DB_PASSWORD=hunter2 /bin/sh -c echo ok',
    '"Env": [\n    "DB_PASSWORD=hunter2",\n    "PATH=/usr/bin"\n]',
    "[DB_PASSWORD=hunter2 PATH=/usr/bin]",
    "HOSTNAME=abc\nDB_PASSWORD=hunter2\nDATABASE_URL=postgres://u:hunter2@db/x\n",
    "redis-server --requirepass hunter2",
])
def test_free_text_never_shows_the_password(text: str) -> None:
    shown = mask_text(text)
    assert "hunter2" not in shown
    assert MASK in shown


def test_free_text_keeps_what_is_not_secret() -> None:
    text = "PATH=/usr/bin\nREGISTRY_AUTH_HTPASSWD_PATH=/auth/htpasswd\nNAME=World\n"
    assert mask_text(text) == text


def test_every_result_is_masked_in_output_rows_and_value() -> None:
    step = Run(image="busybox")
    result = _masked(StepResult(step, output="DB_PASSWORD=hunter2\n",
                                rows=[{"CREATED BY": "|1 DB_PASSWORD=hunter2 /bin/sh"}],
                                value={"Config": {"Env": ["DB_PASSWORD=hunter2"]}}))
    assert "hunter2" not in result.output + repr(result.rows) + repr(result.value)


def test_an_env_key_holding_a_value_is_refused_and_the_echo_never_lies() -> None:
    step = Run(image="busybox", env={"DB_PASSWORD=hunter2": None})
    with pytest.raises(errors.InvalidCommand) as caught:
        step.validate()
    message = str(caught.value)
    assert "'DB_PASSWORD=******' is not a name" in message
    assert "env={'DB_PASSWORD': 'VALUE'}" in message
    assert "hunter2" not in message


def test_masking_is_linear_in_the_length_of_the_text() -> None:
    import time

    start = time.perf_counter()
    mask_text("A=" + "x" * 1_000_000 + " " + "DB_PASSWORD=y " * 10_000)
    assert time.perf_counter() - start < 2


def test_a_recording_holds_no_copy_of_the_password(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from docdocker.core.console import Console
    from docdocker.readalong.recordings import Recorder, Tee

    recorder = Recorder("nb", tmp_path, "28.5")
    tee = Tee(Console())
    tee.text("DB_PASSWORD=hunter2\n")
    step = Run(image="busybox", env={"DB_PASSWORD": "hunter2"})
    # A result a widget built itself, without passing through the engine's masking.
    recorder.result(StepResult(step, output="REDIS_ARGS=--requirepass hunter2\n",
                               value=["DATABASE_URL=postgres://u:hunter2@db/x"]), tee)
    saved = (tmp_path / "nb.json").read_text()
    assert "hunter2" not in saved
    assert "DB_PASSWORD=******" in saved
