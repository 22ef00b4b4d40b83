"""How a notebook is tested: nbval's run, then Restart and Run All once more.

nbval runs each notebook top to bottom in one kernel and compares the cells marked
``# NBVAL_CHECK_OUTPUT`` with their saved outputs. This plugin makes that run the first of
two, and checks around them what a learner would notice:

* before the first cell, the notebook's leftovers from other tests are removed (the saved
  recording was made from a clean start) and every step is recorded;
* after nbval's last cell, one more test item per notebook, ``second run``: the first
  run's recording matches the saved read-along recording, no deliberate mistake worked
  after all, then the kernel is restarted and the notebook runs again from the top with
  the first run's names, ports and containers still there (Run All twice in a row); its
  clean-up button is pressed and nothing of the notebook may be left;
* every Docker Hub image the notebook's containers started from is one that
  ``python -m docdocker classroom images`` lists (the room is prepared for it);
* finally the notebook's remains are removed, as ``docdocker reset --notebook`` does.

Each notebook thus executes twice per engine and no more.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest

#: Notebooks that end with a clean-up button named ``clean_up`` removing everything they
#: made (label value = file stem): after the second run it is pressed, as a learner would,
#: and then nothing of theirs may be left.
LEAVE_NOTHING = {"02-dockerfiles", "04-data-and-networks", "05-compose", "06-better-images"}

#: The Compose projects notebook 05 makes.
COMPOSE_PROJECTS = ("docdocker-friendlyhello", "docdocker-mistakes")

_WATCHERS: dict[str, _Watcher] = {}
_RECORDINGS = Path(tempfile.mkdtemp(prefix="docdocker-recordings-"))


def _is_notebook(item: pytest.Item) -> bool:
    return item.path.suffix == ".ipynb"


# -- the two runs ---------------------------------------------------------------------------

def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--first-run-only", action="store_true",
                     help="run each notebook once, under nbval, without the second run")


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: list[pytest.Item]) -> None:
    """Add a ``second run`` item after the last cell nbval collected of each notebook."""
    if config.getoption("first_run_only"):
        return
    last: dict[Path, int] = {}
    for i, item in enumerate(items):
        if _is_notebook(item) and not isinstance(item, SecondRun):
            last[item.path] = i
    for path, i in sorted(last.items(), key=lambda kv: -kv[1]):
        cells = [item for item in items if item.path == path]
        items.insert(i + 1, SecondRun.from_parent(items[i].parent, name="second run",
                                                  cells=cells))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Before a notebook's first cell: start clean, record, and watch what it runs."""
    stem = item.path.stem
    if not _is_notebook(item) or stem in _WATCHERS:
        return
    _clean_up(stem)
    # The kernel nbval starts next inherits this: the first run records every step.
    from docdocker.readalong import recordings

    os.environ[recordings.RECORD_ENV] = str(_RECORDINGS)
    with contextlib.suppress(Exception):  # no engine: the notebook's cells will say so
        _WATCHERS[stem] = _Watcher(stem)


def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    if not _is_notebook(item) or (nextitem is not None and nextitem.path == item.path):
        return
    from docdocker.readalong import recordings

    os.environ.pop(recordings.RECORD_ENV, None)
    try:
        _check_images(item)
    finally:
        _clean_up(item.path.stem)


def pytest_sessionfinish(session: pytest.Session) -> None:
    for watcher in _WATCHERS.values():
        watcher.stop()
    _WATCHERS.clear()


