"""Pure functions that turn results into escaped HTML for notebook outputs.

Nothing here talks to the engine or to IPython; every function takes plain
values and returns a string, so it is easy to test and safe to call anywhere.
Colours come from JupyterLab's theme variables (with fallbacks), so outputs read
well in light and dark themes and in a static notebook viewer.
"""

from __future__ import annotations

import re
import shlex
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

_MONO = "font-family:var(--jp-code-font-family,monospace);font-size:.9em;"
# Long lines wrap instead of scrolling sideways; a long word may break anywhere.
_WRAP = "white-space:pre-wrap;overflow-wrap:anywhere;"
# Left-aligned (JupyterLab right-aligns table cells); its padding is kept.
_CELL = "text-align:left"
#: Classes that keep math typesetting away from an element and everything in it:
#: MathJax 3 (JupyterLab 4) skips ``mathjax_ignore``, MathJax 2 (Notebook 6,
#: nbviewer) skips ``tex2jax_ignore``. MathJax also never looks inside ``pre`` or
#: ``code``, and docdocker's echoes and outputs are both.
NO_MATH = "mathjax_ignore tex2jax_ignore"

#: Flags docdocker adds to every command that creates something: shown, but dimmed,
#: so that the options being taught stand out. Copying the line still copies them.
_BOOKKEEPING = ("org.docdocker.",)


def _is_bookkeeping(flag: str, value: str) -> bool:
    return flag == "--label" and value.startswith(_BOOKKEEPING)


def command_html(cli: str) -> str:
    """The echoed ``$ docker ...`` line.

    The command sits in a ``<code>`` inside a ``<pre>``, which no math renderer
    or Markdown parser touches, so ``$``, ``*``, ``_`` and ``<`` stay as typed.
    The ``$ `` prompt cannot be selected, so copying the line copies exactly
    ``cli``. docdocker's own ``--label org.docdocker...`` flags are dimmed.
    """
    return (
        f'<pre class="docdocker-command {NO_MATH}" style="white-space:pre-wrap;margin:2px 0">'
        '<span class="docdocker-prompt" style="user-select:none;opacity:.6">$ </span>'
        f'<code class="docdocker-cli" style="font-weight:bold">{_command_words(cli)}</code></pre>'
    )


#: One word as ``shlex.quote`` writes it: safe characters, ``'...'`` and ``"'"`` (a quote).
#: Each alternative starts with a different character, so matching is linear.
_QUOTED_WORD = re.compile(r"(?:[^\s'\"]|'[^']*'|\"'\")+")
_QUOTED_PART = re.compile(r"[^\s'\"]+|'[^']*'|\"'\"")


def _unquote(word: str) -> str:
    return "".join(p[1:-1] if p[0] == "'" else "'" if p == '"\'"' else p
                   for p in _QUOTED_PART.findall(word))


def _command_words(cli: str) -> str:
    """``cli`` escaped, its bookkeeping flags wrapped in a dimmed span.

    Linear in the length of ``cli`` (a word of a megabyte included): the line is
    read as ``shlex.join`` writes it, not split by ``shlex.split``, which is
    quadratic in the length of one word.
    """
    quoted: list[str] = []
    pos = 0
    while pos < len(cli):
        found = _QUOTED_WORD.match(cli, pos)
        end = found.end() if found else pos
        if found is None or (end < len(cli) and cli[end] != " ") or end + 1 == len(cli):
            return escape(cli)  # not a line shlex.join made: show it untouched
        quoted.append(found.group())
        pos = end + 1
    words = [_unquote(q) for q in quoted]
    if any(shlex.quote(w) != q for w, q in zip(words, quoted, strict=True)):
        return escape(cli)
    parts: list[str] = []
    i = 0
    while i < len(words):
        if i + 1 < len(words) and _is_bookkeeping(words[i], words[i + 1]):
            parts.append(
                '<span class="docdocker-bookkeeping" style="font-weight:normal;opacity:.45">'
                f"{escape(quoted[i])} {escape(quoted[i + 1])}</span>"
            )
            i += 2
        else:
            parts.append(escape(quoted[i]))
            i += 1
    return " ".join(parts)


def table_output_html(text: str) -> str:
    """A table a program printed as text (``docker compose ps``): never wrapped, so its
    columns stay aligned; a box that scrolls sideways when it is wider than the notebook."""
    return _scroll_box('<pre class="docdocker-output" style="white-space:pre;margin:2px 0">'
                       f"{escape(text)}</pre>")


