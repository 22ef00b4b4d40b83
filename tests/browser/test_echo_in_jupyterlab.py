"""What JupyterLab shows is what Docker does: echoes copy as the exact command, tables fit,
and the terminal next to the notebooks runs the commands they give.

JupyterLab runs in headless Chromium, as the learner's browser would run it.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from labserver import CHROMIUM, CHROMIUM_FLAGS, DOCKER, TOKEN, jupyterlab, write_notebook
from nbformat.v4 import new_code_cell

from docdocker.concepts.run import Run
from docdocker.core.steps import LABEL

ROOT = Path(__file__).resolve().parents[2]
TICKER = "i=0; while true; do i=$((i+1)); echo tick $i; sleep 1; done"

pytestmark = pytest.mark.browser


def _jupyterlab(*options: str,
                env: dict[str, str] | None = None) -> contextlib.AbstractContextManager[str]:
    """JupyterLab started as the README starts it (its config file), plus ``options``."""
    return jupyterlab(f"--config={ROOT / 'jupyter_lab_config.py'}", *options, env=env)


@pytest.fixture(scope="module")
def echo_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A JupyterLab serving a notebook with tricky echoes, a doctor table and a ps table."""
    root = tmp_path_factory.mktemp("echo-lab")
    notebook = f"browser-echo-{uuid.uuid4().hex[:6]}"
    counter = f"counter-{notebook}"
    write_notebook(root / "echo.ipynb", [
        new_code_cell(f"import docdocker as dd\nengine = dd.connect({notebook!r})"),
        new_code_cell(f"engine.run('busybox', ['sh', '-c', {TICKER!r}], name={counter!r}, "
                      "timeout=1)"),
        # A control: the same text in plain HTML output, which MathJax does typeset.
        new_code_cell("from IPython.display import HTML\n"
                      f"HTML('<div class=\"control\">' + {TICKER!r} + '</div>')"),
        new_code_cell("dd.doctor()"),
        new_code_cell("engine.ps(all=True)"),
        new_code_cell(f"with dd.expect_error(dd.errors.NameConflict):\n"
                      f"    engine.run('busybox', ['true'], name={counter!r})"),
    ])
    with _jupyterlab(f"--ServerApp.root_dir={root}") as base:
        # ?reset: JupyterLab's default layout (file browser open), not a saved workspace.
        yield f"{base}/lab/tree/echo.ipynb?reset&token={TOKEN}", notebook
    subprocess.run([DOCKER, "rm", "--force", counter], capture_output=True, timeout=60)
    leftovers = subprocess.run([DOCKER, "ps", "-aq", "--filter", f"label={LABEL}={notebook}"],
                               capture_output=True, text=True).stdout.split()
    if leftovers:
        subprocess.run([DOCKER, "rm", "--force", *leftovers], capture_output=True, timeout=60)


def _scroll_until(page, selector: str, *, from_top: bool = False, timeout: float = 120) -> None:
    """Scroll the notebook until ``selector`` is in the page (cells out of view are not)."""
    deadline = time.monotonic() + timeout
    if from_top:
        page.evaluate("document.querySelector('.jp-WindowedPanel-outer').scrollTop = 0")
    while page.locator(selector).count() == 0:
        assert time.monotonic() < deadline, f"{selector} never appeared"
        page.evaluate("(() => { const p = document.querySelector('.jp-WindowedPanel-outer');"
                      " p.scrollTop += p.clientHeight / 2; })()")
        time.sleep(0.3)
    page.locator(selector).first.scroll_into_view_if_needed()


def _wait_for_an_idle_kernel(page, timeout: float = 180) -> None:
    """Accept JupyterLab's kernel choice if it asks (a busy machine), then wait for idle."""
    deadline = time.monotonic() + timeout
    # The status bar names the kernel only once it is connected: "Python 3 (ipykernel) | Idle".
    idle = page.locator(".jp-StatusBar-Widget", has_text="| Idle")
    while idle.count() == 0:
        assert time.monotonic() < deadline, "the notebook's kernel never became idle"
        for button in (".jp-Dialog button.jp-mod-accept", ".jp-toast-button >> text=No"):
            with contextlib.suppress(Exception):
                if page.locator(button).first.is_visible():
                    page.locator(button).first.click(timeout=2_000)
        time.sleep(0.5)
    time.sleep(1)


