"""“Your turn”, “Predict, then run” and the progress summary, as stock ipywidgets.

Example::

    from docdocker.widgets import YourTurn, Predict
    YourTurn("01-my-web", engine=engine)    # task, Check, Hint, Solution

Pressing **Check** reads the engine's real state (whatever made the objects:
a cell or the ``docker`` command in a terminal) and records the outcome in
the learner's progress file.

Equivalent CLI: ``python -m docdocker check --notebook NOTEBOOK``
"""

from __future__ import annotations

from html import escape
from typing import Any

import ipywidgets as widgets

from docdocker.core.engine import Engine
from docdocker.exercises import catalog
from docdocker.exercises.base import Exercise, Result
from docdocker.exercises.predict import Question
from docdocker.exercises.progress import ProgressStore, shown
from docdocker.readalong import recordings
from docdocker.widgets.base import FullTextRepr
from docdocker.widgets.exercise_model import ExerciseModel, PredictModel, inline_html

__all__ = ["Exercises", "Predict", "ProgressSummary", "YourTurn"]


class YourTurn(FullTextRepr, widgets.VBox):
    """An exercise: its task, and Check, Hint and Solution buttons.

    Args:
        exercise: The exercise, or its id (``"01-my-web"``).
        engine: The engine to check against; None where there is none (the
            check then says so, and hints and solution still work).
        store: Where progress is kept (default: the learner's progress file).
        check_now: Check once when shown, so that the saved output says where the
            learner stands (an unfinished exercise reads "not done yet").
        show_task: Show the task text (leave it to the Markdown cell above with False).
    """

    def __init__(self, exercise: Exercise | str, *, engine: Engine | None = None,
                 store: ProgressStore | None = None, check_now: bool = True,
                 show_task: bool = True, **kwargs: Any) -> None:
        self.exercise = catalog.get(exercise) if isinstance(exercise, str) else exercise
        self.engine = engine
        self.store = store if store is not None else ProgressStore()
        self.model = ExerciseModel.from_exercise(self.exercise)
        self.show_task = show_task
        self.check_button = widgets.Button(description="Check", icon="check",
                                           button_style="primary",
                                           tooltip="Check your engine's current state")
        self.hint_button = widgets.Button(description="Hint", icon="lightbulb-o",
                                          tooltip="Show one more hint")
        self.solution_button = widgets.Button(description="Solution", icon="eye",
                                              tooltip="Show the docker commands")
        self.result_html = widgets.HTML()
        self.hints_html = widgets.HTML()
        self.solution_html = widgets.HTML()
        task = f"<div>{inline_html(self.model.task)}</div>" if show_task else ""
        heading = widgets.HTML(f"<div><b>Your turn: {escape(self.model.title)}</b></div>{task}")
        self.check_button.on_click(lambda _b: self.check())
        self.hint_button.on_click(lambda _b: self.model.next_hint())
        self.solution_button.on_click(lambda _b: self.model.show_solution())
        self.model.observe(self._redraw, names=["status", "message", "hint", "checks",
                                                "hints_shown", "solution_shown",
                                                "first_done"])
        buttons = widgets.HBox([self.check_button, self.hint_button, self.solution_button])
        super().__init__([heading, buttons, self.result_html, self.hints_html,
                          self.solution_html], **kwargs)
        if engine is None or recordings.reading_along(engine) is not None:
            # No engine to check against: Check says why; hints and solution still work.
            self.check_button.tooltip = recordings.needs_engine("Checking")
        self._redraw()
        if check_now:
            self.check()

    def check(self) -> Result:
        """Check the engine's state now (what the Check button does). Never raises."""
        result = self.model.check(
            lambda: catalog.check(self.exercise, self.engine, self.store))
        first_done = self.store.load().get(self.exercise.id, {}).get("first_done")
        self.model.first_done = str(first_done or "")
        return result

    def _redraw(self, _change: object = None) -> None:
        self.result_html.value = self.model.result_html()
        self.hints_html.value = self.model.hints_html()
        self.solution_html.value = self.model.solution_html()
        self.hint_button.disabled = not self.model.more_hints
        self.solution_button.disabled = self.model.solution_shown

    def __repr__(self) -> str:
        return self.model.text(task=self.show_task)


