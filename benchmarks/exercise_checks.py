"""Benchmark: how long a Check takes, next to the one `docker` command a learner would type.

Usage: python benchmarks/exercise_checks.py [ROUNDS]

Sets up the "done" state of 01-my-web (an nginx container answering on a free
127.0.0.1 port, under a name of its own), then times, in interleaved rounds:

* one Check of that exercise (name lookup, inspect, image inspect, one HTTP request);
* `docker container inspect NAME` through the CLI, which reads less and proves less;
* checking all exercises of every notebook, as `python -m docdocker check` does.

Prints the medians and the ratio of one Check to the CLI's inspect. A Check should
stay well under the 0.1 s a click feels instant within.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import docker

from docdocker.core.console import Console
from docdocker.exercises import ProgressStore, all_exercises, check_all, nb01
from docdocker.grammar import ports
from docdocker.session.tutorial import Tutorial as Engine


def main(rounds: int = 20) -> None:
    client = docker.from_env()
    engine = Engine("benchmark", client, Console())
    name = f"bench-web-{uuid.uuid4().hex[:6]}"
    port = ports.find_free("127.0.0.1", 30500)
    exercise = nb01.my_web(name=name, port=port)
    cli = shutil.which("docker")
    engine.run("nginx", detach=True, name=name, publish=f"127.0.0.1:{port}:80")
    try:
        deadline = time.monotonic() + 15
        while not exercise.check(engine).done:
            if time.monotonic() > deadline:
                raise SystemExit(f"{name} never answered: {exercise.check(engine)}")
            time.sleep(0.2)
        store = ProgressStore(Path(tempfile.mkdtemp(prefix="docdocker-bench-")) / "p.json")
        contenders: dict[str, Callable[[], object]] = {
            "one Check (01-my-web, done)": lambda: exercise.check(engine),
            f"all {len(all_exercises())} checks, recorded": lambda: check_all(
                engine, all_exercises(), store),
        }
        if cli:
            contenders["docker container inspect (CLI)"] = lambda: subprocess.run(
                [cli, "container", "inspect", name], check=True, capture_output=True)
        times: dict[str, list[float]] = {label: [] for label in contenders}
        for _ in range(rounds):
            for label, run in contenders.items():
                start = time.perf_counter()
                run()
                times[label].append(time.perf_counter() - start)
        medians = {label: statistics.median(t) for label, t in times.items()}
        for label, median in medians.items():
            print(f"{label:<36} {median * 1000:8.1f} ms")
        if cli:
            ratio = medians["one Check (01-my-web, done)"] / medians[
                "docker container inspect (CLI)"]
            print(f"one Check / CLI inspect: {ratio:.2f}")
    finally:
        client.containers.get(name).remove(force=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
