"""What an exercise is: a task, a check of the engine's real state, hints and a solution.

A check reads what is on the engine (containers, their state, ports, images,
tags), not the learner's code, so an exercise can be done with the helper in
a notebook cell or with the real ``docker`` command in a terminal. Objects
made with the ``docker`` command carry no tutorial label, so a check finds
them by the names its task gives.

Each exercise is built by a *definition*, a function whose keyword arguments
are the names and ports the task uses; :meth:`Exercise.using` rebuilds the
same exercise with other values (tests use it to stay out of each other's way).
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from docdocker.base import bounded, errors
from docdocker.readalong import recordings

if TYPE_CHECKING:
    from docdocker.core.engine import Engine


class Status(str, Enum):
    """Where the learner stands on an exercise."""

    DONE = "done"
    NOT_YET = "not done yet"
    NEAR_MISS = "near miss"
    CANNOT_CHECK = "cannot check"

    def __str__(self) -> str:
        return self.value


#: One character per status, for terminals and plain-text outputs.
MARKS = {Status.DONE: "✔", Status.NOT_YET: "·", Status.NEAR_MISS: "~",
         Status.CANNOT_CHECK: "?"}


@dataclass(frozen=True)
class Result:
    """What a check saw.

    Attributes:
        status: Done, not done yet, a near miss, or cannot check.
        message: What the check found on the engine, in one or two sentences.
        hint: For a near miss, what to do about that particular state.
    """

    status: Status
    message: str
    hint: str = ""

    @property
    def done(self) -> bool:
        return self.status is Status.DONE

    def text(self) -> str:
        """One plain-text paragraph: the status, what was seen, and the hint."""
        lines = [f"{MARKS[self.status]} {self.status}: {self.message}"]
        if self.hint:
            lines.append(f"  Hint: {self.hint}")
        return "\n".join(lines)


@dataclass(frozen=True)
class Named:
    """An object an exercise asks the learner to create, found by its name.

    Attributes:
        kind: ``"container"``, ``"image"`` (a tag), ``"network"`` or ``"compose project"``.
        name: Its name, tag or project name.
    """

    kind: str
    name: str


class DoneBefore(Protocol):
    def __call__(self, exercise_id: str) -> bool: ...


@dataclass(frozen=True)
class Context:
    """What a check function gets: the engine to read, and the learner's past progress.

    Attributes:
        engine: The engine; checks only :meth:`~docdocker.core.engine.Engine.query` it.
        done_before: Whether another exercise has been recorded as done (for a task
            such as "remove the container you made", whose goal is an absence).
    """

    engine: Engine
    done_before: DoneBefore


CheckFunction = Callable[[Context], Result]


@dataclass(frozen=True)
class Exercise:
    """One "your turn" task.

    Attributes:
        id: Stable identifier, prefixed with the notebook number (``01-my-web``).
        notebook: The notebook it belongs to (``01-containers``).
        title: A few words for lists and progress tables.
        task: What to do, in plain words (Markdown).
        check_fn: Reads the engine and says where the learner stands.
        hints: Progressive hints, from a nudge to almost the answer.
        solution: ``docker`` command lines that do it, in order.
        objects: What the task asks the learner to create, by name (for ``reset``).
        requires: The exercise whose result this one starts from, if any.
        params: The names and ports this copy was built with.
    """

    id: str
    notebook: str
    title: str
    task: str
    check_fn: CheckFunction = field(repr=False, compare=False)
    hints: tuple[str, ...] = ()
    solution: tuple[str, ...] = ()
    objects: tuple[Named, ...] = ()
    requires: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    _definition: Callable[..., Exercise] | None = field(default=None, repr=False,
                                                        compare=False)

    def using(self, **params: Any) -> Exercise:
        """The same exercise with other names or ports (e.g. ``using(port=20123)``).

        Raises:
            TypeError: A parameter this exercise does not have (the message names them).
        """
        if self._definition is None:
            raise TypeError(f"Exercise {self.id} has no parameters to change.")
        unknown = sorted(set(params) - set(self.params))
        if unknown:
            raise TypeError(f"Exercise {self.id} has no parameter {', '.join(unknown)}; "
                            f"it has: {', '.join(sorted(self.params)) or 'none'}.")
        return self._definition(**{**self.params, **params})

    def check(self, engine: Engine | None, done_before: DoneBefore | None = None) -> Result:
        """Check the engine's current state. Never raises: a failure is a result too.

        Equivalent CLI: ``python -m docdocker check`` (every exercise)

        Args:
            engine: The engine to read, or None where there is none (Binder).
            done_before: Whether another exercise was recorded done (default: none was).
        """
        if recordings.reading_along(engine) is not None:
            return Result(Status.CANNOT_CHECK,
                          "Checking needs a Docker Engine: this notebook is reading along "
                          "(recorded outputs, no engine here).",
                          hint="The hints and the solution still work; run the tutorial "
                               "where Docker runs (or set DOCKER_HOST and restart the "
                               "kernel) to check your work.")
        if engine is None or getattr(engine, "client", None) is None:  # None: read-along
            return Result(Status.CANNOT_CHECK,
                          "Checking needs a Docker Engine, and none is reachable here.",
                          hint="The hints and the solution still work; run the tutorial "
                               "on a machine with Docker to check your work.")
        context = Context(engine, done_before or (lambda _id: False))
        try:
            # A container of the learner's may accept a connection and never answer: the
            # check gives up after CHECK_SECONDS, so a notebook cell never hangs on it.
            return bounded.within(CHECK_SECONDS, lambda: self.check_fn(context),
                                  name="docdocker-check")
        except TimeoutError:
            return Result(Status.CANNOT_CHECK,
                          f"The check gave up after {CHECK_SECONDS:g} s: the Docker Engine, or "
                          "a container the check asked something, did not answer in time.",
                          hint="Check again in a moment; `docker ps` shows whether your "
                               "containers are running, and `python -m docdocker doctor` "
                               "checks the engine.")
        except errors.DocDockerError as err:
            return Result(Status.CANNOT_CHECK,
                          f"The check could not read the engine: {err.message}",
                          hint=err.fix or "")
        except Exception as err:  # a check must never break "Run All"
            return Result(Status.CANNOT_CHECK,
                          f"The check failed unexpectedly ({type(err).__name__}: {err}).",
                          hint="Run the check again; if it keeps failing, "
                               "`python -m docdocker doctor` checks the engine.")


#: Seconds a check may take in all. A check that runs a command inside a container bounds
#: that command itself (:data:`INSIDE_SECONDS`), so what it started never outlives it.
CHECK_SECONDS = 15.0
#: Seconds a command a check runs inside a learner's container may take (``wget -T``).
INSIDE_SECONDS = 5

F = TypeVar("F", bound=Callable[..., Exercise])


def definition(build: F) -> F:
    """Mark a function that builds an exercise from its names and ports.

    The exercise it returns remembers the function and the values, so that
    :meth:`Exercise.using` can build a copy with other values.
    """
    signature = inspect.signature(build)

    @functools.wraps(build)
    def make(**params: Any) -> Exercise:
        bound = signature.bind(**params)
        bound.apply_defaults()
        exercise = build(**bound.arguments)
        return dataclasses.replace(exercise, params=dict(bound.arguments), _definition=make)

    return make  # type: ignore[return-value]
