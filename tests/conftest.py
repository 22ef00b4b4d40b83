"""Shared fixtures. Integration and notebook tests need a live Docker Engine:
they fail (not skip) without one, so a green run always means the engine was used."""

from __future__ import annotations

import contextlib
import random
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import docker
import pytest

from docdocker.core.console import Console
from docdocker.session.tutorial import Tutorial as Engine
from docdocker.tools import reset

#: What a test may say it needs with ``@pytest.mark.needs(FEATURE)``: tests that only
#: make sense on one kind of engine run where it is, and are deselected (not skipped)
#: elsewhere, so that every engine's run reports how many of its own tests passed.
FEATURES = {
    "containerd-store": "images live in the containerd image store (Engine 29, Docker Desktop)",
    "classic-store": "images live in the classic graph-driver store (overlay2; Engine 20.10)",
    "buildkit": "`docker build` runs BuildKit through the buildx plugin",
    "classic-builder": "`docker build` runs the classic builder (no buildx plugin)",
    "compose-plugin": "Docker has the `docker compose` CLI plugin",
    "no-compose-plugin": "Docker has no `docker compose` CLI plugin",
    "min-api-1.44": "the engine refuses API versions below 1.44 (Engine 29)",
}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "needs(feature): runs only where the engine has it; one of: "
        + ", ".join(FEATURES))


def engine_features() -> set[str] | None:
    """The features of the engine the tests talk to (None when none answers)."""
    from docdocker.concepts import build, compose, system

    try:
        c = docker.from_env(timeout=10)
        info = c.info()
        c.close()
    except Exception:
        return None
    kind = system.engine_kind(info)
    try:
        c = docker.from_env(timeout=10)
        minimum = str(c.version().get("MinAPIVersion") or "0.0")
        c.close()
    except Exception:
        minimum = "0.0"
    found = {"containerd-store" if kind.containerd_store else "classic-store",
             "buildkit" if build.builder().buildkit else "classic-builder"}
    if tuple(int(x) for x in minimum.split(".")[:2]) >= (1, 44):
        found.add("min-api-1.44")
    program = compose.locate()
    found.add("compose-plugin" if program is not None and program.kind == "plugin"
              else "no-compose-plugin")
    return found


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    wanted = [(item, [m.args[0] for m in item.iter_markers("needs")]) for item in items]
    if not any(needs for _, needs in wanted):
        return
    features = engine_features()
    if features is None:  # no engine: the tests themselves fail and say so
        return
    unknown = {n for _, needs in wanted for n in needs} - set(FEATURES)
    if unknown:
        raise pytest.UsageError(f"unknown @pytest.mark.needs feature(s): {sorted(unknown)}")
    keep, other = [], []
    for item, needs in wanted:
        (keep if set(needs) <= features else other).append(item)
    if other:
        config.hook.pytest_deselected(items=other)
        items[:] = keep
    config.stash[_OTHER_ENGINE] = (len(other), sorted(features))


_OTHER_ENGINE = pytest.StashKey[tuple[int, list[str]]]()


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    found = config.stash.get(_OTHER_ENGINE, None)
    if found is not None:
        count, features = found
        terminalreporter.write_line(
            f"engine: {', '.join(features)}; {count} test(s) for another kind of engine "
            "deselected")


@pytest.fixture(scope="session")
def client() -> Iterator[docker.DockerClient]:
    try:
        c = docker.from_env(timeout=120)
        c.ping()
    except Exception as err:  # pragma: no cover - depends on the machine
        pytest.fail(f"These tests need a running Docker Engine ({err}). "
                    "Run ../shared/engine/provision or start Docker.", pytrace=False)
    yield c
    c.close()


@pytest.fixture(scope="session")
def image(client: docker.DockerClient) -> Callable[[str], str]:
    """Ask for an image by name: ``image("busybox:latest")`` returns the name once the
    engine has it, pulling it first where it does not (a new machine has no image at all,
    and no test may count on another having pulled it)."""

    def need(reference: str) -> str:
        try:
            client.images.get(reference)
        except docker.errors.ImageNotFound:
            client.images.pull(reference)
        return reference

    return need


