"""The connection to the Docker Engine, and the execution of steps.

:func:`connect` opens a connection the way the ``docker`` CLI does
(``DOCKER_HOST``, ``DOCKER_TLS_VERIFY``, ``DOCKER_CERT_PATH`` are honoured, via
:func:`docker.from_env`). :meth:`Engine.execute` echoes a step's exact command,
runs its SDK call, streams progress and output, and returns a
:class:`StepResult`. Every failure is translated into a
:mod:`docdocker.errors` exception a beginner can act on.
"""

from __future__ import annotations

import codecs
import shlex
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

import docker
import docker.errors
import requests.exceptions

from docdocker import errors, ports, reference, render
from docdocker import steps as s
from docdocker.console import Console, default_console, in_notebook
from docdocker.friendly import docker_host, translate_error
from docdocker.progress import Progress
from docdocker.steps import LABEL, container_name, label_filter

#: Columns of ``docker ps``, in the CLI's order.
PS_COLUMNS = ("CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES")


@dataclass
class StepResult:
    """What a step did.

    Attributes:
        step: The step that ran.
        output: What the command printed (container output, logs, pull status).
        rows: For listing steps, one mapping per row; ``columns`` names them.
        container: The container a run created (a ``docker`` SDK object).
        exit_code: The container's exit code, when it has exited.
    """

    step: s.Step
    output: str = ""
    rows: list[dict[str, Any]] | None = None
    columns: tuple[str, ...] = ()
    container: Any = None
    exit_code: int | None = None
    links: list[render.Link] = field(default_factory=list)
    #: True when ``output`` was already shown while it streamed.
    streamed: bool = False
    #: For a foreground run stopped by its ``timeout``: that timeout, in seconds.
    stopped_after: float | None = None

    @property
    def cli(self) -> str:
        """The ``docker`` command this result came from."""
        return self.step.cli

    def _repr_html_(self) -> str:
        if self.streamed:
            return render.status_html(self.exit_code == 0, self._exit_summary())
        parts = []
        if self.rows is not None:
            parts.append(render.table_html(self.columns, self.rows))
        elif self.output:
            parts.append(render.output_html(self.output.rstrip("\n")))
        if self.links:
            parts.append("<div>Open: " + ", ".join(map(render.link_html, self.links)) + "</div>")
        return "".join(parts) or render.output_html("(no output)")

    def __repr__(self) -> str:
        if self.streamed:
            return self._exit_summary()
        if self.rows is not None:
            return render.table_text(self.columns, self.rows)
        return self.output.rstrip("\n") or "(no output)"

    def _exit_summary(self) -> str:
        name = getattr(self.container, "name", "the container")
        code = "unknown" if self.exit_code is None else self.exit_code
        if self.stopped_after is not None:
            return (f"container {name} was stopped after {self.stopped_after:g} s "
                    f"(exit code {code})")
        return f"container {name} exited with code {code}"


