"""A failed build, translated: the Dockerfile line, its instruction and why, in plain words.

Pure: it reads the builder's words and what the build step gathered
(:class:`BuildContext`), never the engine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from docdocker.base import errors
from docdocker.grammar.dockerfile import instruction_at, instruction_on

# Each pattern matches the classic builder's words and BuildKit's ("on line 3",
# "did not complete successfully: exit code: 1", a checksum of a missing source).
_PARSE_ERROR = re.compile(r"dockerfile parse error (?:on )?line (\d+): (.*)",
                          re.IGNORECASE | re.DOTALL)
_NON_ZERO = re.compile(r"returned a non-zero code: (\d+)|did not complete successfully: "
                       r"exit code: (\d+)")
_NOT_IN_CONTEXT = re.compile(r"(?:COPY|ADD) failed: .*?(?:stat|lstat) ([^:]+): "
                             r"(?:file does not exist|no such file or directory)"
                             r"|failed to (?:compute cache key|calculate checksum).*?"
                             r"\"/?([^\"]+)\": not found")
_KEYWORDS = ("FROM, RUN, CMD, LABEL, EXPOSE, ENV, ADD, COPY, ENTRYPOINT, VOLUME, USER, "
             "WORKDIR, ARG, ONBUILD, STOPSIGNAL, HEALTHCHECK, SHELL")


@dataclass(frozen=True)
class BuildContext:
    """What a failed build's message may name, gathered by the build step.

    Attributes:
        dockerfile: The Dockerfile as the learner named it (``Dockerfile``, ``app/Dockerfile``).
        text: The Dockerfile's content, to find the line of a failing step.
        context: The folder sent to the builder, as the learner named it.
        step_number: The classic builder's ``Step N/M`` the build was at when it failed.
        step_output: What that step printed before it failed (a RUN's output).
        line: The Dockerfile line BuildKit named (its excerpt's ``Dockerfile:3``).
        words: The builder's own lines about the failure (BuildKit's excerpt and
            ``ERROR: ...``), kept under the friendly message.
    """

    dockerfile: str
    text: str
    context: str
    step_number: int | None = None
    step_output: str = ""
    line: int | None = None
    words: str = ""


def translate_build_error(
    message: str, where: BuildContext, argv: list[str] | None
) -> errors.BuildFailed:
    """The :class:`~docdocker.base.errors.BuildFailed` for a build the engine stopped.

    Names the Dockerfile line and its instruction, says why in plain words, and
    keeps the engine's own message and the failing step's output in ``stderr``.

    Args:
        message: The engine's error (an ``error`` chunk of the build stream, or the
            explanation of the refused request).
        where: The Dockerfile, its content and where in the build it failed.
        argv: The ``docker build`` command.
    """
    original = message.strip()
    kept = where.words.strip() if original in where.words else (
        where.words.strip() + "\n" + original).strip()
    stderr = (where.step_output.rstrip("\n") + "\n" + kept).strip()
    parse = _PARSE_ERROR.search(original)
    if parse:
        line, what = int(parse.group(1)), parse.group(2).strip()
        unknown = re.match(r"unknown instruction: (\S+)(.*)", what, re.IGNORECASE | re.DOTALL)
        if unknown:
            hint = unknown.group(2).strip()  # BuildKit's "(did you mean COPY?)"
            return errors.BuildFailed(
                f"{where.dockerfile}, line {line}: {unknown.group(1)!s} is not a Dockerfile "
                f"instruction{' ' + hint if hint else ''}.",
                fix=f"Check the spelling on line {line}; every instruction line starts with "
                    f"one of {_KEYWORDS}. If the line continues the one before, end that "
                    "line with a backslash (\\).",
                command=argv, exit_code=1, stderr=stderr,
            )
        return errors.BuildFailed(
            f"{where.dockerfile}, line {line}: the builder cannot read this line ({what}).",
            fix=f"Correct line {line} of {where.dockerfile} and build again.",
            command=argv, exit_code=1, stderr=stderr,
        )
    found = (instruction_on(where.text, where.line) if where.line is not None
             else instruction_at(where.text, where.step_number)
             if where.step_number is not None else None)
    at = (f"{where.dockerfile}, line {found.line}: `{_one_line(found.text)}`"
          if found is not None else f"{where.dockerfile}")
    keyword = found.keyword if found is not None else ""
    code = _NON_ZERO.search(original)
    if code:
        status = code.group(1) or code.group(2)
        return errors.BuildFailed(
            f"{at} failed: its command exited with code {status}. Its output is below.",
            fix="Read the output for the reason; try the command in a container of the step's "
                "image (`docker run --rm -it IMAGE sh`), fix the line, then build again.",
            command=argv, exit_code=1, stderr=stderr,
        )
    missing = _NOT_IN_CONTEXT.search(original)
    if missing or (keyword in ("COPY", "ADD") and "not found" in original.lower()):
        name = (missing.group(1) or missing.group(2)) if missing else "a file"
        return errors.BuildFailed(
            f"{at} failed: {name} is not in the build context (the folder "
            f"{where.context} sent to the builder), or .dockerignore leaves it out.",
            fix=f"Check the name; paths in COPY are relative to {where.context} and cannot "
                "leave it (no `..`). If the file is there, remove its line from .dockerignore.",
            command=argv, exit_code=1, stderr=stderr,
        )
    if keyword == "FROM":
        base = found.text.split()[1] if found is not None and len(found.text.split()) > 1 else "?"
        return errors.BuildFailed(
            f"{at} failed: the base image {base} is not on this machine and could not be "
            "pulled (it does not exist, the name or tag is misspelt, or the registry cannot "
            "be reached).",
            fix="Check the name and tag: `docker images` lists the images you have, "
                f"`docker pull {base}` tries the registry.",
            command=argv, exit_code=1, stderr=stderr,
        )
    return errors.BuildFailed(
        f"{at} failed: {original}",
        fix=f"Read the engine's message below, correct {where.dockerfile} and build again.",
        command=argv, exit_code=1, stderr=stderr,
    )


def _one_line(text: str) -> str:
    flat = " ".join(re.sub(r"[\\`]\s*\n", " ", text).split())
    return flat if len(flat) <= 80 else flat[:77] + "..."
