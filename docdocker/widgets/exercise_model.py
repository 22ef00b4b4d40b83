"""The state behind the “Your turn” and “Predict, then run” widgets (no ipywidgets here).

:class:`ExerciseModel` holds what the learner has asked to see (how many
hints, the solution) and what the last check found; :class:`PredictModel`
holds a question and the learner's pick. Both derive every text they show
from that state, so what a view displays is always recomputed, never stale.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html import escape

from traitlets import Bool, HasTraits, Int, List, Unicode, observe, validate

from docdocker.exercises.base import MARKS, Exercise, Result, Status
from docdocker.exercises.predict import Question

_CODE = re.compile(r"`([^`]+)`")
_BOLD = re.compile(r"\*\*([^*]+)\*\*")
_ITALIC = re.compile(r"(?<![*\w])\*([^*]+)\*(?![*\w])")


def inline_html(text: str) -> str:
    """The little Markdown tasks and hints use (`code`, **bold**, *italic*), as safe HTML."""
    html = escape(text)
    html = _CODE.sub(lambda m: f"<code>{m.group(1)}</code>", html)
    html = _BOLD.sub(r"<b>\1</b>", html)
    return _ITALIC.sub(r"<i>\1</i>", html)


class ExerciseModel(HasTraits):
    """One exercise as a widget shows it.

    Traits the view reads: ``status``, ``message``, ``hint`` (what the last
    check saw), ``hints_shown`` (how many progressive hints are revealed) and
    ``solution_shown``.
    """

    exercise_id = Unicode()
    title = Unicode()
    task = Unicode()
    hints = List(Unicode())
    solution = List(Unicode())
    status = Unicode("")
    message = Unicode("")
    hint = Unicode("")
    hints_shown = Int(0)
    solution_shown = Bool(False)
    checks = Int(0)
    #: When the learner first completed it ("" if never): a later task may undo the result.
    first_done = Unicode("")

    @classmethod
    def from_exercise(cls, exercise: Exercise) -> ExerciseModel:
        return cls(exercise_id=exercise.id, title=exercise.title, task=exercise.task,
                   hints=list(exercise.hints), solution=list(exercise.solution))

    @validate("hints_shown")
    def _within_hints(self, proposal: dict[str, int]) -> int:
        return max(0, min(int(proposal["value"]), len(self.hints)))

    def apply(self, result: Result) -> None:
        """Show what a check found."""
        self.message, self.hint = result.message, result.hint
        self.status = result.status.value
        self.checks += 1

    def check(self, checker: Callable[[], Result]) -> Result:
        """Run a check (a callable given by the view) and show its result; never raises."""
        try:
            result = checker()
        except Exception as err:  # a widget's button must not raise into the notebook
            result = Result(Status.CANNOT_CHECK, f"The check failed ({type(err).__name__}: "
                                                 f"{err}).")
        self.apply(result)
        return result

    def next_hint(self) -> None:
        """Reveal one more hint (the last one almost gives the answer)."""
        self.hints_shown += 1

    def show_solution(self) -> None:
        """Reveal the solution (and every hint: nothing is left to hide)."""
        self.hints_shown = len(self.hints)
        self.solution_shown = True

    @property
    def more_hints(self) -> bool:
        return self.hints_shown < len(self.hints)

    @property
    def done(self) -> bool:
        return self.status == Status.DONE.value

    def result_html(self) -> str:
        if not self.status:
            return ""
        status = Status(self.status)
        colour = {Status.DONE: "#1a7f37", Status.NEAR_MISS: "#9a6700",
                  Status.NOT_YET: "#57606a", Status.CANNOT_CHECK: "#cf222e"}[status]
        html = (f'<div style="color:{colour}"><b>{MARKS[status]} {escape(status.value)}</b>: '
                f"{inline_html(self.message)}</div>")
        if self.hint:
            html += f"<div><b>Hint:</b> {inline_html(self.hint)}</div>"
        if self.first_done and status is not Status.DONE:
            html += f"<div>{escape(self.earlier())}</div>"
        return html

    def earlier(self) -> str:
        return (f"You completed this on {self.first_done}; it counts in your progress even "
                "though the engine has changed since.")

    def hints_html(self) -> str:
        shown = self.hints[: self.hints_shown]
        if not shown:
            return ""
        items = "".join(f"<li>{inline_html(h)}</li>" for h in shown)
        return f"<div><b>Hints</b><ol>{items}</ol></div>"

    def solution_html(self) -> str:
        if not self.solution_shown:
            return ""
        lines = "\n".join(escape(line) for line in self.solution)
        return f"<div><b>Solution</b> (type it in a terminal):<pre>{lines}</pre></div>"

    def text(self, *, task: bool = True) -> str:
        """Everything the widget shows, as plain text (saved outputs, terminals)."""
        lines = [f"Your turn: {self.title}", *([self.task] if task else [])]
        if self.status:
            lines.append(f"{MARKS[Status(self.status)]} {self.status}: {self.message}")
            if self.hint:
                lines.append(f"Hint: {self.hint}")
            if self.first_done and not self.done:
                lines.append(self.earlier())
        lines += [f"Hint {i}: {h}" for i, h in enumerate(self.hints[: self.hints_shown], 1)]
        if self.solution_shown:
            lines += ["Solution:", *(f"$ {line}" for line in self.solution)]
        return "\n".join(lines)


class PredictModel(HasTraits):
    """A “predict, then run” question and the learner's pick."""

    question = Unicode()
    choices = List(Unicode())
    answer = Unicode()
    why = Unicode()
    picked = Unicode("")
    revealed = Bool(False)
    feedback = Unicode("")

    @classmethod
    def from_question(cls, question: Question) -> PredictModel:
        return cls(question=question.question, choices=list(question.choices),
                   answer=question.answer, why=question.why)

    @validate("picked")
    def _one_of_the_choices(self, proposal: dict[str, str]) -> str:
        value = proposal["value"]
        if value and value not in self.choices:
            raise ValueError(f"{value!r} is not one of the choices {self.choices}.")
        return value

    def pick(self, choice: str) -> None:
        """Record the learner's prediction."""
        self.picked = choice

    def reveal(self) -> None:
        """Show the answer and why (after the next cell has shown it for real)."""
        self.revealed = True

    @observe("picked", "revealed")
    def _feedback(self, _change: object = None) -> None:
        if self.revealed:
            verdict = ""
            if self.picked:
                verdict = "Right! " if self.picked == self.answer else f"You said {self.picked}. "
            self.feedback = f"{verdict}Answer: {self.answer}. {self.why}"
        elif self.picked:
            self.feedback = (f"Your prediction: {self.picked}. Now run the next cell and see "
                             "what Docker does.")
        else:
            self.feedback = ""

    def text(self) -> str:
        lines = [f"Predict: {self.question}", "  " + " | ".join(self.choices)]
        if self.feedback:
            lines.append(self.feedback)
        return "\n".join(lines)
