"""The TagBuilder in a real JupyterLab: a bad tag is explained part by part, the fixed name
is applied, and the real `docker images` shows the new tag."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest
from labserver import CHROMIUM, CHROMIUM_FLAGS, TOKEN, jupyterlab, run_all_cells, write_notebook
from nbformat.v4 import new_code_cell

pytestmark = pytest.mark.browser


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[dict[str, str]]:
    """JupyterLab on 127.0.0.1 with a notebook showing a TagBuilder for busybox:1.36."""
    root = tmp_path / "lab"
    root.mkdir()
    client = docker.from_env()
    try:  # the image the widget tags, whatever ran before this test
        client.images.get("busybox:1.36")
    except docker.errors.ImageNotFound:
        client.images.pull("busybox", tag="1.36")
    notebook = f"browser-tag-{os.getpid()}"
    write_notebook(root / "tag.ipynb", [
        new_code_cell("import docdocker as dd\nfrom docdocker.widgets import TagBuilder\n"
                      f"engine = dd.connect({notebook!r})"),
        new_code_cell("tb = TagBuilder(engine=engine, source='busybox:1.36')\ntb"),
    ])
    # The kernel records the tags it makes in a folder of this test's own.
    env = {**os.environ, "DOCDOCKER_STATE_DIR": str(tmp_path / "state")}
    repository = f"localhost:5999/browser-{os.getpid()}/tools"
    with jupyterlab(f"--ServerApp.root_dir={root}", env=env) as base:
        yield {"url": f"{base}/lab/tree/tag.ipynb?token={TOKEN}", "repository": repository}
    with contextlib.suppress(docker.errors.ImageNotFound):
        client.images.remove(f"{repository}:1.0")
    client.close()


def _box(panel, label: str):  # type: ignore[no-untyped-def]
    """The text input whose description is exactly ``label``."""
    return panel.locator(".widget-text", has=panel.page.locator(
        "label", has_text=re.compile(f"^{label}$"))).locator("input")


def test_tag_builder_explains_a_bad_tag_then_applies_the_fixed_one(lab: dict[str, str],
                                                                  tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    repository = lab["repository"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.goto(lab["url"])
        run_all_cells(page, kernel_timeout=120_000)

        panel = page.locator(".docdocker-tagbuilder")
        expect(panel).to_be_visible(timeout=60_000)
        apply = panel.locator("button.widget-button", has_text="Apply")

        # A colon in the tag: the tag part's own message, and Apply is disabled.
        _box(panel, "Target").fill(f"{repository}:1.0:beta")
        expect(panel).to_contain_text("tag: The tag '1.0:beta' contains ':'", timeout=10_000)
        expect(_box(panel, "Tag")).to_have_value("1.0:beta")
        expect(apply).to_be_disabled()
        page.screenshot(path=str(tmp_path / "bad-tag.png"), full_page=True)

        # Fixed in the tag part: the whole name follows, the message goes, Apply works.
        _box(panel, "Tag").fill("1.0")
        expect(_box(panel, "Target")).to_have_value(f"{repository}:1.0", timeout=10_000)
        expect(panel).not_to_contain_text("contains ':'")
        expect(panel).to_contain_text(f"docker tag busybox:1.36 {repository}:1.0")
        expect(apply).to_be_enabled()
        apply.click()
        expect(panel).to_contain_text("one image ID, one more name", timeout=30_000)
        page.screenshot(path=str(tmp_path / "tagged.png"), full_page=True)
        if os.environ.get("DOCDOCKER_SCREENSHOTS"):
            shutil.copytree(tmp_path, os.environ["DOCDOCKER_SCREENSHOTS"], dirs_exist_ok=True)
        browser.close()

    listed = subprocess.run(["docker", "images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}"],
                            capture_output=True, text=True, check=True).stdout
    ids = dict(line.split() for line in listed.splitlines())
    assert ids[f"{repository}:1.0"] == ids["busybox:1.36"]
