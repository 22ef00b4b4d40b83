"""Benchmark: `docker compose ps` through docdocker against the Compose program itself.

Usage: python benchmarks/compose_overhead.py [ROUNDS]

Starts one small Compose project (a busybox service that sleeps, labelled as the
tutorial labels its projects), then times `docker compose ps` made through
docdocker's step (echo, streamed pipes, result) and by calling the same Compose
program with ``subprocess.run``, in interleaved rounds whose order alternates so
that load on the machine affects both alike. Prints the median of each and the
ratio. docdocker runs the same process and only reads its pipes line by line, so
the ratio should stay close to 1.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import docker

from docdocker.concepts import compose
from docdocker.core.console import Console
from docdocker.session.tutorial import Tutorial
from docdocker.tools import lesson

NOTEBOOK = "benchmark"
PROJECT = "docdocker-benchmark"
FILE = """services:
  sleeper:
    image: busybox
    command: ["sleep", "300"]
    labels: {org.docdocker.notebook: benchmark, org.docdocker.owner: container}
networks:
  default:
    labels: {org.docdocker.notebook: benchmark}
"""


def main(rounds: int = 15) -> None:
    program = compose.require()
    client = docker.from_env()
    engine = Tutorial(NOTEBOOK, client, Console())
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        (work / "compose.yaml").write_text(FILE)
        (work / lesson.OVERRIDE_FILE).write_text(f"name: {PROJECT}\n")
        engine.compose_cd(work)
        engine.compose_up()
        try:
            timings: dict[str, list[float]] = {"docdocker": [], "binary": []}
            contenders = {
                "docdocker": engine.compose_ps,
                "binary": lambda: subprocess.run([*program.argv, "ps"], cwd=work, check=True,
                                                 capture_output=True),
            }
            for round_number in range(rounds):
                order = list(contenders)
                for name in order if round_number % 2 else reversed(order):
                    start = time.perf_counter()
                    contenders[name]()
                    timings[name].append(time.perf_counter() - start)
        finally:
            subprocess.run([*program.argv, "down", "--volumes", "--timeout", "0"], cwd=work,
                           check=False, capture_output=True)
    medians = {name: statistics.median(times) for name, times in timings.items()}
    print(f"{program.describe()}, {rounds} rounds of `docker compose ps`")
    for name, value in medians.items():
        print(f"  {name:<10} {value * 1000:7.1f} ms  ratio {value / medians['binary']:.2f}")
    client.close()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 15)
