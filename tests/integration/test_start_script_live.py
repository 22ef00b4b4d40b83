"""start.py for real: a fresh environment to a JupyterLab that answers, and a real
Debian Python without venv (the python:3.11-slim image) told what to install."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def start_until_lab_answers(venv: Path, port: int, token: str,
                            wait: float) -> tuple[float, str]:
    """Run start.py until its JupyterLab answers, then stop it: seconds taken, its output."""
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "start.py"), "--venv", str(venv), "--",
         "--no-browser", f"--port={port}", "--ServerApp.port_retries=0",
         f"--IdentityProvider.token={token}"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    took = None
    try:
        while took is None and time.monotonic() - started < wait and process.poll() is None:
            try:
                with urllib.request.urlopen(
                        f"http://127.0.0.1:{port}/api/status?token={token}", timeout=2) as answer:
                    if answer.status == 200:
                        took = time.monotonic() - started
            except OSError:
                time.sleep(0.5)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
        try:
            output = process.communicate(timeout=30)[0]
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            output = process.communicate()[0]
    assert took is not None, f"JupyterLab did not answer within {wait} s:\n{output[-3000:]}"
    return took, output


@pytest.mark.timeout(900)
def test_start_makes_the_environment_and_opens_a_jupyterlab_that_answers(
        tmp_path: Path, free_port: int) -> None:
    venv = tmp_path / "venv"
    token = uuid.uuid4().hex
    first, output = start_until_lab_answers(venv, free_port, token, wait=780)
    assert f"$ {sys.executable} -m venv {venv}" in output
    assert "-m pip install -r" in output
    assert (venv / "docdocker-installed.txt").exists()
    # Coming back later: nothing is installed again.
    again, output = start_until_lab_answers(venv, free_port, token, wait=120)
    assert "pip install" not in output and "-m jupyter lab --allow-root" in output
    print(f"start.py: first start {first:.1f} s, second start {again:.1f} s")


def test_start_on_a_debian_python_without_venv_says_what_to_install(
        client: object, tmp_path: Path) -> None:
    """python:3.11-slim is Debian's python3 without python3-venv, as on many machines."""
    result = subprocess.run(
        ["docker", "run", "--rm", "--label", "org.docdocker.notebook=test-start-script",
         "-v", f"{ROOT / 'start.py'}:/tutorial/start.py:ro", "python:3.11-slim",
         "python3", "/tutorial/start.py", "--venv", "/tmp/venv"],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "has no ensurepip module" in result.stderr
    assert "sudo apt install python3-venv" in result.stderr
    assert "$ " not in result.stdout  # stopped before running anything
