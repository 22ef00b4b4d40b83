"""BuildKit's ``--progress=rawjson`` folded into steps, from streams captured from real builds.

The fixtures are what ``docker buildx build --progress=rawjson`` (buildx 0.29, Engine 28.5,
containerd image store) wrote to stderr for a small Dockerfile (``FROM busybox``,
``WORKDIR``, ``COPY``, a ``RUN`` that prints on stdout and stderr, ``ENV``, ``CMD``):
built with ``--no-cache`` (cold), rebuilt unchanged (cached), and a Dockerfile whose
two-line ``RUN`` on line 2 fails (failed-run).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from docdocker import friendly
from docdocker.base import errors
from docdocker.concepts.buildlog import BuildKitLog

FIXTURES = Path(__file__).parent / "fixtures" / "buildkit"
RUN = "RUN echo building && cat /app/greeting.txt && echo to-stderr >&2"


def folded(name: str, *, upto: int | None = None) -> BuildKitLog:
    log = BuildKitLog()
    lines = (FIXTURES / f"{name}.jsonl").read_text().splitlines(keepends=True)
    for line in lines[:upto]:
        log.feed_line(line)
    return log


def test_a_cold_build_names_each_instruction_its_time_and_its_output() -> None:
    log = folded("cold")
    assert [s.label for s in log.steps][1:] == [
        "[2/4] WORKDIR /app", "[3/4] COPY greeting.txt /app/", f"[4/4] {RUN}"]
    assert log.steps[0].label.startswith("[1/4] FROM docker.io/library/busybox:latest")
    run = log.steps[3]
    assert not run.cached and run.seconds is not None and run.seconds > 0
    # stdout and stderr of the RUN, in order, without BuildKit's numbering
    assert run.output == "building\nhello from the fixture\nto-stderr\n"
    text = log.text()
    number = run.vertex
    assert f"#{number} [4/4] {RUN}\n" in text
    assert f"#{number} " in text and "hello from the fixture" in text
    assert f"#{number} DONE {run.seconds:.1f}s" in text
    assert log.status() == "done" and log.error is None


def test_the_exporter_names_the_image_and_its_index() -> None:
    log = folded("cold")
    assert log.image_id is not None and log.image_id.startswith("sha256:")
    assert any(line.startswith(f"exporting manifest list {log.image_id}")
               for line in log.exporter)
    assert any(line.startswith("exporting attestation manifest sha256:")
               for line in log.exporter)
    assert "naming to docker.io/docdocker-fixture/cap:1 0.0s done" in log.exporter
    assert log.text().splitlines()[-1].endswith("s") and "DONE" in log.text().splitlines()[-1]


def test_an_unchanged_rebuild_says_cached_for_every_instruction() -> None:
    log = folded("cached")
    assert [s.cached for s in log.steps[1:]] == [True, True, True]
    assert all(s.seconds is None and s.output == "" for s in log.steps[1:])
    for step in log.steps[1:]:
        assert f"#{step.vertex} {step.label}\n#{step.vertex} CACHED" in log.text()


def test_steps_are_numbered_in_the_order_they_start_as_plain_progress_numbers_them() -> None:
    log = folded("cold")
    numbers = [s.vertex for s in log.steps]
    assert numbers == sorted(numbers) and len(set(numbers)) == 4
    headings = [line for line in log.lines() if line.startswith("#") and "[" in line]
    assert headings[0].endswith("[internal] load build definition from Dockerfile")


def test_while_the_run_runs_the_status_names_it() -> None:
    lines = (FIXTURES / "cold.jsonl").read_text().splitlines()
    started = next(i for i, line in enumerate(lines)
                   if "[4/4] RUN" in line and '"started"' in line and '"completed"' not in line)
    log = folded("cold", upto=started + 1)
    assert log.status() == f"[4/4] {RUN}"
    assert '<progress value="3" max="4"' in log.html()
    assert log.image_id is None


def test_a_failed_run_keeps_its_output_and_the_line_the_cli_points_at() -> None:
    log = folded("failed-run")
    assert log.failed_line == 2
    assert log.error is not None and log.error.startswith("failed to build: failed to solve: ")
    assert log.status().startswith("failed at [2/2] RUN echo looking")
    assert log.image_id is None
    text = "FROM busybox\nRUN echo looking && \\\n    ls /no-such-dir\n"
    where = friendly.BuildContext(
        dockerfile="app/Dockerfile.bad", text=text, context="app",
        step_output=log.current.output if log.current else "", line=log.failed_line,
        words="\n".join(log.messages))
    err = friendly.translate_build_error(log.error, where, ["docker", "build", "app"])
    assert isinstance(err, errors.BuildFailed)
    assert err.message.startswith("app/Dockerfile.bad, line 2: `RUN echo looking && ls "
                                  "/no-such-dir` failed: its command exited with code 1.")
    assert "ls: /no-such-dir: No such file or directory" in err.stderr
    assert ">>> RUN echo looking" in err.stderr  # BuildKit's excerpt, kept
    assert err.stderr.endswith("exit code: 1")


def _event(**kinds: object) -> str:
    return json.dumps(kinds) + "\n"


def test_output_cut_mid_line_and_a_step_that_failed_beside_a_cancelled_one() -> None:
    log = BuildKitLog()
    a, b = "sha256:" + "a" * 64, "sha256:" + "b" * 64
    t0, t1 = "2026-01-01T00:00:00.000000001Z", "2026-01-01T00:00:01.500000000Z"
    log.feed_line(_event(vertexes=[{"digest": a, "name": "[1/2] RUN make"},
                                   {"digest": b, "name": "[2/2] COPY x /x"}]))
    log.feed_line(_event(vertexes=[{"digest": a, "name": "[1/2] RUN make", "started": t0},
                                   {"digest": b, "name": "[2/2] COPY x /x", "started": t0}]))
    for part in ("hal", "f a line\nand ", "the rest\n"):
        log.feed_line(_event(logs=[{"vertex": a, "stream": 1, "timestamp": t1,
                                    "data": base64.b64encode(part.encode()).decode()}]))
    log.feed_line(_event(vertexes=[
        {"digest": b, "name": "[2/2] COPY x /x", "started": t0, "completed": t1,
         "error": "context canceled: context canceled"},
        {"digest": a, "name": "[1/2] RUN make", "started": t0, "completed": t1,
         "error": "process \"/bin/sh -c make\" did not complete successfully: exit code: 2"}]))
    assert log.steps[0].lines == ["half a line", "and the rest"]
    assert log.current is log.steps[0]  # not the step BuildKit cancelled
    assert "#1 1.500 half a line" in log.text()
    assert "#2 CANCELED" in log.text()
    log.feed_line("not json, the CLI's own words\n")
    assert log.messages == ["not json, the CLI's own words"]


@pytest.mark.parametrize(("message", "text", "line", "words"), [
    ("failed to build: failed to solve: dockerfile parse error on line 3: unknown "
     "instruction: COPPY (did you mean COPY?)", "FROM a\nRUN x\nCOPPY . /app\n", 3,
     ["app/Dockerfile, line 3: COPPY is not a Dockerfile instruction (did you mean COPY?)."]),
    ('failed to build: failed to solve: process "/bin/sh -c make" did not complete '
     "successfully: exit code: 2", "FROM a\n\nRUN make\n", 3,
     ["line 3", "`RUN make`", "exited with code 2"]),
    ("failed to build: failed to solve: failed to compute cache key: failed to calculate "
     'checksum of ref abc::def: "/req.txt": not found', "FROM a\nCOPY req.txt .\n", 2,
     ["line 2", "req.txt is not in the build context", "app"]),
    ("failed to build: failed to solve: nosuch:1: failed to resolve source metadata for "
     "docker.io/library/nosuch:1: docker.io/library/nosuch:1: not found", "FROM nosuch:1\n", 1,
     ["line 1", "base image nosuch:1"]),
    ("failed to build: failed to solve: something new", "FROM a\nUSER nobody\n", 2,
     ["line 2", "`USER nobody`", "something new"]),
])
def test_buildkit_errors_name_the_line_and_keep_buildkits_words(
    message: str, text: str, line: int, words: list[str]
) -> None:
    where = friendly.BuildContext(dockerfile="app/Dockerfile", text=text, context="app",
                                  line=line, words=f"Dockerfile:{line}\n----\nERROR: {message}")
    err = friendly.translate_build_error(message, where, ["docker", "build", "app"])
    for w in words:
        assert w in err.message
    assert err.fix
    assert err.stderr.endswith(f"ERROR: {message}")
    assert err.cli == "docker build app"


def test_the_status_names_only_a_step_that_started_and_never_the_classic_form() -> None:
    log = BuildKitLog()
    seen = []
    for line in (FIXTURES / "cold.jsonl").read_text().splitlines():
        log.feed_line(line)
        status = log.status()
        seen.append(status)
        assert not status.startswith("Step ")
        if status.startswith("["):
            step = next(s for s in log.steps if s.label == status)
            assert step.vertex, f"{status} is shown before it started"
    assert f"[4/4] {RUN}" in seen and seen[-1] == "done"
