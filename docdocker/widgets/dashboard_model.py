"""The dashboard's model: the rows it shows, built from the engine's container list, and
which of them the tutorial may act on.

No widgets and no engine here: :class:`DashboardModel` is fed by the view
(:mod:`docdocker.widgets.dashboard`), which lists containers through the engine.
Only containers the tutorial made are managed; the "show every container on this
engine" toggle lists the others too, read-only: the tutorial never stops or
removes what it did not make.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Set
from typing import Any

from traitlets import Bool, Dict, HasTraits, Instance, List, Unicode

from docdocker.base import errors
from docdocker.concepts.containers import Kill, Logs, Ps, Rm, Stop, ps_row
from docdocker.concepts.ownership import CONTAINER_OWNER, made_by_tutorial
from docdocker.core import steps as s
from docdocker.core.steps import LABEL, OWNER

__all__ = ["ACTIONS", "COLUMNS", "LIVE_STATES", "LOG_TAIL", "READ_ONLY_TIP", "DashboardModel",
           "action_step", "build_rows", "dashboard_row", "first_name", "ps_step"]

#: The table's columns: row keys and their headings.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("NAMES", "NAME"),
    ("IMAGE", "IMAGE"),
    ("STATUS", "STATUS"),
    ("PORTS", "PORTS"),
    ("CREATED", "CREATED"),
    ("notebook", "NOTEBOOK"),
)

#: The actions offered on each row, in the order the buttons appear.
ACTIONS = ("stop", "kill", "remove", "logs")

#: How many lines the logs button shows.
LOG_TAIL = 20

READ_ONLY_TIP = (
    "Read-only: docdocker only manages the containers it created itself (labelled "
    f"{LABEL} and {OWNER}={CONTAINER_OWNER}; a label inherited from an image does not "
    "count). Manage this one yourself from a terminal."
)

#: States in which stop and kill make sense; the engine refuses `kill` otherwise.
LIVE_STATES = frozenset({"running", "paused", "restarting"})


# ------------------------------------------------------------------ pure logic
def ps_step(show_all: bool) -> Ps:
    """The listing the dashboard shows, as a step (for its echo and its SDK call).

    Equivalent CLI: ``docker ps --all [--filter label=org.docdocker.notebook
    --filter label=org.docdocker.owner=container]``

    Args:
        show_all: List every container on the engine, not only the tutorial's.
    """
    if show_all:
        return Ps(all=True)
    return Ps(all=True, filters={"label": [s.label_filter()["label"],
                                           f"{OWNER}={CONTAINER_OWNER}"]})


def dashboard_row(container: Mapping[str, Any]) -> dict[str, Any]:
    """One dashboard row from an entry of the engine's container list.

    The ``docker ps`` columns come from :func:`docdocker.concepts.containers.ps_row` (ports
    are :class:`~docdocker.base.render.Link` objects for published ports, the age is
    "5 seconds ago"); the row adds the full ``id``, the ``STATE``
    (``running``, ``exited``...), the ``notebook`` that made the container
    (its label value) and ``managed``: whether docdocker created it, and so
    may act on it (:func:`docdocker.concepts.ownership.made_by_tutorial`: a container
    run from an image the tutorial built inherits the notebook label, but not
    the ownership mark).

    Equivalent CLI: ``docker ps --all --format '{{.Names}} {{.Label "org.docdocker.notebook"}}'``

    Args:
        container: One item of ``client.api.containers(all=True)``.
    """
    row = ps_row(container)
    labels = row["LABELS"]
    row["id"] = container["Id"]
    row["STATE"] = container.get("State", "")
    row["managed"] = made_by_tutorial(labels)
    row["notebook"] = labels.get(LABEL, "")
    return row


def build_rows(containers: Iterable[Mapping[str, Any]], *, show_all: bool,
               committed: Set[str] = frozenset()) -> list[dict[str, Any]]:
    """The dashboard's rows, in the engine's order (newest first, like ``docker ps``).

    The engine already filters by label; filtering again here means a wrong
    filter can never make a container the tutorial did not create look managed
    or visible.

    Equivalent CLI: ``docker ps --all [--filter label=org.docdocker.notebook]``

    Args:
        containers: The engine's container list.
        show_all: Keep containers the tutorial did not make (as read-only rows).
        committed: IDs of images carrying the container mark themselves
            (:func:`docdocker.concepts.ownership.committed_images`): a container run from one
            carries the marks without being the tutorial's.
    """
    rows = []
    for c in containers:
        row = dashboard_row(c)
        if str(c.get("ImageID")) in committed:
            row["managed"] = False  # run from a docker commit of a tutorial container
        rows.append(row)
    return rows if show_all else [r for r in rows if r["managed"]]


def first_name(row: Mapping[str, Any]) -> str:
    """The name to use in commands for a row: its first name, else its short ID."""
    return (row.get("NAMES") or "").split(",")[0] or row.get("CONTAINER ID", "")


# ----------------------------------------------------------------------- model
class DashboardModel(HasTraits):
    """The dashboard's state, fed by the engine; the view only observes it.

    Attributes:
        rows: The rows shown (see :func:`dashboard_row`).
        show_all: List every container on the engine, not only the tutorial's.
        error: The last failure, shown as a friendly message; None when fine.
        command: The echoed ``docker`` command of the last action.
        busy: An action is running.
        live: The table refreshes by itself (False once closed, or when the
            engine went away).
        logs: The last lines a ``logs`` action returned.
        logs_of: The container those lines came from ("" once another action followed).
        logs_at: When they were read (``HH:MM:SS``).
    """

    rows = List(Dict())
    show_all = Bool(False)
    error = Instance(errors.DocDockerError, allow_none=True)
    command = Unicode("")
    busy = Bool(False)
    live = Bool(False)
    logs = Unicode("")
    logs_of = Unicode("")
    logs_at = Unicode("")

    @property
    def cli(self) -> str:
        """The ``docker ps`` command the table stands for."""
        return ps_step(self.show_all).cli



def action_step(verb: str, name: str) -> s.Step:
    """The step a button runs: its echo, its refusal message, and the action itself."""
    return {
        "stop": lambda: Stop(container=name),
        "kill": lambda: Kill(container=name),
        # --volumes: the anonymous volumes an image's VOLUME made go with the container
        # (a named volume never does), so removing from here leaves nothing behind.
        "remove": lambda: Rm(container=name, force=True, volumes=True),
        "logs": lambda: Logs(container=name, tail=LOG_TAIL),
    }[verb]()
