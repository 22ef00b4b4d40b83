"""What a notebook talks to: the engine core plus the verbs of every Docker noun.

``dd.connect("01-containers")`` returns a :class:`Tutorial`: ``run``, ``ps``,
``stop``... from :mod:`docdocker.concepts.containers`, ``pull`` from
:mod:`docdocker.concepts.registries`, and so on. Adding a noun means adding its
``...Commands`` class to the bases below. Where no engine is reachable (Binder),
it returns a :class:`ReadAlong` session that replays recorded outputs instead.
"""

from __future__ import annotations

import os
from types import SimpleNamespace
from typing import Any

# Imported for their steps' handlers, which they register on import.
import docdocker.concepts.system  # noqa: F401
from docdocker import friendly
from docdocker.base import errors, render
from docdocker.concepts import ownership
from docdocker.concepts.compose import ComposeCommands
from docdocker.concepts.containers import ContainerCommands
from docdocker.concepts.images import ImageCommands, TagCommands
from docdocker.concepts.networks import NetworkCommands, NetworkLs
from docdocker.concepts.registries import RegistryCommands
from docdocker.concepts.system import SystemCommands
from docdocker.concepts.volumes import VolumeCommands, VolumeLs
from docdocker.core import connection
from docdocker.core.console import Console, NotebookConsole, in_notebook, install_notebook_errors
from docdocker.core.engine import Engine, StepResult
from docdocker.core.steps import Step, check_notebook, label_filter
from docdocker.core.translate import Facts
from docdocker.readalong import recordings


class Tutorial(ContainerCommands, ImageCommands, TagCommands, RegistryCommands, NetworkCommands,
               VolumeCommands, ComposeCommands, SystemCommands):
    """An engine connection for one notebook, with every verb the notebooks use.

    Equivalent CLI: each method's docstring names its ``docker`` command.
    """

    def __init__(self, notebook: str, client: Any, console: Console | None = None, *,
                 host: str | None = None) -> None:
        # The translation rules sit above the core: the session is where the engine
        # is given them.
        super().__init__(notebook, client, console, host=host,
                         translator=friendly.translate_error)

    def clean_up(self) -> None:
        """Remove this notebook's containers, then the networks and volumes it created.

        Equivalent CLI: ``docker rm --force [--volumes] NAME``, ``docker network rm NAME``
        and ``docker volume rm NAME`` for each object labelled
        ``org.docdocker.notebook=<notebook>`` that docdocker itself created
        """
        super().clean_up()
        mark = label_filter(self.notebook)
        for n in self.query(NetworkLs(filters=mark)).value or []:
            if ownership.made_by_tutorial(n.get("Labels"), self.notebook,
                                          owner=ownership.NETWORK_OWNER):
                self._remove_or_say_why("network", n["Name"], self.network_rm)
        for v in self.query(VolumeLs(filters=mark)).value or []:
            # A volume holds data: one without docdocker's own mark is never removed.
            if ownership.made_by_tutorial(v.get("Labels"), self.notebook,
                                          owner=ownership.VOLUME_OWNER):
                self._remove_or_say_why("volume", v["Name"], self.volume_rm)

    def _remove_or_say_why(self, kind: str, name: str, remove: Any) -> None:
        # Only a container that is not the tutorial's can still use it (the tutorial's are
        # gone by now): say so and carry on, rather than stop the notebook's first cell.
        try:
            remove(name)
        except errors.StepFailed as err:
            said = (err.stderr or err.message).strip()
            self.console.text(
                f"Kept the {kind} {name}: a container that is not the tutorial's still uses "
                f"it (Docker said: {said}). Remove that container (`docker ps --all "
                f"--filter {kind}={name}` lists them), then run this cell again.\n")

    def execute(self, step: Step, **options: Any) -> StepResult:
        recorder = recordings.recorder()
        if recorder is None:
            return super().execute(step, **options)
        tee = recordings.Tee(self.console)
        engine = self.using(tee)
        try:
            result = Engine.execute(engine, step, **options)
        except errors.DocDockerError as err:
            recorder.error(step.with_labels(self.labels), err, tee)
            raise
        recorder.result(result, tee)
        return result


