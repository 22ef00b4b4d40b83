"""Every notebook runs cleanly from the top twice in a row on the same engine.

nbval (configured in pyproject.toml) runs each notebook once and compares the
tagged outputs; this test proves that a second "Restart and Run All" works too,
with names, ports and containers left over from the first run.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from docdocker import recordings

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_twice_in_a_row(
    path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for attempt in (1, 2):
        # The first run also records every step, to check the read-along recordings.
        if attempt == 1:
            monkeypatch.setenv(recordings.RECORD_ENV, str(tmp_path))
        else:
            monkeypatch.delenv(recordings.RECORD_ENV)
        nb = nbformat.read(path, as_version=4)
        # Cells tagged to raise (the deliberate mistakes) may raise; nothing else may.
        NotebookClient(nb, timeout=240, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
        errors = [
            (i, out.get("ename"), out.get("evalue"))
            for i, cell in enumerate(nb.cells)
            if cell.cell_type == "code"
            and "raises-exception" not in cell.metadata.get("tags", [])
            for out in cell.get("outputs", [])
            if out.output_type == "error"
        ]
        assert errors == [], f"run {attempt} of {path.name}: {errors}"
        if attempt == 1:
            _assert_recording_is_current(path, tmp_path / f"{path.stem}.json")


def _outline(recording: recordings.Recording) -> list[tuple[str, str]]:
    """Each step's command line (run-time choices blanked) and how it ended."""
    return [(recordings.key(e.cli), str((e.error or {}).get("class", "ok")))
            for e in recording.steps]


def _assert_recording_is_current(path: Path, fresh: Path) -> None:
    saved = path.parent / "recordings" / f"{path.stem}.json"
    assert saved.is_file(), f"no recording for {path.name}: run `python -m docdocker record`"
    now, before = recordings.Recording.load(fresh), recordings.Recording.load(saved)
    assert _outline(now) == _outline(before), (
        f"{path.name} changed since it was recorded: run "
        f"`python -m docdocker record notebooks/{path.name}` and commit the recording")
    assert [recordings.key(p.url) for p in now.pages] == \
        [recordings.key(p.url) for p in before.pages]
