"""Shell words: a command given as one string, split as a POSIX shell splits it.

``engine.run("busybox", "sh -c 'echo hi'")`` runs three words, exactly what the
same line typed after ``docker run busybox`` in a terminal runs. A line a shell
would not accept (an unclosed quote) is refused with the quote and its position.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence

from docdocker.base.errors import InvalidCommand


def split(line: str, *, head: Sequence[str] = ()) -> list[str]:
    """The words of ``line``, as ``sh`` would split them.

    Equivalent CLI: what the shell does to ``docker run IMAGE <line>``

    Args:
        line: The command as one string, e.g. ``"sh -c 'echo hi'"``.
        head: The command line before it (``docker run busybox``), for the message.

    Raises:
        InvalidCommand: The line has an unclosed quote (or cannot be split at all);
            the message names the quote and its position.
    """
    try:
        return shlex.split(line)
    except ValueError as err:
        quote, where = open_quote(line)
        what = (f"the {quote} quote at position {where} is never closed" if quote
                else f"it cannot be split into words ({err})")
        raise InvalidCommand(
            f"The command {line!r} cannot be run: {what}.",
            fix="Close the quote (e.g. \"sh -c 'echo hi'\"), or pass the words as a list: "
                "[\"sh\", \"-c\", \"echo hi\"].",
            command=list(head), typed=line,
        ) from err


def open_quote(text: str) -> tuple[str, int]:
    """The quote character left open in a shell line and its position, or ``("", -1)``."""
    quote, start, escaped = "", -1, False
    for i, char in enumerate(text):
        if escaped:
            escaped = False
        elif char == "\\" and quote != "'":
            escaped = True
        elif quote:
            if char == quote:
                quote, start = "", -1
        elif char in "'\"":
            quote, start = char, i
    return quote, start