def output_html(text: str) -> str:
    """What a container or command printed, as a preformatted block.

    Math renderers and Markdown parsers leave ``<pre>`` alone, so nothing in it is
    interpreted.
    """
    if not text:
        return ""
    return (
        f'<pre class="docdocker-output" style="{_WRAP}margin:2px 0">{escape(text)}</pre>'
    )


def link_html(link: Link) -> str:
    """A hyperlink that opens in a new tab.

    Styled inline: JupyterLab un-styles links inside widgets, where they would
    otherwise look like plain text.
    """
    return (
        f'<a href="{escape(link.href)}" target="_blank" rel="noopener" '
        'style="color:var(--jp-content-link-color,#1976d2);text-decoration:underline">'
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


#: Tables show at most this many rows, then say how many more there are: enough for every
#: row a lesson talks about (a ``docker history``, a workshop's ``docker ps``), few enough
#: that a saved notebook stays small.
MAX_ROWS = 40
#: Columns whose values must not wrap: a wrapped ID or name is hard to read or copy.
_NOWRAP = ("CONTAINER ID", "IMAGE ID", "NAMES", "NAME", "PORTS", "REPOSITORY", "TAG", "ID",
           "check")
#: Columns that may hold one long word (a path, an image reference): it breaks anywhere
#: rather than pushing the table wider than the notebook.
_BREAK_ANYWHERE = ("COMMAND", "found", "fix")


def table_html(
    columns: Sequence[str], rows: Iterable[Mapping[str, Any]], *, empty: str = "(none)",
    nowrap: Sequence[str] | None = None, limit: int | None = MAX_ROWS,
) -> str:
    """A table with one row per mapping, cells escaped; ``empty`` when there are no rows.

    Cells wrap at spaces so that the table fits the notebook's width; in the columns
    that may hold one long word (image references, commands, paths) it breaks anywhere.
    The columns named in ``nowrap`` (by default IDs, names and ports) never wrap.
    Beyond ``limit`` rows, a last row says how many more there are.
    """
    rows, hidden = _capped(rows, limit)
    nowrap = _NOWRAP if nowrap is None else nowrap
    keep = f"{_CELL};white-space:nowrap"
    style = {c: keep if c in nowrap else
             f"{_CELL};overflow-wrap:anywhere" if c in _BREAK_ANYWHERE else _CELL
             for c in columns}
    head = "".join(f'<th style="{keep}">{escape(c)}</th>' for c in columns)
    if not rows:
        body = f'<tr><td style="{_CELL}" colspan="{len(columns)}"><i>{escape(empty)}</i></td></tr>'
    else:
        body = "".join(
            "<tr>" + "".join(f'<td style="{style[c]}">{_cell(row.get(c))}</td>' for c in columns)
            + "</tr>"
            for row in rows
        )
    if hidden:
        body += (f'<tr><td style="{_CELL}" colspan="{len(columns)}"><i>'
                 f"{escape(_more(hidden))}</i></td></tr>")
    return _scroll_box(
        f'<table class="docdocker-table {NO_MATH}" '
        f'style="{_MONO}border-collapse:collapse">'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def _scroll_box(inner: str) -> str:
    """A table wider than the notebook scrolls inside its own box, visibly, instead of
    being cut at the output's edge."""
    return f'<div class="docdocker-table-box" style="overflow-x:auto;max-width:100%">{inner}</div>'



def table_text(
    columns: Sequence[str], rows: Iterable[Mapping[str, Any]], *, limit: int | None = MAX_ROWS
) -> str:
    """The same table as aligned plain text, like the ``docker`` CLI prints it."""
    kept, hidden = _capped(rows, limit)
    rows = [{c: ", ".join(map(str, v)) if isinstance(v, (list, tuple)) else str(v or "")
             for c, v in row.items()} for row in kept]
    widths = [max([len(c), *(len(r.get(c, "")) for r in rows)]) for c in columns]
    lines = ["   ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()]
    lines += [
        "   ".join(r.get(c, "").ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()
        for r in rows
    ]
    if hidden:
        lines.append(_more(hidden))
    return "\n".join(lines)


def _capped(
    rows: Iterable[Mapping[str, Any]], limit: int | None
) -> tuple[list[Mapping[str, Any]], int]:
    rows = list(rows)
    if limit is None or len(rows) <= limit:
        return rows, 0
    return rows[:limit], len(rows) - limit


def _more(hidden: int) -> str:
    return (f"… and {hidden} more row{'s' if hidden > 1 else ''}, not shown here "
            "(the docker command in a terminal prints them all)")


_CODE = re.compile(r"`([^`]+)`")


def prose_html(text: str) -> str:
    """Escaped text in which `backquoted` parts become inline code."""
    return _CODE.sub(lambda m: f"<code>{m.group(1)}</code>", escape(text))


def error_html(error: Explained) -> str:
    """A friendly error box: what failed, the fix, the failing command, Docker's own words.

    It reads as an error without any stylesheet too (GitHub, nbviewer): a cross
    and the title in bold lead, the command and Docker's words are preformatted.
    """
    parts = [f"<b>✘ {escape(error.title)}</b>: {prose_html(error.message)}"]
    if error.fix:
        parts.append(f"<b>Fix:</b> {prose_html(error.fix)}")
    if error.cli:
        parts.append(command_html(error.cli))
    original = getattr(error, "stderr", "")
    if original:
        parts.append(
            '<span style="opacity: 0.8;">Docker said:</span>'
            f'<pre class="docdocker-engine-said" style="{_WRAP}margin:2px 0">'
            f"{escape(original.strip()[-2000:])}</pre>"
        )
    return (
        f'<div class="docdocker-error {NO_MATH}" role="alert" style="border-left: 4px solid '
        'var(--jp-error-color1, #d32f2f); padding: 4px 10px; margin: 4px 0; '
        'background: var(--jp-error-color3, #fdecea); color: var(--jp-ui-font-color0, #000);">'
        + "".join(f'<div style="white-space: pre-wrap;">{part}</div>' for part in parts)
        + "</div>"
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


#: Bar chart geometry (px): label column, bar column, row height.
_CHART_LABEL, _CHART_BAR, _CHART_ROW = 230, 420, 26


def bar_chart_svg(bars: Sequence[tuple[str, float]], *, title: str = "") -> str:
    """Horizontal bars, one per ``(label, size in bytes)``, as inline SVG.

    The longest bar fills the width; each bar is labelled with its size as the CLI
    prints sizes (``size_text``), so the picture and the table read the same. Inline
    SVG needs no plotting library and renders in JupyterLab, on GitHub and offline.
    """
    largest = max((size for _, size in bars), default=0) or 1
    top = 22 if title else 4
    height = top + _CHART_ROW * len(bars) + 4
    width = _CHART_LABEL + _CHART_BAR + 90
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{escape(title or "sizes", quote=True)}" '
             'style="font-family:var(--jp-ui-font-family,sans-serif);font-size:13px">']
    if title:
        parts.append(f'<text x="0" y="15" font-weight="bold" '
                     f'fill="var(--jp-ui-font-color1,#222)">{escape(title)}</text>')
    for index, (label, size) in enumerate(bars):
        y = top + index * _CHART_ROW
        length = max(1.0, _CHART_BAR * max(size, 0) / largest)
        parts.append(
            f'<text x="{_CHART_LABEL - 8}" y="{y + 17}" text-anchor="end" '
            f'fill="var(--jp-ui-font-color1,#222)">{escape(label)}</text>'
            f'<rect x="{_CHART_LABEL}" y="{y + 4}" width="{length:.1f}" height="{_CHART_ROW - 8}" '
            f'fill="var(--jp-brand-color1,#1976d2)"><title>{escape(label)}: '
            f'{size_text(size)}</title></rect>'
            f'<text x="{_CHART_LABEL + length + 6:.1f}" y="{y + 17}" '
            f'fill="var(--jp-ui-font-color1,#222)">{size_text(size)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def bar_chart_text(bars: Sequence[tuple[str, float]], *, width: int = 40) -> str:
    """The same chart in plain text (``#`` bars), for terminals and text outputs."""
    largest = max((size for _, size in bars), default=0) or 1
    pad = max((len(label) for label, _ in bars), default=0)
    return "".join(f"{label:<{pad}}  {'#' * max(1, round(width * max(size, 0) / largest))} "
                   f"{size_text(size)}\n" for label, size in bars)
