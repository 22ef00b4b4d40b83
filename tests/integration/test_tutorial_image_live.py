"""The tutorial image: built from the repository's Dockerfile, started the way README.md
says on Linux, and used the way a learner uses it.

One test on purpose: building the image and running two notebooks inside it is the
expensive part, and every check below needs exactly that container. The build reuses
the cache of earlier builds (the Dockerfile installs the pins before the package), so
a rerun after a change to docdocker/ rebuilds only the last layers.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: The notebook the test runs inside the image, from the top: 02 builds, which needs what
#: only the image adds (the docker CLI and its buildx plugin, a build context in the
#: learner's work volume). Running containers and publishing ports inside the image are
#: checked by the echoed command below; every notebook runs twice on the host engine.
NOTEBOOKS = ("02-dockerfiles",)
WORK = "/home/learner/work"


def docker(*args: str, timeout: float = 120, check: bool = True,
           stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(["docker", *args], capture_output=True, text=True,
                            timeout=timeout, input=stdin)
    if check and result.returncode != 0:
        raise AssertionError(f"$ docker {' '.join(args)}\nexit {result.returncode}\n"
                             f"{result.stdout}\n{result.stderr}")
    return result


def readme_linux_command() -> list[str]:
    """The Linux `docker run` line of README.md, as words."""
    text = (ROOT / "README.md").read_text()
    found = re.search(r"^docker run [^\n]*--network host[^\n]*$", text, re.MULTILINE)
    assert found, "README.md shows no `docker run ... --network host ...` command for Linux"
    return found.group(0).split()


class TutorialContainer:
    """One tutorial container started as README.md says, on a port and volume of its own."""

    def __init__(self, image: str, volume: str, port: int) -> None:
        self.image, self.volume, self.port = image, volume, port
        self.name = f"docdocker-image-test-{uuid.uuid4().hex[:8]}"

    def start(self) -> str:
        words = readme_linux_command()
        # README: docker run --rm -it --network host -v SOCK:SOCK -v docdocker-work:WORK docdocker
        # Here: detached instead of a terminal, the test's own name, volume, port and image.
        assert words[-1] == "docdocker" and "-it" in words and "--rm" in words
        words = [w for w in words[2:-1] if w not in ("-it", "--rm")]
        words = [w.replace("docdocker-work:", f"{self.volume}:") for w in words]
        docker("run", "-d", "--name", self.name, "-e", f"DOCDOCKER_PORT={self.port}",
               *words, self.image)
        return self.wait_for_url()

    def wait_for_url(self, wait: float = 60) -> str:
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            logs = docker("logs", self.name, check=False)
            found = re.search(rf"http://127\.0\.0\.1:{self.port}/lab\S*\?token=\w+",
                              logs.stdout + logs.stderr)
            if found:
                return found.group(0)
            time.sleep(0.5)
        raise AssertionError(f"JupyterLab printed no URL within {wait} s:\n"
                             + docker("logs", self.name, check=False).stderr[-3000:])

    def logs(self) -> str:
        result = docker("logs", self.name, check=False)
        return result.stdout + result.stderr

    def exec(self, *argv: str, timeout: float = 120, check: bool = True,
             stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return docker("exec", "-i", "-u", "learner", "-w", WORK, self.name, *argv,
                      timeout=timeout, check=check, stdin=stdin)

    def remove(self) -> None:
        docker("rm", "-f", self.name, check=False)


RUN_NOTEBOOKS = textwrap.dedent("""
    import json, sys, time
    import nbformat
    from nbclient import NotebookClient

    took = {}
    for name in sys.argv[1:]:
        nb = nbformat.read(name + ".ipynb", as_version=4)
        start = time.monotonic()
        # Executed in memory: the learner's saved notebook is not touched.
        try:
            NotebookClient(nb, timeout=300, kernel_name="python3",
                           resources={"metadata": {"path": "."}}).execute()
        except Exception as err:
            # What the learner would see under the failing cell: docdocker's friendly
            # message and the engine's words are outputs, not the exception's text.
            shown = [out.get("text") or out.get("evalue")
                     or str(out.get("data", {}).get("text/plain", ""))
                     for cell in nb.cells if cell.get("outputs") for out in cell.outputs]
            sys.exit(f"{name}: {type(err).__name__}: {err}\\nlast outputs: {shown[-3:]}")
        took[name] = round(time.monotonic() - start, 1)
    print(json.dumps(took))
""")

ECHO_AND_FETCH = textwrap.dedent("""
    import json, subprocess, sys
    import docdocker.concepts.web as web
    from docdocker.concepts.run import Run
    from docdocker.grammar.ports import parse

    name, port, label = sys.argv[1:]
    step = Run(image="nginx", detach=True, name=name, publish=tuple(parse(f"127.0.0.1:{port}:80")),
               labels={"org.docdocker.notebook": label})
    # The echo, typed as it is shown, into this image's own docker CLI.
    typed = subprocess.run(step.cli, shell=True, capture_output=True, text=True)
    page = web.fetch(f"http://127.0.0.1:{port}/", wait=20)
    print(json.dumps({"cli": step.cli, "exit": typed.returncode, "stderr": typed.stderr,
                      "status": page.status, "welcome": "Welcome to nginx!" in page.body}))
""")

MARK_NOTEBOOK = textwrap.dedent("""
    import json, sys
    path, text = sys.argv[1:]
    nb = json.load(open(path))
    nb["cells"].append({"cell_type": "markdown", "metadata": {}, "source": [text]})
    json.dump(nb, open(path, "w"))
