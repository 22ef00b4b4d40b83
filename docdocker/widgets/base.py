"""What the widget views share: a console that writes into a widget, a full plain-text
form, and closing a whole tree of widgets."""

from __future__ import annotations

import time
from collections.abc import Callable
from html import escape
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from docdocker.base import render
from docdocker.core.console import Console

if TYPE_CHECKING:
    from docdocker.core.progress import Progress


class FullTextRepr:
    """Keep a widget's whole ``repr`` as its plain-text output.

    ipywidgets cuts the plain-text form of a widget to 110 characters. That form
    is all a reader sees where widgets cannot render (a notebook viewed without a
    kernel, or in a terminal), so the widgets put a complete summary there.
    """

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        bundle = super()._repr_mimebundle_(**kwargs)  # type: ignore[misc]
        if isinstance(bundle, dict):
            bundle["text/plain"] = repr(self)
        return bundle


class WidgetConsole(Console):
    """Writes a step's echo, pull progress and output into one HTML widget.

    Nothing reaches the cell's output (or, for a click, JupyterLab's log console).
    """

    #: Redraw progress at most this often (seconds): a pull emits hundreds of events.
    interval = 0.2

    def __init__(self, out: widgets.HTML) -> None:
        self.out = out
        self._parts = {"command": "", "progress": "", "text": "", "end": ""}
        self._text = ""
        self._last = 0.0

    def command(self, cli: str) -> None:
        self._parts["command"] = render.command_html(cli)
        self._show()

    def progress(self, progress: Progress, *, final: bool = False) -> None:
        now = time.monotonic()
        if not final and now - self._last < self.interval:
            return
        self._last = now
        self._parts["progress"] = progress.html()
        self._show()

    def text(self, chunk: str) -> None:
        self._text += chunk
        self._parts["text"] = render.output_html(self._text.rstrip("\n"))
        self._show()

    def end(self, html: str) -> None:
        """Show how the step ended, under what it printed."""
        self._parts["end"] = html
        self._show()

    def _show(self) -> None:
        self.out.value = "".join(self._parts.values())


def close_tree(widget: widgets.Widget) -> None:
    """Close a widget and every widget below it (a closed parent leaves its children open)."""
    close_below(widget)
    widget.close()


def close_below(widget: widgets.Widget) -> None:
    """Close every widget a widget holds, but not the widget itself (for ``close()`` overrides).

    Its children, recursively, and its layout and style: those are widgets too,
    and stay registered in the kernel until closed.
    """
    for child in getattr(widget, "children", ()):
        close_tree(child)
    for part in ("layout", "style"):
        sub = getattr(widget, part, None)
        if isinstance(sub, widgets.Widget):
            sub.close()


def unlink_and_close_children(view: widgets.Box, links: list[Any], model: Any,
                              shown: Callable[..., Any], names: list[str]) -> None:
    """Undo what a view did to its model, then close every widget the view holds.

    The links are unlinked and ``shown`` stops observing ``names`` only the first
    time: ``close`` runs again when the widget is garbage-collected. The caller
    then closes the view itself (``super().close()``).
    """
    if links:
        for one in links:
            one.unlink()
        links.clear()
        model.unobserve(shown, names=names)
    for child in view.children:
        close_tree(child)

def code(text: str) -> str:
    """``text`` as escaped inline code."""
    return f"<code>{escape(text)}</code>"