class ReadAlong(Tutorial):
    """A session without an engine: each step echoes its command and replays its recording.

    Args:
        notebook: The notebook's name (its recording is ``recordings/<notebook>.json``).
        reason: Why there is no engine, for the banner.
    """

    def __init__(self, notebook: str, reason: str, console: Console | None = None) -> None:
        super().__init__(notebook, None, console, host="(none: read-along mode)")
        self.reason = reason
        self.recording = recordings.load(notebook)
        recordings.replay(self.recording)

    def execute(self, step: Step, **options: Any) -> StepResult:
        step = step.with_labels(self.labels)
        self.console.command(step.cli)
        entry = self.recording.take(step.cli)
        if entry is not None and entry.streamed:
            # What the step printed as it ran, then the marker, before anything else.
            self.console.text(entry.streamed.rstrip("\n") + "\n"
                              + recordings.marker_text(self.recording) + "\n")
        if entry is not None and entry.error is not None:
            raise recordings.recorded_error(entry, self.recording)
        result = recordings.RecordedResult(
            step, output=entry.output if entry else "",
            exit_code=entry.exit_code if entry else None,
            links=[render.Link(text, href) for text, href in entry.links] if entry else [],
            value=(SimpleNamespace(**entry.value_attrs) if entry and entry.value_attrs
                   else entry.value if entry else None),
            recording=self.recording, entry=entry)
        if isinstance(self.console, NotebookConsole) and not (entry and entry.streamed):
            recordings.show_when_the_cell_ends(result)
        return result

    def query(self, step: Step, **options: Any) -> StepResult:
        raise errors.EngineUnavailable(
            f"Read-along mode: there is no Docker Engine to ask ({step.cli}).",
            fix="Run the tutorial on a machine with Docker to use this live.",
            command=step.argv)

    def events(self, filters: Any, *, since: float | None = None) -> Any:
        raise errors.EngineUnavailable(
            "Read-along mode: there is no Docker Engine to watch.",
            fix="Run the tutorial on a machine with Docker to watch containers live.")

    def clean_up(self) -> None:
        self.console.text("Read-along mode: no engine, so nothing to clean up.\n")

    def close(self) -> None:
        recordings.replay(None)

    def _repr_html_(self) -> str:
        return recordings.banner_html(self.notebook, self.reason, self.recording)

    def __repr__(self) -> str:
        return recordings.banner_text(self.reason, self.recording)


def connect(notebook: str, *, console: Console | None = None,
            timeout: float = connection.DEFAULT_TIMEOUT) -> Tutorial:
    """Connect to the Docker Engine the way the ``docker`` CLI would.

    Honours ``DOCKER_HOST`` (and its TLS variables), then ``DOCKER_CONTEXT``,
    then the CLI's current context. In a notebook it also shows docdocker errors
    as friendly messages instead of Python tracebacks. Where no engine answers
    (Binder) it returns a :class:`ReadAlong` session, which shows a banner saying
    why and replays the outputs recorded from a real run; ``DOCDOCKER_READALONG=1``
    chooses that mode even where an engine answers.

    Equivalent CLI: ``docker version``

    Args:
        notebook: The notebook's name; every object created is labelled with it.
        console: Where echoes and output go (default: fits notebook or terminal).
        timeout: Seconds to wait for any single engine request (connecting itself
            waits at most :data:`~docdocker.core.connection.PING_TIMEOUT`).

    Raises:
        ValueError: ``notebook`` is empty (it names no notebook).
        docdocker.base.errors.EngineUnavailable: The engine cannot be reached (outside a
            notebook, where there is nobody to read along).
    """
    check_notebook(notebook)  # before connecting: an empty name is a typo, not "everything"
    if in_notebook():
        # Before connecting, so that "no engine here" (Binder) reads as advice too.
        install_notebook_errors()
    if os.environ.get(recordings.READALONG_ENV) == "1":
        return _read_along(notebook, console, f"{recordings.READALONG_ENV}=1 is set.")
    where = connection.endpoint()
    try:
        client, where = connection.connect_client(timeout=timeout)
    except Exception as err:
        translated = friendly.translate_error(err, None, Facts(host=where.host))
        if translated is None:
            raise
        if in_notebook():
            return _read_along(notebook, console, translated.message)
        raise translated from err
    engine = Tutorial(notebook, client, console, host=where.host)
    if os.environ.get(recordings.RECORD_ENV):
        recordings.start_recording(notebook, str(engine.client.version().get("Version", "")))
    return engine


def _read_along(notebook: str, console: Console | None, reason: str) -> ReadAlong:
    session = ReadAlong(notebook, reason, console)
    if in_notebook():
        from IPython.display import display

        display(session)
    return session
