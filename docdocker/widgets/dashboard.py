"""A live dashboard of the tutorial's containers, with stop, kill, remove and logs buttons.

The view: stock ipywidgets showing a :class:`~docdocker.widgets.dashboard_model.DashboardModel`.
The rows and the "made by the tutorial" policy live in the model; watching the
engine's events and scheduling refreshes live in :mod:`docdocker.widgets.watch`.
Every button runs the engine's own step (``docker stop``, ``kill``, ``rm``,
``logs``) through :meth:`docdocker.core.engine.Engine.execute`, so each echoes the
exact command it stands for; listings and lookups are quiet
(:meth:`~docdocker.core.engine.Engine.query`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from contextlib import suppress
from html import escape
from typing import Any

import ipywidgets as widgets
import traitlets
from traitlets import Bool

from docdocker import friendly
from docdocker.base import errors, render
from docdocker.concepts.inspect import ContainerInspect
from docdocker.concepts.ownership import committed_images, owned_containers
from docdocker.core import steps as s
from docdocker.core.console import Console
from docdocker.core.engine import LOOKUP_SECONDS, Engine, StepResult
from docdocker.core.steps import LABEL
from docdocker.readalong import recordings
from docdocker.session.connect import connect
from docdocker.widgets.base import FullTextRepr, close_below, close_tree
from docdocker.widgets.dashboard_model import (
    COLUMNS,
    LOG_TAIL,
    READ_ONLY_TIP,
    DashboardModel,
    action_step,
    build_rows,
    dashboard_row,
    first_name,
    ps_step,
)
from docdocker.widgets.dashboard_rows import RowView, Shared, ports_html, table_row
from docdocker.widgets.watch import EngineWatcher, RefreshScheduler

__all__ = ["COLUMNS", "Dashboard", "DashboardModel", "RefreshScheduler", "build_rows",
           "dashboard_row", "ports_html", "ps_step"]

#: Seconds the dashboard reuses its list of committed images (see ``_committed_images``).
COMMITTED_SECONDS = 10.0

class _StatusConsole(Console):
    """Sends a step's echo to the dashboard's status line instead of the cell output.

    A button callback has no cell to print into, and the periodic refresh must
    not litter the notebook: the widget shows the command itself.
    """

    def __init__(self, model: DashboardModel) -> None:
        self._model = model

    def command(self, cli: str) -> None:
        self._model.command = cli



class Dashboard(FullTextRepr, widgets.VBox):
    """A live table of the tutorial's containers, with a stop, kill, remove and logs button per row.

    The table refreshes by itself within a fraction of a second of any change,
    including changes made with the ``docker`` CLI in a terminal, and every
    few seconds for the age column. Each action echoes its ``docker`` command
    in the status line; failures show a friendly message, never a traceback.

    Equivalent CLI: ``docker ps --all --filter label=org.docdocker.notebook``

    Example:
        >>> dash = Dashboard(engine=engine)   # doctest: +SKIP
        >>> dash                              # doctest: +SKIP
        >>> dash.stop("web")                  # doctest: +SKIP
        >>> dash.close()                      # doctest: +SKIP

    Args:
        engine: The engine to watch and act through; when None, the dashboard
            connects with ``docdocker.connect("dashboard")`` and closes that
            connection when it is closed.
        period: Seconds between refreshes when no engine event arrives.
        live: Refresh by itself (False: only on :meth:`refresh` and after actions).

    Attributes:
        model: The :class:`DashboardModel` the view shows.
        show_all: List every container on the engine; the others are read-only.
        refreshes: How many refreshes have reached the table (for tests).
    """


    show_all = Bool(False, help="Show every container on this engine (others read-only).")

    def __init__(self, engine: Engine | None = None, *, period: float = 5.0,
                 live: bool = True, **kwargs: Any) -> None:
        # Plain attributes first: Widget.__del__ calls close(), even after a failed __init__.
        self._closed = False
        self._recording: recordings.Recording | None = None
        self._lock = threading.RLock()
        self._ticket = 0
        self._applied = 0
        self._refresh_failed = False
        self._watcher: EngineWatcher | None = None
        self._worker: threading.Thread | None = None
        self._committed: tuple[float, set[str]] | None = None
        self._views: dict[str, RowView] = {}
        self._want_live = False
        self.refreshes = 0
        self.model = DashboardModel()
        self._shared = Shared()
        super().__init__(**kwargs)

        self._owns_engine = engine is None
        self._engine: Engine | None = engine
        if engine is None:
            try:
                self._engine = connect("dashboard", console=Console())
            except errors.EngineUnavailable as err:
                self.model.error = err
        # Actions run on the same connection and labels, but echo into the status
        # line: the caller's console would print into whichever cell runs next.
        self._actions: Engine | None = None
        # Read-along mode: the rows recorded at the end of a real run, shown read-only.
        self._recording = recordings.reading_along(self._engine)
        if self._engine is not None and self._recording is None:
            self._actions = self._engine.using(_StatusConsole(self.model))
            self._watcher = EngineWatcher(self._engine, self.refresh, period=period)

        self._build_view()
        self._want_live = live
        traitlets.link((self, "show_all"), (self.model, "show_all"))
        self.model.observe(self._on_show_all, names="show_all")
        self.model.observe(lambda _c: self._render_table(), names="rows")
        self.model.observe(lambda _c: self._render_status(),
                           names=["error", "command", "busy", "live"])
        self.model.observe(lambda _c: self._render_logs(), names=["logs", "logs_of", "logs_at"])
        self.model.observe(lambda _c: self._render_table(), names="busy")

        if self._recording is not None:
            self._show_recorded(self._recording)
        elif self._engine is not None:
            # The first look is bounded: a hung engine must not hold the cell for the
            # client's whole timeout; the widget says what is wrong instead.
            self.refresh(within=LOOKUP_SECONDS)  # starts watching when it succeeds
        self._render_table()
        self._render_status()

    # ------------------------------------------------------------ public API
    @property
    def rows(self) -> list[dict[str, Any]]:
        """The rows shown: dicts with NAMES, IMAGE, STATUS, PORTS, CREATED, notebook, managed..."""
        return list(self.model.rows)

    def __repr__(self) -> str:
        # What a reader sees where widgets cannot render (a static view of the notebook):
        # the same state as the widget, in words.
        model = self.model
        lines = [f"Containers ($ {model.cli}):"]
        if model.rows:
            lines.append(render.table_text(("NAMES", "IMAGE", "STATUS", "PORTS"), model.rows))
        else:
            lines.append("No containers made by the tutorial yet.")
        if model.command:
            state = "running…" if model.busy else "failed" if model.error else "done"
            lines.append(f"Last action: $ {model.command} ({state})")
        if model.error is not None:
            lines.append(f"{model.error.title}: {model.error.message}")
            if not model.live and isinstance(model.error, errors.EngineUnavailable):
                lines.append("Live refresh stopped.")
        return "\n".join(lines)

    @property
    def engine(self) -> Engine | None:
        """The engine watched (None when the connection failed)."""
        return self._engine

    @property
    def threads(self) -> tuple[threading.Thread, ...]:
        """The background threads (event listener, refresher); for tests and debugging."""
        return self._watcher.threads if self._watcher is not None else ()

    @property
    def toggle(self) -> widgets.Checkbox:
        """The "show every container on this engine" checkbox (linked to :attr:`show_all`)."""
        return self._toggle

    @property
    def status_line(self) -> widgets.HTML:
        """Where each action's ``docker`` command, its outcome or its error is shown."""
        return self._status

    @property
    def logs_area(self) -> widgets.HTML:
        """Where the ``logs`` button shows a container's last lines."""
        return self._logs

    @property
    def table(self) -> widgets.VBox:
        """The table: one HBox per row (or a hint when there are none)."""
        return self._table

    def row_buttons(self, name: str) -> dict[str, widgets.Button]:
        """The ``stop``, ``kill``, ``remove`` and ``logs`` buttons of a container's row.

        Args:
            name: The container's name (or ID) as shown in the table.

        Raises:
            KeyError: No row shows that container.
        """
        with self._lock:
            for row in self.model.rows:
                if name in (first_name(row), row["CONTAINER ID"], row["id"]):
                    return dict(self._views[row["id"]].buttons)
        raise KeyError(f"No row for container {name!r}; shown: "
                       f"{[first_name(r) for r in self.model.rows]}")

    def refresh(self, within: float | None = None) -> list[dict[str, Any]]:
        """Ask the engine for the containers now and update the table.

        Args:
            within: Seconds the engine may take to answer (default: the client's timeout).

        Failures are shown in the widget, not raised; when the engine is gone
        the dashboard also stops refreshing. Does nothing once closed.

        Equivalent CLI: ``docker ps --all --filter label=org.docdocker.notebook``

        Returns:
            The rows now shown.
        """
        if self._closed or self._engine is None or self._recording is not None:
            return self.rows
        with self._lock:
            self._ticket += 1
            ticket = self._ticket
        rows: list[dict[str, Any]] = []
        failure: errors.DocDockerError | None = None
        try:
            rows = self._fetch(within)
        except errors.DocDockerError as err:
            failure = err
        with self._lock:
            # Refreshes run from the watcher thread and from the kernel's thread;
            # the newest one decides, whether it succeeded or failed: a slow fetch
            # that succeeded must not hide a newer failure, nor the reverse.
            if ticket < self._applied or self._closed:
                return self.rows
            self._applied = ticket
            if failure is not None:
                self._refresh_failed = True  # a later successful refresh clears the message
                self.model.error = failure
            else:
                self.refreshes += 1
                self.model.rows = rows
                recorder = recordings.recorder()
                if recorder is not None:  # the final state, for reading along
                    recorder.dashboard([row for row in rows if row["managed"]])
                if self._refresh_failed:
                    self._refresh_failed = False
                    self.model.error = None
        if isinstance(failure, errors.EngineUnavailable):
            self._stop_watching()
        elif (failure is None and self._want_live and not self.model.live
              and self._watcher is not None and not self._watcher.in_watcher()):
            # The engine is back (e.g. the learner restarted Docker, then clicked refresh).
            self._start_watching()
        return self.rows


    def stop(self, name: str) -> StepResult:
        """Stop a container the tutorial made (SIGTERM, then SIGKILL after 10 s).

        Equivalent CLI: ``docker stop NAME``

        Raises:
            docdocker.base.errors.DocDockerError: Not the tutorial's, not found, or the engine
                refused.
        """
        return self._act("stop", name)

    def kill(self, name: str) -> StepResult:
        """Kill a container the tutorial made (SIGKILL: exit code 137).

        Equivalent CLI: ``docker kill NAME``

        Raises:
            docdocker.base.errors.DocDockerError: Not the tutorial's, not running, or not found.
        """
        return self._act("kill", name)

    def remove(self, name: str) -> StepResult:
        """Remove a container the tutorial made, running or not.

        Equivalent CLI: ``docker rm --force NAME``

        Raises:
            docdocker.base.errors.DocDockerError: Not the tutorial's, or not found.
        """
        return self._act("remove", name)

    def logs(self, name: str) -> StepResult:
        """Show the last lines a container printed, inside the widget.

        Equivalent CLI: ``docker logs --tail 20 NAME``

        Raises:
            docdocker.base.errors.DocDockerError: Not the tutorial's, or not found.
        """
        return self._act("logs", name)

    def close(self) -> None:
        """Stop refreshing, close the event stream, and remove the widget from the page.

        Joins the background threads (with a timeout; they are daemons, so a
        finished kernel never waits for them) and closes every widget it made.
        """
        if not self._closed:
            self._closed = True
            self._stop_watching()
            with self._lock:
                views, self._views = list(self._views.values()), {}
            for view in views:
                view.close()
            close_below(self)
            self._shared.close()
            if getattr(self, "_owns_engine", False) and self._engine is not None:
                self._engine.close()
        super().close()

    # --------------------------------------------------------------- actions
    def _act(self, verb: str, name: str) -> StepResult:
        if self._actions is None or self._engine is None:
            err = self.model.error or errors.EngineUnavailable(
                "The dashboard has no connection to the Docker Engine.",
                fix="Create the dashboard again once `docker info` works.")
            raise err
        step = action_step(verb, name)
        with self.model.hold_trait_notifications():
            self.model.error = None
            self.model.command = step.cli
            self.model.busy = True
            if verb != "logs":
                # The lines shown came before this action: not the container's state now.
                self.model.logs_of = self.model.logs = self.model.logs_at = ""
        try:
            self._require_managed(name, step)
            result = self._actions.execute(step)
            if verb == "logs":
                with self.model.hold_trait_notifications():
                    self.model.logs_of = name
                    self.model.logs = result.output
                    self.model.logs_at = time.strftime("%H:%M:%S")
        except errors.DocDockerError as err:
            self.model.error = err
            raise
        finally:
            self.model.busy = False
            # Show the new state now rather than after the engine's events arrive.
            self.refresh()
        return result

    def _require_managed(self, name: str, step: s.Step) -> None:
        """Refuse containers the tutorial did not make (asks the engine, not the table)."""
        assert self._engine is not None
        try:
            info = self._engine.query(ContainerInspect(container=name)).value
        except errors.DocDockerError as err:
            # Said in the words of the action the learner asked for, not of the lookup.
            err.command = tuple(step.argv)
            raise
        labels = (info.get("Config") or {}).get("Labels") or {}
        if not owned_containers(self._engine, [info]):
            why = (f"its {LABEL} label was inherited from its image (one built FROM a "
                   "tutorial image, or a docker commit of a tutorial container)"
                   if LABEL in labels else f"it has no {LABEL} label")
            raise errors.StepFailed(
                f"Container {name} was not created by the tutorial ({why}), "
                "so docdocker will not touch it.",
                fix=f"If you really mean it, run the command yourself in a terminal: `{step.cli}`.",
                command=step.argv, exit_code=1,
            )

    def _on_action(self, verb: str, view: RowView) -> None:
        # A click must never freeze the kernel (a container that ignores SIGTERM keeps
        # `docker stop` waiting for its grace period): the action runs in a thread,
        # the buttons wait, and the status line says what is running.
        if self.model.busy:
            return
        self._worker = threading.Thread(target=self._act_quietly, args=(verb, view.name),
                                        name="docdocker-dashboard-action", daemon=True)
        self._worker.start()

    def _act_quietly(self, verb: str, name: str) -> None:
        # A button has nowhere to show a traceback: the error is already in the
        # model (and so in the status line); swallowing it here is the point.
        with suppress(errors.DocDockerError):
            self._act(verb, name)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for an action started by a click to finish; True when none is running."""
        worker = self._worker
        if worker is not None:
            worker.join(timeout)
        return not self.model.busy

    # --------------------------------------------------------------- watching
    def _fetch(self, within: float | None = None) -> list[dict[str, Any]]:
        assert self._engine is not None
        show_all = self.model.show_all
        try:
            # Quiet: engine.ps() would echo `docker ps` into the notebook on every refresh.
            listed = self._engine.query(ps_step(show_all), within=within).value
            committed = self._committed_images(within)
        except errors.EngineUnavailable as err:
            if self.refreshes or err.__cause__ is None:
                raise
            # Never reached yet: "cannot connect" says more than "lost the connection".
            first = friendly.translate_error(err.__cause__, None, self._engine.facts())
            raise (first or err) from err.__cause__
        return build_rows(listed, show_all=show_all, committed=committed)

    def _committed_images(self, within: float | None) -> set[str]:
        """Images made by ``docker commit`` of a tutorial container, asked at most every
        :data:`COMMITTED_SECONDS`: a second request on every refresh would slow the
        table, and the remove and stop buttons ask the engine again anyway."""
        engine = self._engine
        assert engine is not None
        now = time.monotonic()
        cached = self._committed
        if cached is not None and now - cached[0] < COMMITTED_SECONDS:
            return cached[1]
        with engine.translate(None):
            found = (engine.bounded(lambda: committed_images(engine), within)
                     if within is not None else committed_images(engine))
        self._committed = (now, found)
        return found

    def _on_show_all(self, change: Mapping[str, Any]) -> None:
        self._render_header()
        self.refresh()

    def _show_recorded(self, recording: recordings.Recording) -> None:
        """Show the rows recorded at the end of a real run, read-only, marked as recorded."""
        self.model.rows = [{**row, "managed": True, "recorded": True}
                           for row in recording.dashboard if row.get("id")]
        self._refresh_button.disabled = True
        self._toggle.disabled = True
        self._refresh_button.tooltip = recordings.needs_engine("Refresh")
        self._render_status()

    def _start_watching(self) -> None:
        if self._watcher is None:
            return
        self.model.live = True
        self._watcher.start()

    def _stop_watching(self) -> None:
        if self._watcher is not None:
            self._watcher.stop()
        self.model.live = False

    # ------------------------------------------------------------------ view
    def _build_view(self) -> None:
        self._toggle = widgets.Checkbox(description="show every container on this engine",
                                        indent=False, layout=widgets.Layout(width="auto"))
        traitlets.link((self._toggle, "value"), (self.model, "show_all"))
        self._refresh_button = widgets.Button(description="refresh", icon="refresh",
                                              tooltip="docker ps --all",
                                              layout=widgets.Layout(width="auto"))
        self._refresh_button.on_click(lambda _b: self.refresh())
        self._title = widgets.HTML("<b>Containers</b>")
        self._echo = widgets.HTML()
        self._note = widgets.HTML()
        # Laid out as a row is (the text, then the buttons' width), so the columns align.
        self._header = widgets.HBox([
            widgets.HTML(table_row({key: (escape(title), title) for key, title in COLUMNS},
                                    tag="th"), layout=self._shared.cells),
            widgets.HTML(layout=self._shared.spacer)], layout=self._shared.row)
        self._table = widgets.VBox()
        self._status = widgets.HTML()
        self._logs = widgets.HTML()
        toolbar = widgets.HBox([self._title, self._toggle, self._refresh_button],
                               layout=widgets.Layout(align_items="center"))
        self.children = (toolbar, self._echo, self._header, self._table, self._note,
                         self._status, self._logs)
        self.add_class("docdocker-dashboard")
        self._render_header()

    def _render_header(self) -> None:
        self._echo.value = render.command_html(self.model.cli)
        self._note.value = (f"<small>{escape(READ_ONLY_TIP)}</small>"
                            if self.model.show_all else "")

    def _render_table(self) -> None:
        """Build the table's children from ``model.rows``: the one place widgets are made."""
        with self._lock:
            if self._closed:
                return
            rows = self.model.rows
            seen = set()
            busy = self.model.command if self.model.busy else ""
            for row in rows:
                view = self._views.get(row["id"])
                if view is None:
                    view = self._views[row["id"]] = RowView(self._on_action, self._shared)
                view.update(row, busy)
                seen.add(row["id"])
            for gone in set(self._views) - seen:
                self._views.pop(gone).close()
            if rows:
                children = tuple(self._views[row["id"]].box for row in rows)
            else:
                children = (self._empty(),)
            if children != self._table.children:
                old = self._table.children
                self._table.children = children
                for w in old:
                    if getattr(w, "_docdocker_empty", False) and w not in children:
                        close_tree(w)

    def _empty(self) -> widgets.HTML:
        current = self._table.children
        if len(current) == 1 and getattr(current[0], "_docdocker_empty", False):
            return current[0]  # type: ignore[return-value]
        empty = widgets.HTML(
            "<i>No containers made by the tutorial yet. Run one in a notebook, e.g. "
            "<code>engine.run(\"nginx\", detach=True)</code>.</i>")
        empty._docdocker_empty = True  # type: ignore[attr-defined]
        return empty

    def _render_status(self) -> None:
        with self._lock:
            if self._closed:
                return
            model = self.model
            if self._recording is not None:
                self._status.value = render.status_html(None, (
                    "Recorded: the tutorial's containers at the end of a real run of this "
                    "notebook. Refresh, stop, kill, remove and logs need a Docker Engine; "
                    "run the tutorial where Docker runs to use them live.")
                ) + recordings.marker_html(self._recording)
                return
            parts = []
            if model.command:
                parts.append(render.command_html(model.command))
                if model.busy:
                    parts.append(render.status_html(
                        None, "running… (the notebook stays usable meanwhile)"))
                elif model.error is None:
                    parts.append(render.status_html(True, "done"))
            if model.error is not None:
                parts.append(render.error_html(model.error))
            if isinstance(model.error, errors.EngineUnavailable) and not model.live:
                parts.append(render.status_html(None, "Live refresh stopped."))
            self._status.value = "".join(parts)

    def _render_logs(self) -> None:
        with self._lock:
            if self._closed:
                return
            model = self.model
            if not model.logs_of:
                self._logs.value = ""
                return
            body = (render.output_html(model.logs.rstrip("\n")) if model.logs
                    else render.output_html("(no output)"))
            self._logs.value = (f"<div><b>Last {LOG_TAIL} lines of "
                                f"{escape(model.logs_of)}</b>, read at {escape(model.logs_at)} "
                                f"(<code>docker logs --tail {LOG_TAIL} "
                                f"{escape(model.logs_of)}</code>)</div>{body}")