def test_the_echo_copies_as_the_exact_command_and_tables_fit_1280_px(
    echo_lab: tuple[str, str], tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    url, notebook = echo_lab
    step = Run(image="busybox", cmd=("sh", "-c", TICKER), name=f"counter-{notebook}")
    expected = step.with_labels({LABEL: notebook}).cli
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.goto(url)
        page.wait_for_selector(".jp-Notebook", timeout=60_000)
        _wait_for_an_idle_kernel(page)
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_text("Run All Cells", exact=True).click()
        # JupyterLab keeps only the cells in view in the page: scroll down to the last one.
        _scroll_until(page, ".docdocker-error")
        # MathJax is live in this JupyterLab: it typesets the control cell's $...$ ...
        _scroll_until(page, "div.control", from_top=True)
        expect(page.locator("div.control mjx-container").first).to_be_attached(timeout=30_000)

        _scroll_until(page, "pre.docdocker-command >> text=while true", from_top=True)
        echo = page.locator("pre.docdocker-command", has_text="while true").first
        # ... and leaves the echo alone: no math, the command's text exactly as typed.
        assert echo.locator("mjx-container").count() == 0
        assert echo.locator("code.docdocker-cli").inner_text() == expected
        # Selecting the whole line, as a learner does before copying, leaves the prompt out.
        selected = echo.evaluate(
            "pre => { const r = document.createRange(); r.selectNodeContents(pre);"
            " const s = window.getSelection(); s.removeAllRanges(); s.addRange(r);"
            " return s.toString(); }")
        assert selected == expected
        # docdocker's labels are dimmed, not hidden.
        dimmed = echo.locator(".docdocker-bookkeeping")
        assert dimmed.count() == 2
        assert float(dimmed.first.evaluate("e => getComputedStyle(e).opacity")) < 0.6
        # The hidden stop is echoed too, with the grace period it used.
        stop = page.locator("pre.docdocker-command", has_text="docker stop -t 2")
        expect(stop).to_have_count(1)

        # At 1280 px, no output (the doctor's table, ps, the error box) scrolls sideways.
        page.evaluate("window.getSelection().removeAllRanges()")
        seen = page.evaluate("""async () => {
            const panel = document.querySelector('.jp-WindowedPanel-outer');
            const tables = new Set(), wide = new Set();
            for (let y = 0; y <= panel.scrollHeight; y += panel.clientHeight / 2) {
                panel.scrollTop = y;
                await new Promise(r => setTimeout(r, 300));
                for (const out of document.querySelectorAll('.jp-OutputArea-output')) {
                    const text = out.innerText.slice(0, 60);
                    if (out.querySelector('table.docdocker-table')) tables.add(text);
                    if (out.scrollWidth > out.clientWidth + 1) wide.add(text);
                }
            }
            return {tables: [...tables], wide: [...wide]}; }""")
        assert len(seen["tables"]) == 2, seen  # the doctor's and ps's
        assert seen["wide"] == []
        page.locator("table.docdocker-table").first.scroll_into_view_if_needed()
        page.screenshot(path=str(tmp_path / "echo-1280-doctor.png"))
        page.locator("table.docdocker-table").last.scroll_into_view_if_needed()
        page.screenshot(path=str(tmp_path / "echo-1280-ps.png"))
        if os.environ.get("DOCDOCKER_SCREENSHOTS"):
            shutil.copytree(tmp_path, os.environ["DOCDOCKER_SCREENSHOTS"], dirs_exist_ok=True)
        browser.close()


def _terminal_says(base: str, command: str, until: str, timeout: float = 60) -> str:
    """Open a JupyterLab terminal, type ``command``, and return what it printed."""
    from tornado.ioloop import IOLoop
    from tornado.websocket import websocket_connect

    request = urllib.request.Request(f"{base}/api/terminals?token={TOKEN}", method="POST",
                                     data=b"{}", headers={"Content-Type": "application/json"})
    name = json.load(urllib.request.urlopen(request, timeout=30))["name"]
    ws_url = base.replace("http", "ws") + f"/terminals/websocket/{name}?token={TOKEN}"

    async def talk() -> str:
        ws = await websocket_connect(ws_url)
        ws.write_message(json.dumps(["stdin", command + "\r"]))
        seen = ""
        deadline = time.monotonic() + timeout
        while until not in seen and time.monotonic() < deadline:
            message = await ws.read_message()
            if message is None:
                break
            kind, *data = json.loads(message)
            if kind == "stdout":
                seen += "".join(data)
        ws.close()
        return seen

    try:
        return IOLoop.current().run_sync(talk, timeout=timeout + 10)
    finally:
        urllib.request.urlopen(urllib.request.Request(
            f"{base}/api/terminals/{name}?token={TOKEN}", method="DELETE"), timeout=30)


def test_a_jupyterlab_terminal_runs_the_commands_the_notebooks_give() -> None:
    # A learner who did not activate the environment: its bin/ is not on PATH.
    venv_bin = os.path.dirname(sys.executable)
    path = os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep)
                           if p and os.path.realpath(p) != os.path.realpath(venv_bin))
    env = {**os.environ, "PATH": path}
    with _jupyterlab(env=env) as base:
        # JupyterLab opens on the notebooks folder, at 00-start-here.
        landing = urllib.request.urlopen(f"{base}/?token={TOKEN}", timeout=30).geturl()
        assert "/lab/tree/00-start-here.ipynb" in urllib.parse.unquote(landing)
        listing = json.load(urllib.request.urlopen(f"{base}/api/contents?token={TOKEN}",
                                                   timeout=30))
        assert {"00-start-here.ipynb", "01-containers.ipynb"} <= {
            item["name"] for item in listing["content"]}
        # The commands the notebooks give, as typed: the tutorial's own command (its
        # environment's bin/ comes first on the terminal's PATH) and the docker CLI.
        nobody = f"browser-terminal-{uuid.uuid4().hex[:6]}"
        said = _terminal_says(base, f"pwd; docdocker reset --notebook {nobody}; "
                              "docker context ls --format '{{.Name}}'; echo END-$((6*7))",
                              until="END-42")
    assert f"{ROOT / 'notebooks'}\r\n" in said
    assert f"Nothing to remove: no containers, images, networks or volumes from notebook {nobody}" \
        in said, said
    assert "default" in said
    assert "No module named" not in said
