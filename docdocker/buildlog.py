"""Fold the engine's build stream into steps, as the classic builder prints them.

``docker build`` on an engine without BuildKit (and the ``docker`` SDK, which
always talks to the classic builder) streams its log as JSON chunks cut at
arbitrary places: ``{"stream": "Step 1/7 : FROM python:3.11-slim"}``,
``{"stream": "\\n"}``, ``{"stream": " ---> Using cache\\n"}``... A failure
arrives as a chunk with ``error``/``errorDetail`` instead of an exception.
:class:`BuildLog` keeps whole lines, groups them under their ``Step N/M``,
and remembers the image ID and the error, so the log can be drawn (text or
HTML) at any moment and a failure can name the step it happened in.

Pure: no engine, no IPython.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from html import escape
from typing import Any

from docdocker import render
from docdocker.progress import Progress

_STEP = re.compile(r"^Step (\d+)/(\d+) : (.*)$")
_BUILT = re.compile(r"^Successfully built ([0-9a-f]+)")
# The classic builder colours a RUN's stderr red with terminal escapes.
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@dataclass
class BuildStep:
    """One ``Step N/M : INSTRUCTION`` of the log and the lines printed under it."""

    number: int
    total: int
    instruction: str
    lines: list[str] = field(default_factory=list)

    @property
    def cached(self) -> bool:
        """True when the builder reused a cached layer instead of running the step."""
        return any(line.strip() == "---> Using cache" for line in self.lines)

    @property
    def output(self) -> str:
        """What the step's command printed (a RUN's output), without the builder's own lines."""
        return "".join(f"{line}\n" for line in self.lines if not _is_builder_line(line))


def _is_builder_line(line: str) -> bool:
    stripped = line.strip()
    return stripped.startswith("--->") or stripped.startswith("Removing intermediate container")


@dataclass
class BuildLog(Progress):
    """Accumulated state of one build stream.

    Attributes:
        steps: The steps seen so far, in order.
        summary: The closing lines (``Successfully built ...``, ``Successfully tagged ...``).
        partial: The last line, while it has not ended yet.
    """

    steps: list[BuildStep] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)
    partial: str = ""

    def feed(self, event: Mapping[str, Any]) -> None:
        """Take one decoded JSON chunk of the build stream."""
        if "stream" not in event:
            super().feed(event)  # error, aux (the image ID) and status lines
            return
        text = _ANSI.sub("", self.partial + str(event["stream"]))
        *complete, self.partial = text.split("\n")
        for line in complete:
            self._line(line.rstrip("\r"))

    def _line(self, line: str) -> None:
        match = _STEP.match(line)
        if match:
            self.steps.append(BuildStep(int(match.group(1)), int(match.group(2)),
                                        match.group(3)))
        elif line.startswith("Successfully "):
            self.summary.append(line)
        elif self.steps:
            self.steps[-1].lines.append(line)
        elif line.strip():
            self.heading.append(line + "\n")

    @property
    def current(self) -> BuildStep | None:
        """The step running now (or the last one, once the build is over)."""
        return self.steps[-1] if self.steps else None

    @property
    def image_id(self) -> str | None:
        """The built image's ID (``sha256:...``), once the build succeeded."""
        if self.aux and self.aux.get("ID"):
            return str(self.aux["ID"])
        for line in self.summary:
            match = _BUILT.match(line)
            if match:
                return match.group(1)
        return None

    def lines(self) -> list[str]:
        """The log as the ``docker build`` CLI prints it, line by line."""
        out = [h.rstrip("\n") for h in self.heading]
        for step in self.steps:
            out.append(f"Step {step.number}/{step.total} : {step.instruction}")
            out.extend(step.lines)
        out.extend(self.summary)
        if self.partial:
            out.append(self.partial)
        return out

    def text(self) -> str:
        """The log so far, and the error if one arrived."""
        lines = self.lines()
        if self.error:
            lines.append(self.error)
        return "\n".join(lines)

    def status(self) -> str:
        """One line saying where the build is: ``Step 3/8 : COPY . /app``, or its outcome."""
        if self.error:
            return "failed" + (f" at step {self.current.number}/{self.current.total}"
                               if self.current else "")
        if self.image_id:
            return "done"
        step = self.current
        return f"Step {step.number}/{step.total} : {step.instruction}" if step else "starting"

    def html(self) -> str:
        """A bar for the steps done so far, then the log."""
        step = self.current
        bar = ""
        if step is not None:
            done = step.total if (self.image_id and not self.error) else step.number - 1
            bar = (f'<progress value="{done}" max="{step.total}" style="width: 12em;">'
                   f"</progress> ")
        head = (f'<div class="docdocker-build-status">{bar}'
                f"{escape(self.status())}</div>")
        return head + render.output_html(self.text())
