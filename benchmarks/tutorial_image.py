"""Benchmark: the tutorial image's size, build times and start time.

Usage: python benchmarks/tutorial_image.py [START_ROUNDS]

Builds the repository's Dockerfile three ways: cold (``--no-cache``), cached (nothing
changed) and after an edit to the docdocker package (only the package's layers run
again). Then starts the image with the README's Linux command, on a port and volume
of its own, until JupyterLab answers its status API with the token it printed, and
reports the median of START_ROUNDS starts (default 3). The image, containers and
volume it makes carry names of their own and are removed at the end.
"""

from __future__ import annotations

import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def docker(*args: str, timeout: float = 900) -> str:
    return subprocess.run(["docker", *args], check=True, capture_output=True, text=True,
                          timeout=timeout).stdout


def timed_build(image: str, context: Path, *extra: str) -> float:
    start = time.perf_counter()
    docker("build", "-q", "-t", image, *extra, str(context))
    return time.perf_counter() - start


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_until_answering(image: str, volume: str) -> float:
    """Seconds from `docker run` to JupyterLab answering with its printed token."""
    port, name = free_port(), f"docdocker-bench-{uuid.uuid4().hex[:8]}"
    start = time.perf_counter()
    docker("run", "-d", "--name", name, "--network", "host", "-e", f"DOCDOCKER_PORT={port}",
           "-v", "/var/run/docker.sock:/var/run/docker.sock",
           "-v", f"{volume}:/home/learner/work", image)
    try:
        while time.perf_counter() - start < 120:
            logs = subprocess.run(["docker", "logs", name], capture_output=True, text=True)
            found = re.search(r"\?token=(\w+)", logs.stdout + logs.stderr)
            if found:
                url = f"http://127.0.0.1:{port}/api/status?token={found.group(1)}"
                try:
                    with urllib.request.urlopen(url, timeout=2) as answer:
                        if answer.status == 200:
                            return time.perf_counter() - start
                except OSError:
                    pass
            time.sleep(0.1)
        raise RuntimeError(f"{name} did not answer within 120 s")
    finally:
        docker("rm", "-f", name)


def main(rounds: int) -> None:
    tag = f"docdocker-bench-{uuid.uuid4().hex[:8]}"
    volume = f"{tag}-work"
    edited = Path(tempfile.mkdtemp(prefix="docdocker-bench-"))
    try:
        cold = timed_build(f"{tag}:1", ROOT, "--no-cache")
        cached = timed_build(f"{tag}:1", ROOT)
        # The same context with one package file changed: what a maintainer's rebuild costs.
        shutil.copytree(ROOT, edited / "ctx", ignore=shutil.ignore_patterns(
            ".git", ".venv", "__pycache__", "tests", "benchmarks"))
        with open(edited / "ctx" / "docdocker" / "web.py", "a") as source:
            source.write("\n# edited by the benchmark\n")
        after_edit = timed_build(f"{tag}:2", edited / "ctx")
        size = int(docker("image", "inspect", "--format", "{{.Size}}", f"{tag}:1").strip())
        first = start_until_answering(f"{tag}:1", volume)  # seeds the new volume
        starts = [start_until_answering(f"{tag}:1", volume) for _ in range(rounds)]
        print(f"image size (docker image inspect .Size): {size / 1e6:.0f} MB")
        print(f"build: cold {cold:.1f} s, cached {cached:.1f} s, "
              f"after a docdocker/ edit {after_edit:.1f} s")
        print(f"start to JupyterLab answering: first (new volume) {first:.1f} s, "
              f"then median {statistics.median(starts):.1f} s of {rounds}")
    finally:
        subprocess.run(["docker", "rmi", "-f", f"{tag}:1", f"{tag}:2"], capture_output=True)
        subprocess.run(["docker", "volume", "rm", volume], capture_output=True)
        shutil.rmtree(edited, ignore_errors=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
