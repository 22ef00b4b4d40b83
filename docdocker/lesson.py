"""Helpers for lessons that make a mistake on purpose.

``with dd.expect_error(dd.errors.PortAllocated): ...`` runs a step that is
meant to fail, shows the friendly message a learner would get, and lets the
notebook carry on ("Run All" does not stop there).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from docdocker import errors, recordings
from docdocker.console import in_notebook


@dataclass
class Expected:
    """The error an :func:`expect_error` block caught, once it has run."""

    error: errors.DocDockerError | None = None


@contextmanager
def expect_error(
    kind: type[errors.DocDockerError] = errors.DocDockerError,
) -> Iterator[Expected]:
    """Run a block that should fail with ``kind``; show the message instead of raising.

    Raises:
        AssertionError: The block did not fail (the lesson's set-up went wrong); in
            read-along mode a step without a recorded failure only says so.
        docdocker.errors.DocDockerError: It failed in another way than expected.
    """
    caught = Expected()
    try:
        yield caught
    except kind as err:
        caught.error = err
        if in_notebook():
            from IPython.display import display

            display(err)
        else:
            print(err)
        return
    if recordings.replaying() is not None:
        # Read-along mode: a step recorded as failing was raised again above; this one
        # has no recorded failure (it changed since the recording), which its output says.
        print(f"(Read-along mode: no recorded {kind.__name__} for this step; run the "
              "notebook on a live engine to see it fail.)")
        return
    raise AssertionError(f"This step was expected to fail with {kind.__name__}, but it worked.")
