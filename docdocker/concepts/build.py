"""Building images: ``docker build``, its streamed log and its failures.

The step is declared once (its CLI flags and SDK keywords) and registered with
the function that executes it; the ``build`` verb is on
:class:`docdocker.concepts.images.ImageCommands`. The log is folded by
:mod:`docdocker.concepts.buildlog`; a failure is translated by
:func:`docdocker.friendly.translate_build_error`, which names the Dockerfile line.

Which builder runs is the one ``docker build`` typed in a terminal runs here
(:func:`builder`). With BuildKit (the buildx plugin: every current Docker) the
SDK cannot build, as it has no BuildKit session, so the step runs the real
program: the echoed argv with ``docker build`` spelt ``docker buildx build`` (the
program the CLI's ``build`` runs) and ``--progress=rawjson`` added, nothing
else; ``DOCKER_HOST`` in its environment names the engine's endpoint, so the
CLI and the SDK talk to the same engine. Without buildx the classic builder
runs through the SDK, as the CLI would run it.
"""

from __future__ import annotations

import os
import queue
import re
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, ClassVar

import docker.errors

from docdocker import friendly
from docdocker.base import errors
from docdocker.base.masking import MASK, mask_value
from docdocker.concepts.buildlog import BuildKitLog, BuildLog, BuildStep
from docdocker.concepts.registries import check_image_name
from docdocker.core.engine import Engine, StepResult, handles
from docdocker.core.steps import COMMAND_LINE, POSITIONAL, Step, arg, pairs
from docdocker.grammar import reference


@dataclass(frozen=True)
class Builder:
    """Which builder ``docker build`` typed in a terminal runs on this machine.

    Attributes:
        kind: ``"buildkit"`` (the buildx plugin, the default since Engine 23 and in
            Docker Desktop) or ``"classic"`` (the engine's legacy builder: no buildx
            plugin, or ``DOCKER_BUILDKIT=0``).
        version: buildx's version, e.g. ``0.29.1``, for BuildKit.
    """

    kind: str
    version: str = ""

    @property
    def buildkit(self) -> bool:
        """True when ``docker build`` runs BuildKit."""
        return self.kind == "buildkit"

    def describe(self) -> str:
        """One phrase: ``BuildKit (buildx 0.29.1)`` or ``the classic builder``."""
        if self.buildkit:
            return f"BuildKit (buildx {self.version})"
        return "the classic builder"


def builder() -> Builder:
    """The builder the ``docker`` CLI's ``build`` command uses here.

    The CLI runs BuildKit through its buildx plugin when the plugin is installed,
    unless ``DOCKER_BUILDKIT=0`` asks for the legacy builder; without the plugin it
    falls back to the legacy builder (and says it is deprecated).

    Equivalent CLI: ``docker buildx version``
    """
    if os.environ.get("DOCKER_BUILDKIT", "").strip().lower() in ("0", "false"):
        return Builder("classic")
    return _buildx(shutil.which("docker"))


