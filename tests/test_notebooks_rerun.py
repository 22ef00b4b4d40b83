"""Every notebook runs cleanly from the top twice in a row on the same engine.

nbval (configured in pyproject.toml) runs each notebook once and compares the
tagged outputs; this test proves that a second "Restart and Run All" works too,
with names, ports and containers left over from the first run.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from docdocker.readalong import recordings
from docdocker.tools import lesson

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))
#: Notebooks that end with a clean-up button named ``clean_up`` removing everything they
#: made (label value = file stem): after the second run the test presses it, as a learner
#: would, and then nothing of theirs may be left.
LEAVE_NOTHING = {"02-dockerfiles", "04-data-and-networks", "05-compose", "06-better-images"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_twice_in_a_row(
    path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Start as the recording did: without the notebook's leftovers from other tests, whose
    # removal would be steps the recording cannot have.
    subprocess.run([sys.executable, "-m", "docdocker", "reset", "--notebook", path.stem,
                    "--yes"], check=False, capture_output=True, timeout=300)
    for attempt in (1, 2):
        # The first run also records every step, to check the read-along recordings.
        if attempt == 1:
            monkeypatch.setenv(recordings.RECORD_ENV, str(tmp_path))
        else:
            monkeypatch.delenv(recordings.RECORD_ENV)
        nb = nbformat.read(path, as_version=4)
        if attempt == 2 and path.stem in LEAVE_NOTHING:
            nb.cells.append(nbformat.v4.new_code_cell("clean_up.children[0].click()"))
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
        # A mistake made on purpose that worked after all is a lesson gone wrong.
        unexpected = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
                      and lesson.UNEXPECTED_SUCCESS in json.dumps(cell.get("outputs", []))]
        assert unexpected == [], f"run {attempt} of {path.name}: cells {unexpected} did not fail"
        if attempt == 1:
            _assert_recording_is_current(path, tmp_path / f"{path.stem}.json")
        if path.stem == "05-compose":
            # A fresh start every time: the visit counter starts again from 1.
            visits = re.findall(r"<b>Visits:</b> (\d+)", _plain(nb))
            assert visits[:3] == ["1", "2", "3"], f"run {attempt}: {visits}"
    if path.stem in LEAVE_NOTHING:
        assert _labelled(path.stem) == [], f"{path.name} left these behind"
    if path.stem == "05-compose":
        assert _compose_left() == [], "05's clean-up left parts of its Compose projects"


#: The Compose projects notebook 05 makes.
COMPOSE_PROJECTS = ("docdocker-friendlyhello", "docdocker-mistakes")


def _compose_left() -> list[str]:
    """What is left of 05's projects: containers, networks, volumes, images."""
    import docker

    client = docker.from_env()
    try:
        left = []
        for project in COMPOSE_PROJECTS:
            label = {"label": f"com.docker.compose.project={project}"}
            left += [f"container {c.name}" for c in client.containers.list(all=True,
                                                                           filters=label)]
            left += [f"network {n.name}" for n in client.networks.list(filters=label)]
            left += [f"volume {v.name}" for v in client.volumes.list(filters=label)]
            left += [f"image {i.tags}" for i in client.images.list(all=True, filters=label)]
        tutorial = {"label": "org.docdocker.notebook=05-compose"}
        left += [f"volume {v.name}" for v in client.volumes.list(filters=tutorial)]
        return left
    finally:
        client.close()


def _plain(nb: nbformat.NotebookNode) -> str:
    return "".join(out.get("text", "") or out.get("data", {}).get("text/plain", "")
                   for cell in nb.cells for out in cell.get("outputs", []))


def _outline(recording: recordings.Recording) -> list[tuple[str, str]]:
    """Each step's command line (run-time choices blanked) and how it ended."""
    return [(recordings.key(e.cli), str((e.error or {}).get("class", "ok")))
            for e in recording.steps]


def _assert_recording_is_current(path: Path, fresh: Path) -> None:
    """Every step this run just made has a saved read-along recording that ended the same way.

    A notebook may skip a step the machine does not need (03 builds friendlyhello only
    when it is missing), so the saved recording may hold more steps than one run makes.
    """
    saved = path.parent / "recordings" / f"{path.stem}.json"
    hint = f"run `python tests/record_notebooks.py notebooks/{path.name}` and commit the result"
    assert saved.is_file(), f"{path.name} has no read-along recording: {hint}"
    now, before = recordings.Recording.load(fresh), recordings.Recording.load(saved)
    missing = sorted(set(_outline(now)) - set(_outline(before)))
    assert missing == [], f"{path.name} changed since it was recorded ({missing}): {hint}"
    pages = {recordings.key(p.url) for p in now.pages} - {recordings.key(p.url)
                                                          for p in before.pages}
    assert pages == set(), f"{path.name} fetches pages it has no recording of: {hint}"


def _labelled(notebook: str) -> list[str]:
    """What still carries the notebook's label: containers, images under the tag the
    notebook built them as, and images left without any tag.

    An image the notebook built but that someone else tagged too (another notebook, a
    learner) is kept alive by that tag, on purpose: clean-up removes only its own tag.
    """
    import docker

    from docdocker.core.steps import LABEL
    from docdocker.tools.reset import image_tag_of_tutorial

    client = docker.from_env()
    try:
        selector = {"label": f"{LABEL}={notebook}"}
        left = [f"container {c.name}" for c in client.containers.list(all=True,
                                                                      filters=selector)]
        for image in client.images.list(filters=selector):
            if not image.tags or image_tag_of_tutorial(image.labels, image.tags):
                left.append(f"image {image.short_id} {image.tags}")
        return left
    finally:
        client.close()