class Exercises(FullTextRepr, widgets.VBox):
    """Every exercise of a notebook, one :class:`YourTurn` under the other.

    Args:
        notebook: The notebook's name (``01-containers``).
        engine: The engine to check against (None: checking says it needs one).
        store: Where progress is kept (default: the learner's progress file).
    """

    def __init__(self, notebook: str, *, engine: Engine | None = None,
                 store: ProgressStore | None = None, **kwargs: Any) -> None:
        self.turns = [YourTurn(e, engine=engine, store=store)
                      for e in catalog.for_notebook(notebook)]
        super().__init__(self.turns, **kwargs)

    def __repr__(self) -> str:
        return "\n".join(turn.model.text(task=False) for turn in self.turns)


class Predict(FullTextRepr, widgets.VBox):
    """A “predict, then run” question: one click to predict, then run the next cell.

    The question lives in the package, not in the cell, so the cell's code does not
    give the answer away.

    Args:
        question: The question, or its id (``"01-exit-codes"``).
    """

    def __init__(self, question: Question | str, **kwargs: Any) -> None:
        if isinstance(question, str):
            question = catalog.question(question)
        self.model = PredictModel.from_question(question)
        self.choice_buttons = [widgets.Button(description=c, tooltip=f"I predict: {c}",
                                              layout=widgets.Layout(width="auto"))
                               for c in self.model.choices]
        for button in self.choice_buttons:
            button.on_click(lambda b: self.model.pick(b.description))
        self.answer_button = widgets.Button(description="Show the answer", icon="eye",
                                            layout=widgets.Layout(width="auto"))
        self.answer_button.on_click(lambda _b: self.model.reveal())
        self.feedback_html = widgets.HTML()
        self.model.observe(self._redraw, names=["feedback", "picked"])
        super().__init__([widgets.HTML(f"<b>Predict, then run:</b> "
                                       f"{inline_html(self.model.question)}"),
                          widgets.HBox(self.choice_buttons),
                          self.answer_button, self.feedback_html], **kwargs)
        self._redraw()

    def _redraw(self, _change: object = None) -> None:
        self.feedback_html.value = inline_html(self.model.feedback)
        for button in self.choice_buttons:
            button.button_style = "info" if button.description == self.model.picked else ""

    def __repr__(self) -> str:
        return self.model.text()


class ProgressSummary(FullTextRepr, widgets.VBox):
    """How many exercises of each notebook are done, from the learner's progress file.

    Equivalent CLI: ``python -m docdocker check``
    """

    def __init__(self, *, store: ProgressStore | None = None, **kwargs: Any) -> None:
        self.store = store if store is not None else ProgressStore()
        self.table = widgets.HTML()
        self.refresh_button = widgets.Button(description="Refresh", icon="refresh")
        self.refresh_button.on_click(lambda _b: self.refresh())
        super().__init__([self.table, self.refresh_button], **kwargs)
        self.refresh()

    def rows(self) -> list[tuple[str, str, str]]:
        """(notebook, "done of total", what is left) per notebook."""
        return [(r.notebook, f"{r.done} of {r.total}", ", ".join(r.titles_left) or "all done")
                for r in self.store.summary(catalog.all_exercises())]

    def refresh(self) -> None:
        """Read the progress file again."""
        body = "".join(f"<tr><td>{escape(n)}</td><td>{escape(d)}</td><td>{escape(left)}</td>"
                       "</tr>" for n, d, left in self.rows())
        note = f"<div>{escape(self.store.problem)}</div>" if self.store.problem else ""
        self.table.value = (
            "<table><thead><tr><th>notebook</th><th>exercises done</th><th>still to do</th>"
            f"</tr></thead><tbody>{body}</tbody></table>{note}"
            f"<div><small>Kept in {escape(shown(self.store.path))}; "
            "<code>python -m docdocker check</code> checks every exercise again from a "
            "terminal.</small></div>")

    def __repr__(self) -> str:
        lines = ["Your progress (exercises done):"]
        lines += [f"  {n:<16} {d:<8} {left}" for n, d, left in self.rows()]
        return "\n".join(lines)
