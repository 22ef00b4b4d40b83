"""The widgets of one PortMapper row, kept in step with its
:class:`~docdocker.widgets.portmapper_row.PortRow` both ways."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import ipywidgets as widgets
from traitlets import link

from docdocker.base import render
from docdocker.grammar.ports import PROTOCOLS
from docdocker.widgets.base import close_tree
from docdocker.widgets.portmapper_model import is_own
from docdocker.widgets.portmapper_row import EVERYWHERE, LOCALHOST, PortRow

__all__ = ["RowView"]

# Dropdown values that are not addresses themselves.
_NO_ADDRESS = "<none>"
_CUSTOM = "<custom>"
_ADDRESS_CHOICES = (
    ("127.0.0.1 (this machine only)", LOCALHOST),
    ("0.0.0.0 (every interface)", EVERYWHERE),
    ("no address (Docker's default: every interface)", _NO_ADDRESS),
    ("other address…", _CUSTOM),
)



class RowView:
    """The widgets of one row, kept in step with its :class:`PortRow` both ways."""

    def __init__(self, row: PortRow, on_remove: Callable[[PortRow], None]) -> None:
        self.row = row
        self._syncing = False
        self.address = widgets.Dropdown(
            options=_ADDRESS_CHOICES, layout=widgets.Layout(width="19em"),
            tooltip="The host address to listen on",
        )
        self.custom = widgets.Text(
            placeholder="e.g. 192.168.1.10", layout=widgets.Layout(width="11em"),
        )
        self.host_port = widgets.Text(
            placeholder="engine picks", layout=widgets.Layout(width="8em"),
            tooltip="Host port (empty: the engine picks one)",
        )
        self.container_port = widgets.Text(
            placeholder="e.g. 80", layout=widgets.Layout(width="6em"), tooltip="Container port",
        )
        self.protocol = widgets.Dropdown(options=PROTOCOLS, layout=widgets.Layout(width="6em"))
        self.remove = widgets.Button(
            icon="times", tooltip="Remove this mapping", layout=widgets.Layout(width="2.6em"),
        )
        self.message = widgets.HTML()
        self.use = widgets.Button(button_style="info", layout=widgets.Layout(display="none"))
        colon = widgets.HTML("<b>:</b>")
        arrow = widgets.HTML("&rarr;")
        self.box = widgets.VBox([
            widgets.HBox([self.address, self.custom, colon, self.host_port, arrow,
                          self.container_port, self.protocol, self.remove]),
            widgets.HBox([self.message, self.use]),
        ])
        # traitlets.link, not jslink: the model lives in the kernel.
        self._links = [
            link((row, "host_port"), (self.host_port, "value")),
            link((row, "container_port"), (self.container_port, "value")),
            link((row, "protocol"), (self.protocol, "value")),
        ]
        self._address_from_row()
        self.address.observe(self._address_chosen, names="value")
        self.custom.observe(self._custom_typed, names="value")
        row.observe(self._address_from_row, names="host_ip")
        row.observe(self._derived_changed, names=["problem", "warning", "suggestion"])
        self.remove.on_click(lambda _: on_remove(row))
        self.use.on_click(self._use_suggestion)
        self._derived_changed()

    @contextmanager
    def _sync(self) -> Iterator[None]:
        self._syncing = True
        try:
            yield
        finally:
            self._syncing = False

    def _show_custom(self) -> None:
        self.custom.layout.display = None if self.address.value == _CUSTOM else "none"

    def _address_chosen(self, change: Any) -> None:
        self._show_custom()
        if self._syncing:
            return
        with self._sync():
            choice = change["new"]
            if choice == _NO_ADDRESS:
                self.row.host_ip = None
            elif choice == _CUSTOM:
                self.row.host_ip = self.custom.value
            else:
                self.row.host_ip = choice

    def _custom_typed(self, change: Any) -> None:
        if self._syncing or self.address.value != _CUSTOM:
            return
        with self._sync():
            self.row.host_ip = change["new"]

    def _address_from_row(self, change: Any = None) -> None:
        if self._syncing:
            return
        ip = self.row.host_ip
        with self._sync():
            if ip is None:
                self.address.value = _NO_ADDRESS
            elif ip in (LOCALHOST, EVERYWHERE):
                self.address.value = ip
            else:
                self.address.value = _CUSTOM
                self.custom.value = ip
        self._show_custom()

    def _derived_changed(self, change: Any = None) -> None:
        row = self.row
        parts = []
        if row.problem is not None and is_own(row.problem):
            text = f"{row.problem.message} {row.problem.fix or ''}".strip()
            parts.append(f"<div>{render.status_html(None, text)}</div>")
        elif row.problem is not None:
            parts.append(render.error_html(row.problem))
        if row.warning:
            parts.append(f"<div>{render.status_html(None, row.warning)}</div>")
        self.message.value = "".join(parts)
        if row.suggestion is None:
            self.use.layout.display = "none"
        else:
            self.use.description = f"use {row.suggestion}"
            self.use.tooltip = f"Publish on host port {row.suggestion} instead"
            self.use.layout.display = None

    def _use_suggestion(self, _: Any = None) -> None:
        if self.row.suggestion is not None:
            self.row.host_port = str(self.row.suggestion)

    def close(self) -> None:
        for one in self._links:
            one.unlink()
        self.row.unobserve(self._address_from_row, names="host_ip")
        self.row.unobserve(self._derived_changed, names=["problem", "warning", "suggestion"])
        close_tree(self.box)


