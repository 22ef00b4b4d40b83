"""Shared fixtures. Integration and notebook tests need a live Docker Engine:
they fail (not skip) without one, so a green run always means the engine was used."""

from __future__ import annotations

import contextlib
import random
import socket
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from docdocker import reset
from docdocker.console import Console
from docdocker.tutorial import Tutorial as Engine


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
    from docdocker import ports

    return ports.find_free("127.0.0.1", random.randint(20000, 40000))


class SocketProxy:
    """Forwards a Unix socket to the real engine until :meth:`cut` drops every connection.

    To a client using it, :meth:`cut` looks exactly like the engine going away.
    """

    def __init__(self, path: Path, target: str = "/var/run/docker.sock") -> None:
        self.path, self.target = str(path), target
        self.server = socket.socket(socket.AF_UNIX)
        self.server.bind(self.path)
        self.server.listen()
        self.open: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            upstream = socket.socket(socket.AF_UNIX)
            upstream.connect(self.target)
            self.open += [conn, upstream]
            for a, b in ((conn, upstream), (upstream, conn)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
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
