"""What a notebook talks to: the engine core plus the verbs of every Docker noun.

``dd.connect("01-containers")`` returns a :class:`Tutorial`: ``run``, ``ps``,
``stop``... from :mod:`docdocker.concepts.containers`, ``pull`` from
:mod:`docdocker.concepts.registries`, and so on. Adding a noun means adding its
``...Commands`` class to the bases below. Where no engine is reachable (Binder),
``connect`` (:mod:`docdocker.session.connect`) returns a
:class:`~docdocker.session.readalong.ReadAlong` session that replays recorded outputs
instead.
"""

from __future__ import annotations

from typing import Any

# Imported for their steps' handlers, which they register on import.
import docdocker.concepts.system  # noqa: F401
from docdocker import friendly
from docdocker.base import errors
from docdocker.concepts import ownership
from docdocker.concepts.compose import ComposeCommands
from docdocker.concepts.containers import ContainerCommands
from docdocker.concepts.images import ImageCommands, TagCommands
from docdocker.concepts.networks import NetworkCommands, NetworkLs
from docdocker.concepts.registries import RegistryCommands
from docdocker.concepts.system import SystemCommands
from docdocker.concepts.volumes import VolumeCommands, VolumeLs
from docdocker.core.console import Console
from docdocker.core.engine import Engine, StepResult
from docdocker.core.steps import Step, label_filter
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
