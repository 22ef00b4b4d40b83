"""Benchmark: the classroom mirror against a bare ``registry:2``, and the bundle.

Usage: python benchmarks/classroom_mirror.py [LEARNERS] [ROUNDS]   (default 30 5)

Both registries run on this machine, on loopback, holding the same images (the
tutorial's, as ``classroom images`` lists them), pushed the same way:

* the classroom mirror, as ``classroom mirror`` starts it (labels, named volume);
* a bare ``docker run -d -p 127.0.0.1:PORT:5000 registry:2``.

Pulls, in interleaved rounds so that background load affects both alike:

1. LEARNERS (default 30) concurrent clients, each pulling every image the way an
   engine does on a fresh laptop: manifest, config, then every layer blob it does
   not have yet over the registry API, with each blob's sha256 checked. One engine on one machine
   cannot stand for 30 laptops (it shares layers between pulls), so this is the
   measure of serving a room. Rate = bytes served per second.
2. LEARNERS concurrent real ``docker pull 127.0.0.1:PORT/library/IMAGE`` commands
   (spread over the images) through this machine's engine: each must succeed. The
   engine already holds the layers, so this checks the pull path, not the transfer.

The mirror should serve at least 80% of the bare registry's rate with zero failed
pulls. One untimed warm-up pull from each comes first. Then it reports the bundle's
size and the time ``bundle`` and ``load`` take (the load re-loads images already here
under the same names: nothing changes).
"""

from __future__ import annotations

import contextlib
import hashlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from docdocker.base import errors
from docdocker.classroom import bundle, catalog, mirror
from docdocker.concepts.containers import Rm
from docdocker.core.console import Console
from docdocker.grammar import ports
from docdocker.session.connect import connect
from docdocker.session.tutorial import Tutorial

ACCEPT = ", ".join([
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
])
DOCKER = shutil.which("docker") or "docker"


def learner(base: str, images: list[str]) -> tuple[int, list[str]]:
    """Pull every image over the registry API; returns bytes received and failures."""
    received, failures = 0, []
    seen: set[str] = set()  # an engine downloads a layer shared by several images once
    with requests.Session() as http:
        for image in images:
            name, _, tag = mirror.mirror_name(image).partition(":")
            try:
                answer = http.get(f"{base}/v2/{name}/manifests/{tag}",
                                  headers={"Accept": ACCEPT}, timeout=60)
                answer.raise_for_status()
                manifest = answer.json()
                received += len(answer.content)
                for blob in [manifest["config"], *manifest["layers"]]:
                    if blob["digest"] in seen:
                        continue
                    seen.add(blob["digest"])
                    digest = hashlib.sha256()
                    with http.get(f"{base}/v2/{name}/blobs/{blob['digest']}", stream=True,
                                  timeout=120) as got:
                        got.raise_for_status()
                        for chunk in got.iter_content(1 << 20):
                            digest.update(chunk)
                            received += len(chunk)
                    if f"sha256:{digest.hexdigest()}" != blob["digest"]:
                        failures.append(f"{image}: blob {blob['digest'][:19]} corrupt")
            except (requests.RequestException, KeyError, ValueError) as err:
                failures.append(f"{image}: {err}")
    return received, failures


def room(base: str, images: list[str], learners: int) -> tuple[float, int, list[str]]:
    """LEARNERS concurrent learners; returns seconds, bytes and failures."""
    start = time.monotonic()
    with ThreadPoolExecutor(learners) as pool:
        results = list(pool.map(lambda _: learner(base, images), range(learners)))
    seconds = time.monotonic() - start
    return seconds, sum(r[0] for r in results), [f for r in results for f in r[1]]


def engine_pulls(port: int, images: list[str], learners: int) -> tuple[float, list[str]]:
    """LEARNERS concurrent real ``docker pull`` commands; returns seconds and failures."""
    refs = [f"127.0.0.1:{port}/{mirror.mirror_name(images[i % len(images)])}"
            for i in range(learners)]
    start = time.monotonic()
    with ThreadPoolExecutor(learners) as pool:
        done = list(pool.map(lambda ref: subprocess.run(
            [DOCKER, "pull", "--quiet", ref], capture_output=True, text=True, check=False),
            refs))
    seconds = time.monotonic() - start
    failures = [f"{ref}: {d.stderr.strip()}" for ref, d in zip(refs, done, strict=True)
                if d.returncode != 0]
    for ref in sorted(set(refs)):
        subprocess.run([DOCKER, "rmi", ref], capture_output=True, check=False)
    return seconds, failures


