"""Without an engine (read-along mode) the widgets still check and show their commands,
say which actions need an engine, start no thread, and the dashboard shows what was recorded."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from docdocker.base import render
from docdocker.concepts.run import Run
from docdocker.core.console import Console
from docdocker.core.engine import StepResult
from docdocker.core.steps import LABEL
from docdocker.grammar import ports
from docdocker.readalong import recordings
from docdocker.session.readalong import ReadAlong
from docdocker.tools.doctor import doctor

NB = "demo"


def _run_cli(**fields: object) -> str:
    return Run(**fields).with_labels({LABEL: NB}).cli  # type: ignore[arg-type]


@pytest.fixture
def session(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ReadAlong:
    web = _run_cli(image="nginx", detach=True, name="web",
                   publish=tuple(ports.parse("127.0.0.1:8081:80")))
    rec = recordings.Recording(NB, docker="20.10.24", recorded="2026-11-27", steps=[
        recordings.Entry(cli=web, text="abc", html="<p>abc</p>", output="abc\n",
                         links=[["127.0.0.1:8081", "http://127.0.0.1:8081"]]),
    ], dashboard=[{"id": "f" * 64, "CONTAINER ID": "f" * 12, "NAMES": "web", "IMAGE": "nginx",
                   "STATE": "running",
                   "STATUS": "Up 3 seconds", "PORTS": ["127.0.0.1:8081->80/tcp"],
                   "CREATED": "4 seconds ago", "notebook": NB, "managed": True}])
    rec.save(tmp_path / f"{NB}.json")
    monkeypatch.setenv(recordings.RECORDINGS_ENV, str(tmp_path))
    engine = ReadAlong(NB, "No engine in this test.", Console())
    yield engine
    engine.close()


def _watchers() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("docdocker-")]


def test_portmapper_checks_and_shows_its_command_but_run_needs_an_engine(session) -> None:
    from docdocker.widgets import PortMapper

    mapper = PortMapper(image="nginx", engine=session, name="web", publish="127.0.0.1:8081:80")
    try:
        assert "docker run -d --name web -p 127.0.0.1:8081:80" in mapper.cli_html.value
        assert mapper.run_button.disabled
        assert "Run needs a Docker Engine" in mapper.run_button.tooltip
        assert "Run needs a Docker Engine" in mapper.message.value
        mapper.spec_box.value = "127.0.0.1:99999:80"
        mapper.add_spec()
        assert "99999" in mapper.spec_message.value  # still checked, with the bad value
        assert _watchers() == []
    finally:
        mapper.close()


def test_portmapper_run_from_a_cell_replays_the_recorded_run_and_its_links(session) -> None:
    from docdocker.widgets import PortMapper

    # The host port chosen here differs from the recorded one: the step is the same.
    free = ports.find_free("127.0.0.1", 20000)
    mapper = PortMapper(image="nginx", engine=session, name="web", publish=f"127.0.0.1:{free}:80")
    try:
        result = mapper.run()
        assert result is not None
        assert [link.href for link in result.links] == ["http://127.0.0.1:8081"]
        assert "Recorded run" in mapper.output.value and "2026-11-27" in mapper.output.value
    finally:
        mapper.close()


def test_buildpanel_checks_the_tag_and_says_build_needs_an_engine(session, tmp_path) -> None:
    from docdocker.widgets import BuildPanel

    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "Dockerfile").write_text("FROM busybox\n")
    panel = BuildPanel(str(tmp_path / "app"), tag="hello:1", engine=session)
    try:
        assert "docker build -t hello:1" in panel.command.value
        assert panel.build_button.disabled
        assert "Build needs a Docker Engine" in panel.outcome.value
        assert panel.build() is None
        panel.tag_box.value = "Hello:1"
        assert "Hello" in panel.tag_message.value  # an invalid tag is still explained
    finally:
        panel.close()


def test_tagbuilder_checks_the_target_and_says_apply_and_push_need_an_engine(session) -> None:
    from docdocker.widgets import TagBuilder

    builder = TagBuilder(engine=session, source="friendlyhello", target="elliot/demo:1.0")
    try:
        assert "docker tag friendlyhello elliot/demo:1.0" in builder.preview.value
        assert builder.apply_button.disabled and builder.push_button.disabled
        assert "Apply needs a Docker Engine" in builder.apply_button.tooltip
        assert "needs a Docker Engine" in builder.outcome.value
        assert builder.apply() is None and builder.push() is None
        builder.target_box.value = "elliot/Demo:1.0"
        assert builder.problems_view.value  # an invalid target is still explained
    finally:
        builder.close()


def test_dashboard_shows_the_recorded_rows_read_only_and_marked(session) -> None:
    from docdocker.widgets import Dashboard

    dash = Dashboard(engine=session)
    try:
        assert [row["NAMES"] for row in dash.rows] == ["web"]
        buttons = dash.row_buttons("web")
        assert all(b.disabled for b in buttons.values())
        assert "Stop needs a Docker Engine" in buttons["stop"].tooltip
        assert "Recorded output (Docker 20.10.24, 2026-11-27)" in dash.status_line.value
        assert dash.refresh() == dash.rows  # asks nothing, raises nothing
        assert dash.threads == () and _watchers() == []
    finally:
        dash.close()


def test_recorder_keeps_the_dashboards_latest_rows_in_the_file(tmp_path) -> None:
    recorder = recordings.Recorder(NB, tmp_path, "20.10.24")
    link = render.Link("127.0.0.1:8081->80/tcp", "http://127.0.0.1:8081")
    recorder.dashboard([{"id": "a" * 64, "NAMES": "web", "PORTS": [link], "LABELS": {"x": "y"},
                         "managed": True, "notebook": NB}])
    saved = recordings.Recording.load(tmp_path / f"{NB}.json").dashboard
    assert saved == [{"id": "a" * 64, "NAMES": "web", "PORTS": ["127.0.0.1:8081->80/tcp"],
                      "managed": True, "notebook": NB}]


def test_an_exercise_says_checking_needs_an_engine_and_keeps_hints_and_solution(
        session, tmp_path) -> None:
    from docdocker.exercises.progress import ProgressStore
    from docdocker.widgets import YourTurn

    turn = YourTurn("02-build", engine=session, store=ProgressStore(tmp_path / "progress.json"))
    try:
        assert "Checking needs a Docker Engine" in turn.result_html.value
        assert "reading along" in turn.check().message
        turn.hint_button.click()
        assert turn.hints_html.value
        turn.solution_button.click()
        assert "docker build" in turn.solution_html.value
    finally:
        turn.close()


def test_doctor_explains_read_along_mode_and_how_to_leave_it(monkeypatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent.sock")
    report = doctor(timeout=2)
    line = next(c for c in report.checks if c.name == "Read-along mode")
    assert "read along" in line.detail
    assert "DOCKER_HOST" in line.fix and "restart the kernel" in line.fix


def test_portmapper_starts_from_the_ports_of_the_recorded_run(session) -> None:
    from docdocker.widgets import PortMapper

    mapper = PortMapper(image="nginx", engine=session, name="web")
    try:
        assert [str(row.container_port) for row in mapper.rows] == ["80"]
        assert mapper.model.valid
        assert "recorded run" in mapper.note.value
    finally:
        mapper.close()


def test_login_form_says_log_in_needs_an_engine(session) -> None:
    from docdocker.concepts.credentials import Secret
    from docdocker.widgets import LoginForm

    form = LoginForm(engine=session, server="localhost:5000", username="student")
    try:
        assert "docker login localhost:5000 -u student" in form.command.value
        assert form.login_button.disabled
        assert form.submit(Secret("not-sent")) is None
        assert "Log in needs a Docker Engine" in form.outcome.value
        assert "not-sent" not in repr(form)
    finally:
        form.close()


def test_a_recorded_result_keeps_what_its_kind_added(tmp_path, monkeypatch) -> None:
    from docdocker.concepts.build import Build, BuildResult
    from docdocker.concepts.buildlog import BuildStep
    from docdocker.concepts.registries import Push, PushReport

    recorder = recordings.Recorder(NB, tmp_path, "20.10.24")
    build = Build(path="app", tag="hello").with_labels({LABEL: NB})
    recorder.result(BuildResult(build, value="sha256:" + "a" * 64, seconds=1.5, steps=[
        BuildStep(1, 2, "FROM busybox"), BuildStep(2, 2, "COPY . /app", [" ---> Using cache"])]),
        recordings.Tee(Console()))
    push = Push(image="localhost:5000/hello").with_labels({LABEL: NB})
    recorder.result(StepResult(push, value=PushReport(
        "localhost:5000/hello", "sha256:" + "b" * 64, None, {"l1": "Pushed", "l2": "Mounted"})),
        recordings.Tee(Console()))
    monkeypatch.setenv(recordings.RECORDINGS_ENV, str(tmp_path))
    engine = ReadAlong(NB, "No engine in this test.", Console())
    try:
        built = engine.execute(build)
        assert built.value == "sha256:" + "a" * 64
        assert built.seconds == 1.5 and len(built.steps) == 2 and len(built.cached) == 1
        pushed = engine.execute(push)
        assert pushed.value.digest == "sha256:" + "b" * 64
        assert len(pushed.value.sent) == 1 and len(pushed.value.skipped) == 1
        with pytest.raises(AttributeError, match="no attribute 'nothing'"):
            _ = built.nothing
    finally:
        engine.close()


def test_reset_finds_nothing_and_expect_error_says_a_failure_was_not_recorded(
        session, capsys) -> None:
    from docdocker.base.errors import NameConflict
    from docdocker.tools import reset
    from docdocker.tools.lesson import expect_error

    assert reset.find(session, NB) == []
    with expect_error(NameConflict) as caught:
        session.run("redis", detach=True, name="other")
    assert caught.error is None
    assert "no recorded NameConflict" in capsys.readouterr().out


def test_a_compose_step_reads_along_like_any_other(session) -> None:
    result = session.compose_ps()
    assert "no recorded output" in repr(result)


def test_a_step_the_cell_does_not_show_is_shown_with_its_marker_when_the_cell_ends(
        session, monkeypatch) -> None:
    import IPython.display

    shown: list[object] = []
    monkeypatch.setattr(IPython.display, "display", shown.append)
    web = _run_cli(image="nginx", detach=True, name="web",
                   publish=tuple(ports.parse("127.0.0.1:8081:80")))
    displayed = recordings.RecordedResult(Run(image="nginx"), recording=session.recording,
                                          entry=session.recording.take(web))
    hidden = recordings.RecordedResult(Run(image="nginx"), recording=session.recording,
                                       entry=session.recording.take(web))
    recordings.show_when_the_cell_ends(displayed)
    recordings.show_when_the_cell_ends(hidden)
    assert "Recorded output" in displayed._repr_html_()  # the cell's last line showed it
    recordings._show_unshown()
    assert shown == [hidden]
    recordings._show_unshown()
    assert shown == [hidden]  # once


def test_a_replayed_failure_says_it_was_recorded_in_plain_text_too(session) -> None:
    entry = recordings.Entry(cli="docker run nginx", text="x", html="<b>x</b>", error={
        "class": "NameConflict", "message": "The name web is in use.", "fix": "Remove it."})
    err = recordings.recorded_error(entry, session.recording)
    assert type(err).__name__ == "NameConflict"
    assert str(err).startswith("The name web is in use.")
    assert "[recorded output, Docker 20.10.24, 2026-11-27" in str(err)


def test_the_map_shows_the_recorded_picture_and_watches_nothing(tmp_path, monkeypatch) -> None:
    from docdocker.widgets import Map
    from docdocker.widgets.map_layout import Edge, Graph, Node

    graph = Graph((Node("container:a", "container", "redis", "redis:7 · Up 1 minute", "running"),
                   Node("volume:counter", "volume", "counter", "named volume")),
                  (Edge("volume:counter", "container:a", "/data"),))
    recorder = recordings.Recorder(NB, tmp_path, "28.5.2")
    recorder.map(graph.as_data())
    monkeypatch.setenv(recordings.RECORDINGS_ENV, str(tmp_path))
    engine = ReadAlong(NB, "No engine in this test.", Console())
    shown = Map(engine=engine)
    try:
        assert shown.graph == graph
        assert shown.model.text == "redis (running): mounts counter -> /data"
        assert "<svg" in shown.svg and "counter" in shown.svg
        bundle = shown._repr_mimebundle_()
        assert "Recorded at the end of a real run (Docker 28.5.2," in bundle["text/html"]
        assert "(recorded: Docker 28.5.2," in bundle["text/plain"]
        assert shown.toggle.disabled
        assert "needs a Docker Engine" in shown.toggle.tooltip
        assert shown.refresh() == graph  # asks nothing, raises nothing
        assert shown.threads == () and _watchers() == []
    finally:
        shown.close()
        engine.close()


def test_a_recording_without_a_map_keeps_its_file_as_before(tmp_path) -> None:
    recorder = recordings.Recorder(NB, tmp_path, "20.10.24")
    recorder.dashboard([{"id": "a" * 64, "NAMES": "web", "managed": True}])
    import json

    assert "map" not in json.loads((tmp_path / f"{NB}.json").read_text())