class Engine:
    """A Docker Engine connection that runs steps for one notebook.

    Every object it creates carries the label ``org.docdocker.notebook=<notebook>``.

    Args:
        notebook: The notebook's name, used as the label value.
        client: An existing ``docker.DockerClient``; :func:`connect` makes one.
        console: Where echoes, progress and output go.
        host: Where the client connects, for messages (default: ``DOCKER_HOST``).
    """

    def __init__(
        self,
        notebook: str,
        client: docker.DockerClient,
        console: Console | None = None,
        *,
        host: str | None = None,
    ) -> None:
        self.notebook = notebook
        self.client = client
        self.console = console if console is not None else default_console()
        self.host = host or docker_host()

    def using(self, console: Console) -> Engine:
        """The same connection and labels, echoing into another console (e.g. a widget's)."""
        return Engine(self.notebook, self.client, console, host=self.host)

    @property
    def labels(self) -> dict[str, str]:
        """The labels this engine puts on everything it creates."""
        return {LABEL: self.notebook}

    def close(self) -> None:
        """Close the connection."""
        self.client.close()

    # ------------------------------------------------------------------ steps
    def execute(self, step: s.Step, *, timeout: float | None = None) -> StepResult:
        """Echo a step's command, run it, and return what it did.

        Args:
            step: The step to run.
            timeout: For a foreground ``run`` only: stop the container after
                this many seconds (the learner would press Ctrl-C).

        Raises:
            docdocker.errors.DocDockerError: A subclass saying what failed and how to fix it.
        """
        step = step.with_labels(self.labels)
        self.console.command(step.cli)
        _check_image(step)
        handler = getattr(self, f"_do_{type(step).__name__.lower()}")
        with self.translate(step):
            return handler(step, timeout) if isinstance(step, s.Run) else handler(step)

    def run(
        self,
        image: str,
        cmd: Iterable[str] | str = (),
        *,
        detach: bool = False,
        name: str | None = None,
        publish: Iterable[ports.PortMapping | str] | str = (),
        env: Mapping[str, str] | None = None,
        remove: bool = False,
        timeout: float | None = None,
    ) -> StepResult:
        """Create and start a container; pull the image first if it is missing.

        Equivalent CLI: ``docker run [-d] [--name NAME] [-p SPEC] [-e K=V] IMAGE [CMD...]``

        Args:
            image: The image to run, e.g. ``"nginx"``.
            cmd: The command to run instead of the image's default: a list of
                words, or one string split like a shell line.
            detach: Run in the background (``-d``) and return at once.
            name: The container's name; Docker picks a random one when None.
            publish: Port mappings, as ``-p`` specs or :class:`~docdocker.ports.PortMapping`.
            env: Environment variables (``-e``).
            remove: Remove the container when it exits (``--rm``).
            timeout: Foreground runs only: stop the container after this many seconds.
        """
        step = s.Run(
            image=image,
            # A string is split as a shell would: "sh -c 'echo hi'" is three words.
            cmd=tuple(shlex.split(cmd) if isinstance(cmd, str) else cmd),
            detach=detach,
            name=name,
            publish=tuple(_mappings(publish)),
            env=dict(env or {}),
            remove=remove,
        )
        return self.execute(step, timeout=timeout)

    def pull(self, image: str) -> StepResult:
        """Download an image. Equivalent CLI: ``docker pull IMAGE``"""
        return self.execute(s.Pull(image=image))

    def ps(
        self, *, all: bool = False, everything: bool = False, status: str | None = None
    ) -> StepResult:
        """List the tutorial's containers (or every container on the engine).

        Equivalent CLI: ``docker ps [--all] --filter label=org.docdocker.notebook``

        Args:
            all: Include stopped containers (``--all``).
            everything: Drop the label filter and list containers not made by
                the tutorial too (read-only for the tutorial).
            status: Only containers in this state (``created``, ``running``, ``exited``...).
        """
        filters = {} if everything else label_filter()
        if status:
            filters["status"] = status
        return self.execute(s.Ps(all=all, filters=filters))

    def stop(self, container: str, *, time: int | None = None) -> StepResult:
        """Stop a container (SIGTERM, then SIGKILL after ``time`` seconds).

        Equivalent CLI: ``docker stop [--time N] CONTAINER``
        """
        return self.execute(s.Stop(container=container, time=time))

    def kill(self, container: str, *, signal: str | None = None) -> StepResult:
        """Kill a container (SIGKILL unless ``signal`` says otherwise).

        Equivalent CLI: ``docker kill [--signal SIG] CONTAINER``
        """
        return self.execute(s.Kill(container=container, signal=signal))

    def rm(self, container: str, *, force: bool = False) -> StepResult:
        """Remove a container. Equivalent CLI: ``docker rm [--force] CONTAINER``"""
        return self.execute(s.Rm(container=container, force=force))

    def logs(self, container: str, *, tail: int | None = None) -> StepResult:
        """Show a container's output. Equivalent CLI: ``docker logs [--tail N] CONTAINER``"""
        return self.execute(s.Logs(container=container, tail=tail))

    def container_prune(self, *, notebook_only: bool = True) -> StepResult:
        """Remove stopped containers made by this notebook (or by the whole tutorial).

        Equivalent CLI: ``docker container prune --force --filter label=...``
        """
        scope = self.notebook if notebook_only else None
        return self.execute(s.ContainerPrune(filters=label_filter(scope)))

    def clean_up(self) -> None:
        """Remove every container this notebook created, running or not.

        Equivalent CLI: ``docker rm --force NAME`` for each container labelled
        ``org.docdocker.notebook=<notebook>``
        """
        listing = s.Ps(all=True, filters=label_filter(self.notebook))
        with self.translate(listing):
            mine = self.client.api.containers(**listing.sdk_kwargs)
        if not mine:
            self.console.text(f"Nothing to clean up: no containers labelled {self.notebook}.\n")
            return
        for c in mine:
            name = container_name(c)
            self.rm(name, force=True)
            self.console.text(f"{name}\n")

    # -------------------------------------------------------------- handlers
    def _do_pull(self, step: s.Pull) -> StepResult:
        progress = self._stream_pull(step.image)
        return StepResult(step, output=progress.text())

    def _do_run(self, step: s.Run, timeout: float | None) -> StepResult:
        self._ensure_image(step.image)
        kwargs = step.sdk_kwargs
        kwargs.pop("detach", None)
        # `--rm` is the engine's AutoRemove; docker-py's `remove` would instead
        # delete the container from the client after it exits.
        if kwargs.pop("remove", False):
            kwargs["auto_remove"] = True
        # What containers.run does, in two calls, with the same keywords: a container
        # that is created but cannot start (a taken port) is removed again, so the
        # learner can simply re-run the cell, and a foreground run streams its output.
        container = self.client.containers.create(**kwargs)
        exit_code: list[int | None] = [None]
        waiter = None
        if not step.detach:
            # Ask for the exit code before starting, so a fast container
            # (or an auto-removed one) cannot exit unseen.
            waiter = threading.Thread(target=self._wait, args=(container, step, exit_code),
                                      daemon=True)
            waiter.start()
        try:
            container.start()
        except docker.errors.APIError:
            _remove_quietly(container)
            raise
        result = StepResult(step, container=container)
        if step.detach:
            container.reload()
            result.output = container.id + "\n"
            result.links = published_links(container.attrs)
            return result
        result.output, stopped = self._follow(container, timeout)
        result.streamed = True
        result.stopped_after = timeout if stopped else None
        assert waiter is not None
        waiter.join(timeout=30)
        result.exit_code = exit_code[0]
        if result.exit_code is None and not step.remove:
            # The output stream also ends quietly when the connection drops; asking
            # the engine again turns a vanished engine into a clear error.
            container.reload()
        if result.exit_code not in (None, 0) and not stopped:
            raise errors.StepFailed(
                f"The container exited with code {result.exit_code}.",
                fix="Read its output above; `docker logs` shows it again.",
                command=step.argv,
                exit_code=result.exit_code,
                stderr=result.output[-2000:],
            )
        return result

    @staticmethod
    def _wait(container: Any, step: s.Run, out: list[int | None]) -> None:
        condition = "removed" if step.remove else "next-exit"
        try:
            out[0] = int(container.wait(condition=condition)["StatusCode"])
        except (docker.errors.DockerException, requests.exceptions.RequestException):
            out[0] = None

    def _follow(self, container: Any, timeout: float | None) -> tuple[str, bool]:
        """Stream a foreground container's output until it exits or time runs out.

        Returns:
            What it printed, and whether the timeout (or Ctrl-C) stopped it.
        """
        stopped: list[bool] = []

        def stop() -> None:
            stopped.append(True)
            _stop_quietly(container)

        timer = None
        if timeout is not None:
            timer = threading.Timer(timeout, stop)
            timer.daemon = True
            timer.start()
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        chunks: list[str] = []
        try:
            for raw in container.logs(stream=True, follow=True):
                text = decoder.decode(raw)
                chunks.append(text)
                self.console.text(text)
        except KeyboardInterrupt:
            # What Ctrl-C does to a foreground `docker run`: the container stops.
            stop()
        except docker.errors.NotFound:
            pass  # auto-removed as it exited; what it printed has been read
        finally:
            if timer is not None:
                timer.cancel()
        return "".join(chunks), bool(stopped)

    def _do_ps(self, step: s.Ps) -> StepResult:
        listed = self.client.api.containers(**step.sdk_kwargs)
        rows = [ps_row(c) for c in listed]
        return StepResult(step, rows=rows, columns=PS_COLUMNS)

    def _target(self, step: s.Step) -> Any:
        return self.client.containers.get(step.target)

    def _do_stop(self, step: s.Stop) -> StepResult:
        container = self._target(step)
        container.stop(**step.sdk_kwargs)
        container.reload()
        return StepResult(step, output=f"{step.container}\n", container=container,
                          exit_code=container.attrs["State"]["ExitCode"])

    def _do_kill(self, step: s.Kill) -> StepResult:
        container = self._target(step)
        container.kill(**step.sdk_kwargs)
        container.wait(condition="not-running")
        container.reload()
        return StepResult(step, output=f"{step.container}\n", container=container,
                          exit_code=container.attrs["State"]["ExitCode"])

    def _do_rm(self, step: s.Rm) -> StepResult:
        self._target(step).remove(**step.sdk_kwargs)
        return StepResult(step, output=f"{step.container}\n")

    def _do_logs(self, step: s.Logs) -> StepResult:
        raw = self._target(step).logs(**step.sdk_kwargs)
        return StepResult(step, output=raw.decode("utf-8", errors="replace"))

    def _do_containerprune(self, step: s.ContainerPrune) -> StepResult:
        report = self.client.containers.prune(**step.sdk_kwargs)
        deleted = report.get("ContainersDeleted") or []
        lines = ["Deleted Containers:", *deleted, ""] if deleted else []
        lines.append(f"Total reclaimed space: {_size(report.get('SpaceReclaimed') or 0)}")
        return StepResult(step, output="\n".join(lines) + "\n")

    # --------------------------------------------------------------- helpers
    def _ensure_image(self, image: str) -> None:
        try:
            self.client.images.get(image)
        except docker.errors.ImageNotFound:
            ref = reference.parse(image)
            shown = image if ref.tag or ref.digest else f"{image}:latest"
            self.console.text(f"Unable to find image '{shown}' locally\n")
            self._stream_pull(image)

    def _stream_pull(self, image: str) -> Progress:
        progress = Progress()
        for event in self.client.api.pull(image, stream=True, decode=True):
            progress.feed(event)
            self.console.progress(progress)
            if progress.error:
                break
        self.console.progress(progress, final=True)
        if progress.error:
            raise docker.errors.APIError(progress.error)
        return progress

    @contextmanager
    def translate(self, step: s.Step) -> Iterator[None]:
        """Turn SDK and connection failures inside the block into friendly errors."""
        try:
            yield
        except errors.DocDockerError:
            raise
        except Exception as err:
            friendly = translate_error(err, step, self)
            if friendly is None:
                raise
            raise friendly from err


