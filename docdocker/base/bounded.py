"""A call that must end within a number of seconds, whatever it waits for."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar, cast

_T = TypeVar("_T")


def within(seconds: float, call: Callable[[], _T], *, name: str = "docdocker-bounded") -> _T:
    """``call()`` in a thread of its own; give up on it after ``seconds``.

    A call that never ends is left running in the background (a daemon thread) while the
    caller moves on; the caller's thread waits with a bound, so Ctrl-C still stops it.

    Raises:
        TimeoutError: ``call`` had not ended within ``seconds``.
        BaseException: Whatever ``call`` raised, in the caller's thread.
    """
    done = threading.Event()
    answer: list[Any] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            answer.append(call())
        except BaseException as err:  # handed to the caller's thread
            failure.append(err)
        finally:
            done.set()

    threading.Thread(target=run, daemon=True, name=name).start()
    if not done.wait(seconds):
        raise TimeoutError(f"no answer within {seconds:g} s")
    if failure:
        raise failure[0]
    return cast(_T, answer[0])
