"""Notebook 05 runs twice in a row; its clean-up button then leaves nothing of its projects."""

from __future__ import annotations

import os
import re
from pathlib import Path

import docker
import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "05-compose.ipynb"
PROJECTS = ("docdocker-friendlyhello", "docdocker-mistakes")


def test_notebook_05_twice_then_nothing_of_its_projects_is_left(
    client: docker.DockerClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Compose's builds write BuildKit state under the Docker config folder: keep it here.
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        [str(NOTEBOOK.parents[1]), os.environ.get("PYTHONPATH", "")]))
    for attempt in (1, 2):
        nb = nbformat.read(NOTEBOOK, as_version=4)
        if attempt == 2:  # the learner presses the clean-up button at the end
            nb.cells.append(nbformat.v4.new_code_cell("clean_up.children[0].click()"))
        NotebookClient(nb, timeout=300, kernel_name="python3",
                       resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
        failed = [(i, out.get("ename")) for i, cell in enumerate(nb.cells)
                  for out in cell.get("outputs", []) if out.get("output_type") == "error"]
        assert failed == [], f"run {attempt}: {failed}"
        # A fresh start every time: the counter starts again from 1.
        visits = re.findall(r"<b>Visits:</b> (\d+)", _plain(nb))
        assert visits[:3] == ["1", "2", "3"], visits
    for project in PROJECTS:
        label = {"label": f"com.docker.compose.project={project}"}
        assert client.containers.list(all=True, filters=label) == []
        assert client.networks.list(filters=label) == []
        assert client.volumes.list(filters=label) == []
        assert client.images.list(all=True, filters=label) == []
    tutorial = {"label": "org.docdocker.notebook=05-compose"}
    assert client.containers.list(all=True, filters=tutorial) == []
    assert client.volumes.list(filters=tutorial) == []


def _plain(nb: nbformat.NotebookNode) -> str:
    return "".join(out.get("text", "") or out.get("data", {}).get("text/plain", "")
                   for cell in nb.cells for out in cell.get("outputs", []))
