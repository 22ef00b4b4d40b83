"""Without an engine (Binder), every notebook reads along: banner, echoes, recorded outputs.

Each notebook runs top to bottom with ``DOCKER_HOST`` pointing at a socket that does not
exist: no cell may raise, the first code cell shows the read-along banner, and every
echoed step is followed by its recorded output and the recorded marker.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))


def _texts(cell: nbformat.NotebookNode) -> list[str]:
    found = []
    for out in cell.get("outputs", []):
        data = out.get("data", {})
        found.append(str(out.get("text") or data.get("text/plain") or ""))
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_reads_along_without_an_engine(
    path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert (path.parent / "recordings" / f"{path.stem}.json").is_file(), (
        f"{path.name} has no recording: run `python tests/record_notebooks.py {path}`")
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine.sock")
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    code = [c for c in nb.cells if c.cell_type == "code"]
    errors = [(i, o.get("ename"), o.get("evalue")) for i, c in enumerate(code)
              for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors == []
    shown = [t for c in code for t in _texts(c)]
    assert any("Read-along mode: no Docker Engine here" in t for t in shown[:3])
    for cell in code:
        texts = _texts(cell)
        echoes = [i for i, t in enumerate(texts) if t.startswith("$ docker ")]
        for i in echoes:
            after = "\n".join(texts[i + 1:])
            assert "recorded output" in after or "no recorded output" in after, (
                f"{path.name}: no recorded output after {texts[i]!r}")
        assert not any("no recorded output" in t for t in texts), (
            f"{path.name}: a step changed since the recording: re-run "
            "`python tests/record_notebooks.py` on a live engine")
