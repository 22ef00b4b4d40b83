"""The Map renders as a picture in a real JupyterLab and redraws after a change in a terminal."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from labserver import CHROMIUM, CHROMIUM_FLAGS, TOKEN, jupyterlab, run_all_cells, write_notebook
from nbformat.v4 import new_code_cell

from docdocker.core.steps import LABEL

pytestmark = pytest.mark.browser
DOCKER = shutil.which("docker") or "docker"


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A JupyterLab server on 127.0.0.1 with a notebook that draws one container's map."""
    root = tmp_path_factory.mktemp("lab")
    notebook = f"browser-map-{os.getpid()}"
    write_notebook(root / "map.ipynb", [
        new_code_cell("import docdocker as dd\nfrom docdocker.widgets import Map\n"
                      f"engine = dd.connect({notebook!r})\n"
                      f"engine.network_create('{notebook}-net')\n"
                      f"engine.run('busybox', ['sleep', '300'], detach=True, "
                      f"name='{notebook}-box', network='{notebook}-net')"),
        new_code_cell("Map(engine=engine)"),
    ])
    with jupyterlab(f"--ServerApp.root_dir={root}") as base:
        yield f"{base}/lab/tree/map.ipynb?token={TOKEN}", notebook
    for args in (["rm", "--force", f"{notebook}-box"], ["network", "rm", f"{notebook}-net"]):
        subprocess.run([DOCKER, *args], capture_output=True, timeout=60)
    leftovers = subprocess.run([DOCKER, "ps", "-aq", "--filter", f"label={LABEL}={notebook}"],
                               capture_output=True, text=True, timeout=60).stdout.split()
    for name in leftovers:
        subprocess.run([DOCKER, "rm", "--force", name], capture_output=True, timeout=60)


def test_the_map_is_a_picture_that_redraws_after_a_cli_change(lab, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    url, notebook = lab
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(url)
        run_all_cells(page, kernel_timeout=60_000)
        picture = page.locator(".jupyter-widgets svg").first
        expect(picture).to_be_visible(timeout=60_000)
        expect(picture).to_contain_text(f"{notebook}-box", timeout=10_000)
        expect(picture).to_contain_text(f"{notebook}-net")
        page.screenshot(path=str(tmp_path / "map.png"), full_page=True)
        subprocess.run([DOCKER, "stop", "-t", "0", f"{notebook}-box"], check=True,
                       capture_output=True, timeout=60)
        # The box turns grey (stopped): its state is in the picture's words too.
        expect(picture).to_contain_text("Exited", timeout=5_000)
        browser.close()
