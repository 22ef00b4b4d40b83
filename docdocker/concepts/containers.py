"""Containers: ``docker run``, ``ps``, ``stop``, ``kill``, ``rm``, ``logs``, ``container prune``.

Each step is declared once (its CLI flags and SDK keywords) and registered with
the function that executes it. :class:`ContainerCommands` adds the matching
verbs to the engine (``engine.run(...)``, ``engine.ps()``...). ``docker run``'s
options are declared in :mod:`docdocker.concepts.run`, ``docker container
inspect`` in :mod:`docdocker.concepts.inspect`.
"""

from __future__ import annotations

import contextlib
import re
import shlex
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import docker.errors

from docdocker.base import errors, render
from docdocker.concepts.foreground import (
    FOREGROUND_GRACE,
    capped_logs,
    follow,
    follow_logs,
    remove_quietly,
    wait_in_background,
)
from docdocker.concepts.inspect import Inspect
from docdocker.concepts.ownership import CONTAINER_OWNER, owned_containers
from docdocker.concepts.registries import ensure_image
from docdocker.concepts.run import Run, _mappings, _split_command, published_links
from docdocker.core.engine import Engine, StepResult, handles
from docdocker.core.steps import (
    OWNER,
    POSITIONAL,
    REST,
    TARGET,
    Step,
    arg,
    label_filter,
    pairs,
)
from docdocker.core.translate import Facts
from docdocker.grammar import ports
from docdocker.grammar.ports import PortMapping

#: Columns of ``docker ps``, in the CLI's order.
PS_COLUMNS = ("CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES")
#: Seconds ``kill`` waits for a SIGKILLed container to be reported stopped.
KILL_WAIT = 10


@dataclass(frozen=True)
class Ps(Step):
    """List containers.

    Equivalent CLI: ``docker ps [--all] [-q] [--filter KEY=VALUE]``
    """

    command: ClassVar[tuple[str, ...]] = ("ps",)

    all: bool = arg("--all", "all", default=False)
    quiet: bool = arg("-q", "quiet", default=False)
    filters: Mapping[str, Any] = arg(
        "--filter", "filters", default_factory=dict, cli_value=pairs, sdk_value=dict
    )


@dataclass(frozen=True)
class Stop(Step):
    """Stop a running container: its stop signal, then SIGKILL after a grace period.

    Equivalent CLI: ``docker stop [-t SECONDS] CONTAINER``
    """

    command: ClassVar[tuple[str, ...]] = ("stop",)

    container: str = arg(POSITIONAL, TARGET, default="")
    # `-t` is short for `--timeout`; the older `--time` spelling is deprecated.
    timeout: int | None = arg("-t", "timeout")

    def validate(self) -> None:
        if self.timeout is None:
            return
        if isinstance(self.timeout, bool) or not isinstance(self.timeout, int) \
                or self.timeout < 0:
            # The engine reads -1 as "wait for ever", which no bounded step may do.
            raise errors.InvalidCommand(
                f"The stop timeout {self.timeout!r} is not a number of seconds docdocker "
                "can wait: give a whole number, 0 or more (the grace period before "
                "SIGKILL; the engine would read -1 as 'wait for ever').",
                fix=f"Use `docker stop -t 10 {self.container}` (timeout=10), or "
                    f"`docker kill {self.container}` to end it at once.",
                command=self.argv)


@dataclass(frozen=True)
class Kill(Step):
    """Send a signal (SIGKILL by default) to a running container.

    Equivalent CLI: ``docker kill [--signal SIGNAL] CONTAINER``
    """

    command: ClassVar[tuple[str, ...]] = ("kill",)

    container: str = arg(POSITIONAL, TARGET, default="")
    signal: str | None = arg("--signal", "signal")


def _anonymous_volumes(container: Mapping[str, Any]) -> list[str]:
    """The anonymous volumes a listed container mounts: those named by a 64-digit ID."""
    return [str(m.get("Name")) for m in container.get("Mounts") or []
            if m.get("Type") == "volume" and _ANONYMOUS.fullmatch(str(m.get("Name") or ""))]


