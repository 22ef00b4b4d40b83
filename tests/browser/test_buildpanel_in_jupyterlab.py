"""The build panel in a real JupyterLab: a bad tag is explained, a good one builds, the
log streams, and the image lands in the real `docker images`."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest
from labserver import CHROMIUM, CHROMIUM_FLAGS, TOKEN, jupyterlab, run_all_cells, write_notebook
from nbformat.v4 import new_code_cell

from docdocker.concepts import build as builds

pytestmark = pytest.mark.browser

APP = Path(__file__).resolve().parents[2] / "notebooks" / "apps" / "friendlyhello"


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[dict[str, str]]:
    """JupyterLab on 127.0.0.1 with a notebook showing a BuildPanel on a copy of the app."""
    root = tmp_path / "lab"
    app = root / "app"
    shutil.copytree(APP, app)
    # A slow last step, so the log is seen growing before the build ends.
    dockerfile = app / "Dockerfile"
    dockerfile.write_text(dockerfile.read_text().replace(
        # unique, so that no earlier run's cache skips it
        "CMD [", f"RUN sleep 4 && echo slow-step-done {uuid.uuid4().hex}\n\nCMD [", 1))
    notebook = f"browser-build-{os.getpid()}"
    write_notebook(root / "build.ipynb", [
        new_code_cell("import docdocker as dd\nfrom docdocker.widgets import BuildPanel\n"
                      f"engine = dd.connect({notebook!r})"),
        new_code_cell("panel = BuildPanel('app', tag='', engine=engine)\npanel"),
    ])
    tag = f"docdocker-browser/panel-{os.getpid()}"
    with jupyterlab(f"--ServerApp.root_dir={root}") as base:
        yield {"url": f"{base}/lab/tree/build.ipynb?token={TOKEN}", "tag": tag}
    client = docker.from_env()
    with contextlib.suppress(docker.errors.ImageNotFound):
        client.images.remove(tag)
    client.close()


def test_build_panel_explains_a_bad_tag_then_builds_and_streams(lab: dict[str, str],
                                                                tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.goto(lab["url"])
        run_all_cells(page, kernel_timeout=120_000, screenshot=tmp_path / "kernel-wait.png")

        panel = page.locator(".docdocker-buildpanel")
        expect(panel).to_be_visible(timeout=60_000)
        expect(panel.locator("textarea")).to_have_value(re.compile("FROM python:3.11-slim"),
                                                         timeout=10_000)
        tag_box = panel.locator("input[type='text']")
        build = panel.locator("button.widget-button", has_text="Build")

        # A bad tag: the message says which part is wrong, and Build is disabled.
        tag_box.fill("Friendly Hello")
        expect(panel).to_contain_text("invalid character ' '", timeout=10_000)
        expect(build).to_be_disabled()
        page.screenshot(path=str(tmp_path / "bad-tag.png"), full_page=True)

        # Fixed: the message goes, the docker build line follows, Build is enabled.
        tag_box.fill(lab["tag"])
        expect(panel).not_to_contain_text("invalid character", timeout=10_000)
        expect(panel).to_contain_text(f"docker build -t {lab['tag']} ")
        expect(build).to_be_enabled()
        build.click()

        # The log streams: the first steps show while the slow step still runs, and the
        # status line names the instruction running.
        if builds.builder().buildkit:
            # Not FROM's line: BuildKit shares that step with any build of the same base
            # running at the same time, under the name the other build gave it.
            first, running, finished = "[2/6] WORKDIR /app", "[6/6] RUN sleep 4", "naming to "
        else:
            first, running, finished = "Step 1/", "RUN sleep 4", "Successfully tagged"
        expect(panel).to_contain_text(first, timeout=30_000)
        expect(panel.locator(".docdocker-build-status")).to_contain_text(running,
                                                                         timeout=60_000)
        assert finished not in panel.inner_text()
        expect(panel).to_contain_text("slow-step-done", timeout=60_000)
        expect(panel).to_contain_text(f"Built {lab['tag']}: image ID", timeout=60_000)
        page.screenshot(path=str(tmp_path / "built.png"), full_page=True)
        if os.environ.get("DOCDOCKER_SCREENSHOTS"):
            shutil.copytree(tmp_path, os.environ["DOCDOCKER_SCREENSHOTS"], dirs_exist_ok=True)
        browser.close()

    listed = subprocess.run(["docker", "images", "--format", "{{.Repository}}:{{.Tag}}",
                             lab["tag"]], capture_output=True, text=True, check=True).stdout
    assert listed.split() == [f"{lab['tag']}:latest"]
