"""start.py's checks: a Python too old, or one without venv, gets told what to install."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def load_start() -> ModuleType:
    spec = importlib.util.spec_from_file_location("start", ROOT / "start.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_too_old_python_names_the_version_and_what_to_install() -> None:
    start = load_start()
    message = start.check_python((3, 9, 18, "final", 0), "/usr/bin/python3")
    assert "needs Python 3.10 or newer" in message
    assert "/usr/bin/python3 is Python 3.9.18" in message
    assert "https://www.python.org/downloads/" in message
    assert "py -3.12 start.py" in message  # the Windows form of the retry


def test_new_enough_python_passes() -> None:
    start = load_start()
    assert start.check_python((3, 10, 0, "final", 0), "python3") is None
    assert start.check_python((3, 13, 1, "final", 0), "python3") is None


def test_python_without_ensurepip_is_told_to_install_python3_venv() -> None:
    """Debian's python3 imports venv but lacks ensurepip: `python3 -m venv` would fail."""
    start = load_start()
    found = {"venv": object()}
    message = start.check_venv(found.get, "/usr/bin/python3")
    assert "/usr/bin/python3 has no ensurepip module" in message
    assert "sudo apt install python3-venv" in message
    assert start.check_venv({"venv": 1, "ensurepip": 1}.get, "python3") is None


def test_start_without_venv_stops_before_making_anything(tmp_path: Path) -> None:
    """The real script, with ensurepip hidden: exit 1, the message, and no environment made."""
    venv = tmp_path / "venv"
    hide = textwrap.dedent(f"""
        import importlib.util, runpy, sys
        real = importlib.util.find_spec
        # As on Debian without python3-venv: the module is simply not there.
        importlib.util.find_spec = lambda name, *a: None if name == "ensurepip" else real(name, *a)
        sys.argv = ["start.py", "--venv", {str(venv)!r}]
        runpy.run_path({str(ROOT / "start.py")!r}, run_name="__main__")
    """)
    result = subprocess.run([sys.executable, "-c", hide], capture_output=True, text=True,
                            timeout=60, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    assert result.returncode == 1, result.stderr
    assert "no ensurepip module" in result.stderr
    assert "python3-venv" in result.stderr
    assert not venv.exists()


def test_unknown_argument_prints_usage() -> None:
    start = load_start()
    assert start.main(["--bogus"]) == 2


def test_venv_python_path_follows_the_platform() -> None:
    start = load_start()
    expected = ("Scripts", "python.exe") if os.name == "nt" else ("bin", "python")
    assert Path(start.venv_python("env")).parts[-2:] == expected
