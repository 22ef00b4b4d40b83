"""The exercise widgets with ``.click()`` on a live engine (no browser)."""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from docdocker.exercises import ProgressStore, nb01
from docdocker.session.tutorial import Tutorial as Engine
from docdocker.widgets import Predict, ProgressSummary, YourTurn

DOCKER = shutil.which("docker") or "docker"


def docker(*args: str) -> None:
    subprocess.run([DOCKER, *args], check=True, capture_output=True, timeout=120)


@pytest.fixture
def name() -> Iterator[str]:
    name = f"ex-widget-{uuid.uuid4().hex[:6]}"
    yield name
    subprocess.run([DOCKER, "rm", "--force", name], capture_output=True, timeout=60)


def test_check_hint_and_solution_buttons(engine: Engine, name: str, free_port: int,
                                         tmp_path: Path) -> None:
    store = ProgressStore(tmp_path / "progress.json")
    exercise = nb01.my_web(name=name, port=free_port)
    widget = YourTurn(exercise, engine=engine, store=store)
    # Shown in "Run All" before the learner did anything: not done yet, no error.
    assert "not done yet" in widget.result_html.value
    assert widget.hints_html.value == "" and widget.solution_html.value == ""

    widget.hint_button.click()
    assert widget.hints_html.value.count("<li>") == 1
    widget.hint_button.click()
    widget.hint_button.click()
    assert widget.hints_html.value.count("<li>") == 3 and widget.hint_button.disabled
    widget.solution_button.click()
    assert exercise.solution[0] in widget.solution_html.value
    assert widget.solution_button.disabled

    docker("run", "-d", "--name", name, "-p", f"127.0.0.1:{free_port}:80", "nginx")
    deadline = time.monotonic() + 15
    while True:
        widget.check_button.click()
        if "done" in widget.result_html.value and "not done" not in widget.result_html.value:
            break
        assert time.monotonic() < deadline, widget.result_html.value
        time.sleep(0.3)
    assert f"http://127.0.0.1:{free_port}" in widget.result_html.value
    assert store.is_done(exercise.id)

    # The message follows the engine: stopped from a terminal, the next Check says so.
    docker("stop", name)
    widget.check_button.click()
    assert "near miss" in widget.result_html.value and "has exited" in widget.result_html.value
    assert "You completed this on" in widget.result_html.value
    assert "docker start" in repr(widget)

    summary = ProgressSummary(store=store)
    assert "01-containers    1 of 3" in repr(summary)


def test_without_an_engine_check_says_so_and_hints_still_work(tmp_path: Path) -> None:
    widget = YourTurn("01-clean-stop", engine=None, store=ProgressStore(tmp_path / "p.json"))
    assert "cannot check" in widget.result_html.value
    assert "needs a Docker Engine" in widget.result_html.value
    widget.solution_button.click()
    assert "docker stop my-quitter" in widget.solution_html.value
    assert not (tmp_path / "p.json").exists()  # "cannot check" records nothing


def test_predict_buttons() -> None:
    question = Predict("01-exit-codes")
    assert "0 and 137" not in question.feedback_html.value
    question.choice_buttons[0].click()  # "0 and 0"
    assert "run the next cell" in question.feedback_html.value
    assert question.choice_buttons[0].button_style == "info"
    question.answer_button.click()
    assert "You said 0 and 0. Answer: 0 and 137." in question.feedback_html.value
    question.choice_buttons[1].click()
    assert question.feedback_html.value.startswith("Right!")
    assert question.choice_buttons[0].button_style == ""


def test_a_notebooks_exercises_in_one_widget(engine: Engine, tmp_path: Path) -> None:
    from docdocker.exercises import for_notebook
    from docdocker.widgets import Exercises

    shown = Exercises("01-containers", engine=engine, store=ProgressStore(tmp_path / "p.json"))
    assert [t.exercise.id for t in shown.turns] == [e.id for e in for_notebook("01-containers")]
    assert all(t.model.status for t in shown.turns)  # each checked once, none raised
    shown.turns[1].solution_button.click()
    assert "docker stop my-quitter" in shown.turns[1].solution_html.value
    assert repr(shown).count("Your turn:") == len(shown.turns)