def start_bare(engine: Tutorial, images: list[str], name: str) -> mirror.Mirror:
    """A bare registry:2 (no volume, no extra labels beyond the engine's) with the same images."""
    port = ports.find_free("127.0.0.1", 26000)
    engine.run("registry:2", detach=True, name=name, publish=f"127.0.0.1:{port}:5000")
    bare = mirror.Mirror("127.0.0.1", port, name)
    mirror._wait_ready(bare, 30)
    mirror._seed(engine, bare, images)
    return bare


def main(learners: int = 30, rounds: int = 5) -> int:
    images = catalog.derive().images
    engine = connect("classroom-benchmark", console=Console())
    suffix = uuid.uuid4().hex[:6]
    mirror_name_, bare_name = f"bench-mirror-{suffix}", f"bench-bare-{suffix}"
    print(f"{len(images)} images: {', '.join(images)}; {learners} learners, {rounds} rounds")
    try:
        classroom = mirror.start(engine, images, name=mirror_name_,
                                 port=ports.find_free("127.0.0.1", 25500))
        bare = start_bare(engine, images, bare_name)
        rates: dict[str, list[float]] = {"mirror": [], "bare": []}
        failures: dict[str, list[str]] = {"mirror": [], "bare": []}
        served = {}
        pair = [("mirror", classroom), ("bare", bare)]
        for _, registry in pair:  # warm-up, not counted: both start with a warm page cache
            room(registry.local_url, images, 1)
        for number in range(rounds):
            # Alternate who goes first, so that a load that rises or falls during the
            # run does not favour one of them.
            for label, registry in pair if number % 2 == 0 else pair[::-1]:
                seconds, received, failed = room(registry.local_url, images, learners)
                rates[label].append(received / seconds)
                failures[label] += failed
                served[label] = received
                print(f"  {label:6} {learners} learners: {received / 1e6:8.1f} MB in "
                      f"{seconds:5.1f} s = {received / seconds / 1e6:7.1f} MB/s, "
                      f"{len(failed)} failed")
        for label, registry in (("mirror", classroom), ("bare", bare)):
            seconds, failed = engine_pulls(registry.port, images, learners)
            failures[label] += failed
            print(f"  {label:6} {learners} concurrent `docker pull`: {seconds:5.1f} s, "
                  f"{len(failed)} failed")
        mirror_rate = statistics.median(rates["mirror"])
        bare_rate = statistics.median(rates["bare"])
        per_round = [m / b for m, b in zip(rates["mirror"], rates["bare"], strict=True)]
        print("Mirror/bare ratio per round: " + ", ".join(f"{r:.2f}" for r in per_round)
              + f" (median {statistics.median(per_round):.2f})")
        print(f"Mirror/bare rate (median of {rounds}): {mirror_rate / bare_rate:.2f} "
              f"({mirror_rate / 1e6:.1f} vs {bare_rate / 1e6:.1f} MB/s); one learner "
              f"receives {served['mirror'] / learners / 1e6:.1f} MB; failed pulls: mirror "
              f"{len(failures['mirror'])}, bare {len(failures['bare'])}")
        for failure in failures["mirror"] + failures["bare"]:
            print("   ", failure)
    finally:
        mirror.stop(engine, mirror_name_)
        with contextlib.suppress(errors.DocDockerError):
            engine.execute(Rm(container=bare_name, force=True, volumes=True))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "docdocker-images.tar"
        start = time.monotonic()
        bundle.bundle(engine, images, path)
        made = time.monotonic() - start
        loaded = bundle.load(engine, path)
        print(f"Bundle: {path.stat().st_size / 1e6:.0f} MB for {len(images)} images; bundle "
              f"{made:.1f} s; load {loaded.seconds_checking + loaded.seconds_loading:.1f} s "
              f"(checking {loaded.seconds_checking:.1f} s, docker load "
              f"{loaded.seconds_loading:.1f} s)")
    ok = mirror_rate >= 0.8 * bare_rate and not failures["mirror"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(*(int(a) for a in sys.argv[1:3])))