def ps_row(c: Mapping[str, Any]) -> dict[str, Any]:
    """One ``docker ps`` row from the engine's container list entry."""
    published: list[render.Link | str] = []
    for p in c.get("Ports") or []:
        if p.get("PublicPort"):
            ip = p.get("IP") or "0.0.0.0"
            text = f"{ip}:{p['PublicPort']}->{p['PrivatePort']}/{p['Type']}"
            host = "127.0.0.1" if ip in ("0.0.0.0", "::") else ip
            host = f"[{host}]" if ":" in host else host
            published.append(render.Link(text, f"http://{host}:{p['PublicPort']}"))
        else:
            published.append(f"{p['PrivatePort']}/{p['Type']}")
    command = c.get("Command") or ""
    return {
        "CONTAINER ID": c["Id"][:12],
        "IMAGE": c.get("Image", ""),
        # Like the CLI: at most 20 characters wide, the last one an ellipsis.
        "COMMAND": f'"{command[:19]}…"' if len(command) > 20 else f'"{command}"',
        "CREATED": ago(c.get("Created")),
        "STATUS": c.get("Status", ""),
        "PORTS": published,
        "NAMES": ",".join(n.lstrip("/") for n in c.get("Names") or []),
        "LABELS": c.get("Labels") or {},
    }


