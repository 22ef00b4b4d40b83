"""The engine: the one door between docdocker and the Docker Engine.

:meth:`Engine.execute` is the whole life of a step: echo its exact command,
label what it creates, dispatch it to the handler registered for its type,
translate any failure into a :mod:`docdocker.errors` exception a beginner can
act on, and return a :class:`StepResult`. The core knows no Docker concept:
the steps and their handlers live in :mod:`docdocker.containers`,
:mod:`docdocker.images`, :mod:`docdocker.registries` and
:mod:`docdocker.compose`, which register them with :func:`handles`.

Tools and widgets never call the SDK themselves: they execute steps (quietly,
with :meth:`Engine.query`, when there is nothing to echo) or use the few
engine-wide helpers here (:meth:`Engine.events`, :meth:`Engine.translate`).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from docdocker import errors, friendly, render
from docdocker import steps as s
from docdocker.console import Console, default_console
from docdocker.steps import LABEL

#: What executes one step type: ``handler(engine, step, **options) -> StepResult``.
Handler = Callable[..., "StepResult"]
_HANDLERS: dict[type[s.Step], Handler] = {}



def handles(step_type: type[s.Step]) -> Callable[[Handler], Handler]:
    """Register the function that executes ``step_type``.

    Example:
        >>> @handles(History)                      # doctest: +SKIP
        ... def history(engine, step):
        ...     ...
    """

    def register(handler: Handler) -> Handler:
        if step_type in _HANDLERS:
            raise RuntimeError(f"{step_type.__name__} already has a handler")
        _HANDLERS[step_type] = handler
        return handler

    return register


def handler_for(step_type: type[s.Step]) -> Handler:
    """The registered handler of a step type (raises LookupError when there is none)."""
    try:
        return _HANDLERS[step_type]
    except KeyError:
        raise LookupError(f"No handler is registered for {step_type.__name__}; "
                          "register one with @docdocker.engine.handles") from None


def registered_steps() -> tuple[type[s.Step], ...]:
    """Every step type that has a handler."""
    return tuple(_HANDLERS)


@dataclass
class StepResult:
    """What a step did.

    Attributes:
        step: The step that ran.
        output: What the command printed (container output, logs, pull status).
        rows: For listing steps, one mapping per row; ``columns`` names them.
        container: The container a run created (a ``docker`` SDK object).
        exit_code: The container's exit code, when it has exited.
        links: Pages the result can be opened at (published ports).
        streamed: True when ``output`` was already shown while it streamed.
        stopped_after: For a foreground run stopped by its ``timeout``: that timeout.
        value: A step's main value for code that uses the result (an image ID...).
    """

    step: s.Step
    output: str = ""
    rows: list[dict[str, Any]] | None = None
    columns: tuple[str, ...] = ()
    container: Any = None
    exit_code: int | None = None
    links: list[render.Link] = field(default_factory=list)
    streamed: bool = False
    stopped_after: float | None = None
    value: Any = None

    @property
    def cli(self) -> str:
        """The ``docker`` command this result came from."""
        return self.step.cli

    def _repr_html_(self) -> str:
        if self.streamed:
            # A container the step stopped on purpose ends as stopping made it end: a
            # notice, not a failure.
            ok = True if self.exit_code == 0 else None if self.stopped_after else False
            return render.status_html(ok, self._exit_summary())
        parts = []
        if self.rows is not None:
            parts.append(render.table_html(self.columns, self.rows))
        elif self.output:
            parts.append(render.output_html(self.output.rstrip("\n")))
        if self.links:
            parts.append("<div>Open: " + ", ".join(map(render.link_html, self.links)) + "</div>")
        return "".join(parts) or render.output_html("(no output)")

    def __repr__(self) -> str:
        if self.streamed:
            return self._exit_summary()
        if self.rows is not None:
            return render.table_text(self.columns, self.rows)
        return self.output.rstrip("\n") or "(no output)"

    def _exit_summary(self) -> str:
        name = getattr(self.container, "name", "the container")
        code = "unknown" if self.exit_code is None else self.exit_code
        if self.stopped_after is not None:
            return (f"container {name} was stopped after {self.stopped_after:g} s "
                    f"(exit code {code})")
        return f"container {name} exited with code {code}"


class Engine:
    """A Docker Engine connection that runs steps for one notebook.

    Every object it creates carries the label ``org.docdocker.notebook=<notebook>``.
    :func:`docdocker.connect` returns a :class:`docdocker.tutorial.Tutorial`, this
    core plus the verbs of every Docker noun (``run``, ``ps``, ``build``...).

    Args:
        notebook: The notebook's name, used as the label value.
        client: A ``docker.DockerClient`` (made by :mod:`docdocker.connection`).
        console: Where echoes, progress and output go.
        host: Where the client connects, for messages (default: ``DOCKER_HOST``).
    """

    def __init__(
        self,
        notebook: str,
        client: Any,
        console: Console | None = None,
        *,
        host: str | None = None,
    ) -> None:
        if not notebook or not notebook.strip():
            raise ValueError("An engine needs a notebook name (the label value), "
                             "such as 01-containers.")
        self.notebook = notebook
        self.client = client
        self.console = console if console is not None else default_console()
        self.host = host or friendly.docker_host()

    def using(self, console: Console) -> Engine:
        """The same connection and labels, echoing into another console (e.g. a widget's)."""
        other = copy.copy(self)
        other.console = console
        return other

    @property
    def labels(self) -> dict[str, str]:
        """The labels this engine puts on everything it creates."""
        return {LABEL: self.notebook}

    def close(self) -> None:
        """Close the connection."""
        self.client.close()

    # ------------------------------------------------------------------ steps
    def execute(self, step: s.Step, **options: Any) -> StepResult:
        """Echo a step's command, run it, and return what it did.

        Args:
            step: The step to run.
            **options: Passed to the step's handler (``timeout`` for a foreground run).

        Raises:
            docdocker.errors.DocDockerError: A subclass saying what failed and how to fix it.
        """
        step = step.with_labels(self.labels)
        self.console.command(step.cli)
        return self._dispatch(step, options)

    def query(self, step: s.Step, **options: Any) -> StepResult:
        """Run a step without echoing it: a lookup a tool or widget makes for itself."""
        return self.using(Console())._dispatch(step.with_labels(self.labels), options)

    def _dispatch(self, step: s.Step, options: Mapping[str, Any]) -> StepResult:
        handler = handler_for(type(step))
        with self.translate(step):
            step.validate()
            return handler(self, step, **options)

    def events(self, filters: Mapping[str, Any], *, since: float | None = None) -> Iterator[Any]:
        """The engine's event stream, decoded, and a way to close it.

        Equivalent CLI: ``docker events --filter ...``

        Returns:
            The SDK's event generator; call its ``close()`` to stop listening.
        """
        with self.translate(None):
            return self.client.events(decode=True, filters=dict(filters), since=since)

    def facts(self) -> friendly.Facts:
        """What the error translator may know about this engine (override to add lookups)."""
        return friendly.Facts(host=self.host)

    @contextmanager
    def translate(self, step: s.Step | None) -> Iterator[None]:
        """Turn SDK and connection failures inside the block into friendly errors."""
        try:
            yield
        except errors.DocDockerError:
            raise
        except Exception as err:
            translated = friendly.translate_error(err, step, self.facts())
            if translated is None:
                raise
            raise translated from err
