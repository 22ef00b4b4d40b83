"""What every browser test shares: Debian's Chromium, a free port, a notebook file and a
JupyterLab server on 127.0.0.1 that is stopped whatever the test does."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbformat.v4 import new_notebook

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu",
                  "--disable-background-networking", "--no-first-run"]
DOCKER = shutil.which("docker") or "docker"
TOKEN = "docdocker-test"

if not os.path.exists(CHROMIUM):
    if os.environ.get("CI"):
        raise RuntimeError("CI must install Debian's chromium package for the browser tests")
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)",
                allow_module_level=True)


def free_port() -> int:
    """A port nothing listens on at 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_notebook(path: Path, cells: list[nbformat.NotebookNode]) -> None:
    """Write ``cells`` as a Python 3 notebook at ``path``."""
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, path)


@contextlib.contextmanager
def jupyterlab(*options: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """A JupyterLab server on 127.0.0.1 with ``options``; yields its base URL."""
    port = free_port()
    argv = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1",
            f"--port={port}", f"--IdentityProvider.token={TOKEN}", "--LabApp.news_url=",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate", *options]
    if os.geteuid() == 0:
        argv.append("--allow-root")  # CI runs as root
    # Like a launcher would: no terminal of its own (stdout is not a tty).
    server = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("JupyterLab did not start") from None
                time.sleep(0.5)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


def run_all_cells(page: Any, *, kernel_timeout: int = 120_000,
                  screenshot: Path | None = None) -> None:
    """Wait for the notebook, accept JupyterLab's kernel choice if it asks, wait for an idle
    kernel (``kernel_timeout`` ms; a screenshot to ``screenshot`` if it never comes), then
    Run → Run All Cells."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.wait_for_selector(".jp-Notebook", timeout=60_000)
    # On a busy machine JupyterLab may open the notebook before it has loaded the
    # kernel list, and then asks which kernel to start: accept its choice (python3).
    with contextlib.suppress(PlaywrightTimeout):
        page.locator(".jp-Dialog button.jp-mod-accept").click(timeout=5_000)
    try:
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']",
                               timeout=kernel_timeout)
    except PlaywrightTimeout:
        if screenshot is not None:
            page.screenshot(path=str(screenshot), full_page=True)
        raise
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_text("Run All Cells", exact=True).click()