@pytest.fixture
def notebook(client: docker.DockerClient) -> Iterator[str]:
    """A label value unique to this test; everything carrying it is removed afterwards."""
    name = f"test-{uuid.uuid4().hex[:8]}"
    yield name
    cleaner = Engine(name, client, Console())
    reset.remove(cleaner, reset.find(cleaner, name))


@pytest.fixture
def engine(client: docker.DockerClient, notebook: str) -> Engine:
    return Engine(notebook, client, Console())


@pytest.fixture
def free_port() -> int:
    """A host port on 127.0.0.1 that nothing listens on right now."""
    from docdocker.grammar import ports

    return ports.find_free("127.0.0.1", random.randint(20000, 40000))


class SocketProxy:
    """Forwards a Unix socket to the real engine, and misbehaves on demand.

    * :meth:`cut` drops every connection: the engine went away.
    * :meth:`freeze` keeps every connection open and answers nothing: a hung engine.
    * :meth:`garble` answers every request with a page that is not Docker's API.
    * :meth:`cut_in_headers` drops the connection halfway through the next response's
      headers.
    * :meth:`forward` behaves again.

    Each mode applies at once, to open connections as well as new ones.
    """

    GARBAGE = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
               b"Content-Length: 27\r\nConnection: close\r\n\r\n<html>not docker</html>\r\n\r\n")

    def __init__(self, path: Path, target: str = "/var/run/docker.sock") -> None:
        self.path, self.target = str(path), target
        self.mode = "forward"
        self.server = socket.socket(socket.AF_UNIX)
        self.server.bind(self.path)
        self.server.listen()
        self.open: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def forward(self) -> None:
        self.mode = "forward"

    def freeze(self) -> None:
        self.mode = "freeze"

    def garble(self) -> None:
        self.mode = "garble"

    def cut_in_headers(self) -> None:
        self.mode = "cut_in_headers"

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            self.open.append(conn)
            if self.mode in ("freeze", "garble"):
                threading.Thread(target=self._requests, args=(conn, None), daemon=True).start()
                continue
            upstream = socket.socket(socket.AF_UNIX)
            upstream.connect(self.target)
            self.open.append(upstream)
            threading.Thread(target=self._requests, args=(conn, upstream), daemon=True).start()
            threading.Thread(target=self._responses, args=(upstream, conn), daemon=True).start()

    def _requests(self, client: socket.socket, upstream: socket.socket | None) -> None:
        """Client to engine: forwarded, swallowed (freeze) or answered with garbage."""
        try:
            while data := client.recv(65536):
                if self.mode == "freeze":
                    continue
                if self.mode == "garble":
                    client.sendall(self.GARBAGE)
                    break
                if upstream is None:
                    break
                upstream.sendall(data)
        except OSError:
            pass
        finally:
            self._close(client, upstream)

    def _responses(self, upstream: socket.socket, client: socket.socket) -> None:
        """Engine to client: forwarded, swallowed (freeze), or cut inside the headers."""
        try:
            while data := upstream.recv(65536):
                if self.mode == "freeze":
                    continue
                if self.mode == "cut_in_headers" and data.startswith(b"HTTP/"):
                    end = data.find(b"\r\n\r\n")
                    client.sendall(data[: max(1, (end if end > 0 else len(data)) // 2)])
                    break
                client.sendall(data)
        except OSError:
            pass
        finally:
            self._close(client, upstream)

    @staticmethod
    def _close(*sockets: socket.socket | None) -> None:
        for s in sockets:
            if s is not None:
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        if self.server.fileno() == -1:
            return
        # shutdown() wakes the thread blocked in accept(); close() alone would not.
        with contextlib.suppress(OSError):
            self.server.shutdown(socket.SHUT_RDWR)
        self.server.close()
        for s in self.open:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()


@pytest.fixture
def engine_proxy(tmp_path: Path) -> Iterator[SocketProxy]:
    """A socket in front of the real engine that a test can cut to make the engine vanish."""
    proxy = SocketProxy(tmp_path / "engine.sock")
    yield proxy
    proxy.cut()