class SecondRun(pytest.Item):
    """Restart and Run All after nbval's run, and what both runs must show."""

    def __init__(self, *, cells: list[pytest.Item], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.cells = cells

    def runtest(self) -> None:
        from nbclient import NotebookClient

        from docdocker.readalong import recordings

        path, stem = self.path, self.path.stem
        if getattr(self.cells[-1], "test_outputs", None) is None:
            pytest.skip("nbval's run of this notebook did not reach its last cell")
        first = [getattr(item, "test_outputs", None) or [] for item in self.cells]
        _assert_expected_failures_failed(path, 1, first)
        _assert_recording_is_current(path, _RECORDINGS / f"{stem}.json")
        if stem == "05-compose":
            _assert_visits_start_at_one(1, first)

        # Restart: nbval's kernel and its widgets go away, the engine's state stays.
        kernel = getattr(self.parent, "kernel", None)
        if kernel is not None and kernel.is_alive():
            kernel.stop()
        os.environ.pop(recordings.RECORD_ENV, None)

        nb = nbformat.read(path, as_version=4)
        after = _EXTRA_CHECKS.get(stem)
        probe = after.probe(nb, self) if after else None
        if stem in LEAVE_NOTHING:
            nb.cells.append(nbformat.v4.new_code_cell("clean_up.children[0].click()"))
        NotebookClient(nb, timeout=240, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
        if probe is not None:
            nb.cells.remove(probe)
        errors = [(i, out.get("ename"), out.get("evalue"))
                  for i, cell in enumerate(nb.cells)
                  if cell.cell_type == "code"
                  and "raises-exception" not in cell.metadata.get("tags", [])
                  for out in cell.get("outputs", []) if out.output_type == "error"]
        assert errors == [], f"run 2 of {path.name}: {errors}"
        second = [c.get("outputs", []) for c in nb.cells if c.cell_type == "code"]
        _assert_expected_failures_failed(path, 2, second)
        if stem == "05-compose":
            _assert_visits_start_at_one(2, second)
            assert _compose_left() == [], "05's clean-up left parts of its Compose projects"
        if stem in LEAVE_NOTHING:
            assert _labelled(stem) == [], f"{path.name} left these behind"
        if after is not None:
            after.check(nb, self)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"{self.path.name}: second run"


def _assert_expected_failures_failed(path: Path, run: int, outputs: list[list[Any]]) -> None:
    """A mistake made on purpose that worked after all is a lesson gone wrong."""
    from docdocker.tools import lesson

    unexpected = [i for i, outs in enumerate(outputs)
                  if lesson.UNEXPECTED_SUCCESS in json.dumps(outs, default=str)]
    assert unexpected == [], f"run {run} of {path.name}: code cells {unexpected} did not fail"


def _plain(outputs: list[list[Any]]) -> str:
    return "".join(out.get("text", "") or out.get("data", {}).get("text/plain", "")
                   for outs in outputs for out in outs)


def _assert_visits_start_at_one(run: int, outputs: list[list[Any]]) -> None:
    """A fresh start every time: 05's visit counter starts again from 1."""
    visits = re.findall(r"<b>Visits:</b> (\d+)", _plain(outputs))
    assert visits[:3] == ["1", "2", "3"], f"run {run}: {visits}"


def _outline(recording: Any) -> list[tuple[str, str]]:
    """Each step's command line (run-time choices blanked) and how it ended."""
    from docdocker.readalong import recordings

    return [(recordings.key(e.cli), str((e.error or {}).get("class", "ok")))
            for e in recording.steps]


def _assert_recording_is_current(path: Path, fresh: Path) -> None:
    """Every step the first run made has a saved read-along recording that ended the same way.

    Checked where the engine's major version is the recording's: on Engine 20.10 the same
    cells make other steps, which read-along never replays.

    A notebook may skip a step the machine does not need (03 builds friendlyhello only
    when it is missing), so the saved recording may hold more steps than one run makes.
    """
    from docdocker.readalong import recordings

    saved = path.parent / "recordings" / f"{path.stem}.json"
    hint = f"run `python tests/record_notebooks.py notebooks/{path.name}` and commit the result"
    assert saved.is_file(), f"{path.name} has no read-along recording: {hint}"
    assert fresh.is_file(), f"nbval's run of {path.name} recorded nothing"
    now, before = recordings.Recording.load(fresh), recordings.Recording.load(saved)
    if _major(now.docker) != _major(before.docker):
        # Read-along recordings come from a current engine; an older one runs other steps
        # for the same cells (the classic builder's `docker build` has other flags).
        return
    missing = sorted(set(_outline(now)) - set(_outline(before)))
    assert missing == [], f"{path.name} changed since it was recorded ({missing}): {hint}"
    pages = {recordings.key(p.url) for p in now.pages} - {recordings.key(p.url)
                                                          for p in before.pages}
    assert pages == set(), f"{path.name} fetches pages it has no recording of: {hint}"


def _major(version: str) -> str:
    """The engine's major version from a recording's ``docker`` field (``28.5.2`` -> ``28``)."""
    return version.split(".")[0]


# -- checks a notebook adds to its second run ---------------------------------------------

class _PasswordNowhere:
    """03: the generated registry password is in no output and nothing is left behind.

    A cell inserted before the clean-up reads, never prints, what the check needs: the
    password and the registries' anonymous volumes.
    """

    def probe(self, nb: nbformat.NotebookNode, item: SecondRun) -> nbformat.NotebookNode:
        cleanup = next(i for i, c in enumerate(nb.cells)
                       if c.cell_type == "code" and "reset.remove" in c.source and i > 5)
        self.file = Path(tempfile.mkdtemp(prefix="docdocker-probe-")) / "probe.json"
        probe = nbformat.v4.new_code_cell(
            "import json, pathlib\n"
            "_vols = [m['Name'] for c in ('registry', 'registry-auth')\n"
            "         for m in engine.client.api.inspect_container(c)['Mounts']\n"
            "         if m['Type'] == 'volume']\n"
            f"pathlib.Path({str(self.file)!r}).write_text(json.dumps(\n"
            "    {'password': password.reveal(), 'volumes': _vols}))")
        nb.cells.insert(cleanup, probe)
        return probe

    def check(self, nb: nbformat.NotebookNode, item: SecondRun) -> None:
        import docker

        from docdocker.core import tagrecord
        from docdocker.core.steps import LABEL

        probe = json.loads(self.file.read_text())
        secret = probe["password"]
        assert len(secret) >= 20
        saved = nbformat.writes(nb)
        assert secret not in saved, "03 shows the registry's password"
        assert "--password-stdin" in saved
        shown = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
                 if o.output_type == "error"]
        assert shown == [], "03 shows a traceback"
        notebook = "03-registries"
        client = docker.from_env()
        try:
            assert client.containers.list(all=True,
                                          filters={"label": f"{LABEL}={notebook}"}) == []
            volumes = {v.name for v in client.volumes.list()}
            assert probe["volumes"], "03's registries had no anonymous volume to check"
            assert [v for v in probe["volumes"] if v in volumes] == [], (
                "03's clean-up left its registries' volumes")
            assert tagrecord.recorded(notebook) == []
            left = [t for i in client.images.list() for t in i.tags
                    if (t.startswith("localhost:") and "/student/" in t)
                    or t.startswith("gordon/get-started")]
            assert left == [], f"03's clean-up left these tags: {left}"
        finally:
            client.close()


_EXTRA_CHECKS: dict[str, Any] = {"03-registries": _PasswordNowhere()}


# -- what is left ---------------------------------------------------------------------------

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


def _clean_up(notebook: str) -> None:
    """Remove what the notebook made, as ``docdocker reset --notebook NAME --yes`` does.

    A learner keeps what Run All made (the widgets stay alive); a test run does not.
    """
    from docdocker.core.console import Console
    from docdocker.session.connect import connect
    from docdocker.tools import reset

    with contextlib.suppress(Exception):  # no engine: nothing was made
        engine = connect(notebook, console=Console())
        try:
            reset.remove(engine, reset.find(engine, notebook))
        finally:
            engine.close()


# -- the images a notebook's containers start from ------------------------------------------

class _Watcher:
    """Follows the engine's ``create`` events of the notebook's containers."""

    def __init__(self, notebook: str) -> None:
        import docker

        self.client = docker.from_env(timeout=30)
        self.images: list[str] = []
        self.stream: Any = self.client.events(decode=True, filters={
            "type": "container", "event": "create",
            "label": f"org.docdocker.notebook={notebook}"})
        self.thread = threading.Thread(target=self._read, args=(self.stream,), daemon=True)
        self.thread.start()

    def _read(self, events: Iterator[dict[str, Any]]) -> None:
        try:
            for event in events:
                image = ((event.get("Actor") or {}).get("Attributes") or {}).get("image")
                # Asked now, while the image surely exists: a notebook may remove the
                # images it built (Compose's `down --rmi local`) before it ends.
                if image and not _built_by_docdocker(str(image)):
                    self.images.append(str(image))
        except Exception:  # the stream was closed
            return

    def stop(self) -> list[str]:
        time.sleep(0.5)  # events arrive just after the call that caused them
        self.stream.close()
        self.thread.join(timeout=5)
        self.client.close()
        return self.images


def _check_images(item: pytest.Item) -> None:
    watcher = _WATCHERS.pop(item.path.stem, None)
    if watcher is None:
        return
    from docdocker.classroom import catalog

    derived = catalog.derive(item.path.parent)
    listed = {catalog.normalize(i) for i in derived.images} | derived.made
    unlisted = sorted({
        image for image in watcher.stop()
        if (ref := catalog.hub_reference(image)) is not None
        and ref.normalized not in listed
    })
    if unlisted:
        pytest.fail(f"{item.path.name} ran containers from {', '.join(unlisted)}, which "
                    "`python -m docdocker classroom images` does not list: name the image "
                    "with a string literal in the notebook (or in its app's Dockerfile or "
                    "compose.yaml) so the classroom kit prepares it.", pytrace=False)


def _built_by_docdocker(image: str) -> bool:
    """True for an image docdocker built (a build step or Compose): it carries both marks."""
    import docker

    client = docker.from_env(timeout=30)
    try:
        labels = client.images.get(image).labels or {}
    except docker.errors.DockerException:
        return False
    finally:
        client.close()
    return "org.docdocker.owner" in labels and "org.docdocker.notebook" in labels

