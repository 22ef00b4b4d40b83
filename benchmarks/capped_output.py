"""Benchmark: reading a huge container log, capped by docdocker, against the SDK and the CLI.

Usage: python benchmarks/capped_output.py [MEGABYTES] [ROUNDS]   (default 10 3)

One container prints MEGABYTES of 50-character lines, once. Then, in interleaved
rounds so that background load affects every reader alike, its whole log is read by:

* ``docker logs NAME > /dev/null`` (the CLI);
* ``container.logs()`` (the SDK, everything in memory at once);
* ``container.logs(stream=True)`` (the SDK, frame by frame, nothing kept);
* ``engine.logs(NAME)`` (docdocker: streamed through its bounded background reader,
  the start and the end kept).

It reports the median time of each, docdocker's time as a ratio of the SDK's
stream, and the peak Python memory (tracemalloc) of the SDK's ``logs()`` and of
docdocker's, measured in a separate round. The engine itself serves logs at a few
MB/s, so the ratios matter, not the times.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
import tracemalloc
import uuid
from collections.abc import Callable

import docker

from docdocker.core.console import Console
from docdocker.session.tutorial import Tutorial


def timed(read: Callable[[], object]) -> float:
    start = time.perf_counter()
    read()
    return time.perf_counter() - start


def peak(read: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        read()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main(megabytes: int = 10, rounds: int = 3) -> None:
    client = docker.from_env(timeout=300)
    notebook = f"bench-{uuid.uuid4().hex[:8]}"
    engine = Tutorial(notebook, client, Console())
    name = f"loud-{notebook}"
    size = megabytes * 1_000_000
    line = "0123456789012345678901234567890123456789012345678"
    try:
        engine.run("busybox", ["sh", "-c", f"yes {line} | head -c {size}"], name=name)
        container = client.containers.get(name)

        def cli() -> None:
            subprocess.run(["docker", "logs", name], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, check=True)

        def sdk_all() -> None:
            container.logs()

        def sdk_stream() -> None:
            for _ in container.logs(stream=True):
                pass

        def dd() -> None:
            engine.logs(name)

        readers = {"docker logs (CLI)": cli, "SDK logs()": sdk_all,
                   "SDK logs(stream=True)": sdk_stream, "docdocker engine.logs()": dd}
        times: dict[str, list[float]] = {label: [] for label in readers}
        for _ in range(rounds):
            for label, read in readers.items():
                times[label].append(timed(read))
        print(f"A log of {megabytes} MB ({size // 50:,} lines), {rounds} interleaved rounds:")
        for label, values in times.items():
            print(f"  {label:<26} median {statistics.median(values):6.2f} s")
        ratio = (statistics.median(times["docdocker engine.logs()"])
                 / statistics.median(times["SDK logs(stream=True)"]))
        print(f"  docdocker / SDK stream: {ratio:.2f}")
        print("Peak Python memory while reading it all:")
        print(f"  SDK logs()                 {peak(sdk_all) / 1e6:6.1f} MB")
        print(f"  docdocker engine.logs()    {peak(dd) / 1e6:6.1f} MB "
              f"(what it keeps: {len(engine.logs(name).output):,} characters)")
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True, check=False)
        client.close()


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
