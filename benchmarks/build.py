"""Benchmark: `docker build` through docdocker against the real `docker` CLI.

Usage: python benchmarks/build.py [COLD_ROUNDS] [CACHED_ROUNDS]

Both build the same context (notebooks/apps/friendlyhello) with the same command
line: the one docdocker echoes (`docker build -t TAG --label ... PATH`, plus
`--force-rm` with the classic builder). docdocker runs it with the builder the
CLI's `docker build` runs here: on a Docker with buildx, `docker buildx build
--progress=rawjson` folded into the log; without it, the SDK's classic build
stream. The CLI contender is that line typed in a terminal. "Cold" adds
`--no-cache`, so every step runs; "cached" rebuilds an unchanged context, so
every step comes from the cache. Rounds alternate which contender goes first, so
engine warm-up and background load affect both alike. Prints which builder ran,
the median of each and the ratio docdocker / CLI; docdocker should stay within
5% of the CLI. Everything it builds carries a label of its own and is removed at
the end.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import docker

from docdocker.concepts.build import Build, builder
from docdocker.core.console import Console
from docdocker.session.tutorial import Tutorial as Engine

APP = Path(__file__).resolve().parents[1] / "notebooks" / "apps" / "friendlyhello"


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main(cold_rounds: int = 5, cached_rounds: int = 10) -> None:
    docker_cli = shutil.which("docker")
    if docker_cli is None:
        sys.exit("The docker CLI is not installed: nothing to compare with.")
    client = docker.from_env(timeout=300)
    notebook = f"benchmark-build-{os.getpid()}"
    engine = Engine(notebook, client, Console())
    tag = f"docdocker-bench/build-{os.getpid()}"

    def argv(nocache: bool) -> list[str]:
        step = Build(path=str(APP), tag=tag, nocache=nocache, force_rm=not builder().buildkit)
        return step.with_labels(engine.labels).argv

    def cli(nocache: bool) -> None:
        subprocess.run([docker_cli, *argv(nocache)[1:]], check=True, capture_output=True)

    def ours(nocache: bool) -> None:
        engine.build(str(APP), tag=tag, nocache=nocache)

    assert engine.build(str(APP), tag=tag).step.argv == argv(False)  # the same command
    results: dict[str, dict[str, list[float]]] = {}
    try:
        for kind, nocache, rounds in (("cold", True, cold_rounds),
                                      ("cached", False, cached_rounds)):
            times: dict[str, list[float]] = {"docdocker": [], "docker CLI": []}
            for i in range(rounds):
                order = [("docdocker", ours), ("docker CLI", cli)]
                for name, run in order if i % 2 == 0 else reversed(order):
                    times[name].append(timed(lambda run=run, nocache=nocache: run(nocache)))
            results[kind] = times
    finally:
        engine.rmi(tag)
        engine.image_prune(notebook)  # the images earlier rounds left without a tag
        client.close()

    print(f"builder: {builder().describe()}")
    print(f"$ {' '.join(argv(True))}")
    # The median is the result; the fastest round of each, the least disturbed by other
    # work on the machine, shows whether a gap is docdocker's or the machine's.
    print(f"{'':8} {'docdocker':>10} {'docker CLI':>11} {'ratio':>7}   {'fastest rounds':>22}")
    for kind, times in results.items():
        ours_median = statistics.median(times["docdocker"])
        cli_median = statistics.median(times["docker CLI"])
        best = min(times["docdocker"]), min(times["docker CLI"])
        print(f"{kind:8} {ours_median:9.2f}s {cli_median:10.2f}s "
              f"{ours_median / cli_median:7.2f}   {best[0]:6.2f}s / {best[1]:.2f}s = "
              f"{best[0] / best[1]:.2f}   ({len(times['docdocker'])} rounds)")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
