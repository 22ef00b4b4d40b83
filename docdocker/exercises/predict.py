"""“Predict, then run”: a one-click question asked before a cell whose result surprises.

The learner picks an answer; the cell that follows runs the real step and
shows what Docker does. The widget (:class:`docdocker.widgets.exercise.Predict`)
then reveals the expected answer and why, on request.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Question:
    """A question with a few choices, one of them right.

    Attributes:
        id: Stable identifier, prefixed with the notebook number (``01-exit-codes``).
        question: What to predict, in one sentence.
        choices: Two to five short answers.
        answer: The right one (one of ``choices``).
        why: One or two sentences explaining it, shown once the learner has chosen.
    """

    id: str
    question: str
    choices: tuple[str, ...]
    answer: str
    why: str

    def __post_init__(self) -> None:
        if not 2 <= len(self.choices) <= 5:
            raise ValueError(f"A question needs 2 to 5 choices, not {len(self.choices)}: "
                             f"{self.question!r}.")
        if self.answer not in self.choices:
            raise ValueError(f"The answer {self.answer!r} is not one of the choices "
                             f"{list(self.choices)}.")