def published_links(attrs: Mapping[str, Any]) -> list[render.Link]:
    """Links to a container's published tcp ports, as the engine bound them.

    Read from ``docker inspect`` rather than from the request, so a host port the
    engine picked (``-p 127.0.0.1::80``) gets its link too. One link per host
    port: publishing on every interface binds 0.0.0.0 and ::, one page.
    """
    bound = (attrs.get("NetworkSettings") or {}).get("Ports") or {}
    links: dict[int, render.Link] = {}
    for key, bindings in bound.items():
        port, _, protocol = key.partition("/")
        if protocol != "tcp":
            continue  # a browser speaks neither udp nor sctp
        for b in bindings or []:
            host_port = int(b["HostPort"])
            url = ports.PortMapping(int(port), "tcp", b.get("HostIp") or None, host_port).url
            if url and host_port not in links:
                links[host_port] = render.Link(url, url)
    return [links[p] for p in sorted(links)]


def ago(epoch: float | None) -> str:
    """``docker ps``-style age: "5 seconds ago", "3 minutes ago"."""
    if not epoch:
        return ""
    seconds = max(0, int(time.time() - epoch))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n > 1 else ''} ago"
    if seconds < 1:
        return "Less than a second ago"
    return f"{seconds} second{'s' if seconds > 1 else ''} ago"