@lru_cache(maxsize=4)
def _buildx(docker: str | None) -> Builder:
    if docker is None:
        return Builder("classic")
    try:
        done = subprocess.run([docker, "buildx", "version"], capture_output=True, text=True,
                              timeout=20, check=False, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return Builder("classic")
    found = re.search(r"\bv?(\d+\.\d+(?:\.\d+)?)", done.stdout)
    if done.returncode != 0 or found is None:
        return Builder("classic")
    return Builder("buildkit", found.group(1))


@dataclass(frozen=True)
class Build(Step):
    """Build an image from a Dockerfile and a folder (the build context).

    One source: :attr:`argv` is derived from the fields, and it is what runs. With
    BuildKit the handler runs it as ``docker buildx build --progress=rawjson`` followed
    by ``argv[2:]`` (the program ``docker build`` runs, and a progress format docdocker
    can read), with ``DOCKER_HOST`` naming the engine; with the classic builder the
    same fields become the SDK's keywords (:attr:`sdk_kwargs`).

    Equivalent CLI: ``docker build -t TAG [-f DOCKERFILE] [--build-arg K=V] [--no-cache]
    [--force-rm] [--target STAGE] [--secret id=ID,src=FILE] [--label K=V] PATH``
    """

    command: ClassVar[tuple[str, ...]] = ("build",)
    creates: ClassVar[bool] = True

    path: str = arg(POSITIONAL, "path", default="")
    tag: str = arg("-t", "tag", default="")
    # The CLI reads -f relative to the current folder; the SDK reads a relative
    # path relative to the context, and an absolute one as is.
    dockerfile: str | None = arg("-f", "dockerfile", sdk_value=os.path.abspath)
    buildargs: Mapping[str, str] = arg(
        "--build-arg", "buildargs", default_factory=dict, cli_value=pairs, sdk_value=dict
    )
    nocache: bool = arg("--no-cache", "nocache", default=False)
    force_rm: bool = arg("--force-rm", "forcerm", default=False)
    # Named `stage`, not `target`: Step.target is the object a step acts on.
    stage: str = arg("--target", "target", default="")
    # `--secret id=ID,src=PATH` (or `,env=VAR`): BuildKit mounts the file for one RUN
    # and keeps it out of every layer. The SDK's classic build has no such session,
    # so the field lives on the command line only (the handler refuses it there).
    secrets: tuple[str, ...] = arg("--secret", COMMAND_LINE, default=())
    labels: Mapping[str, str] = arg(
        "--label", "labels", default_factory=dict, cli_value=pairs, sdk_value=dict
    )

    def ownership(self) -> str:
        """The built tag, ``name:tag`` (reset removes that tag, never a child image)."""
        try:
            ref = reference.parse(self.tag)
        except errors.InvalidReference:
            return self.tag
        return f"{ref.familiar}:latest" if ref.tag is None else ref.familiar

    @property
    def dockerfile_path(self) -> str:
        """Where the Dockerfile is on this machine (``-f``, else ``PATH/Dockerfile``)."""
        return self.dockerfile or os.path.join(self.path, "Dockerfile")

    def validate(self) -> None:
        if not self.tag:
            raise errors.InvalidReference(
                "The image needs a name: docker build -t NAME.",
                fix="Give a tag, e.g. tag=\"friendlyhello\".", command=self.argv)
        check_image_name(self, self.tag)
        if reference.parse(self.tag).digest:
            raise errors.InvalidReference(
                f"Invalid image name: {self.tag!r} has a digest (@sha256:...); an image you "
                "build gets its digest when it is pushed, so a tag cannot name one.",
                fix="Drop the @... part, e.g. tag=\"friendlyhello:v1\".", command=self.argv)
        if not os.path.isdir(self.path):
            raise errors.BuildFailed(
                f"The build context {self.path!r} is not a folder on this machine "
                f"(looked in {os.path.abspath(self.path)}).",
                fix="Give the folder that holds the Dockerfile and the app's files, relative "
                    f"to the notebook's folder ({os.getcwd()}).",
                command=self.argv, exit_code=1)
        if not os.path.isfile(self.dockerfile_path):
            raise errors.BuildFailed(
                f"There is no Dockerfile at {self.dockerfile_path!r}.",
                fix="Create it, or name it with dockerfile=... (docker build -f FILE).",
                command=self.argv, exit_code=1)
        for spec in self.secrets:
            self._check_secret(spec)

    def _check_secret(self, spec: str) -> None:
        """Refuse a ``--secret`` value the builder would reject, before it runs."""
        parts = dict(p.partition("=")[::2] for p in spec.split(","))
        if not parts.get("id"):
            raise errors.BuildFailed(
                f"The build secret {spec!r} has no id: BuildKit mounts a secret by its id "
                "(RUN --mount=type=secret,id=ID).",
                fix="Write it as id=ID,src=FILE, e.g. secrets=(\"id=pw,src=pw.txt\",).",
                command=self.argv, exit_code=1)
        source = parts.get("src") or parts.get("source")
        if source and not os.path.isfile(source):
            raise errors.BuildFailed(
                f"The build secret {parts['id']!r} reads {source!r}, which is not a file "
                f"on this machine (looked in {os.path.abspath(source)}).",
                fix="Write the secret into that file first, or give its path relative to "
                    f"the current folder ({os.getcwd()}).",
                command=self.argv, exit_code=1)


@dataclass(repr=False)  # keep StepResult's repr: what the CLI printed
class BuildResult(StepResult):
    """What a build did: ``value`` is the image ID; the steps say which ones used the cache.

    Attributes:
        steps: Each instruction of the log (``[N/M]`` or ``Step N/M``), with its output.
        seconds: How long the build took, measured here (the classic builder prints no time).
        builder: Which builder ran: ``BuildKit (buildx 0.29.1)`` or ``the classic builder``.
    """

    steps: list[BuildStep] = field(default_factory=list)
    seconds: float = 0.0
    builder: str = ""

    @property
    def cached(self) -> list[str]:
        """The instructions whose layer came from the cache (``FROM`` only names the base)."""
        return [s.instruction for s in self.steps
                if s.cached and not s.instruction.upper().startswith("FROM ")]

    @property
    def stages(self) -> list[str]:
        """The build stages the log names, sorted: BuildKit's ``[builder 2/4]`` names
        ``builder``; the classic builder's log names none."""
        return sorted({s.stage for s in self.steps if getattr(s, "stage", "")})

    @property
    def ran(self) -> list[str]:
        """The instructions that ran and made a new layer (``FROM`` only names the base)."""
        return [s.instruction for s in self.steps
                if not s.cached and not s.instruction.upper().startswith("FROM ")]


#: A build may print nothing for this long (seconds) while the engine still answers
#: before it is stopped: a RUN that downloads or compiles quietly stays well under it.
SILENCE = 300.0
#: No build runs longer than this (seconds).
TIME_LIMIT = 1800.0
#: How long BuildKit may take to stop after an interrupt before it is killed.
_GRACE = 5.0


@handles(Build)
def build_image(engine: Engine, step: Build, *, silence: float = SILENCE,
                timeout: float = TIME_LIMIT) -> StepResult:
    """Run the build with the builder ``docker build`` runs here, its log streamed.

    Args:
        engine: The engine that builds.
        step: The build.
        silence: Stop the build when it prints nothing for this many seconds although
            the engine answers a ping (a build stuck on something that never comes).
        timeout: Stop the build when it has run this many seconds.

    A failure is raised as :class:`~docdocker.base.errors.BuildFailed` naming the
    Dockerfile line; the builder names the image only when every step succeeded,
    so a failed build leaves nothing under the tag.
    """
    text = _read_dockerfile(step)
    chosen = builder()
    if chosen.buildkit:
        result = _buildkit(engine, step, text, chosen, silence, timeout)
    elif step.secrets:
        raise errors.BuildFailed(
            f"This Docker builds with {chosen.describe()}, which has "
            f"no build secrets: --secret {step.secrets[0]} needs BuildKit.",
            fix="Install the buildx plugin (docker buildx version must answer), or build "
                "without the secret: never pass it as --build-arg or ENV instead, since "
                "docker history shows those to anyone with the image.",
            command=step.argv, exit_code=1)
    else:
        result = _classic(engine, step, text, silence, timeout)
    # Engine.execute records the image with its tag (tagrecord.remember_built), so that
    # clean-up can tell it from one built FROM it, which inherits its labels.
    return result


def secret_values(step: Build) -> list[str]:
    """The build arguments' values the echo masks (``--build-arg PASSWORD=******``).

    The builder's log expands ``$PASSWORD`` in a RUN's name (``RUN test -n "s3cret"``),
    where no ``NAME=`` says it is a secret: the log is masked by these values too.
    Longest first, so that a value containing another is masked whole.
    """
    return sorted({value for name, value in step.buildargs.items()
                   if value and mask_value(name, value) == MASK}, key=len, reverse=True)


def hide(text: str, values: list[str]) -> str:
    """``text`` with each of ``values`` replaced by the mask."""
    for value in values:
        text = text.replace(value, MASK)
    return text


def _hide_chunk(chunk: Any, values: list[str]) -> Any:
    """A classic build's chunk with the values masked in every string, nested ones too."""
    if isinstance(chunk, str):
        return hide(chunk, values)
    if isinstance(chunk, dict):
        return {key: _hide_chunk(value, values) for key, value in chunk.items()}
    return chunk


def _read_dockerfile(step: Build) -> str:
    try:
        with open(step.dockerfile_path, "rb") as f:
            raw = f.read()
    except OSError as err:
        raise errors.BuildFailed(
            f"Cannot read the Dockerfile {step.dockerfile_path!r}: {err.strerror}.",
            fix="Give a Dockerfile you may read (dockerfile=... is docker build -f FILE).",
            command=step.argv, exit_code=1) from err
    # The builder reads the file as UTF-8 too; a wrong byte only matters on the line
    # a message names, so it is shown replaced rather than refused here.
    return raw.decode("utf-8", errors="replace")


def _context(step: Build, text: str, log: BuildLog) -> friendly.BuildContext:
    current = log.current
    if isinstance(log, BuildKitLog):
        return friendly.BuildContext(
            dockerfile=step.dockerfile_path, text=text, context=step.path,
            step_output=current.output if current else "", line=log.failed_line,
            words="\n".join(log.messages))
    return friendly.BuildContext(
        dockerfile=step.dockerfile_path, text=text, context=step.path,
        step_number=current.number if current else None,
        step_output=current.output if current else "")


def _silent(step: Build, seconds: float, log: BuildLog) -> errors.BuildFailed:
    current = log.current
    where = f" during {current.label}" if current is not None else ""
    return errors.BuildFailed(
        f"The build printed nothing for {seconds:g} s{where} while the Docker Engine kept "
        "answering, so docdocker stopped it.",
        fix="If that step is rightly quiet for long (a big download or compile), build "
            f"again with a longer bound, e.g. engine.build(..., silence={2 * seconds:g}), or "
            "run the command above in a terminal.",
        command=step.argv, exit_code=124, stderr=log.text()[-4000:])


def _too_long(step: Build, seconds: float, log: BuildLog) -> errors.BuildFailed:
    return errors.BuildFailed(
        f"The build did not finish within {seconds:g} s, so docdocker stopped it.",
        fix=f"Build again with a longer bound, e.g. engine.build(..., timeout={2 * seconds:g}), "
            "or run the command above in a terminal.",
        command=step.argv, exit_code=124, stderr=log.text()[-4000:])


def _classic(engine: Engine, step: Build, text: str, silence: float,
             timeout: float) -> BuildResult:
    """``api.build(decode=True)``, its log streamed through the engine's console.

    The SDK reports a failing instruction as an ``error`` chunk in the stream, not
    as an exception: every chunk is checked. ``--force-rm`` removes the failed
    step's container.
    """
    log = BuildLog()
    # rm=True is the CLI's default (--rm=true); the SDK's default is False.
    kwargs = {"rm": True, "decode": True, **step.sdk_kwargs}
    hidden = secret_values(step)
    started = time.perf_counter()
    fed = [time.monotonic()]

    end = time.monotonic() + timeout

    def alive() -> None:
        # A RUN may rightly be silent, so silence only triggers a bounded ping: an engine
        # that stopped answering fails there; one that answers fails after `silence`.
        engine.client.ping()
        if time.monotonic() - fed[0] > silence:
            raise _silent(step, silence, log)
        if time.monotonic() > end:
            raise _too_long(step, timeout, log)

    chunks = engine.stream(lambda: engine.client.api.build(**kwargs),
                           idle=min(engine.timeout or 60.0, silence), heartbeat=alive)
    try:
        for chunk in chunks:
            fed[0] = time.monotonic()
            log.feed(_hide_chunk(chunk, hidden) if hidden else chunk)
            engine.console.progress(log)
            if log.error:
                break
            if fed[0] > end:
                raise _too_long(step, timeout, log)
    except docker.errors.APIError as err:
        # A Dockerfile the builder cannot parse is refused before any step runs.
        if err.status_code == 400 and err.explanation:
            raise friendly.translate_build_error(
                str(err.explanation), _context(step, text, log), step.argv) from err
        raise
    engine.console.progress(log, final=True)
    if log.error:
        raise friendly.translate_build_error(log.error, _context(step, text, log), step.argv)
    if not log.image_id:
        raise errors.BuildFailed("The build stream ended without an image ID.",
                                 fix="Run the build again; see `docker images` for the result.",
                                 command=step.argv, stderr=log.text())
    return BuildResult(step, output="\n".join(log.summary) + "\n", value=log.image_id,
                       steps=log.steps, seconds=time.perf_counter() - started,
                       builder=Builder("classic").describe())


def buildkit_argv(step: Build) -> list[str]:
    """What runs for a BuildKit build: the echoed argv, spelt as the program it runs.

    ``docker build ARGS`` is ``docker buildx build ARGS`` on a Docker with buildx;
    ``--progress=rawjson`` makes its progress machine-readable. Nothing else is added.
    """
    argv = step.argv
    return [shutil.which("docker") or "docker", "buildx", "build", "--progress=rawjson",
            *argv[2:]]


def buildkit_environment(engine: Engine) -> dict[str, str]:
    """This process's variables, with ``DOCKER_HOST`` naming the engine's endpoint.

    The CLI then talks to the engine the SDK talks to, whatever context is current.
    """
    env = dict(os.environ)
    env.pop("DOCKER_CONTEXT", None)  # DOCKER_HOST alone names the endpoint
    env["DOCKER_HOST"] = engine.host
    return env


def _buildkit(engine: Engine, step: Build, text: str, chosen: Builder, silence: float,
              timeout: float) -> BuildResult:
    argv = buildkit_argv(step)
    log = BuildKitLog()
    hidden = secret_values(step)
    started = time.perf_counter()
    try:
        # A group of its own: `docker` runs the buildx plugin as its child, and
        # stopping the build must reach both, as Ctrl-C in a terminal does.
        proc = subprocess.Popen(argv, env=buildkit_environment(engine),
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True, errors="replace",
                                bufsize=1, start_new_session=True)
    except OSError as err:
        raise errors.BuildFailed(
            f"Could not start the docker CLI to build ({argv[0]}): {err.strerror}.",
            fix="Check the installation with `python -m docdocker doctor`.",
            command=step.argv) from err
    lines: queue.Queue[str | None] = queue.Queue()

    def pump(pipe: Any) -> None:
        for line in iter(pipe.readline, ""):
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, args=(proc.stderr,), daemon=True,
                     name="docdocker-build").start()
    now = time.monotonic()
    end, last, pinged = now + timeout, now, now
    ping_every = min(engine.timeout or 30.0, 30.0)
    unshown = False
    try:
        while True:
            try:
                line = lines.get(timeout=0.2)
            except queue.Empty:
                if unshown:
                    # A console that redraws at most so often may have skipped the last
                    # change (a step that started just after another): show it now, or
                    # it would wait for the next line, which a quiet RUN may not print.
                    engine.console.progress(log)
                    unshown = False
                now = time.monotonic()
                if now > end:
                    raise _too_long(step, timeout, log) from None
                if now - last > silence:
                    raise _silent(step, silence, log) from None
                if now - pinged > ping_every:
                    # A silent build on an engine that stopped answering fails here, within
                    # the client's timeout (EngineUnavailable), not after `silence`.
                    engine.client.ping()
                    pinged = time.monotonic()
                continue
            if line is None:
                break
            last = pinged = time.monotonic()
            if last > end:
                raise _too_long(step, timeout, log)
            log.feed_line(hide(line, hidden))
            engine.console.progress(log)
            unshown = True
    except BaseException:
        # Ctrl-C, the stop button or a bound: stop the build as Ctrl-C in a terminal
        # does (BuildKit cancels the solve), then make sure the program is gone.
        _stop(proc)
        raise
    code = proc.wait()
    engine.console.progress(log, final=True)
    if code != 0:
        message = log.error or f"docker buildx build exited with status {code}"
        raise friendly.translate_build_error(message, _context(step, text, log), step.argv)
    image = log.image_id or _image_id(engine, step)
    return BuildResult(step, output="\n".join(log.exporter) + "\n", value=image,
                       steps=log.steps, seconds=time.perf_counter() - started,
                       builder=chosen.describe())


def _stop(proc: subprocess.Popen[str]) -> None:
    """Interrupt the build program's group (BuildKit cancels the build), then kill it."""
    for sig, wait in ((signal.SIGINT, _GRACE), (signal.SIGKILL, None)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break  # the whole group has ended
        try:
            proc.wait(wait)
            if sig == signal.SIGINT:
                # The CLI ended; the plugin it started may still be stopping.
                time.sleep(0.2)
                os.killpg(proc.pid, signal.SIGKILL)
            break
        except ProcessLookupError:
            break
        except subprocess.TimeoutExpired:
            continue
    proc.wait()


def _image_id(engine: Engine, step: Build) -> str:
    """The built tag's image ID, for an exporter that did not name it in its progress."""
    return str(engine.client.api.inspect_image(step.tag)["Id"])
