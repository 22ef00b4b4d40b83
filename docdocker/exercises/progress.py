"""The learner's progress: a small JSON file in their home, never in a notebook.

Where: ``$XDG_DATA_HOME/docdocker/progress.json``, by default
``~/.local/share/docdocker/progress.json``. The notebooks and
``python -m docdocker check`` share it, so an exercise checked in a terminal
counts in the notebook too.

The file holds, per exercise id, the status last seen and when it was first
done::

    {"version": 1, "exercises": {"01-my-web": {"status": "done",
                                               "first_done": "2026-11-27T05:12:09Z",
                                               "last_checked": "2026-11-27T05:12:09Z"}}}
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docdocker.exercises.base import Exercise, Result, Status

VERSION = 1


def default_path() -> Path:
    """Where progress is kept: ``$XDG_DATA_HOME/docdocker/progress.json``.

    ``XDG_DATA_HOME`` counts only when it is an absolute path, as the XDG base
    directory specification says; otherwise ``~/.local/share`` is used.
    """
    base = os.environ.get("XDG_DATA_HOME", "")
    root = Path(base) if base and os.path.isabs(base) else Path.home() / ".local" / "share"
    return root / "docdocker" / "progress.json"


def shown(path: Path) -> str:
    """A path as a learner reads it: the home folder as ``~``."""
    try:
        return "~/" + str(path.relative_to(Path.home()))
    except ValueError:
        return str(path)


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


@dataclass(frozen=True)
class Row:
    """One line of the progress summary."""

    notebook: str
    done: int
    total: int
    titles_left: tuple[str, ...]


class ProgressStore:
    """Read and record exercise progress.

    Args:
        path: The JSON file (default: :func:`default_path`, read when first used,
            so a test that sets ``XDG_DATA_HOME`` is honoured).
    """

    def __init__(self, path: Path | str | None = None) -> None:
        self._path = Path(path) if path is not None else None
        #: Set when the file could not be read or written: what happened, in words.
        self.problem: str | None = None

    @property
    def path(self) -> Path:
        return self._path if self._path is not None else default_path()

    def load(self) -> dict[str, dict[str, Any]]:
        """Every recorded exercise. A missing file is no progress yet.

        A file that is not valid progress is moved aside to ``progress.json.bad``
        (nothing is lost) and progress starts afresh; :attr:`problem` says so.
        """
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as err:
            self.problem = f"Could not read {self.path}: {err.strerror or err}."
            return {}
        try:
            data = json.loads(raw)
            entries = data["exercises"]
            if not isinstance(entries, dict):
                raise TypeError("exercises is not a mapping")
        except (ValueError, KeyError, TypeError) as err:
            aside = self.path.with_name(self.path.name + ".bad")
            try:
                os.replace(self.path, aside)
            except OSError:
                aside = self.path
            self.problem = (f"{self.path} did not hold progress ({err}); it was kept as "
                            f"{aside} and progress starts afresh.")
            return {}
        return {str(k): v for k, v in entries.items() if isinstance(v, dict)}

    def is_done(self, exercise_id: str) -> bool:
        """Whether the exercise has ever been checked as done."""
        return bool(self.load().get(exercise_id, {}).get("first_done"))

    def record(self, exercise_id: str, result: Result) -> None:
        """Remember a check's outcome ("cannot check" changes nothing).

        Raises:
            OSError: The file cannot be written (e.g. a read-only home).
        """
        if result.status is Status.CANNOT_CHECK:
            return
        entries = self.load()
        now = _now()
        entry = dict(entries.get(exercise_id, {}))
        entry["status"] = result.status.value
        entry["last_checked"] = now
        if result.done and not entry.get("first_done"):
            entry["first_done"] = now
        entries[exercise_id] = entry
        self._write({"version": VERSION, "exercises": entries})

    def forget(self, exercise_ids: Iterable[str] | None = None) -> None:
        """Erase the progress of some exercises, or (None) of all of them."""
        entries = self.load()
        if exercise_ids is None:
            entries = {}
        else:
            for exercise_id in exercise_ids:
                entries.pop(exercise_id, None)
        self._write({"version": VERSION, "exercises": entries})

    def summary(self, exercises: Iterable[Exercise]) -> list[Row]:
        """Per notebook: how many of its exercises are done, and which are left."""
        entries = self.load()
        rows: dict[str, list[Exercise]] = {}
        for exercise in exercises:
            rows.setdefault(exercise.notebook, []).append(exercise)
        summary = []
        for notebook, listed in rows.items():
            left = tuple(e.title for e in listed
                         if not entries.get(e.id, {}).get("first_done"))
            summary.append(Row(notebook, len(listed) - len(left), len(listed), left))
        return summary

    def _write(self, data: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Write a new file and move it into place, so a crash never leaves half a file.
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".progress-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(data, out, indent=1, sort_keys=True)
                out.write("\n")
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
