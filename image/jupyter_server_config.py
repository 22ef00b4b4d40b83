"""JupyterLab settings inside the tutorial image (installed as /etc/jupyter/).

The entrypoint sets ``DOCDOCKER_LISTEN``: 127.0.0.1 with ``--network host`` (the
host's own loopback), 0.0.0.0 in a network of the container's own, where
``-p 127.0.0.1:8888:8888`` keeps it to the host's 127.0.0.1. The token Jupyter
generates stays on: the URL it prints carries it.
"""

import os

c = get_config()  # type: ignore[name-defined]  # noqa: F821 (provided by Jupyter)

port = int(os.environ.get("DOCDOCKER_PORT") or 8888)
c.ServerApp.ip = os.environ.get("DOCDOCKER_LISTEN") or "127.0.0.1"
c.ServerApp.port = port
c.ServerApp.port_retries = 0
c.ServerApp.open_browser = False
# The address the learner's browser uses, whichever address the server listens on.
c.ServerApp.custom_display_url = f"http://127.0.0.1:{port}/"
c.ServerApp.root_dir = "/home/learner/work"
c.LabApp.default_url = "/lab/tree/00-start-here.ipynb"
c.ServerApp.terminado_settings = {"shell_command": ["/bin/bash"]}
