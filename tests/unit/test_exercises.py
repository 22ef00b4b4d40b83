"""Exercises without an engine: the catalog, the progress file, the widget models."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest

from docdocker.base import errors
from docdocker.exercises import (
    Exercise,
    ProgressStore,
    Question,
    Result,
    Status,
    all_exercises,
    default_path,
    for_notebook,
    get,
)
from docdocker.exercises.base import Context
from docdocker.widgets.exercise_model import ExerciseModel, PredictModel, inline_html


def test_every_exercise_is_complete_and_ids_are_unique() -> None:
    listed = all_exercises()
    assert len({e.id for e in listed}) == len(listed)
    for notebook in ("00-start-here", "01-containers"):
        assert 3 <= len(for_notebook(notebook)) <= 5
    for e in listed:
        assert e.id.startswith(e.notebook[:3]), e.id
        assert e.task and e.title and len(e.hints) >= 2, e.id
        assert e.objects, f"{e.id} names nothing for reset to offer"
        for line in e.solution:
            assert shlex.split(line)[0] == "docker", line
        if e.requires:
            assert get(e.requires).notebook == e.notebook


def test_using_rebuilds_the_exercise_with_other_names() -> None:
    web = get("01-my-web")
    other = web.using(name="your-web", port=9123)
    assert other.solution == ("docker run -d --name your-web -p 127.0.0.1:9123:80 nginx",)
    assert "your-web" in other.task and "9123" in other.title
    assert other.id == web.id and web.params == {"name": "my-web", "port": 8090}
    with pytest.raises(TypeError, match="no parameter colour; it has: name, port"):
        web.using(colour="blue")


def test_every_question_is_complete_and_ids_are_unique() -> None:
    from docdocker.exercises.catalog import all_questions, question

    listed = all_questions()
    assert len({q.id for q in listed}) == len(listed) >= 3
    assert question("01-exit-codes").answer == "0 and 137"
    with pytest.raises(KeyError, match="01-exit-codes"):
        question("01-exit")


def test_unknown_notebook_and_id_name_what_exists() -> None:
    with pytest.raises(KeyError, match="00-start-here, 01-containers"):
        for_notebook("01-containerz")
    with pytest.raises(KeyError, match="01-my-web"):
        get("01-my-wbe")


class _Engine:
    """Stands in for an engine in checks that never reach it."""

    client = object()


def _exercise(check) -> Exercise:  # type: ignore[no-untyped-def]
    return Exercise(id="00-x", notebook="00-start-here", title="x", task="t", check_fn=check)


def test_a_check_never_raises() -> None:
    def engine_error(ctx: Context) -> Result:
        raise errors.EngineUnavailable("The engine went away.", fix="Start Docker.")

    def bug(ctx: Context) -> Result:
        raise KeyError("State")

    down = _exercise(engine_error).check(_Engine())  # type: ignore[arg-type]
    assert down.status is Status.CANNOT_CHECK and "went away" in down.message
    assert down.hint == "Start Docker."
    broken = _exercise(bug).check(_Engine())  # type: ignore[arg-type]
    assert broken.status is Status.CANNOT_CHECK and "KeyError" in broken.message
    none = _exercise(bug).check(None)
    assert none.status is Status.CANNOT_CHECK and "needs a Docker Engine" in none.message
    read_along = _Engine()
    read_along.client = None  # type: ignore[assignment]  # what a read-along session has
    assert "needs a Docker Engine" in _exercise(bug).check(read_along).message  # type: ignore[arg-type]


def test_progress_goes_under_xdg_data_home(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_path() == tmp_path / "docdocker" / "progress.json"
    monkeypatch.setenv("XDG_DATA_HOME", "relative/dir")  # not absolute: ignored, per XDG
    assert default_path() == Path.home() / ".local" / "share" / "docdocker" / "progress.json"
    monkeypatch.delenv("XDG_DATA_HOME")
    assert default_path() == Path.home() / ".local" / "share" / "docdocker" / "progress.json"


def test_progress_records_first_done_and_keeps_it(tmp_path: Path) -> None:
    store = ProgressStore(tmp_path / "p" / "progress.json")
    assert not store.is_done("01-my-web")
    store.record("01-my-web", Result(Status.NOT_YET, "no"))
    assert not store.is_done("01-my-web")
    store.record("01-my-web", Result(Status.DONE, "yes"))
    first = store.load()["01-my-web"]["first_done"]
    store.record("01-my-web", Result(Status.NOT_YET, "removed since"))
    store.record("01-my-web", Result(Status.CANNOT_CHECK, "no engine"))
    entry = store.load()["01-my-web"]
    assert entry["first_done"] == first and entry["status"] == "not done yet"
    assert store.is_done("01-my-web")
    rows = {r.notebook: r for r in store.summary(all_exercises())}
    assert rows["01-containers"].done == 1 and rows["00-start-here"].done == 0
    assert "Serve nginx as my-web on 127.0.0.1:8090" not in rows["01-containers"].titles_left


def test_a_damaged_progress_file_is_kept_aside_not_lost(tmp_path: Path) -> None:
    path = tmp_path / "progress.json"
    path.write_text("{not json")
    store = ProgressStore(path)
    assert store.load() == {}
    assert store.problem and "progress.json.bad" in store.problem
    assert (tmp_path / "progress.json.bad").read_text() == "{not json"
    store.record("00-first-run", Result(Status.DONE, "yes"))
    assert json.loads(path.read_text())["exercises"]["00-first-run"]["status"] == "done"


def test_exercise_model_reveals_hints_one_by_one_then_the_solution() -> None:
    model = ExerciseModel.from_exercise(get("01-my-web"))
    assert model.hints_html() == "" and model.solution_html() == ""
    model.next_hint()
    assert model.hints_html().count("<li>") == 1 and model.more_hints
    for _ in range(10):
        model.next_hint()
    assert model.hints_shown == len(model.hints) and not model.more_hints
    model.show_solution()
    assert "docker run -d --name my-web -p 127.0.0.1:8090:80 nginx" in model.solution_html()
    assert "$ docker run -d --name my-web" in model.text()


def test_exercise_model_shows_the_latest_check_only() -> None:
    model = ExerciseModel.from_exercise(get("01-my-web"))
    model.apply(Result(Status.NEAR_MISS, "published on 0.0.0.0", hint="use 127.0.0.1"))
    assert "near miss" in model.result_html() and "use 127.0.0.1" in model.result_html()
    model.apply(Result(Status.DONE, "answers"))
    assert "Hint" not in model.result_html() and model.done
    failing = model.check(lambda: 1 / 0)  # type: ignore[arg-type, return-value]
    assert failing.status is Status.CANNOT_CHECK and "ZeroDivisionError" in model.message


def test_task_markdown_is_escaped_then_formatted() -> None:
    assert inline_html("run `docker ps <x>` **now**") == \
        "run <code>docker ps &lt;x&gt;</code> <b>now</b>"


def test_predict_model_waits_for_the_pick_then_reveals() -> None:
    model = PredictModel.from_question(
        Question("00-q", "Exit code?", ("0", "137"), "137", "128 + 9."))
    assert model.feedback == ""
    model.pick("0")
    assert "run the next cell" in model.feedback
    model.reveal()
    assert model.feedback == "You said 0. Answer: 137. 128 + 9."
    model.pick("137")
    assert model.feedback.startswith("Right!")
    with pytest.raises(Exception, match="not one of the choices"):
        model.pick("42")


def test_a_question_refuses_an_answer_that_is_not_a_choice() -> None:
    with pytest.raises(ValueError, match="not one of the choices"):
        Question("00-q", "Exit code?", ("0", "137"), "1", "")
    with pytest.raises(ValueError, match="2 to 5 choices"):
        Question("00-q", "Exit code?", ("0",), "0", "")


@pytest.mark.parametrize(("user", "root"), [
    ("", True), ("root", True), ("0", True), ("00", True), ("0:10001", True),
    ("root:app", True), ("app", False), ("10001", False), ("10001:0", False),
    ("app:root", False),
])
def test_user_zero_with_any_group_is_still_root(user: str, root: bool) -> None:
    from docdocker.exercises.nb06 import runs_as_root

    assert runs_as_root(user) is root
