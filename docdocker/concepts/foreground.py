"""Foreground container output: follow ``docker run`` and ``docker logs -f``, capped.

What a foreground ``docker run`` does in a terminal (print the container's
output as it comes, stop the container on Ctrl-C) and what ``docker logs``
prints, with memory bounded however much a container prints. The container
steps in :mod:`docdocker.concepts.containers` hand their SDK container here.
"""

from __future__ import annotations

import codecs
import threading
import time
from collections.abc import Mapping
from contextlib import suppress
from typing import Any

import docker.errors
import requests.exceptions

from docdocker.base.masking import mask_text
from docdocker.core import connection
from docdocker.core.console import Capped
from docdocker.core.engine import Engine

#: Seconds of grace ``docker stop -t`` gives a foreground run that a timeout ends.
FOREGROUND_GRACE = 2
#: Characters, and lines, a foreground run may print before docdocker stops it: a
#: container that floods (``yes``) would otherwise never end and fill the disk with its
#: log. Lines count too: the engine sends each line on its own, so reading a million
#: short lines takes most of a minute.
FLOOD_CHARS = 10_000_000
FLOOD_LINES = 100_000
#: Seconds docdocker keeps reading after it stopped a container: what a flooding
#: container printed before it stopped can take minutes to read, and is not shown anyway.
DRAIN_SECONDS = 1.0
#: Seconds a check that the engine still answers may take (a silent container's output
#: is normal; a silent engine is not).
HEARTBEAT_SECONDS = 10.0


def wait_in_background(
    container: Any, *, remove: bool
) -> tuple[threading.Thread, list[int | None]]:
    """Start asking for the exit code of ``container`` (``docker wait``) in a thread.

    Equivalent CLI: ``docker wait CONTAINER``.

    Args:
        container: The SDK container, created and not yet started.
        remove: Whether it was run with ``--rm`` (then wait for its removal).

    Returns:
        The thread, and a one-item list that holds the exit code once known.
    """
    exit_code: list[int | None] = [None]
    waiter = threading.Thread(target=_wait, args=(container, remove, exit_code), daemon=True)
    waiter.start()
    return waiter, exit_code


def _wait(container: Any, remove: bool, out: list[int | None]) -> None:
    condition = "removed" if remove else "next-exit"
    try:
        out[0] = int(container.wait(condition=condition)["StatusCode"])
    except (docker.errors.DockerException, requests.exceptions.RequestException):
        out[0] = None


def follow(
    engine: Engine, container: Any, timeout: float | None, *, remove: bool, halt_cli: str
) -> tuple[str, bool]:
    """Stream a foreground container's output until it exits or time runs out.

    The page gets the first :data:`~docdocker.core.console.HEAD_CHARS` characters as
    they come, then, once the container has exited, a line saying how much was
    left out and the last :data:`~docdocker.core.console.TAIL_CHARS`: memory stays
    bounded however much the container prints.

    Equivalent CLI: ``docker run IMAGE`` (in the foreground), ``docker stop`` on Ctrl-C.

    Args:
        engine: The engine whose console shows the output.
        container: The SDK container, started.
        timeout: Seconds after which the container is stopped, or None.
        remove: Whether it was run with ``--rm``.
        halt_cli: The ``docker stop`` command echoed when docdocker stops it.

    Returns:
        What was kept of the output, and whether the timeout (or Ctrl-C) stopped it.
    """
    stop_asked: list[float] = []
    stopped_at: list[float] = []

    def stop() -> None:
        if not stop_asked:
            stop_asked.append(time.monotonic())
        # docdocker stops the container itself here: echo it, as every engine action is.
        engine.console.command(halt_cli)
        stop_quietly(container)
        engine.console.text(f"{container.name or container.short_id}\n")
        stopped_at.append(time.monotonic())

    timer = None
    if timeout is not None:
        timer = threading.Timer(timeout, stop)
        timer.daemon = True
        timer.start()
    request = engine.timeout or connection.DEFAULT_TIMEOUT
    # Once a stop is asked for, the output must end within the stop's own bound.
    grace = FOREGROUND_GRACE + request + 5

    def deadline() -> float | None:
        return stop_asked[0] + grace if stop_asked else None

    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    cap = Capped()
    read = lines = 0
    flooded = unread = False
    try:
        for raw in engine.stream(lambda: container.logs(stream=True, follow=True),
                                 idle=min(request, HEARTBEAT_SECONDS), deadline=deadline,
                                 heartbeat=lambda: still_there(engine, container)):
            text = decoder.decode(raw)
            read += len(text)
            lines += text.count("\n")
            shown = cap.feed(text)
            if shown:
                engine.console.text(mask_text(shown))
            if (read > FLOOD_CHARS or lines > FLOOD_LINES) and not stop_asked:
                flooded = True
                stop()
            if stopped_at and time.monotonic() > stopped_at[0] + DRAIN_SECONDS:
                unread = True  # the container has stopped; the rest is in `docker logs`
                break
    except KeyboardInterrupt:
        # What Ctrl-C does to a foreground `docker run`: the container stops.
        stop()
    except docker.errors.NotFound:
        pass  # auto-removed as it exited; what it printed has been read
    finally:
        if timer is not None:
            timer.cancel()
            # A stop already under way finishes (and prints its name) before the
            # result is returned, so its output lands in this step's output.
            timer.join(timeout=grace)
    cap.feed(decoder.decode(b"", final=True))
    how = see_all(container, remove=remove)
    name = container.name or container.short_id
    if flooded:
        cap.feed(f"\n[docdocker stopped {name}: it printed more than {FLOOD_CHARS:,} "
                 f"characters or {FLOOD_LINES:,} lines (the page keeps the first "
                 f"{cap.head:,} and the last {cap.tail:,}); run it with -d and read the end with "
                 f"`docker logs --tail 100 {name}`]\n")
    elif unread:
        cap.feed(f"\n[what {name} printed just before it stopped was not read{how}]\n")
    rest = cap.rest(how)
    if rest:
        engine.console.text(mask_text(rest))
    return cap.text(how), bool(stop_asked)


