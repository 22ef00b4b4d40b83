"""While nbval runs a notebook, watch which images its containers start from.

Every container a notebook creates (``run``, the widgets, Compose services) carries
the label ``org.docdocker.notebook=<notebook>``; the engine's ``create`` events say
which image each one used. When the notebook is done, every Docker Hub image seen
must be one that ``python -m docdocker classroom images`` lists, or the classroom
kit would leave the room to download it: the notebook's test then fails, naming it.
Images the notebook built or tagged itself are not Docker Hub images to prepare.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

_WATCHERS: dict[str, _Watcher] = {}


class _Watcher:
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


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.path.suffix == ".ipynb" and item.path.stem not in _WATCHERS:
        with contextlib.suppress(Exception):  # no engine: the notebook's cells will say so
            _WATCHERS[item.path.stem] = _Watcher(item.path.stem)


def pytest_sessionfinish(session: pytest.Session) -> None:
    for watcher in _WATCHERS.values():
        watcher.stop()
    _WATCHERS.clear()


def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    # nbval makes one test item per cell; the notebook is done after its last one.
    if item.path.suffix != ".ipynb" or (nextitem is not None and nextitem.path == item.path):
        return
    try:
        _check_images(item)
    finally:
        _clean_up(item.path.stem)


def _clean_up(notebook: str) -> None:
    """Remove what the notebook made, as ``docdocker reset --notebook NAME --yes`` does.

    A learner keeps what Run All made (the widgets stay alive); a test run does not.
    """
    from docdocker.tools import reset
    from docdocker.core.console import Console
    from docdocker.session.connect import connect

    with contextlib.suppress(Exception):  # no engine: nothing was made
        engine = connect(notebook, console=Console())
        try:
            reset.remove(engine, reset.find(engine, notebook))
        finally:
            engine.close()


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
