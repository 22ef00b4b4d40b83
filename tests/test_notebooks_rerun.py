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

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_twice_in_a_row(path: Path) -> None:
    for attempt in (1, 2):
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