_ANONYMOUS = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Rm(Step):
    """Remove a container.

    Equivalent CLI: ``docker rm [--force] [--volumes] CONTAINER``
    """

    command: ClassVar[tuple[str, ...]] = ("rm",)

    container: str = arg(POSITIONAL, TARGET, default="")
    force: bool = arg("--force", "force", default=False)
    volumes: bool = arg("--volumes", "v", default=False)


@dataclass(frozen=True)
class Logs(Step):
    """Show what a container printed.

    Equivalent CLI: ``docker logs [-f] [--tail N] [--timestamps] CONTAINER``
    """

    command: ClassVar[tuple[str, ...]] = ("logs",)

    container: str = arg(POSITIONAL, TARGET, default="")
    follow: bool = arg("-f", "follow", default=False)
    tail: int | None = arg("--tail", "tail")
    timestamps: bool = arg("--timestamps", "timestamps", default=False)


@dataclass(frozen=True)
class ContainerPrune(Step):
    """Remove every stopped container matching the filters.

    Equivalent CLI: ``docker container prune --force [--filter KEY=VALUE]``
    """

    # The CLI asks "Are you sure?" unless --force is given; the SDK never asks.
    # The echoed command carries --force so that both mean the same thing.
    command: ClassVar[tuple[str, ...]] = ("container", "prune", "--force")

    filters: Mapping[str, Any] = arg(
        "--filter", "filters", default_factory=dict, cli_value=pairs, sdk_value=dict
    )


@dataclass(frozen=True)
class Start(Step):
    """Start a stopped container again, with the command and settings it was created with.

    Equivalent CLI: ``docker start CONTAINER``
    """

    command: ClassVar[tuple[str, ...]] = ("start",)

    container: str = arg(POSITIONAL, TARGET, default="")


@dataclass(frozen=True)
class Exec(Step):
    """Run one more command inside a running container.

    Equivalent CLI: ``docker exec CONTAINER COMMAND...``
    """

    command: ClassVar[tuple[str, ...]] = ("exec",)

    container: str = arg(POSITIONAL, TARGET, default="")
    cmd: tuple[str, ...] = arg(REST, "cmd", default=(), sdk_value=list)

    def validate(self) -> None:
        if not self.cmd:
            raise errors.DocDockerError(
                f"docker exec needs a command to run inside {self.container!r}.",
                fix="Name the command after the container, e.g. `docker exec web nginx -v`.",
                command=self.argv,
            )


# ------------------------------------------------------------------ handlers
@handles(Run)
def run_container(engine: Engine, step: Run, *, timeout: float | None = None) -> StepResult:
    """``containers.create`` then ``start`` (and, in the foreground, follow the logs).

    What ``containers.run`` does, in two calls with the same keywords: a container
    that is created but cannot start (a taken port) is removed again, so the learner
    can simply re-run the cell, and a foreground run streams its output.
    """
    for warning in dict.fromkeys(ports.everywhere_warning(m) for m in step.publish
                                 if m.listens_everywhere):
        engine.console.warning(warning)
    ensure_image(engine, step.image)
    kwargs = step.sdk_kwargs
    kwargs.pop("detach", None)
    container = engine.client.containers.create(**kwargs)
    exit_code: list[int | None] = [None]
    waiter = None
    if not step.detach:
        # Ask for the exit code before starting, so a fast container
        # (or an auto-removed one) cannot exit unseen.
        waiter, exit_code = wait_in_background(container, remove=step.remove)
    try:
        container.start()
    except docker.errors.APIError:
        # The CLI would leave this container behind, Created (and the next run with the
        # same --name would conflict); docdocker removes it and echoes that it did.
        engine.console.command(Rm(container=container.name or container.short_id).cli)
        if remove_quietly(container):
            engine.console.text(f"{container.name or container.short_id}\n")
        raise
    result = StepResult(step, container=container)
    if step.detach:
        container.reload()
        result.output = container.id + "\n"
        result.links = published_links(container.attrs)
        return result
    halt = Stop(container=container.name or container.short_id, timeout=FOREGROUND_GRACE)
    result.output, stopped = follow(engine, container, timeout, remove=step.remove,
                                    halt_cli=halt.cli)
    result.streamed = True
    result.stopped_after = timeout if stopped else None
    assert waiter is not None
    waiter.join(timeout=30)
    result.exit_code = exit_code[0]
    if result.exit_code is None and not step.remove:
        # The output stream also ends quietly when the connection drops; asking
        # the engine again turns a vanished engine into a clear error. It also gives
        # the exit code when the wait for it failed (a busy engine).
        container.reload()
        state = container.attrs.get("State") or {}
        if not state.get("Running") and isinstance(state.get("ExitCode"), int):
            result.exit_code = state["ExitCode"]
    if result.exit_code not in (None, 0) and not stopped:
        raise errors.StepFailed(
            f"The container exited with code {result.exit_code}.",
            fix="Read its output above; `docker logs` shows it again.",
            command=step.argv,
            exit_code=result.exit_code,
            stderr=result.output[-2000:],
        )
    return result


