"""A session without an engine (Binder): every step echoes its command and replays its output.

The outputs come from a real run, recorded by :mod:`docdocker.readalong.recordings`;
nothing asks an engine.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from docdocker.base import errors, render
from docdocker.core.console import Console, NotebookConsole
from docdocker.core.engine import StepResult
from docdocker.core.steps import Step
from docdocker.readalong import recordings
from docdocker.session.tutorial import Tutorial


class ReadAlong(Tutorial):
    """A session without an engine: each step echoes its command and replays its recording.

    Args:
        notebook: The notebook's name (its recording is ``recordings/<notebook>.json``).
        reason: Why there is no engine, for the banner.
    """

    def __init__(self, notebook: str, reason: str, console: Console | None = None) -> None:
        super().__init__(notebook, None, console, host="(none: read-along mode)")
        self.reason = reason
        self.recording = recordings.load(notebook)
        recordings.replay(self.recording)

    def execute(self, step: Step, **options: Any) -> StepResult:
        step = step.with_labels(self.labels)
        self.console.command(step.cli)
        entry = self.recording.take(step.cli)
        if entry is not None and entry.streamed:
            # What the step printed as it ran, then the marker, before anything else.
            self.console.text(entry.streamed.rstrip("\n") + "\n"
                              + recordings.marker_text(self.recording) + "\n")
        if entry is not None and entry.error is not None:
            raise recordings.recorded_error(entry, self.recording)
        result = recordings.RecordedResult(
            step, output=entry.output if entry else "",
            exit_code=entry.exit_code if entry else None,
            links=[render.Link(text, href) for text, href in entry.links] if entry else [],
            value=(SimpleNamespace(**entry.value_attrs) if entry and entry.value_attrs
                   else entry.value if entry else None),
            recording=self.recording, entry=entry)
        if isinstance(self.console, NotebookConsole) and not (entry and entry.streamed):
            recordings.show_when_the_cell_ends(result)
        return result

    def query(self, step: Step, **options: Any) -> StepResult:
        raise errors.EngineUnavailable(
            f"Read-along mode: there is no Docker Engine to ask ({step.cli}).",
            fix="Run the tutorial on a machine with Docker to use this live.",
            command=step.argv)

    def events(self, filters: Any, *, since: float | None = None) -> Any:
        raise errors.EngineUnavailable(
            "Read-along mode: there is no Docker Engine to watch.",
            fix="Run the tutorial on a machine with Docker to watch containers live.")

    def clean_up(self) -> None:
        self.console.text("Read-along mode: no engine, so nothing to clean up.\n")

    def close(self) -> None:
        recordings.replay(None)

    def _repr_html_(self) -> str:
        return recordings.banner_html(self.notebook, self.reason, self.recording)

    def __repr__(self) -> str:
        return recordings.banner_text(self.reason, self.recording)
