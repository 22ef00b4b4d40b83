"""Every exercise of every notebook, and checking them against the engine."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from docdocker.core.engine import Engine
from docdocker.exercises import nb00, nb01, nb02, nb03, nb04, nb05, nb06
from docdocker.exercises.base import Exercise, Result
from docdocker.exercises.predict import Question
from docdocker.exercises.progress import ProgressStore

#: Each notebook's exercises, in the order of the notebooks.
_SOURCES: tuple[Callable[[], list[Exercise]], ...] = (
    nb00.exercises, nb01.exercises, nb02.exercises, nb03.exercises, nb04.exercises,
    nb05.exercises, nb06.exercises)
#: Each notebook's “predict, then run” questions.
_QUESTIONS: tuple[Callable[[], list[Question]], ...] = (
    nb00.questions, nb01.questions, nb02.questions, nb03.questions, nb04.questions,
    nb05.questions, nb06.questions)


def all_exercises() -> list[Exercise]:
    """Every exercise, notebook by notebook."""
    return [exercise for source in _SOURCES for exercise in source()]


def notebooks() -> list[str]:
    """The notebooks that have exercises, in order."""
    return list(dict.fromkeys(e.notebook for e in all_exercises()))


def for_notebook(notebook: str) -> list[Exercise]:
    """One notebook's exercises.

    Raises:
        KeyError: No notebook of that name has exercises (the message lists those that do).
    """
    found = [e for e in all_exercises() if e.notebook == notebook]
    if not found:
        raise KeyError(f"No exercises for notebook {notebook!r}; notebooks with exercises: "
                       f"{', '.join(notebooks())}.")
    return found


def get(exercise_id: str) -> Exercise:
    """The exercise with this id.

    Raises:
        KeyError: There is none (the message lists the ids).
    """
    for exercise in all_exercises():
        if exercise.id == exercise_id:
            return exercise
    raise KeyError(f"No exercise {exercise_id!r}; exercises: "
                   f"{', '.join(e.id for e in all_exercises())}.")


def all_questions() -> list[Question]:
    """Every “predict, then run” question, notebook by notebook."""
    return [question for source in _QUESTIONS for question in source()]


def question(question_id: str) -> Question:
    """The question with this id.

    Raises:
        KeyError: There is none (the message lists the ids).
    """
    for found in all_questions():
        if found.id == question_id:
            return found
    raise KeyError(f"No question {question_id!r}; questions: "
                   f"{', '.join(q.id for q in all_questions())}.")


@dataclass(frozen=True)
class Checked:
    """An exercise, what its check saw, and when it was first done (None: never).

    A later exercise may undo an earlier one's result (removing the container
    it made), so "done now" and "done once" differ; progress counts the latter.
    """

    exercise: Exercise
    result: Result
    first_done: str | None = None

    @property
    def completed(self) -> bool:
        return self.result.done or self.first_done is not None


def check(exercise: Exercise, engine: Engine | None,
          store: ProgressStore | None = None) -> Result:
    """Check one exercise and record the outcome. Never raises.

    Equivalent CLI: ``python -m docdocker check``

    A progress file that cannot be written does not hide the result: the
    message says that the progress was not saved.
    """
    store = store if store is not None else ProgressStore()
    result = exercise.check(engine, store.is_done)
    try:
        store.record(exercise.id, result)
    except OSError as err:
        result = Result(result.status, f"{result.message} (Progress not saved: could not "
                                       f"write {store.path}: {err.strerror or err}.)",
                        result.hint)
    return result


def check_all(engine: Engine | None, exercises: Iterable[Exercise],
              store: ProgressStore | None = None) -> list[Checked]:
    """Check exercises in order, each seeing what the previous ones recorded."""
    store = store if store is not None else ProgressStore()
    checked = []
    for exercise in exercises:
        result = check(exercise, engine, store)
        first_done = store.load().get(exercise.id, {}).get("first_done")
        checked.append(Checked(exercise, result, first_done))
    return checked