@handles(Ps)
def list_containers(engine: Engine, step: Ps) -> StepResult:
    """``api.containers``: the same list entries ``docker ps`` formats."""
    listed = engine.client.api.containers(**step.sdk_kwargs)
    if step.quiet:  # only the IDs, one per line, as short as the CLI prints them
        return StepResult(step, output="".join(f"{c['Id'][:12]}\n" for c in listed),
                          value=listed)
    return StepResult(step, rows=[ps_row(c) for c in listed], columns=PS_COLUMNS, value=listed)


@handles(Stop)
def stop_container(engine: Engine, step: Stop) -> StepResult:
    """``container.stop``; prints the name, as the CLI does."""
    container = engine.client.containers.get(step.target)
    container.stop(**step.sdk_kwargs)
    container.reload()
    return StepResult(step, output=f"{step.container}\n", container=container,
                      exit_code=container.attrs["State"]["ExitCode"])


@handles(Kill)
def kill_container(engine: Engine, step: Kill) -> StepResult:
    """``container.kill``; prints the name, as the CLI does."""
    container = engine.client.containers.get(step.target)
    container.kill(**step.sdk_kwargs)
    # Like the CLI, return once the signal is sent: SIGHUP to nginx or SIGTERM to
    # `sleep` may never stop the container. Only SIGKILL surely stops it; wait a
    # bounded time for the engine to report that, so the result shows the exit code.
    if _is_sigkill(step.signal):
        give_up = time.monotonic() + KILL_WAIT
        container.reload()
        while container.status in ("running", "restarting") and time.monotonic() < give_up:
            time.sleep(0.1)
            container.reload()
    else:
        container.reload()
    state = container.attrs["State"]
    running = bool(state.get("Running"))
    return StepResult(step, output=f"{step.container}\n", container=container,
                      exit_code=None if running else state.get("ExitCode"))


def _is_sigkill(signal: str | int | None) -> bool:
    if signal is None:
        return True
    text = str(signal).strip().upper()
    return text in ("9", "KILL", "SIGKILL")


@handles(Rm)
def remove_container(engine: Engine, step: Rm) -> StepResult:
    """``container.remove``; prints the name, as the CLI does."""
    engine.client.containers.get(step.target).remove(**step.sdk_kwargs)
    return StepResult(step, output=f"{step.container}\n")


@handles(Logs)
def container_logs(engine: Engine, step: Logs, *, timeout: float | None = None) -> StepResult:
    """``container.logs``; with ``-f``, streamed until the container stops or ``timeout``."""
    container = engine.client.containers.get(step.target)
    if not step.follow:
        return StepResult(step, output=capped_logs(engine, container, step.sdk_kwargs,
                                                   tail_given=step.tail is not None))
    value, note = follow_logs(engine, container, step.sdk_kwargs, timeout)
    return StepResult(step, output=note, streamed=False, value=value)


@handles(Start)
def start_container(engine: Engine, step: Start) -> StepResult:
    """``container.start``; prints the name, as the CLI does."""
    container = engine.client.containers.get(step.target)
    container.start()
    container.reload()
    return StepResult(step, output=f"{step.container}\n", container=container,
                      links=published_links(container.attrs))


