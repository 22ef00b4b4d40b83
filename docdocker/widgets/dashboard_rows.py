"""The dashboard's table: the header and the rows, one table row of text and four buttons each.

Stock ipywidgets; :class:`~docdocker.widgets.dashboard.Dashboard` keeps one
:class:`RowView` per container across refreshes, so a click is never lost.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from html import escape
from typing import Any

import ipywidgets as widgets
from ipywidgets.widgets.widget_string import HTMLStyle

from docdocker.base import render
from docdocker.readalong import recordings
from docdocker.widgets.dashboard_model import (
    COLUMNS,
    LIVE_STATES,
    READ_ONLY_TIP,
    action_step,
    first_name,
)

__all__ = ["RowView", "Shared", "ports_html", "table_row"]

# Column shares (percent) used by the header and every row alike, so the columns
# line up at any width; the buttons keep fixed widths beside them. Text that does
# not fit is cut with an ellipsis (the whole of it is in the cell's tooltip), never
# wrapped, so a 1280 px wide page (file browser open) needs no sideways scrolling.
_WIDTHS = {"NAMES": 22, "IMAGE": 12, "STATUS": 17, "PORTS": 25, "CREATED": 12, "notebook": 12}
_CELL = "white-space: nowrap; overflow: hidden; text-overflow: ellipsis; padding: 0 4px 0 0;"
_TABLE = "table-layout: fixed; border-collapse: collapse; width: 100%; margin: 0;"
#: The buttons of a row and their widths (em).
_BUTTONS = (("stop", "", "stop", 5.4), ("kill", "warning", "bolt", 4.8),
            ("remove", "danger", "trash", 7.2), ("logs", "info", "file-text", 5.4))
# What the buttons take beside the table: their widths and margins (2px each side).
_BUTTONS_WIDTH = f"calc({sum(b[3] for b in _BUTTONS)}em + {4 * len(_BUTTONS)}px)"


def table_row(cells: Mapping[str, tuple[str, str]], tag: str = "td") -> str:
    """One row of a fixed-layout table: the header and every row share the column widths.

    Args:
        cells: Per column key, the cell's HTML and its tooltip (the full text).
        tag: ``td``, or ``th`` for the header.
    """
    cols = "".join(f'<col style="width: {_WIDTHS[key]}%">' for key, _ in COLUMNS)
    tds = "".join(f'<{tag} style="{_CELL} text-align: left;" title="{escape(cells[key][1])}">'
                  f"{cells[key][0]}</{tag}>" for key, _ in COLUMNS)
    return f'<table style="{_TABLE}"><colgroup>{cols}</colgroup><tr>{tds}</tr></table>'


class Shared:
    """Layouts and styles every row uses: widgets too, so shared rather than made per row.

    A row is then five widgets (its cells, four buttons) plus its box, which keeps a
    dashboard of hundreds of containers quick to draw and to close.
    """

    def __init__(self) -> None:
        self.row = widgets.Layout(align_items="center", width="100%")
        # The text takes what the buttons leave; the columns shrink, never the buttons.
        self.cells = widgets.Layout(flex="1 1 0%", min_width="20em", width="auto")
        self.buttons = {verb: widgets.Layout(width=f"{width}em", flex="0 0 auto")
                        for verb, _, _, width in _BUTTONS}
        self.spacer = widgets.Layout(width=_BUTTONS_WIDTH, flex="0 0 auto")
        self.button_style = widgets.ButtonStyle()
        self.html_style = HTMLStyle()

    def close(self) -> None:
        for part in (self.row, self.cells, *self.buttons.values(), self.spacer,
                     self.button_style, self.html_style):
            part.close()


def ports_html(ports: Iterable[Any]) -> str:
    """The PORTS cell: published ports as links that open in a new tab."""
    # One port a line, never broken inside "127.0.0.1:8080->80/tcp".
    return "<br>".join(
        f'<span style="white-space: nowrap;">{render.link_html(p)}</span>'
        if isinstance(p, render.Link) else escape(str(p))
        for p in ports
    )


class RowView:
    """The widgets of one table row, kept across refreshes so a click is never lost."""

    def __init__(self, on_action: Callable[[str, RowView], None], shared: Shared) -> None:
        self.name = ""
        self.cells = widgets.HTML(layout=shared.cells, style=shared.html_style)
        self.buttons: dict[str, widgets.Button] = {}
        for verb, style, icon, _width in _BUTTONS:
            button = widgets.Button(description=verb, button_style=style, icon=icon,
                                    layout=shared.buttons[verb], style=shared.button_style)
            button.on_click(lambda _b, verb=verb: on_action(verb, self))
            self.buttons[verb] = button
        self.box = widgets.HBox([self.cells, *self.buttons.values()], layout=shared.row)

    def update(self, row: Mapping[str, Any], busy: str = "") -> None:
        self.name = first_name(row)
        image, status = row.get("IMAGE", ""), row.get("STATUS", "")
        published = row.get("PORTS") or ()
        created = row.get("CREATED", "")
        # Same value, no message to the browser: traitlets drops unchanged strings.
        self.cells.value = table_row({
            "NAMES": (f"<b>{escape(self.name)}</b>", self.name),
            "IMAGE": (escape(image), image),
            "STATUS": (escape(status), status),
            "PORTS": (ports_html(published), ", ".join(map(str, published))),
            "CREATED": (escape(created), created),
            "notebook": (escape(row["notebook"]), row["notebook"]) if row["managed"] else
            ("<i>read-only</i>", READ_ONLY_TIP),
        })
        live = row.get("STATE") in LIVE_STATES
        for verb, button in self.buttons.items():
            if row.get("recorded"):
                button.disabled, button.tooltip = True, recordings.needs_engine(verb.capitalize())
            elif not row["managed"]:
                button.disabled, button.tooltip = True, READ_ONLY_TIP
            elif busy:
                button.disabled, button.tooltip = True, f"Wait: `{busy}` is running."
            elif verb in ("stop", "kill") and not live:
                button.disabled = True
                button.tooltip = f"{self.name} is not running ({row.get('STATE') or '?'})."
            else:
                button.disabled = False
                button.tooltip = action_step(verb, self.name).cli

    def close(self) -> None:
        # Not close_tree: the layouts and styles are shared with the other rows.
        for part in (self.cells, *self.buttons.values(), self.box):
            part.close()
