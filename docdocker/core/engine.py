"""The engine: the one door between docdocker and the Docker Engine.

:meth:`Engine.execute` is the whole life of a step: echo its exact command,
label what it creates, dispatch it to the handler registered for its type,
translate any failure into a :mod:`docdocker.base.errors` exception a beginner can
act on, and return a :class:`StepResult`. The core knows no Docker concept:
the steps and their handlers live in :mod:`docdocker.concepts.containers`,
:mod:`docdocker.concepts.images`, :mod:`docdocker.concepts.registries` and
:mod:`docdocker.concepts.compose`, which register them with :func:`handles`. Nor does it
know the translation rules: the session hands the engine its translator
(:data:`~docdocker.core.translate.Translator`, from :mod:`docdocker.friendly`).

Tools and widgets never call the SDK themselves: they execute steps (quietly,
with :meth:`Engine.query`, when there is nothing to echo) or use the few
engine-wide helpers here (:meth:`Engine.events`, :meth:`Engine.translate`).
"""

from __future__ import annotations

import collections
import copy
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any, TypeVar

import requests.exceptions

from docdocker.base import bounded, errors, render
from docdocker.base.masking import mask_data, mask_text
from docdocker.core import steps as s
from docdocker.core import tagrecord
from docdocker.core.console import Console, default_console
from docdocker.core.steps import LABEL
from docdocker.core.translate import Facts, Translator, docker_host

#: Seconds a widget's look-up may take (being built, or on a keystroke) before it says
#: that the engine does not answer, rather than freeze the page for the client's timeout.
LOOKUP_SECONDS = 5.0
#: What executes one step type: ``handler(engine, step, **options) -> StepResult``.
Handler = Callable[..., "StepResult"]
_HANDLERS: dict[type[s.Step], Handler] = {}
_T = TypeVar("_T")

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
                          "register one with @docdocker.core.engine.handles") from None


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


class _Handoff:
    """Items read by a background thread, taken by the caller's thread in batches.

    Memory is bounded: the reader pauses while :data:`LIMIT` items are untaken.
    The deque's appends and pops are atomic, so the reader takes no lock per item
    (a log of a million lines is a million items).
    """

    LIMIT = 4096
    BATCH = 256

    def __init__(self) -> None:
        self._items: collections.deque[Any] = collections.deque()
        self._has = threading.Event()
        self._ended = False
        self._error: BaseException | None = None
        self._cancelled = False
        self._opened: Any = None

    def pump(self, start: Callable[[], Iterable[Any]]) -> None:
        try:
            self._opened = start()
            for item in self._opened:
                while len(self._items) >= self.LIMIT and not self._cancelled:
                    time.sleep(0.01)
                if self._cancelled:
                    return
                self._items.append(item)
                if not self._has.is_set():
                    self._has.set()
        except BaseException as err:  # handed to the caller's thread
            self._error = err
        else:
            self._ended = True
        self._has.set()

    def take(self, timeout: float) -> tuple[list[Any], bool, BaseException | None]:
        # Read the end flags first: items appended before the end are then drained too.
        ended, error = self._ended, self._error
        if not (self._items or ended or error):
            self._has.wait(timeout)
            ended, error = self._ended, self._error
        self._has.clear()
        items = []
        while self._items:
            items.append(self._items.popleft())
        return items, ended, error

    def cancel(self) -> None:
        self._cancelled = True
        # Closing the response unblocks the background thread's read.
        with suppress(Exception):
            self._opened.close()


def _masked(result: StepResult) -> StepResult:
    """The result with secret values masked in what it shows and keeps (:func:`mask_text`).

    Every result passes here, so ``inspect``, ``history``, ``exec env`` and ``logs``
    never show ``DB_PASSWORD=hunter2``, and neither do the recordings made of them.
    """
    if not isinstance(result, StepResult):
        return result
    result.output = mask_text(result.output) if result.output else result.output
    if result.rows is not None:
        result.rows = [mask_data(row) for row in result.rows]
    if isinstance(result.value, (dict, list, str)):
        result.value = mask_data(result.value)
    return result