@handles(Exec)
def exec_in_container(engine: Engine, step: Exec) -> StepResult:
    """``container.exec_run``: the command's output, and its exit code as the CLI's."""
    done = engine.client.containers.get(step.target).exec_run(**step.sdk_kwargs)
    text = (done.output or b"").decode("utf-8", errors="replace")
    if done.exit_code:
        raise errors.StepFailed(
            f"The command exited with code {done.exit_code} inside {step.container}.",
            fix="Read what it printed below; check the command's spelling and its arguments.",
            command=step.argv, exit_code=int(done.exit_code), stderr=text,
        )
    return StepResult(step, output=text, exit_code=done.exit_code)


@handles(ContainerPrune)
def prune_containers(engine: Engine, step: ContainerPrune) -> StepResult:
    """``containers.prune``, reported as the CLI reports it."""
    report = engine.client.containers.prune(**step.sdk_kwargs)
    deleted = report.get("ContainersDeleted") or []
    lines = ["Deleted Containers:", *deleted, ""] if deleted else []
    lines.append(f"Total reclaimed space: {render.size_text(report.get('SpaceReclaimed') or 0)}")
    return StepResult(step, output="\n".join(lines) + "\n")


# --------------------------------------------------------------------- verbs
class ContainerCommands(Engine):
    """The container verbs of :class:`docdocker.session.tutorial.Tutorial`."""

    def run(
        self,
        image: str,
        cmd: Iterable[str] | str = (),
        *,
        detach: bool = False,
        name: str | None = None,
        publish: Iterable[PortMapping | str] | str = (),
        env: Mapping[str, str | None] | None = None,
        remove: bool = False,
        timeout: float | None = None,
        mounts: Iterable[str] = (),
        mount: Iterable[str] | str = (),
        network: str | None = None,
    ) -> StepResult:
        """Create and start a container; pull the image first if it is missing.

        Equivalent CLI: ``docker run [-d] [--name N] [-p SPEC] [-e K=V] [-v SRC:DEST]
        [--mount type=volume,src=V,dst=/DIR] [--network NET] IMAGE [CMD]``

        Args:
            image: The image to run, e.g. ``"nginx"``.
            cmd: The command to run instead of the image's default: a list of
                words, or one string split like a shell line.
            detach: Run in the background (``-d``) and return at once.
            name: The container's name; Docker picks a random one when None.
            publish: Port mappings, as ``-p`` specs or
                :class:`~docdocker.grammar.ports.PortMapping`. A spec without an address
                listens on 127.0.0.1 only (``"8080:80"`` runs ``-p 127.0.0.1:8080:80``);
                write ``0.0.0.0:8080:80`` to listen on every interface, with a warning
                saying what that exposes.
            env: Environment variables (``-e``); a None value passes the variable on
                from this machine's environment, as ``-e NAME`` does.
            remove: Remove the container when it exits (``--rm``).
            timeout: Foreground runs only: stop the container after this many seconds.
            mounts: ``-v`` values: ``/host/dir:/container/dir[:ro]`` or ``volume:/dir``.
            mount: ``--mount`` values, the long form: ``type=volume,src=counter,dst=/data``
                or ``type=bind,src=/host/dir,dst=/dir,readonly``.
            network: The network to attach the container to (``--network``).
        """
        step = Run(
            image=image,
            cmd=tuple(_split_command(cmd, image) if isinstance(cmd, str) else cmd),
            detach=detach,
            name=name,
            publish=tuple(_mappings(publish)),
            env=dict(env or {}),
            mounts=tuple(mounts),
            mount=(mount,) if isinstance(mount, str) else tuple(mount),
            network=network,
            remove=remove,
        )
        return self.execute(step, timeout=timeout)

    def ps(
        self, *, all: bool = False, everything: bool = False, status: str | Iterable[str] = "",
        quiet: bool = False,
    ) -> StepResult:
        """List this notebook's containers (or every container on the engine).

        Equivalent CLI: ``docker ps [--all] [-q] --filter label=org.docdocker.notebook=NOTEBOOK``

        Args:
            all: Include stopped containers (``--all``, ``-a`` for short).
            quiet: Print only the container IDs (``-q``).
            everything: Drop the label filter and list every container on the engine,
                the tutorial's or not (read-only for the tutorial).
            status: Only containers in this state (``created``, ``running``, ``exited``...),
                or in any of several: ``("exited", "created")``.
        """
        filters: dict[str, Any] = {} if everything else label_filter(self.notebook)
        if status:
            filters["status"] = status if isinstance(status, str) else list(status)
        return self.execute(Ps(all=all, quiet=quiet, filters=filters))

    def stop(self, container: str, *, timeout: int | None = None) -> StepResult:
        """Stop a container: its stop signal, then SIGKILL after ``timeout`` seconds (10).

        Equivalent CLI: ``docker stop [-t N] CONTAINER``
        """
        return self.execute(Stop(container=container, timeout=timeout))

    def kill(self, container: str, *, signal: str | None = None) -> StepResult:
        """Kill a container (SIGKILL unless ``signal`` says otherwise).

        Equivalent CLI: ``docker kill [--signal SIG] CONTAINER``
        """
        return self.execute(Kill(container=container, signal=signal))

    def rm(self, container: str, *, force: bool = False, volumes: bool = False) -> StepResult:
        """Remove a container; ``volumes`` also removes its anonymous volumes (never named ones).

        Equivalent CLI: ``docker rm [--force] [--volumes] CONTAINER``
        """
        return self.execute(Rm(container=container, force=force, volumes=volumes))

    def logs(self, container: str, *, tail: int | None = None, follow: bool = False,
             timeout: float | None = None) -> StepResult:
        """Show a container's output; ``follow`` keeps showing new lines as they come.

        Equivalent CLI: ``docker logs [-f] [--tail N] CONTAINER``

        Args:
            container: Its name or ID.
            tail: Only the last N lines.
            follow: Keep streaming new output (``-f``) until the container stops, or
                until ``timeout`` seconds have passed (a terminal would wait for Ctrl+C).
            timeout: With ``follow``: stop following after this many seconds.
        """
        return self.execute(Logs(container=container, tail=tail, follow=follow),
                            timeout=timeout)

    def start(self, container: str) -> StepResult:
        """Start a stopped container again. Equivalent CLI: ``docker start CONTAINER``"""
        return self.execute(Start(container=container))

    def exec(self, container: str, cmd: Iterable[str] | str) -> StepResult:
        """Run a command inside a running container and show what it printed.

        Equivalent CLI: ``docker exec CONTAINER COMMAND...``

        Args:
            container: Its name or ID.
            cmd: The command: a list of words, or one string split like a shell line.
        """
        words = tuple(shlex.split(cmd) if isinstance(cmd, str) else cmd)
        return self.execute(Exec(container=container, cmd=words))

    def inspect(self, name: str, *, format: str | None = None,
                type: str | None = None) -> StepResult:
        """A container's or image's configuration, or one value picked with ``format``.

        Equivalent CLI: ``docker inspect [-f TEMPLATE] [--type TYPE] NAME``

        Example: ``engine.inspect("web", format="{{.State.ExitCode}}")``.
        """
        return self.execute(Inspect(name=name, format=format, type=type))

    def container_prune(self, *, notebook_only: bool = True) -> StepResult:
        """Remove stopped containers made by this notebook (or by the whole tutorial).

        The engine's prune runs only when every container it would remove passes
        :func:`owned_containers`; a container the learner ran from a ``docker commit``
        of a tutorial container carries the same labels, so when there is one,
        docdocker removes its own stopped containers one by one instead (each
        ``docker rm`` echoed) and says which it kept.

        Equivalent CLI: ``docker container prune --force --filter label=...``
        (or ``docker rm NAME`` for each of the tutorial's stopped containers)
        """
        scope = self.notebook if notebook_only else None
        # Both marks: a learner's container run from a tutorial image inherits the
        # notebook label, but not the ownership mark docdocker's create call sets.
        labels = [label_filter(scope)["label"], f"{OWNER}={CONTAINER_OWNER}"]
        step = ContainerPrune(filters={"label": labels})
        if self.replaying:
            return self.execute(step)
        stopped = [c for c in self.query(Ps(all=True, filters={"label": labels})).value
                   if c.get("State") != "running" and c.get("State") != "paused"]
        mine = owned_containers(self, stopped, scope)
        if len(mine) == len(stopped):
            pruned = self.execute(step)
            self._remove_anonymous_volumes(mine)
            return pruned
        kept = [container_name(c) for c in stopped if c not in mine]
        self.console.text(
            f"Not running `{step.cli}`: it would also remove {', '.join(kept)}, which "
            "docdocker did not create (a container run from a docker commit of a "
            "tutorial container carries its labels). Removing the tutorial's own "
            "stopped containers instead:\n")
        removed = [self.rm(container_name(c), volumes=bool(_anonymous_volumes(c))
                           ).output.strip() for c in mine]
        lines = [*removed, *(f"kept {name}: not created by docdocker" for name in kept)]
        return StepResult(step, output="\n".join(lines) + "\n", value={"kept": kept})

    def _remove_anonymous_volumes(self, containers: Iterable[Mapping[str, Any]]) -> None:
        """Remove the anonymous volumes of containers the tutorial just pruned.

        ``docker container prune`` leaves them (an image's ``VOLUME``, such as redis's
        ``/data``, makes one per container); nothing else can use them, and a named
        volume is never one of them.

        Equivalent CLI: ``docker volume rm VOLUME`` for each
        """
        from docdocker.concepts.volumes import VolumeRm

        for name in sorted({v for c in containers for v in _anonymous_volumes(c)}):
            with contextlib.suppress(errors.DocDockerError):  # already gone, or in use
                self.execute(VolumeRm(volume=name))

    def clean_up(self) -> None:
        """Remove every container this notebook created, running or not.

        Equivalent CLI: ``docker rm --force NAME`` for each container labelled
        ``org.docdocker.notebook=<notebook>`` that docdocker created
        """
        listed = self.query(Ps(all=True, filters=label_filter(self.notebook))).value
        mine = owned_containers(self, listed, self.notebook)
        if not mine:
            self.console.text(f"Nothing to clean up: no containers labelled {self.notebook}.\n")
            return
        for c in mine:
            name = container_name(c)
            # `--volumes` removes the anonymous volumes an image's VOLUME made (redis's
            # /data), which would otherwise pile up; it never removes a named volume.
            has_volume = any(m.get("Type") == "volume" for m in c.get("Mounts") or [])
            self.rm(name, force=True, volumes=has_volume)
            self.console.text(f"{name}\n")

    def port_holder(self, port: int, protocol: str = "tcp") -> str | None:
        """The name of a running container publishing host ``port``, or None.

        Equivalent CLI: ``docker ps --filter publish=PORT/PROTOCOL``
        """
        try:
            listed = self.query(Ps(filters={"publish": f"{port}/{protocol}"})).value
        except errors.DocDockerError:
            return None
        for c in listed:
            for p in c.get("Ports") or []:
                if p.get("PublicPort") == port and p.get("Type", "tcp") == protocol:
                    return container_name(c)
        return None

    def facts(self) -> Facts:
        return Facts(host=self.host, port_holder=self.port_holder)


# ------------------------------------------------------------------- helpers
def container_name(entry: Mapping[str, Any]) -> str:
    """The name to target a container by, from an engine list entry (``docker ps``).

    The first of its names without the leading ``/``, or its short ID if it has none.
    """
    names = entry.get("Names") or []
    return names[0].lstrip("/") if names else str(entry["Id"])[:12]


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
        "IMAGE": _short_image(c.get("Image", "")),
        # Like the CLI: at most 20 characters wide, the last one an ellipsis.
        "COMMAND": f'"{command[:19]}…"' if len(command) > 20 else f'"{command}"',
        "CREATED": render.ago(c.get("Created")),
        "STATUS": c.get("Status", ""),
        "PORTS": published,
        "NAMES": ",".join(n.lstrip("/") for n in c.get("Names") or []),
        "LABELS": c.get("Labels") or {},
    }


def _short_image(image: str) -> str:
    # Like the CLI: an image known only by its ID shows as the ID's first 12 digits.
    return image[7:19] if image.startswith("sha256:") else image
