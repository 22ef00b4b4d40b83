"""Start the tutorial on Windows, macOS or Linux: ``python start.py`` (``py start.py``).

It checks this Python first (3.10 or newer, with the ``venv`` module), then makes
the virtual environment ``.venv`` next to this file, installs the pinned
requirements and the ``docdocker`` package into it (only when they changed since
the last start), and opens JupyterLab on the notebooks. Arguments after ``--`` go
to ``jupyter lab`` (``python start.py -- --no-browser --port 8899``).

Equivalent CLI (POSIX shells)::

    python3 -m venv .venv && .venv/bin/pip install -r requirements.txt -e . \\
        && .venv/bin/jupyter lab --allow-root --config=jupyter_lab_config.py

The file is written so that even a Python 2 or an old Python 3 can read it and
print what to install: type comments instead of annotations, no f-strings.
"""

from __future__ import print_function  # noqa: UP010 (Python 2 must parse this file)

import hashlib
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
MINIMUM = (3, 10)
#: What the installation depends on: when one of these changes, install again.
INSTALLED_FROM = ("requirements.txt", "pyproject.toml")
STAMP = "docdocker-installed.txt"


def check_python(version_info, executable):
    # type: (tuple, str) -> str | None
    """The message to print when this Python is too old, else None.

    Equivalent CLI: ``python3 --version``
    """
    if tuple(version_info[:2]) >= MINIMUM:
        return None
    found = ".".join(str(part) for part in version_info[:3])
    return (
        "The tutorial needs Python {need} or newer; {exe} is Python {found}.\n"
        "Install a newer Python: on Windows or macOS from https://www.python.org/downloads/ "
        "(on Windows, `winget install Python.Python.3.12` works too); on Linux, your "
        "distribution's python3.11 (or newer) package.\n"
        "Then run this again with it: python3.12 start.py (Windows: py -3.12 start.py)"
    ).format(need=".".join(map(str, MINIMUM)), exe=executable, found=found)


def check_venv(find_spec, executable):
    # type: (object, str) -> str | None
    """The message to print when this Python cannot make a virtual environment, else None.

    ``venv`` needs ``ensurepip`` to put pip into the new environment; Debian and
    Ubuntu ship both in a separate package, so ``import venv`` alone proves nothing.

    Equivalent CLI: ``python3 -m venv --help``
    """
    missing = [name for name in ("venv", "ensurepip") if find_spec(name) is None]  # type: ignore[operator]
    if not missing:
        return None
    version = "{}.{}".format(*sys.version_info[:2])
    return (
        "{exe} has no {what} module, so it cannot make the tutorial's virtual "
        "environment (python -m venv .venv would fail).\n"
        "On Debian or Ubuntu: sudo apt install python3-venv (for this Python "
        "{version}: python{version}-venv), then run python3 start.py again. Elsewhere, "
        "install Python from https://www.python.org/downloads/, which includes it."
    ).format(exe=executable, what=" or ".join(missing), version=version)


def venv_python(venv):
    # type: (str) -> str
    """The environment's own Python: ``Scripts\\python.exe`` on Windows, ``bin/python`` else."""
    if os.name == "nt":
        return os.path.join(venv, "Scripts", "python.exe")
    return os.path.join(venv, "bin", "python")


def fingerprint(root):
    # type: (str) -> str
    """A digest of what the installation depends on."""
    digest = hashlib.sha256()
    for name in INSTALLED_FROM:
        with open(os.path.join(root, name), "rb") as source:
            digest.update(source.read())
    return digest.hexdigest()


def run(argv):
    # type: (list) -> None
    """Run one command, echoing it first; stop with its exit status when it fails."""
    print("$ " + " ".join(argv), flush=True)
    status = subprocess.call(argv)
    if status != 0:
        sys.exit("Failed (exit status {}): {}".format(status, " ".join(argv)))


def main(argv):
    # type: (list) -> int
    args = list(argv)
    lab_args = []  # type: list
    if "--" in args:
        lab_args = args[args.index("--") + 1:]
        args = args[:args.index("--")]
    venv = os.path.join(HERE, ".venv")
    if args[:1] == ["--venv"] and len(args) == 2:
        venv = os.path.abspath(args[1])
    elif args:
        print("Usage: python start.py [--venv DIR] [-- JUPYTER-LAB-ARGUMENTS]", file=sys.stderr)
        return 2
    problem = check_python(sys.version_info, sys.executable)
    if not problem:
        import importlib.util  # not in Python 2: only after the version check

        problem = check_venv(importlib.util.find_spec, sys.executable)
    if problem:
        print(problem, file=sys.stderr)
        return 1
    python = venv_python(venv)
    if not os.path.exists(python):
        run([sys.executable, "-m", "venv", venv])
    stamp = os.path.join(venv, STAMP)
    wanted = fingerprint(HERE)
    try:
        with open(stamp) as done:
            installed = done.read().strip()
    except OSError:
        installed = ""
    if installed != wanted:
        run([python, "-m", "pip", "install", "-r", os.path.join(HERE, "requirements.txt"),
             "-e", HERE])
        with open(stamp, "w") as done:
            done.write(wanted + "\n")
    # --allow-root: Jupyter refuses to start as root otherwise (in a container, say);
    # it changes nothing for a normal user.
    lab = [python, "-m", "jupyter", "lab", "--allow-root",
           "--config=" + os.path.join(HERE, "jupyter_lab_config.py")]
    lab.extend(lab_args)
    print("$ " + " ".join(lab), flush=True)
    try:
        return subprocess.call(lab, cwd=HERE)
    except KeyboardInterrupt:  # Ctrl+C twice stops Jupyter; no traceback after it
        return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
