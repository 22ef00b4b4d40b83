"""Pure functions that turn results into escaped HTML for notebook outputs.

Nothing here talks to the engine or to IPython; every function takes plain
values and returns a string, so it is easy to test and safe to call anywhere.
Colours come from JupyterLab's theme variables (with fallbacks), so outputs read
well in light and dark themes and in a static notebook viewer.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Mapping, Sequence
from html import escape
from typing import Any, Protocol


class Explained(Protocol):
    """What :func:`error_html` shows: a docdocker error, or anything shaped like one."""

    message: str
    fix: str | None

    @property
    def title(self) -> str: ...

    @property
    def cli(self) -> str | None: ...

_MONO = "font-family: var(--jp-code-font-family, monospace); font-size: 0.9em;"
_CELL = "padding: 2px 10px; text-align: left; vertical-align: top; white-space: pre;"


def command_html(cli: str) -> str:
    """The echoed ``$ docker ...`` line."""
    return (
        f'<div class="docdocker-command" style="{_MONO} margin: 2px 0;">'
        f'<span style="color: var(--jp-ui-font-color2, #888); user-select: none;">$ </span>'
        f"<b>{escape(cli)}</b></div>"
    )


def output_html(text: str) -> str:
    """What a container or command printed, as a preformatted block."""
    if not text:
        return ""
    return (
        f'<pre class="docdocker-output" style="{_MONO} margin: 2px 0; padding: 4px 8px; '
        f'background: var(--jp-layout-color2, #f5f5f5);">{escape(text)}</pre>'
    )


def link_html(link: Link) -> str:
    """A hyperlink that opens in a new tab.

    Styled inline: JupyterLab un-styles links inside widgets, where they would
    otherwise look like plain text.
    """
    return (
        f'<a href="{escape(link.href)}" target="_blank" rel="noopener" '
        'style="color: var(--jp-content-link-color, #1976d2); text-decoration: underline;">'
        f"{escape(link.text)}</a>"
    )


class Raw(str):
    """Trusted HTML made by this module, inserted into a table cell as is."""


def _cell(value: Any) -> str:
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, Link):
        return link_html(value)
    if isinstance(value, (list, tuple)):
        return "<br>".join(_cell(item) for item in value)
    return escape("" if value is None else str(value))


class Link:
    """A table cell that renders as a hyperlink (and as its text in plain output)."""

    def __init__(self, text: str, href: str) -> None:
        self.text = text
        self.href = href

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"Link({self.text!r}, {self.href!r})"


def table_html(
    columns: Sequence[str], rows: Iterable[Mapping[str, Any]], *, empty: str = "(none)"
) -> str:
    """A table with one row per mapping, cells escaped; ``empty`` when there are no rows."""
    rows = list(rows)
    head = "".join(f'<th style="{_CELL}">{escape(c)}</th>' for c in columns)
    if not rows:
        body = f'<tr><td style="{_CELL}" colspan="{len(columns)}"><i>{escape(empty)}</i></td></tr>'
    else:
        body = "".join(
            "<tr>" + "".join(f'<td style="{_CELL}">{_cell(row.get(c))}</td>' for c in columns)
            + "</tr>"
            for row in rows
        )
    return (
        f'<table class="docdocker-table" style="{_MONO} border-collapse: collapse;">'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def table_text(columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> str:
    """The same table as aligned plain text, like the ``docker`` CLI prints it."""
    rows = [{c: ", ".join(map(str, v)) if isinstance(v, (list, tuple)) else str(v or "")
             for c, v in row.items()} for row in rows]
    widths = [max([len(c), *(len(r.get(c, "")) for r in rows)]) for c in columns]
    lines = ["   ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()]
    lines += [
        "   ".join(r.get(c, "").ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()
        for r in rows
    ]
    return "\n".join(lines)


_CODE = re.compile(r"`([^`]+)`")


def prose_html(text: str) -> str:
    """Escaped text in which `backquoted` parts become inline code."""
    return _CODE.sub(lambda m: f"<code>{m.group(1)}</code>", escape(text))


def error_html(error: Explained) -> str:
    """A friendly error box: what failed, the fix, the failing command, Docker's own words."""
    parts = [f"<b>{escape(error.title)}</b>: {prose_html(error.message)}"]
    if error.fix:
        parts.append(f"<b>Fix:</b> {prose_html(error.fix)}")
    if error.cli:
        parts.append(command_html(error.cli))
    original = getattr(error, "stderr", "")
    if original:
        parts.append(
            '<span style="opacity: 0.8;">Docker said:</span>'
            f'<pre style="{_MONO} margin: 2px 0; white-space: pre-wrap;">'
            f"{escape(original.strip()[-2000:])}</pre>"
        )
    return (
        '<div class="docdocker-error" style="border-left: 4px solid '
        'var(--jp-error-color1, #d32f2f); padding: 4px 10px; margin: 4px 0; '
        'background: var(--jp-error-color3, #fdecea);'
        ' white-space: pre-wrap;">' + "<br>".join(parts) + "</div>"
    )


def status_html(ok: bool | None, text: str) -> str:
    """A one-line status with a check mark, a cross or a warning sign."""
    mark, colour = {
        True: ("✔", "var(--jp-success-color1, #388e3c)"),
        False: ("✘", "var(--jp-error-color1, #d32f2f)"),
        None: ("!", "var(--jp-warn-color1, #f57c00)"),
    }[ok]
    return f'<span style="color: {colour}; font-weight: bold;">{mark}</span> {escape(text)}'


def progress_bar_html(label: str, status: str, current: int | None, total: int | None) -> str:
    """One layer's line: id, status and, while transferring, a bar."""
    bar = ""
    if current is not None and total:
        bar = f'<progress value="{current}" max="{total}" style="width: 12em;"></progress> '
    return (
        f'<div style="{_MONO}">{escape(label)}: {bar}{escape(status)}</div>'
    )


def ago(epoch: float | None) -> str:
    """``docker ps``-style age: "5 seconds ago", "3 minutes ago"."""
    if not epoch:
        return ""
    seconds = max(0, int(time.time() - epoch))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n > 1 else ''} ago"
    if seconds < 1:
        return "Less than a second ago"
    return f"{seconds} second{'s' if seconds > 1 else ''} ago"


def size_text(n: float) -> str:
    """A size as the CLI prints it (decimal units: ``1.2MB``)."""
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000:
            return f"{n:.3g}{unit}"
        n /= 1000
    return f"{n:.3g}TB"
