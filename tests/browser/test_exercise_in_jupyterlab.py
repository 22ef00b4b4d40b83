"""Do an exercise as a learner would: type the command in a JupyterLab terminal, press Check."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from labserver import (
    CHROMIUM,
    CHROMIUM_FLAGS,
    DOCKER,
    TOKEN,
    jupyterlab,
    run_all_cells,
    write_notebook,
)
from nbformat.v4 import new_code_cell

from docdocker.grammar import ports

pytestmark = pytest.mark.browser


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[dict[str, str]]:
    """JupyterLab serving one notebook that shows the my-web exercise with test names."""
    name = f"ex-browser-{uuid.uuid4().hex[:6]}"
    port = ports.find_free("127.0.0.1", 30000 + os.getpid() % 20000)
    progress = tmp_path / "progress.json"
    write_notebook(tmp_path / "exercise.ipynb", [new_code_cell(
        "import docdocker as dd\n"
        "from docdocker.exercises import ProgressStore, nb01\n"
        "from docdocker.widgets import YourTurn\n"
        f"engine = dd.connect('browser-exercise-{os.getpid()}')\n"
        f"YourTurn(nb01.my_web(name={name!r}, port={port}), engine=engine,\n"
        f"         store=ProgressStore({str(progress)!r}))"),
        new_code_cell("from docdocker.widgets import Predict\nPredict('01-exit-codes')")])
    with jupyterlab(f"--ServerApp.root_dir={tmp_path}") as base:
        yield {"base": base, "token": TOKEN, "name": name, "port": str(port),
               "progress": str(progress)}
    subprocess.run([DOCKER, "rm", "--force", name], capture_output=True, timeout=60)


def test_an_exercise_done_in_a_terminal_passes_its_check(lab: dict[str, str],
                                                         tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, token, name, port = lab["base"], lab["token"], lab["name"], lab["port"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{base}/lab/tree/exercise.ipynb?token={token}")
        run_all_cells(page, kernel_timeout=60_000)

        exercise = page.locator(".jp-OutputArea-output", has_text="Your turn:")
        expect(exercise).to_contain_text("not done yet", timeout=60_000)
        # Every button's label is shown whole (none ends in "...").
        predict = page.locator(".jp-OutputArea-output", has_text="Predict, then run:")
        expect(predict.get_by_role("button", name="Show the answer")).to_be_visible()
        cut = page.eval_on_selector_all(
            ".jp-OutputArea-output button.jupyter-button",
            "bs => bs.filter(b => b.scrollWidth > b.clientWidth + 1).map(b => b.innerText)")
        assert cut == [], f"button labels cut short: {cut}"
        expect(exercise).to_contain_text(f"127.0.0.1:{port}")

        # File → New → Terminal, and type the command as a learner would.
        page.get_by_role("menuitem", name="File", exact=True).click()
        page.get_by_text("New", exact=True).first.hover()
        page.get_by_role("menuitem", name="Terminal", exact=True).click()
        terminal = page.locator(".jp-Terminal").last
        expect(terminal).to_be_visible(timeout=30_000)
        terminal.click()
        time.sleep(1)  # the shell's first prompt
        page.keyboard.type(f"docker run -d --name {name} -p 127.0.0.1:{port}:80 nginx\n",
                           delay=5)
        deadline = time.monotonic() + 60
        while subprocess.run([DOCKER, "container", "inspect", name],
                             capture_output=True).returncode != 0:
            assert time.monotonic() < deadline, "the terminal did not run docker"
            time.sleep(0.3)
        page.screenshot(path=str(tmp_path / "terminal.png"))

        # Back to the notebook: press Check until nginx answers.
        page.locator(".lm-TabBar-tab", has_text="exercise.ipynb").click()
        check = exercise.locator("button", has_text="Check")
        deadline = time.monotonic() + 30
        while True:
            check.click()
            with contextlib.suppress(AssertionError):
                expect(exercise).to_contain_text("✔ done", timeout=2_000)
                break
            assert time.monotonic() < deadline, exercise.inner_text()
        expect(exercise).to_contain_text(f"answers at http://127.0.0.1:{port}")
        page.screenshot(path=str(tmp_path / "checked.png"), full_page=True)
        if os.environ.get("DOCDOCKER_SCREENSHOTS"):
            shutil.copytree(tmp_path, os.environ["DOCDOCKER_SCREENSHOTS"], dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("*.ipynb", "*.json", ".*"))
        browser.close()
    recorded = json.loads(Path(lab["progress"]).read_text())
    assert recorded["exercises"]["01-my-web"]["status"] == "done"