def _size(n: float) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000:
            return f"{n:.3g}{unit}"
        n /= 1000
    return f"{n:.3g}TB"


def _check_image(step: s.Step) -> None:
    """Refuse a malformed image name before the engine sees it, with a precise message."""
    image = getattr(step, "image", None)
    if not image:
        return
    try:
        reference.parse(image)
    except errors.InvalidReference as err:
        raise errors.InvalidReference(
            f"Invalid image name: {err.message}.", fix=err.fix, command=step.argv
        ) from err


def _mappings(publish: Iterable[ports.PortMapping | str] | str) -> Iterator[ports.PortMapping]:
    for item in [publish] if isinstance(publish, str) else publish:
        if isinstance(item, ports.PortMapping):
            yield item
        else:
            yield from ports.parse(item)


def _stop_quietly(container: Any) -> None:
    with suppress(docker.errors.DockerException, requests.exceptions.RequestException):
        container.stop(timeout=2)


def _remove_quietly(container: Any) -> None:
    with suppress(docker.errors.DockerException, requests.exceptions.RequestException):
        container.remove(force=True)


# ---------------------------------------------------------------- connection
def connect(notebook: str, *, console: Console | None = None, timeout: int = 60) -> Engine:
    """Connect to the Docker Engine the way the ``docker`` CLI would.

    Honours ``DOCKER_HOST``, ``DOCKER_TLS_VERIFY`` and ``DOCKER_CERT_PATH``.
    In a notebook it also shows docdocker errors as friendly messages instead
    of Python tracebacks.

    Equivalent CLI: ``docker version``

    Args:
        notebook: The notebook's name; every object created is labelled with it.
        console: Where echoes and output go (default: fits notebook or terminal).
        timeout: Seconds to wait for any single engine request.

    Raises:
        docdocker.errors.EngineUnavailable: The engine cannot be reached.
    """
    if in_notebook():
        # Before connecting, so that "no engine here" (Binder) reads as advice too.
        install_notebook_errors()
    try:
        client = docker.from_env(timeout=timeout)
        client.ping()
    except Exception as err:
        friendly = translate_error(err, None, None)
        if friendly is None:
            raise
        raise friendly from err
    return Engine(notebook, client, console)


def install_notebook_errors() -> None:
    """Show :class:`~docdocker.errors.DocDockerError` in a notebook without a traceback."""
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None:
        return

    def show(shell: Any, etype: type, value: BaseException, tb: Any, tb_offset: Any = None) -> Any:
        from IPython.display import display

        display(value)
        # The cell still fails (so "Run All" stops here), with a one-line summary.
        return [f"{etype.__name__}: {getattr(value, 'message', value)}"]

    shell.set_custom_exc((errors.DocDockerError,), show)
