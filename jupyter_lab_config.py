"""JupyterLab settings for the tutorial, used as ``jupyter lab --config=jupyter_lab_config.py``.

- JupyterLab opens on the notebooks folder, at 00-start-here; its terminals start there.
- A terminal opened in JupyterLab (File → New → Terminal) finds this environment's
  ``python`` first, so the commands the notebooks give (``python -m docdocker reset``)
  work there as typed, whether or not the environment was activated.
"""

import os
import sys
from pathlib import Path

c = get_config()  # type: ignore[name-defined]  # noqa: F821 (provided by Jupyter)

NOTEBOOKS = Path(__file__).resolve().parent / "notebooks"
c.ServerApp.root_dir = str(NOTEBOOKS)
c.LabApp.default_url = "/lab/tree/00-start-here.ipynb"
# A terminal opened at the top of the file browser starts in the server's working
# folder: make that the notebooks folder too.
os.chdir(NOTEBOOKS)

# Terminals inherit the server's environment: put the Python that runs Jupyter first.
os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")
# Started without a terminal of its own (from a desktop launcher, say), Jupyter opens
# *login* shells, and a login shell rebuilds PATH from /etc/profile; naming the shell
# keeps the PATH above.
c.ServerApp.terminado_settings = {"shell_command": [os.environ.get("SHELL") or "/bin/sh"]}
