"""Without an engine, a notebook reads along in a real JupyterLab: banner, no error output."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import docker
import nbformat
import pytest
from labserver import CHROMIUM, CHROMIUM_FLAGS, TOKEN, jupyterlab, run_all_cells
from nbformat.v4 import new_code_cell, new_notebook

from docdocker.core.steps import LABEL
from docdocker.readalong.recordings import RECORDINGS_ENV, record_notebooks

pytestmark = pytest.mark.browser


def _notebook(name: str) -> nbformat.NotebookNode:
    nb = new_notebook(cells=[
        new_code_cell("import docdocker as dd\n"
                      "from docdocker.widgets import Dashboard, PortMapper, YourTurn\n"
                      f"engine = dd.connect({name!r})"),
        new_code_cell(f"engine.run('hello-world', name={name + '-hello'!r})"),
        new_code_cell("pm = PortMapper(image='nginx', engine=engine, publish='127.0.0.1:8080:80')\n"
                      "pm"),
        new_code_cell("Dashboard(engine=engine)"),
        new_code_cell("YourTurn('02-build', engine=engine)"),
        new_code_cell("print('every cell ran')"),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    return nb


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """JupyterLab without an engine, serving a notebook recorded on the live engine first."""
    name = f"readalong-{os.getpid()}"
    path = tmp_path / "lab" / f"{name}.ipynb"
    path.parent.mkdir()
    nbformat.write(_notebook(name), path)
    try:
        record_notebooks([path], tmp_path / "recordings")
    finally:
        client = docker.from_env()
        for c in client.containers.list(all=True, filters={"label": f"{LABEL}={name}"}):
            c.remove(force=True)
        client.close()
    env = {**os.environ, "DOCKER_HOST": f"unix://{tmp_path}/no-engine.sock",
           RECORDINGS_ENV: str(tmp_path / "recordings")}
    env.pop("DOCKER_CONTEXT", None)
    with jupyterlab(f"--ServerApp.root_dir={path.parent}", env=env) as base:
        yield f"{base}/lab/tree/{path.name}?token={TOKEN}", name


def test_run_all_reads_along_with_a_banner_and_no_error_output(lab: tuple[str, str],
                                                              tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    url, name = lab
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.goto(url)
        # A busy shared machine can take a while to start the kernel.
        run_all_cells(page, kernel_timeout=120_000)

        last = page.locator(".jp-Cell").last
        expect(last.locator(".jp-OutputArea-output")).to_contain_text("every cell ran",
                                                                      timeout=90_000)
        page.screenshot(path=str(tmp_path / "read-along.png"), full_page=True)

        first = page.locator(".jp-Cell").first
        expect(first.locator(".docdocker-banner")).to_contain_text(
            "Read-along mode: no Docker Engine here.")
        # The step shows its echo and the output recorded from the live run, marked.
        step = page.locator(".jp-Cell").nth(1)
        expect(step).to_contain_text("docker run --name")
        expect(step).to_contain_text("Hello from Docker!")
        expect(step).to_contain_text(re.compile(r"recorded output", re.IGNORECASE))
        # The widgets render; their actions say they need an engine.
        expect(page.locator(".jp-Cell").nth(2)).to_contain_text("Run needs a Docker Engine")
        # The dashboard shows the container as it was at the end of the recorded run.
        dashboard = page.locator(".jp-Cell").nth(3)
        expect(dashboard).to_contain_text("Recorded output (")
        expect(dashboard).to_contain_text(f"{name}-hello")
        expect(page.locator(".jp-Cell").nth(4)).to_contain_text("Checking needs a Docker Engine")
        # No cell failed: no traceback, no error output anywhere.
        errors = page.locator(
            ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']")
        assert errors.count() == 0
        assert "Traceback" not in page.locator(".jp-Notebook").inner_text()
        browser.close()
