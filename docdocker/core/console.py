"""Where a step's echo, progress and streamed output go while it runs.

In a notebook the echo and progress are rich displays (progress updates one
output in place); in a terminal they are printed lines; in a widget or a test
they can be silenced. The engine only ever talks to the :class:`Console`
interface.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from docdocker.base import errors, render
from docdocker.core.progress import Progress

#: Characters of a long output shown from its start, and kept from its end.
HEAD_CHARS = 32_000
TAIL_CHARS = 8_000


class Capped:
    r"""Keeps the start and the end of an output that may be huge, in bounded memory.

    A container can print gigabytes; a notebook cell (and the saved notebook)
    should not receive them. The first ``head`` characters pass through as
    they stream; after that only the last ``tail`` are kept, and :meth:`summary`
    says how much was left out and how to read it all.

    Example:
        >>> cap = Capped(head=4, tail=3)
        >>> cap.feed("abcdefghij")
        'abcd'
        >>> cap.text()
        'abcd\n[... 3 characters not shown ...]\nhij'
    """

    def __init__(self, head: int = HEAD_CHARS, tail: int = TAIL_CHARS) -> None:
        self.head, self.tail = head, tail
        self._head: list[str] = []
        self._shown = 0
        self._end = ""
        self.cut = 0
        self.cut_lines = 0

    def feed(self, text: str) -> str:
        """Take the next piece of output; return the part to show now."""
        room = self.head - self._shown
        now, later = text[:room] if room > 0 else "", text[room:] if room > 0 else text
        if now:
            self._head.append(now)
            self._shown += len(now)
        if later:
            joined = self._end + later
            overflow = len(joined) - self.tail
            if overflow > 0:
                dropped = joined[:overflow]
                self.cut += overflow
                self.cut_lines += dropped.count("\n")
                joined = joined[overflow:]
            self._end = joined
        return now

    @property
    def capped(self) -> bool:
        """True when part of the output is not kept."""
        return self.cut > 0

    def summary(self, how: str = "") -> str:
        """The line standing for what was left out (empty when nothing was)."""
        if not self.cut:
            return ""
        lines = f", {self.cut_lines:,} lines" if self.cut_lines else ""
        return f"[... {self.cut:,} characters not shown{lines}{how} ...]"

    def rest(self, how: str = "") -> str:
        """What to show once the output has ended: the summary line and the kept end."""
        if not self.cut:
            return self._end
        start = "" if (self._shown and "".join(self._head[-1:]).endswith("\n")) else "\n"
        return f"{start}{self.summary(how)}\n{self._end}"

    def text(self, how: str = "") -> str:
        """All that is kept: the start, the summary line, the end."""
        return "".join(self._head) + self.rest(how)


class Console:
    """Silent console: the base class, and what widgets use."""

    def command(self, cli: str) -> None:
        """Echo the ``docker`` command a step is about to run."""

    def progress(self, progress: Progress, *, final: bool = False) -> None:
        """Show the latest state of a pull, push or build."""

    def text(self, chunk: str) -> None:
        """Show output as it streams from a container or the engine."""

    def warning(self, message: str) -> None:
        """Point out something risky the step does (it runs anyway)."""


class TextConsole(Console):
    """Prints to a stream, like the ``docker`` CLI would."""

    def __init__(self, stream: Any = None) -> None:
        self.stream = stream or sys.stdout

    def command(self, cli: str) -> None:
        print(f"$ {cli}", file=self.stream, flush=True)

    def progress(self, progress: Progress, *, final: bool = False) -> None:
        # A terminal cannot redraw cheaply from here; print only the final state.
        if final and progress.text():
            print(progress.text(), file=self.stream, flush=True)

    def text(self, chunk: str) -> None:
        print(chunk, end="", file=self.stream, flush=True)

    def warning(self, message: str) -> None:
        print(f"Warning: {message}", file=self.stream, flush=True)


class _Echo:
    """A display object with both HTML and plain-text forms of the echo."""

    def __init__(self, cli: str) -> None:
        self.cli = cli

    def _repr_html_(self) -> str:
        return render.command_html(self.cli)

    def __repr__(self) -> str:
        return f"$ {self.cli}"


class _Warning:
    def __init__(self, message: str) -> None:
        self.message = message

    def _repr_html_(self) -> str:
        return f"<div>{render.status_html(None, 'Warning: ' + self.message)}</div>"

    def __repr__(self) -> str:
        return f"Warning: {self.message}"


class _ProgressView:
    def __init__(self, progress: Progress) -> None:
        self._html = progress.html()
        self._text = progress.text()

    def _repr_html_(self) -> str:
        return self._html

    def __repr__(self) -> str:
        return self._text


class NotebookConsole(Console):
    """Rich output in a Jupyter kernel; progress redraws one output in place."""

    #: Redraw progress at most this often (seconds): a pull emits hundreds of events.
    interval = 0.2
    #: A step that ends sooner shows only its final state, drawn once: no flicker, and a
    #: saved output that does not depend on how fast the engine answered (a reader of the
    #: kernel's messages that ignores in-place updates, such as nbval, sees that state).
    first_delay = 0.5

    def __init__(self) -> None:
        self._handle: Any = None
        self._last = 0.0
        self._started = 0.0

    def command(self, cli: str) -> None:
        from IPython.display import display

        self._handle = None
        self._started = time.monotonic()
        display(_Echo(cli))

    def progress(self, progress: Progress, *, final: bool = False) -> None:
        from IPython.display import display

        now = time.monotonic()
        if self._handle is None and not final and now - self._started < self.first_delay:
            return
        if not final and now - self._last < self.interval:
            return
        self._last = now
        view = _ProgressView(progress)
        if self._handle is None:
            self._handle = display(view, display_id=True)
        else:
            self._handle.update(view)

    def text(self, chunk: str) -> None:
        print(chunk, end="", flush=True)

    def warning(self, message: str) -> None:
        from IPython.display import display

        display(_Warning(message))


def in_notebook() -> bool:
    """True inside a Jupyter kernel (not a plain ``python`` or IPython terminal)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})


def default_console() -> Console:
    """The console that fits where the code is running."""
    return NotebookConsole() if in_notebook() else TextConsole()


def install_notebook_errors() -> None:
    """Show :class:`~docdocker.base.errors.DocDockerError` in a notebook without a traceback."""
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None:
        return

    def show(shell: Any, etype: type, value: BaseException, tb: Any, tb_offset: Any = None) -> Any:
        from IPython.display import display

        display(value)
        # The cell still fails (so "Run All" stops here), with a one-line summary.
        return [f"{etype.__name__}: {getattr(value, 'message', value)}"]

    shell.set_custom_exc((errors.DocDockerError,), show)