class Engine:
    """A Docker Engine connection that runs steps for one notebook.

    Every object it creates carries the label ``org.docdocker.notebook=<notebook>``.
    :func:`docdocker.connect` returns a :class:`docdocker.session.tutorial.Tutorial`, this
    core plus the verbs of every Docker noun (``run``, ``ps``, ``build``...).

    Args:
        notebook: The notebook's name, used as the label value.
        client: A ``docker.DockerClient`` (made by :mod:`docdocker.core.connection`).
        console: Where echoes, progress and output go.
        host: Where the client connects, for messages (default: ``DOCKER_HOST``).
        translator: Turns a failure into the friendly error for it; the session hands in
            :func:`docdocker.friendly.translate_error`. Without one, failures pass
            through as the SDK raised them.
    """

    def __init__(
        self,
        notebook: str,
        client: Any,
        console: Console | None = None,
        *,
        host: str | None = None,
        translator: Translator | None = None,
    ) -> None:
        s.check_notebook(notebook)
        self.notebook = notebook
        self.client = client
        self.console = console if console is not None else default_console()
        self.host = host or docker_host()
        self.translator = translator

    def using(self, console: Console) -> Engine:
        """The same connection and labels, echoing into another console (e.g. a widget's)."""
        other = copy.copy(self)
        other.console = console
        return other

    @property
    def replaying(self) -> bool:
        """True for a read-along session: steps replay a recording and no engine is asked,
        so a verb that looks before it acts (a prune) goes straight to its recorded step."""
        return getattr(self, "recording", None) is not None

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
            docdocker.base.errors.DocDockerError: A subclass saying what failed and how to fix it.
        """
        step = step.with_labels(self.labels)
        self.console.command(step.cli)
        return self._dispatch(step, options)

    def query(self, step: s.Step, *, within: float | None = None, **options: Any) -> StepResult:
        """Run a step without echoing it: a lookup a tool or widget makes for itself.

        Args:
            step: The step to run.
            within: Give up after this many seconds (a widget being built, a lookup on
                each keystroke) instead of the client's whole timeout.
            **options: Passed to the step's handler.

        Raises:
            docdocker.base.errors.EngineUnavailable: The engine did not answer ``within``.
        """
        quiet = self.using(Console())
        labelled = step.with_labels(self.labels)
        if within is None:
            return quiet._dispatch(labelled, options)
        with self.translate(labelled):
            return self.bounded(lambda: quiet._dispatch(labelled, options), within)

    def _dispatch(self, step: s.Step, options: Mapping[str, Any]) -> StepResult:
        handler = handler_for(type(step))
        with self.translate(step):
            step.validate()
            result = handler(self, step, **options)
        self._remember(step, result)
        return _masked(result)

    def _remember(self, step: s.Step, result: StepResult) -> None:
        """Write down the ID of an image this step built, and the tag it was built as,
        for clean-up to recognise.

        An image's labels prove nothing once its tag is gone: ``FROM`` and
        ``docker commit`` copy them into the learner's own images. A step that creates
        an image returns its ID as ``value``; containers are recognised otherwise
        (:func:`docdocker.concepts.ownership.owned_containers`).
        """
        value = result.value if isinstance(result, StepResult) else None
        if (step.creates and isinstance(value, str) and value.startswith("sha256:")
                and step.ownership() not in ("", "container")):
            with suppress(OSError):  # a read-only home loses the record, not the build
                tagrecord.remember_built(self.notebook, value, step.ownership())

    @property
    def timeout(self) -> float | None:
        """Seconds the engine may stay silent during one request before the step fails."""
        value = getattr(getattr(self.client, "api", None), "timeout", None)
        return float(value) if isinstance(value, (int, float)) else None

    def stream(
        self,
        start: Callable[[], Iterable[_T]],
        *,
        idle: float | None = None,
        deadline: Callable[[], float | None] | None = None,
        heartbeat: Callable[[], Any] | None = None,
    ) -> Iterator[_T]:
        """Iterate a streaming SDK call with a bound the SDK does not give it.

        docker-py sends streaming requests (``pull``, ``logs --follow``) without a
        read timeout, so an engine that stops answering would block the kernel
        forever. The stream is read in a background thread; the caller's thread
        waits with a bound and can still be interrupted (Ctrl-C, the stop button).

        Args:
            start: Opens the stream (called in the background thread).
            idle: Fail when nothing arrives for this many seconds (None: no bound).
            deadline: Returns a ``time.monotonic()`` instant after which the stream
                must have ended, or None while there is none yet.
            heartbeat: For streams that may rightly be silent (a container's output):
                called after ``idle`` seconds of silence instead of failing; it makes
                a bounded request, so an engine that stopped answering raises there.

        Raises:
            requests.exceptions.ReadTimeout: A bound was hit; the stream is closed
                (:meth:`translate` turns this into EngineUnavailable).
        """
        handoff = _Handoff()
        threading.Thread(target=handoff.pump, args=(start,), daemon=True,
                         name="docdocker-stream").start()
        last = time.monotonic()
        try:
            while True:
                batch, ended, error = handoff.take(timeout=0.2)
                if batch:
                    last = time.monotonic()
                    yield from batch
                    if len(batch) < _Handoff.BATCH:
                        # Let the reader gather a batch: taking items one by one costs
                        # a thread switch each (a log of a million lines), and 5 ms
                        # is no delay to a reader of the page.
                        time.sleep(0.005)
                if error is not None:
                    raise error
                if ended:
                    return
                now = time.monotonic()
                # Checked after every batch, not only after silence: a stream that
                # floods (a container printing `yes`) never comes back empty.
                limit = deadline() if deadline is not None else None
                if limit is not None and now > limit:
                    raise requests.exceptions.ReadTimeout(
                        "the Docker Engine did not end the stream in time")
                if batch:
                    continue
                if idle is not None and now - last > idle:
                    if heartbeat is None:
                        raise requests.exceptions.ReadTimeout(
                            f"the Docker Engine sent nothing for {idle:g} s")
                    heartbeat()
                    last = time.monotonic()
        finally:
            handoff.cancel()

    def bounded(self, call: Callable[[], _T], seconds: float) -> _T:
        """``call()``, but give up after ``seconds``: for a lookup that must not wait
        the client's whole timeout (a widget being built, a check that the engine
        still answers).

        The call runs in a background thread; one that never answers is left to the
        client's own timeout there, while the caller moves on.

        Raises:
            requests.exceptions.ReadTimeout: No answer within ``seconds``
                (:meth:`translate` turns this into EngineUnavailable).
        """
        try:
            return bounded.within(seconds, call)
        except TimeoutError:
            raise requests.exceptions.ReadTimeout(
                f"the Docker Engine did not answer within {seconds:g} s") from None

    def events(self, filters: Mapping[str, Any], *, since: float | None = None) -> Iterator[Any]:
        """The engine's event stream, decoded, and a way to close it.

        Equivalent CLI: ``docker events --filter ...``

        Returns:
            The SDK's event generator; call its ``close()`` to stop listening.
        """
        with self.translate(None):
            return self.client.events(decode=True, filters=dict(filters), since=since)

    def facts(self) -> Facts:
        """What the error translator may know about this engine (override to add lookups)."""
        return Facts(host=self.host)

    @contextmanager
    def translate(self, step: s.Step | None) -> Iterator[None]:
        """Turn SDK and connection failures inside the block into friendly errors."""
        try:
            yield
        except errors.DocDockerError:
            raise
        except Exception as err:
            if self.translator is None:
                raise
            translated = self.translator(err, step, self.facts())
            if translated is None:
                raise
            raise translated from err