def still_there(engine: Engine, container: Any, within: float | None = None) -> None:
    """Ask the engine about ``container``, waiting at most ``within`` seconds
    (:data:`HEARTBEAT_SECONDS` unless given).

    Equivalent CLI: ``docker inspect CONTAINER``

    Raises:
        requests.exceptions.ReadTimeout: The engine did not answer in time.
    """
    engine.bounded(lambda: engine.client.api.inspect_container(container.id),
                   HEARTBEAT_SECONDS if within is None else within)


def see_all(container: Any, *, remove: bool = False) -> str:
    """How to read a container's whole output, for the line that says some was left out."""
    name = getattr(container, "name", None) or getattr(container, "id", "CONTAINER")[:12]
    if remove:
        return (f"; the container was removed (--rm): run it without --rm to read "
                f"everything with `docker logs {name}`")
    return f"; read everything with `docker logs {name}` in a terminal"


def follow_logs(
    engine: Engine, container: Any, sdk_kwargs: Mapping[str, Any], timeout: float | None
) -> tuple[str, str]:
    """Follow a container's log until it stops, ``timeout`` runs out or Ctrl-C.

    The output is capped as every output is (the first
    :data:`~docdocker.core.console.HEAD_CHARS` characters, then the last
    :data:`~docdocker.core.console.TAIL_CHARS`), and an engine that stops answering
    mid-stream ends the step within :data:`HEARTBEAT_SECONDS` of silence plus as
    many for the check.

    Equivalent CLI: ``docker logs -f CONTAINER``.

    Returns:
        What was kept of the output, and a note saying that following stopped (or "").
    """
    started = time.monotonic()
    request = engine.timeout or connection.DEFAULT_TIMEOUT

    def deadline() -> float | None:
        return started + timeout if timeout is not None else None

    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    cap = Capped()
    stopped = False
    try:
        for raw in engine.stream(lambda: container.logs(stream=True, **sdk_kwargs),
                                 idle=min(request, HEARTBEAT_SECONDS), deadline=deadline,
                                 heartbeat=lambda: still_there(engine, container)):
            shown = cap.feed(decoder.decode(raw))
            if shown:
                engine.console.text(mask_text(shown))
            if timeout is not None and time.monotonic() > started + timeout:
                stopped = True
                break
    except KeyboardInterrupt:
        stopped = True  # what Ctrl-C does to `docker logs -f`: it stops following
    except requests.exceptions.ReadTimeout:
        if timeout is None or time.monotonic() < started + timeout:
            raise  # the engine went silent: not the timeout the learner asked for
        stopped = True
    cap.feed(decoder.decode(b"", final=True))
    how = see_all(container)
    rest = cap.rest(how)
    if rest:
        engine.console.text(mask_text(rest))
    note = ""
    if stopped:
        after = f" after {timeout:g} s" if timeout is not None else ""
        note = (f"(stopped following{after}: in a terminal, Ctrl+C stops `docker logs -f`; "
                "the container keeps running)\n")
    return cap.text(how), note


def capped_logs(engine: Engine, container: Any, sdk_kwargs: Mapping[str, Any],
                *, tail_given: bool) -> str:
    """``container.logs``, capped: the start and the end of a long log, and how to see it all.

    Read as a stream, so a log of gigabytes never sits in memory at once.

    Equivalent CLI: ``docker logs CONTAINER``.
    """
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    cap = Capped()
    # The SDK follows a streamed log unless told not to (`follow` defaults to `stream`),
    # which would wait for a running container to stop: `docker logs` does not.
    kwargs = {**sdk_kwargs, "follow": False}
    for raw in engine.stream(lambda: container.logs(stream=True, **kwargs),
                             idle=engine.timeout):
        cap.feed(decoder.decode(raw))
    cap.feed(decoder.decode(b"", final=True))
    how = see_all(container)
    if cap.capped and not tail_given:
        how += " or pass tail=N"
    return cap.text(how)


def stop_quietly(container: Any) -> None:
    """Stop ``container`` with the foreground grace; an error is ignored."""
    with suppress(docker.errors.DockerException, requests.exceptions.RequestException):
        container.stop(timeout=FOREGROUND_GRACE)


def remove_quietly(container: Any) -> bool:
    """Remove ``container``; whether that worked."""
    with suppress(docker.errors.DockerException, requests.exceptions.RequestException):
        container.remove()
        return True
    return False
