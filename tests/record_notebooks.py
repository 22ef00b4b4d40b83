"""Re-record saved notebooks from a real run: ``python tests/record_notebooks.py NOTEBOOK...``.

What ``jupyter nbconvert --to notebook --execute --inplace`` does, plus what keeps a saved
notebook small and its re-runs quiet (tests/test_saved_notebooks.py checks the result):

- everything the tutorial made is removed first (``docdocker reset``), so the saved
  outputs show a first run;
- no widget-state blob (``metadata.widgets``);
- consecutive stream outputs merged into one;
- execution times kept on the first and the last code cell only: enough for the run's
  duration (which the classroom status reports), without four timestamps on every cell;
- the same run records every step for read-along mode (``notebooks/recordings/``), so
  the saved outputs and what Binder readers see come from one run.

Run it with the environment the tests use (``PYTHONPATH`` set to the checkout).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbconvert.preprocessors import CoalesceStreamsPreprocessor

from docdocker.readalong import recordings


def record(path: Path) -> int:
    """Execute ``path`` in place and save it trimmed; returns its size in bytes."""
    # From the state of a first-time learner: nothing of the tutorial's on the engine, so
    # the recording holds every step, those a later run may skip included.
    subprocess.run([sys.executable, "-m", "docdocker", "reset", "--yes"],
                   check=False, capture_output=True)
    nb = nbformat.read(path, as_version=4)
    nb.metadata.pop("widgets", None)
    os.environ[recordings.RECORD_ENV] = str((path.parent / "recordings").resolve())
    NotebookClient(nb, timeout=600, kernel_name="python3", store_widget_state=False,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    nb, _ = CoalesceStreamsPreprocessor().preprocess(nb, {})
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    for cell in code[1:-1]:
        cell.metadata.pop("execution", None)
    nb.metadata.pop("widgets", None)
    nbformat.write(nb, path)
    return path.stat().st_size


if __name__ == "__main__":
    for name in sys.argv[1:] or sorted(map(str, Path("notebooks").glob("*.ipynb"))):
        print(f"{name}: {record(Path(name)):,} bytes")
