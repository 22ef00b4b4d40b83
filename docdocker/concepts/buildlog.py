"""Fold a build's progress into steps: BuildKit's ``rawjson`` and the classic builder's stream.

BuildKit (``docker buildx build --progress=rawjson``, what ``docker build`` runs
on a current Docker) writes one JSON object per line: ``vertexes`` (the build
graph's steps, ``[2/5] RUN pip install ...``, with ``started``, ``completed``,
``cached`` and ``error``), ``statuses`` (a step's sub-tasks: ``transferring
context``, the exporter's ``naming to ...``) and ``logs`` (what a RUN printed,
base64). :class:`BuildKitLog` folds them and draws them as ``--progress=plain``
prints them (``#6 [2/3] RUN ...``, ``#6 CACHED``, ``#6 DONE 0.3s``).

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

import base64
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from typing import Any

from docdocker.base import render
from docdocker.core.progress import Progress

_STEP = re.compile(r"^Step (\d+)/(\d+) : (.*)$")
_BUILT = re.compile(r"^Successfully built ([0-9a-f]+)")
# The classic builder colours a RUN's stderr red with terminal escapes.
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@dataclass
class BuildStep:
    """One instruction of the log and the lines printed under it.

    The classic builder's ``Step N/M : INSTRUCTION`` counts every instruction;
    BuildKit's ``[N/M] INSTRUCTION`` counts only those that make a layer (``ENV``,
    ``CMD``, ``EXPOSE`` change the config and have no step of their own).

    Attributes:
        number: N.
        total: M (for BuildKit, of the step's build stage).
        instruction: The instruction as the builder names it (``RUN echo hi``).
        lines: The lines under it (for BuildKit: what its command printed).
        vertex: BuildKit's ``#N`` for the step (0 for the classic builder).
        hit: BuildKit said ``CACHED``.
        seconds: BuildKit's run time of the step, once it is done.
        error: BuildKit's error for the step, if it failed.
        stage: The build stage's name in a multi-stage build (``[builder 2/4]``).
    """

    number: int
    total: int
    instruction: str
    lines: list[str] = field(default_factory=list)
    vertex: int = 0
    hit: bool = False
    seconds: float | None = None
    error: str = ""
    stage: str = ""
    buildkit: bool = False

    @property
    def cached(self) -> bool:
        """True when the builder reused a cached layer instead of running the step."""
        return self.hit or any(line.strip() == "---> Using cache" for line in self.lines)

    @property
    def done(self) -> bool:
        """True once the step ended (ran, came from the cache, or failed)."""
        return self.hit or self.seconds is not None or bool(self.error)

    @property
    def output(self) -> str:
        """What the step's command printed (a RUN's output), without the builder's own lines."""
        return "".join(f"{line}\n" for line in self.lines if not _is_builder_line(line))

    @property
    def label(self) -> str:
        """The step as the builder's log names it: ``Step 2/3 : ...`` or ``[2/3] ...``."""
        if not self.buildkit:
            return f"Step {self.number}/{self.total} : {self.instruction}"
        stage = f"{self.stage} " if self.stage else ""
        return f"[{stage}{self.number}/{self.total}] {self.instruction}"


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
        return step.label if step else "starting"

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


#: A BuildKit vertex that is one Dockerfile instruction: ``[2/3] RUN ...``,
#: ``[builder 1/4] FROM ...`` in a multi-stage build.
_VERTEX_STEP = re.compile(r"^\[(?:(\S+) )?(\d+)/(\d+)\] (.*)$", re.DOTALL)
#: The exporter's status that names the image ID: the index on the containerd store
#: (with the provenance attestation), else the manifest; ``writing image`` on the
#: classic store.
_EXPORTED = re.compile(r"^(?:exporting manifest list|writing image) (sha256:[0-9a-f]{64})")
#: The heading of the Dockerfile excerpt the CLI prints under a failure.
_EXCERPT = re.compile(r"^\S.*:(\d+)$")
_EXPORTED_MANIFEST = re.compile(r"^exporting manifest (sha256:[0-9a-f]{64})")


def _instant(value: Any) -> datetime | None:
    """An RFC 3339 time of BuildKit's (nanoseconds cut to what Python reads)."""
    if not isinstance(value, str) or not value:
        return None
    text = re.sub(r"(\.\d{6})\d+", r"\1", value.replace("Z", "+00:00"))
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _size(count: int) -> str:
    """Bytes as BuildKit's plain log prints them (``130B``, ``2.31kB``, ``5.40MB``)."""
    amount = float(count)
    for unit in ("B", "kB", "MB", "GB"):
        if amount < 1000 or unit == "GB":
            return f"{int(amount)}{unit}" if unit == "B" else f"{amount:.2f}{unit}"
        amount /= 1000
    return f"{count}B"


