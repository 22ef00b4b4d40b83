"""The Dockerfile grammar, as far as messages need it: which instruction starts on which line.

The engine's build log numbers instructions (``Step 3/8 : COPY . /app``), not
lines; a learner editing a Dockerfile wants the line. :func:`instructions`
splits a Dockerfile the way the builder's parser does (moby
``frontend/dockerfile/parser``): comment lines and blank lines are skipped, a
line ending in the escape character (``\\``, or the one set by a
``# escape=`` directive) continues on the next line, and comment lines inside
a continued instruction are dropped.

Pure: no engine, no file system.

Example:
    >>> [(i.line, i.keyword) for i in instructions("FROM busybox\\n# hi\\nRUN echo \\\\\\n  hi\\n")]
    [(1, 'FROM'), (3, 'RUN')]
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_DIRECTIVE = re.compile(r"^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$")


@dataclass(frozen=True)
class Instruction:
    """One instruction of a Dockerfile.

    Attributes:
        line: The line it starts on (1-based, as the builder counts).
        end_line: The last line it spans (continuations included).
        keyword: The instruction in capitals (``RUN``).
        text: The whole instruction as written, continuations joined by newlines.
    """

    line: int
    end_line: int
    keyword: str
    text: str


def escape_char(text: str) -> str:
    r"""The escape character a Dockerfile declares (``# escape=`` directive), default ``\``."""
    for raw in text.splitlines():
        match = _DIRECTIVE.match(raw.strip())
        if not match:
            break  # directives are only honoured before anything else
        if match.group(1).lower() == "escape" and match.group(2) in ("\\", "`"):
            return match.group(2)
    return "\\"


def instructions(text: str) -> list[Instruction]:
    """Every instruction of a Dockerfile, in order, with the lines it spans."""
    escape = escape_char(text)
    found: list[Instruction] = []
    start = last = 0
    parts: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not parts:
            if not stripped or stripped.startswith("#"):
                continue
            start = number
        elif not stripped or stripped.startswith("#"):
            continue  # blank and comment lines inside a continued instruction are dropped
        parts.append(raw)
        last = number
        if stripped.endswith(escape):
            continue
        found.append(_instruction(start, number, parts))
        parts = []
    if parts:  # the file ends in the middle of a continued instruction
        found.append(_instruction(start, last, parts))
    return found


def _instruction(start: int, end: int, parts: list[str]) -> Instruction:
    text = "\n".join(parts)
    keyword = text.split(None, 1)[0].upper() if text.strip() else ""
    return Instruction(line=start, end_line=end, keyword=keyword, text=text.strip())


def instruction_at(text: str, step: int) -> Instruction | None:
    """The instruction the build log calls ``Step {step}/...`` (1-based), if the file has it.

    The classic builder numbers every instruction, ``ARG`` before ``FROM``
    included; a ``--label`` given to ``docker build`` adds a last ``LABEL`` step
    that is not in the file (None then).
    """
    found = instructions(text)
    return found[step - 1] if 0 < step <= len(found) else None


def instruction_on(text: str, line: int) -> Instruction | None:
    """The instruction that spans ``line`` (1-based), as BuildKit names a failing line."""
    for found in instructions(text):
        if found.line <= line <= found.end_line:
            return found
    return None
