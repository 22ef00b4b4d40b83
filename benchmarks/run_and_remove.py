"""Benchmark: run-and-remove a container through docdocker, the raw SDK and the CLI.

Usage: python benchmarks/run_and_remove.py [ROUNDS]

Each round creates, starts and waits for a `busybox true` container, then
removes it, once per contender, in interleaved order so that engine warm-up and
background load affect all three alike. Prints the median time of each and the
ratios to the raw SDK. docdocker should stay within 10% of the raw SDK: it adds
only the echo, the image check and result objects around the same calls.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

import docker

from docdocker.core.console import Console
from docdocker.core.steps import LABEL
from docdocker.session.tutorial import Tutorial as Engine

IMAGE = "busybox"
NOTEBOOK = "benchmark"


def via_docdocker(engine: Engine) -> None:
    result = engine.run(IMAGE, ["true"])
    result.container.remove()


def via_sdk(client: docker.DockerClient) -> None:
    container = client.containers.run(IMAGE, ["true"], detach=True,
                                      labels={LABEL: NOTEBOOK})
    container.wait()
    container.remove()


def via_cli(docker_cli: str) -> None:
    subprocess.run([docker_cli, "run", "--rm", "--label", f"{LABEL}={NOTEBOOK}", IMAGE, "true"],
                   check=True, capture_output=True)


def main(rounds: int = 20) -> None:
    client = docker.from_env()
    client.images.pull(IMAGE)
    engine = Engine(NOTEBOOK, client, Console())
    docker_cli = shutil.which("docker")
    contenders: dict[str, Callable[[], None]] = {
        "docdocker": lambda: via_docdocker(engine),
        "raw SDK": lambda: via_sdk(client),
    }
    if docker_cli:
        contenders["docker CLI"] = lambda: via_cli(docker_cli)
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for run in contenders.values():
        run()  # warm-up, not counted
    for _ in range(rounds):
        for name, run in contenders.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    base = statistics.median(times["raw SDK"])
    print(f"run-and-remove of `{IMAGE} true`, median of {rounds} rounds")
    for name, samples in times.items():
        median = statistics.median(samples)
        print(f"  {name:<11} {median * 1000:7.1f} ms   ratio to raw SDK: {median / base:.3f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