@dataclass
class _Vertex:
    """One node of BuildKit's build graph, as far as it has been reported."""

    number: int
    name: str
    started: datetime | None = None
    completed: datetime | None = None
    cached: bool = False
    error: str = ""
    statuses: dict[str, dict[str, Any]] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)
    partial: dict[int, str] = field(default_factory=dict)
    step: BuildStep | None = None

    @property
    def seconds(self) -> float | None:
        if self.started is None or self.completed is None:
            return None
        return max(0.0, (self.completed - self.started).total_seconds())

    def status_lines(self) -> list[str]:
        out = []
        for sid, st in self.statuses.items():
            words = [sid]
            if st.get("current"):
                words.append(_size(int(st["current"])) if "transferring" in sid
                             else str(st["current"]))
            if st.get("completed"):
                began, ended = _instant(st.get("started")), _instant(st.get("completed"))
                if began and ended and "transferring" not in sid:
                    words.append(f"{(ended - began).total_seconds():.1f}s")
                words.append("done")
            out.append(" ".join(words))
        return out


@dataclass
class BuildKitLog(BuildLog):
    """BuildKit's ``--progress=rawjson`` stream, folded into steps and drawn as plain progress.

    Feed it each line the program wrote (:meth:`feed_line`): JSON lines are
    progress, other lines are the CLI's own words (the Dockerfile excerpt and
    ``ERROR: failed to build: ...`` of a failure), kept in :attr:`messages`.

    Attributes:
        vertices: Every vertex seen, by digest, in the order BuildKit first named them.
        messages: The CLI's lines that are not progress.
        warnings: BuildKit's build-check warnings (``JSONArgsRecommended`` ...).
    """

    vertices: dict[str, _Vertex] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    exported: str | None = None

    @property
    def failed_line(self) -> int | None:
        """The Dockerfile line the CLI's excerpt of a failure points at (``Dockerfile:3``)."""
        for here, after in zip(self.messages, self.messages[1:], strict=False):
            found = _EXCERPT.match(here)
            if found and after.startswith("-----"):
                return int(found.group(1))
        return None

    def feed_line(self, line: str) -> None:
        """Take one line of the program's output (stderr, where BuildKit writes progress)."""
        text = line.rstrip("\r\n")
        if text.startswith("{"):
            try:
                event = json.loads(text)
            except ValueError:
                event = None
            if isinstance(event, dict):
                self.feed_solve(event)
                return
        if text.strip():
            self.messages.append(text)
            if text.startswith("ERROR: ") and self.error is None:
                self.error = text.removeprefix("ERROR: ")

    def feed_solve(self, event: Mapping[str, Any]) -> None:
        """Take one decoded ``rawjson`` object (a solve status)."""
        for item in event.get("vertexes") or ():
            self._vertex(item)
        for item in event.get("statuses") or ():
            vertex = self.vertices.get(str(item.get("vertex", "")))
            if vertex is not None and item.get("id"):
                vertex.statuses[str(item["id"])] = dict(item)
                found = _EXPORTED.match(str(item["id"]))
                manifest = _EXPORTED_MANIFEST.match(str(item["id"]))
                if found:
                    self.exported = found.group(1)
                elif manifest and self.exported is None:
                    self.exported = manifest.group(1)
        for item in event.get("logs") or ():
            self._log(item)
        for item in event.get("warnings") or ():
            short = base64.b64decode(item.get("short") or b"").decode("utf-8", "replace")
            if short:
                self.warnings.append(short.strip())

    def _vertex(self, item: Mapping[str, Any]) -> None:
        digest = str(item.get("digest", ""))
        vertex = self.vertices.get(digest)
        if vertex is None:
            vertex = _Vertex(0, str(item.get("name", "")))
            self.vertices[digest] = vertex
            match = _VERTEX_STEP.match(vertex.name)
            if match:
                vertex.step = BuildStep(int(match.group(2)), int(match.group(3)),
                                        match.group(4), stage=match.group(1) or "",
                                        buildkit=True)
                self.steps.append(vertex.step)
                stages = list(dict.fromkeys(st.stage for st in self.steps))
                self.steps.sort(key=lambda st: (stages.index(st.stage), st.number))
        vertex.started = _instant(item.get("started")) or vertex.started
        vertex.completed = _instant(item.get("completed")) or vertex.completed
        vertex.cached = vertex.cached or bool(item.get("cached"))
        if not vertex.number and (vertex.started or vertex.cached or item.get("error")):
            # BuildKit names the whole graph at once; its log numbers a step (#6) when
            # the step starts, which is the order a reader follows.
            vertex.number = 1 + max((v.number for v in self.vertices.values()), default=0)
            if vertex.step is not None:
                vertex.step.vertex = vertex.number
        if item.get("error"):
            vertex.error = str(item["error"])
        if vertex.step is not None:
            vertex.step.hit = vertex.cached
            vertex.step.error = vertex.error
            vertex.step.seconds = None if vertex.cached else vertex.seconds

    def _log(self, item: Mapping[str, Any]) -> None:
        vertex = self.vertices.get(str(item.get("vertex", "")))
        if vertex is None:
            return
        if not vertex.number:
            vertex.number = 1 + max(v.number for v in self.vertices.values())
            if vertex.step is not None:
                vertex.step.vertex = vertex.number
        stream = int(item.get("stream") or 1)
        data = base64.b64decode(item.get("data") or b"").decode("utf-8", "replace")
        text = _ANSI.sub("", vertex.partial.get(stream, "") + data)
        *complete, vertex.partial[stream] = text.split("\n")
        at = _instant(item.get("timestamp"))
        offset = ((at - vertex.started).total_seconds()
                  if at is not None and vertex.started is not None else 0.0)
        for line in complete:
            line = line.rstrip("\r")
            vertex.lines.append(f"{offset:.3f} {line}")
            if vertex.step is not None:
                vertex.step.lines.append(line)

    @property
    def current(self) -> BuildStep | None:
        """The instruction running now, else the one that failed, else the last one."""
        failed = [s for s in self.steps if s.error]
        # A failure cancels the steps running beside it ("context canceled"): the
        # step to name is the one that failed for a reason of its own.
        for step in failed:
            if "context canceled" not in step.error:
                return step
        if failed:
            return failed[0]
        # BuildKit names every step at once; "current" is the one that started last
        # (a step it took from the cache may be reported done only later).
        running = [s for s in self.steps if s.vertex and not s.done]
        if running:
            return max(running, key=lambda s: s.vertex)
        done = [s for s in self.steps if s.done]
        return done[-1] if done else None

    @property
    def image_id(self) -> str | None:
        """The image ID the exporter named, once the build succeeded."""
        return self.exported if self.error is None else None

    @property
    def exporter(self) -> list[str]:
        """The exporter's steps (``naming to docker.io/library/app:latest done``...)."""
        lines = []
        for vertex in self.vertices.values():
            if vertex.name.startswith("exporting"):
                lines.extend(vertex.status_lines())
        return lines

    def lines(self) -> list[str]:
        """The log as ``docker build --progress=plain`` prints it, line by line."""
        out: list[str] = []
        for vertex in sorted(self.vertices.values(), key=lambda v: v.number):
            if not vertex.number:
                continue  # named in the graph, not started yet
            n = f"#{vertex.number}"
            out.append(f"{n} {vertex.name}")
            out.extend(f"{n} {line}" for line in vertex.status_lines())
            out.extend(f"{n} {line}" for line in vertex.lines)
            out.extend(f"{n} {rest}" for rest in vertex.partial.values() if rest)
            if vertex.cached:
                out.append(f"{n} CACHED")
            elif "context canceled" in vertex.error:
                out.append(f"{n} CANCELED")
            elif vertex.error:
                out.append(f"{n} ERROR: {vertex.error}")
            elif vertex.seconds is not None:
                out.append(f"{n} DONE {vertex.seconds:.1f}s")
            out.append("")
        out.extend(f"WARNING: {w}" for w in self.warnings)
        out.extend(self.messages)
        while out and not out[-1]:
            out.pop()
        return out

    def text(self) -> str:
        """The log so far (a failure's ``ERROR: ...`` line is among the CLI's lines)."""
        return "\n".join(self.lines())

    def status(self) -> str:
        """One line: the instruction running (``[2/3] RUN ...``), ``exporting``, or the outcome."""
        if self.error:
            return "failed" + (f" at {self.current.label}" if self.current else "")
        if self.image_id:
            return "done"
        step = self.current
        if step is not None and not step.done:
            return step.label
        if any(v.name.startswith("exporting") for v in self.vertices.values()):
            return "exporting to image"
        return step.label if step is not None else "starting"

    def html(self) -> str:
        """A bar for the instructions done so far, then the log."""
        bar = ""
        if self.steps:
            totals: dict[str, int] = {}
            for step in self.steps:
                totals[step.stage] = step.total
            done = sum(1 for s in self.steps if s.done and not s.error)
            bar = (f'<progress value="{done}" max="{sum(totals.values())}" '
                   'style="width: 12em;"></progress> ')
        head = f'<div class="docdocker-build-status">{bar}{escape(self.status())}</div>'
        return head + render.output_html(self.text())