""")


@pytest.fixture
def tutorial_image(notebook: str) -> Iterator[str]:
    image = f"docdocker-image-test-{notebook}:1"
    started = time.monotonic()
    if not any((ROOT / "image" / "wheels").glob("*.whl")):
        # Containers may not reach PyPI (CI here cannot): fetch the wheels on the host,
        # as README.md tells an instructor to do. Once; later runs reuse them.
        subprocess.run(["sh", str(ROOT / "image" / "download-wheels.sh")], check=True,
                       timeout=600, env={**os.environ, "PIP": f"{sys.executable} -m pip"})
    docker("build", "-q", "-t", image, "--label", f"org.docdocker.notebook={notebook}",
           str(ROOT), timeout=900)
    print(f"image built in {time.monotonic() - started:.1f} s")
    yield image
    docker("rmi", "-f", image, check=False)


def another_free_port(taken: int) -> int:
    while True:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        if port != taken:
            return port


def host_listens_only_on_loopback(container: TutorialContainer) -> list[str]:
    """The local addresses JupyterLab listens on, read from /proc/net/tcp (host namespace)."""
    table = container.exec("cat", "/proc/net/tcp", "/proc/net/tcp6").stdout
    listening = []
    for line in table.splitlines()[1:]:
        fields = line.split()
        if len(fields) > 3 and fields[3] == "0A":  # LISTEN
            address, port = fields[1].rsplit(":", 1)
            if int(port, 16) == container.port:
                listening.append(address)
    return listening


@pytest.mark.needs("buildkit")
@pytest.mark.timeout(1500)
def test_tutorial_image_runs_the_notebooks_and_keeps_the_learners_work(
        tutorial_image: str, notebook: str, free_port: int) -> None:
    volume = f"docdocker-image-test-{notebook}"
    first = TutorialContainer(tutorial_image, volume, free_port)
    second = TutorialContainer(f"docdocker-image-test-{notebook}:2", volume, free_port)
    try:
        started = time.monotonic()
        url = first.start()
        print(f"JupyterLab answered in {time.monotonic() - started:.1f} s: {url}")

        # JupyterLab: on the host's 127.0.0.1 only, and only with the token.
        assert host_listens_only_on_loopback(first) == ["0100007F"]
        token = url.rsplit("=", 1)[1]
        status = f"http://127.0.0.1:{free_port}/api/status"
        with urllib.request.urlopen(f"{status}?token={token}", timeout=10) as answer:
            assert answer.status == 200
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(status, timeout=10)
        assert refused.value.code == 403

        # doctor says where it runs.
        doctor = first.exec("docdocker", "doctor", check=False).stdout
        assert "✔ Tutorial image: running inside the docdocker image" in doctor
        assert "--network host" in doctor and "Ready for the tutorial." in doctor

        # An echoed command typed into the image's docker CLI, then fetched from inside.
        web_port = another_free_port(free_port)
        echoed = json.loads(first.exec(
            "python", "-c", ECHO_AND_FETCH, f"{first.name}-web", str(web_port), notebook
        ).stdout)
        assert echoed["exit"] == 0, echoed
        assert echoed["status"] == 200 and echoed["welcome"], echoed

        # A notebook from the top, in the container, as a learner would run it.
        took = json.loads(first.exec("python", "-c", RUN_NOTEBOOKS, *NOTEBOOKS,
                                     timeout=1200).stdout.strip().splitlines()[-1])
        print(f"notebooks inside the image: {took}")

        # The learner changes a notebook and leaves a file; the container goes away.
        first.exec("python", "-c", MARK_NOTEBOOK, "01-containers.ipynb", "my own note")
        first.exec("sh", "-c", "echo mine > my-notes.txt")
        first.remove()

        # A newer image changes 01 and 03; only the untouched 03 is updated.
        newer = textwrap.dedent(f"""
            FROM {tutorial_image}
            COPY mark.py /tmp/mark.py
            RUN python /tmp/mark.py /opt/docdocker/notebooks/01-containers.ipynb "image v2" \\
             && python /tmp/mark.py /opt/docdocker/notebooks/03-registries.ipynb "image v2"
        """)
        context = Path(f"/tmp/{volume}")
        context.mkdir()
        (context / "Dockerfile").write_text(newer)
        (context / "mark.py").write_text(MARK_NOTEBOOK)
        docker("build", "-q", "-t", second.image, "--label", f"org.docdocker.notebook={notebook}",
               str(context), timeout=300)
        second.start()
        kept = second.exec("cat", "01-containers.ipynb").stdout
        assert "my own note" in kept and "image v2" not in kept
        assert "image v2" in second.exec("cat", "03-registries.ipynb").stdout
        assert second.exec("cat", "my-notes.txt").stdout == "mine\n"
        assert "Kept your 01-containers.ipynb" in second.logs()
    finally:
        for container in (first, second):
            container.remove()
        # What the notebooks left running (they leave their widgets' containers alive),
        # removed by the notebooks' own scoped reset.
        for name in NOTEBOOKS:
            subprocess.run([sys.executable, "-m", "docdocker", "reset", "--notebook", name,
                            "--yes"], capture_output=True, timeout=300, check=False)
        docker("rm", "-f", f"{first.name}-web", check=False)
        docker("volume", "rm", volume, check=False)
        docker("rmi", "-f", second.image, check=False)
        subprocess.run(["rm", "-rf", f"/tmp/{volume}"], check=False)
    leftovers = docker("ps", "-a", "-q", "--filter", f"name={first.name}",
                       "--filter", f"name={second.name}").stdout.split()
    assert leftovers == []
    assert docker("volume", "ls", "-q", "--filter", f"name={volume}").stdout.strip() == ""
