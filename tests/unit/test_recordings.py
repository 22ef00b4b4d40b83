"""Recordings replay in order, mark themselves, and say when a step changed."""

from __future__ import annotations

from pathlib import Path

import pytest

from docdocker.base import errors
from docdocker.concepts.run import Run
from docdocker.core.console import Console
from docdocker.core.steps import LABEL
from docdocker.grammar import ports
from docdocker.readalong import recordings
from docdocker.session.readalong import ReadAlong
from docdocker.tools.lesson import expect_error


def _cli(**fields: object) -> str:
    """The command line a demo notebook's engine echoes for this run."""
    return Run(**fields).with_labels({LABEL: "demo"}).cli  # type: ignore[arg-type]


def _recording(tmp_path: Path) -> Path:
    hello = _cli(image="hello-world")
    rec = recordings.Recording("demo", docker="20.10.24", recorded="2026-11-27", steps=[
        recordings.Entry(cli=hello, text="first", html="<p>first</p>",
                         streamed="Hello from Docker!\n", exit_code=0),
        recordings.Entry(cli=hello, text="second", html="<p>second</p>"),
        recordings.Entry(cli=_cli(image="nginx", detach=True, name="web",
                                  publish=tuple(ports.parse("127.0.0.1:8081:80"))),
                         text="abc", html="<p>abc</p>", output="abc\n"),
        recordings.Entry(cli=_cli(image="nginx", detach=True, name="web"), text="conflict",
                         html="<b>x</b>",
                         error={"class": "NameConflict", "message": "The name web is in use.",
                                "fix": "Remove it.", "command": ["docker", "run"],
                                "stderr": "Conflict.", "exit_code": 125}),
    ], pages=[recordings.Page("http://127.0.0.1:8081", 200, "Welcome to nginx!")])
    rec.save(tmp_path / "demo.json")
    return tmp_path


def test_run_time_choices_do_not_change_the_key() -> None:
    assert recordings.key("docker run -p 127.0.0.1:8081:80 nginx") == \
        recordings.key("docker run -p 127.0.0.1:49153:80 nginx")
    assert recordings.key("docker stop 0123456789ab") == recordings.key("docker stop ba9876543210")
    assert recordings.key("docker run nginx") != recordings.key("docker run redis")


def test_steps_replay_in_order_and_repeat_the_last_on_a_rerun(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(recordings.RECORDINGS_ENV, str(_recording(tmp_path)))
    rec = recordings.load("demo")
    assert [rec.take(_cli(image="hello-world")).text for _ in range(3)] == \
        ["first", "second", "second"]


def test_a_read_along_step_echoes_and_shows_its_recorded_output(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(recordings.RECORDINGS_ENV, str(_recording(tmp_path)))
    shown: list[str] = []

    class Collect(Console):
        def command(self, cli: str) -> None:
            shown.append(f"$ {cli}")

        def text(self, chunk: str) -> None:
            shown.append(chunk)

    session = ReadAlong("demo", "No engine in this test.", Collect())
    result = session.run("nginx", detach=True, name="web", publish="127.0.0.1:9999:80")
    assert result.output == "abc\n"
    assert "Recorded output (Docker 20.10.24, 2026-11-27)" in result._repr_html_()
    assert shown[0] == "$ " + _cli(image="nginx", detach=True, name="web",
                                   publish=tuple(ports.parse("127.0.0.1:9999:80")))
    hello = session.run("hello-world")
    assert "Hello from Docker!" in shown[-1] and "recorded output" in shown[-1]
    assert hello.exit_code == 0


def test_a_recorded_failure_is_raised_again_as_its_own_kind(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(recordings.RECORDINGS_ENV, str(_recording(tmp_path)))
    session = ReadAlong("demo", "No engine in this test.", Console())
    with expect_error(errors.NameConflict) as caught:
        session.run("nginx", detach=True, name="web")
    assert caught.error is not None and caught.error.stderr == "Conflict."
    assert "Recorded output" in caught.error._repr_html_()


def test_a_changed_step_says_it_has_no_recording(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(recordings.RECORDINGS_ENV, str(_recording(tmp_path)))
    session = ReadAlong("demo", "No engine in this test.", Console())
    result = session.run("redis")
    assert "no recorded output" in repr(result)
    assert "changed since the notebook was recorded" in result._repr_html_()


def test_pages_replay_and_lookups_say_an_engine_is_needed(tmp_path, monkeypatch) -> None:
    from docdocker.concepts import web
    from docdocker.concepts.containers import Ps

    monkeypatch.setenv(recordings.RECORDINGS_ENV, str(_recording(tmp_path)))
    session = ReadAlong("demo", "No engine in this test.", Console())
    try:
        page = web.fetch("http://127.0.0.1:8123")
        assert page.body == "Welcome to nginx!" and page.recorded
        with pytest.raises(errors.EngineUnavailable, match="Read-along mode"):
            session.query(Ps())
    finally:
        session.close()
    assert recordings.replaying() is None


def test_recordings_are_found_beside_the_shipped_notebooks_from_anywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A kernel started outside notebooks/ (a terminal, a test) still finds them.
    monkeypatch.delenv(recordings.RECORDINGS_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    shipped = Path(__file__).resolve().parents[2] / "notebooks" / "recordings"
    assert recordings.folder() == shipped
    assert (shipped / "01-containers.json").is_file()


def test_a_build_echoed_for_the_classic_builder_finds_the_buildkit_recording() -> None:
    """Without buildx (Binder has no docker at all) `docker build` gets --force-rm; the
    read-along recording, made with BuildKit, is found all the same."""
    from docdocker.readalong import recordings

    classic = ("docker build -t friendlyhello --force-rm --label org.docdocker.notebook=02 "
               "apps/friendlyhello")
    buildkit = "docker build -t friendlyhello --label org.docdocker.notebook=02 apps/friendlyhello"
    assert recordings.key(classic) == recordings.key(buildkit)
