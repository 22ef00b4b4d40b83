"""The widgets render and work in a real JupyterLab, driven by headless Chromium."""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest
from labserver import (
    CHROMIUM,
    CHROMIUM_FLAGS,
    TOKEN,
    free_port,
    jupyterlab,
    run_all_cells,
    write_notebook,
)
from nbformat.v4 import new_code_cell

from docdocker.core.steps import LABEL

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A JupyterLab server on 127.0.0.1 serving a folder with one widget notebook."""
    root = tmp_path_factory.mktemp("lab")
    notebook = f"browser-{os.getpid()}"
    write_notebook(root / "widgets.ipynb", [
        new_code_cell("import docdocker as dd\n"
                      "from docdocker.widgets import Dashboard, PortMapper\n"
                      f"engine = dd.connect({notebook!r})"),
        # One row on a port far from 8080, which other programs on a shared machine use.
        new_code_cell("pm = PortMapper(image='nginx', engine=engine, publish=())\n"
                      f"pm.add_spec('127.0.0.1:{free_port()}:80')\npm"),
        new_code_cell("dash = Dashboard(engine=engine)\ndash"),
        # A run asked for in a later cell shows its outcome in that cell.
        new_code_cell("first = pm.run()"),
    ])
    with jupyterlab(f"--ServerApp.root_dir={root}") as base:
        yield f"{base}/lab/tree/widgets.ipynb?token={TOKEN}", notebook
    client = docker.from_env()
    for c in client.containers.list(all=True, filters={"label": f"{LABEL}={notebook}"}):
        c.remove(force=True)


def labelled(notebook: str) -> list[str]:
    client = docker.from_env()
    try:
        return sorted(c.name for c in client.containers.list(
            filters={"label": f"{LABEL}={notebook}"}))
    finally:
        client.close()


def test_port_mapper_and_dashboard_render_and_run(lab, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    url, notebook = lab
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.goto(url)
        run_all_cells(page, kernel_timeout=60_000)

        # The port mapper: the live `docker run` line and a Run button.
        command = page.locator(".jp-OutputArea-output", has_text="docker run -d").first
        expect(command).to_be_visible(timeout=60_000)
        assert re.search(r"-p 127\.0\.0\.1:\d+:80", command.inner_text())
        page.screenshot(path=str(tmp_path / "before-run.png"), full_page=True)

        # `pm.run()` in the last cell: its outcome is in that cell's output.
        last = page.locator(".jp-Cell").last
        expect(last.locator(".jp-OutputArea-output")).to_contain_text("Started container",
                                                                      timeout=60_000)
        deadline = time.monotonic() + 30
        while len(labelled(notebook)) < 1:
            assert time.monotonic() < deadline, "pm.run() started no container"
            time.sleep(0.2)

        # Run again from the widget: the port is now taken, so Run does not invite a
        # second run into an error; it offers a free port, and then runs another.
        mapper = page.locator(".jp-OutputArea-output", has_text="Publish ports of").first
        run = mapper.locator("button.widget-button", has_text=re.compile(r"^\W*Run"))
        expect(run).to_be_disabled(timeout=10_000)
        # Said as news about the container it just started, not as a red conflict.
        expect(mapper).to_contain_text("the container this port mapper just started")
        assert mapper.locator(".docdocker-error").count() == 0
        use = mapper.locator("button.widget-button:visible", has_text=re.compile(r"^use \d+$"))
        expect(use).to_have_count(1, timeout=10_000)
        use.click()
        expect(run).to_be_enabled(timeout=10_000)
        expect(run).to_contain_text("Run another")
        run.click()
        deadline = time.monotonic() + 30
        while len(labelled(notebook)) < 2:
            assert time.monotonic() < deadline, "the second Run started no container"
            time.sleep(0.2)
        expect(mapper).not_to_contain_text("already in use by container")
        expect(mapper).not_to_contain_text("Name already in use")

        # The dashboard shows both running, with links to their ports, and its table
        # fits the 1280 px page: no horizontal scrolling.
        dashboard = page.locator(".jp-OutputArea-output", has_text="show every container")
        expect(dashboard).to_contain_text("Up ", timeout=10_000)
        expect(dashboard.locator("a[href^='http://127.0.0.1:']").first).to_be_visible()
        for name in labelled(notebook):
            expect(dashboard).to_contain_text(name, timeout=5_000)
        overflow = dashboard.evaluate(
            "el => [...el.querySelectorAll('*')].filter(e => e.scrollWidth > e.clientWidth + 1"
            " && getComputedStyle(e).overflowX !== 'hidden' && e.clientWidth > 0).length")
        detail = dashboard.evaluate(
            "el => [...el.querySelectorAll('*')].filter(e => e.scrollWidth > e.clientWidth + 1"
            " && getComputedStyle(e).overflowX !== 'hidden' && e.clientWidth > 0)"
            ".map(e => e.tagName + '.' + e.className + ' ' + e.scrollWidth + '>' + e.clientWidth"
            " + ' ' + (e.innerText || '').slice(0, 40))")
        assert overflow == 0, f"the dashboard scrolls sideways at 1280 px: {detail}"
        page.screenshot(path=str(tmp_path / "after-run.png"), full_page=True)
        dashboard.screenshot(path=str(tmp_path / "dashboard.png"))
        if os.environ.get("DOCDOCKER_SCREENSHOTS"):
            shutil.copytree(tmp_path, os.environ["DOCDOCKER_SCREENSHOTS"], dirs_exist_ok=True)
        browser.close()
