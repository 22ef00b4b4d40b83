"""“Your turn”: exercises checked from the learner's real engine state.

Each notebook has a few exercises: a task in plain words, a check that reads
the engine (whatever made the objects: a notebook cell or the ``docker``
command in a terminal), hints for the usual wrong states, progressive hints
and the solution as ``docker`` command lines. Progress is kept in a small
file in the learner's home (:mod:`docdocker.exercises.progress`).

In a notebook::

    from docdocker.widgets import YourTurn
    YourTurn("01-my-web", engine=engine)

In a terminal: ``python -m docdocker check [--notebook NAME] [--json]``.
"""

from docdocker.exercises.base import Context, Exercise, Named, Result, Status, definition
from docdocker.exercises.catalog import (
    Checked,
    all_exercises,
    check,
    check_all,
    for_notebook,
    get,
    notebooks,
)
from docdocker.exercises.predict import Question
from docdocker.exercises.progress import ProgressStore, default_path

__all__ = [
    "Checked",
    "Context",
    "Exercise",
    "Named",
    "ProgressStore",
    "Question",
    "Result",
    "Status",
    "all_exercises",
    "check",
    "check_all",
    "default_path",
    "definition",
    "for_notebook",
    "get",
    "notebooks",
]
