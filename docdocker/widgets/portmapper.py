"""PortMapper: choose the ports a container publishes, see its ``docker run`` line, run it.

The view: stock ipywidgets linked to a :class:`~docdocker.widgets.portmapper_model.PortMapperModel`,
which holds the rows and derives the ``-p`` flags, the ``docker run`` line and the
errors. The Run button hands :meth:`docdocker.core.engine.Engine.execute` the very
step the shown line was printed from; lookups (the image's EXPOSE ports, who
holds a port) go through :meth:`~docdocker.core.engine.Engine.query`.

Example::

    from docdocker.widgets import PortMapper

    pm = PortMapper(image="nginx", engine=engine)
    pm                      # the widget
    pm.cli                  # 'docker run -d -p 127.0.0.1:8080:80 --label ... nginx'
    pm.add_spec("127.0.0.1:8443:443")
    pm.run()                # or click Run

Equivalent CLI: ``docker run -d -p 127.0.0.1:8080:80 nginx``
"""

from __future__ import annotations

import shlex
import threading
import time
from collections.abc import Iterable
from typing import Any

import ipywidgets as widgets
from traitlets import Instance, link

from docdocker.base import render
from docdocker.base.errors import DocDockerError
from docdocker.concepts.images import ImageInspect, exposed_ports
from docdocker.concepts.run import Run
from docdocker.core.console import Console, in_notebook
from docdocker.core.engine import LOOKUP_SECONDS, Engine, StepResult
from docdocker.core.steps import LABEL
from docdocker.grammar import ports
from docdocker.grammar.ports import PortMapping
from docdocker.readalong import recordings
from docdocker.session.connect import connect
from docdocker.widgets.base import FullTextRepr, WidgetConsole, close_below, code
from docdocker.widgets.portmapper_model import (
    PortMapperModel,
    PortRow,
    everywhere_warning,
    is_own,
)
from docdocker.widgets.portmapper_rowview import RowView
from docdocker.widgets.watch import ContainerListing, EngineWatcher

__all__ = [
    "DEFAULT_NOTEBOOK",
    "PortMapper",
    "PortMapperModel",
    "PortRow",
    "everywhere_warning",
]

#: The notebook a PortMapper labels its containers with when no engine is given.
DEFAULT_NOTEBOOK = "01-containers"

# Reading EXPOSE without an engine passed in opens a short-lived connection; a dead
# DOCKER_HOST must not freeze the cell that merely shows the widget.
_PROBE_TIMEOUT = 5


def _probe_exposed(
    engine: Engine | None, image: str, notebook: str
) -> tuple[list[tuple[int, str]] | None, bool]:
    """The image's EXPOSE ports, asked quietly of the engine (or of a short-lived one).

    Equivalent CLI: ``docker image inspect --format '{{.Config.ExposedPorts}}' IMAGE``

    Returns:
        The ports (None: image not on this machine) and whether the engine answered.
    """
    probe = engine
    if probe is None:
        # No engine given: Run connects later; this lookup only reads, and fails
        # quietly (as on Binder, which has no engine).
        try:
            probe = connect(notebook, console=Console(), timeout=_PROBE_TIMEOUT)
        except DocDockerError:
            return None, False
    try:
        attrs = probe.query(ImageInspect(image=image), within=LOOKUP_SECONDS).value
    except DocDockerError:
        return None, False
    finally:
        if engine is None:
            probe.close()
    return (None if attrs is None else exposed_ports(attrs)), True


def _recorded_ports(recording: recordings.Recording, image: str,
                    name: str) -> list[tuple[int, str]]:
    """The container ports a recorded ``docker run`` of this image (and name) published.

    In read-along mode there is no image to inspect; the recorded run of the same
    step says which container ports it published.
    """
    for entry in recording.steps:
        words = shlex.split(entry.cli)
        if words[:2] != ["docker", "run"] or image not in words[2:]:
            continue
        if name and ("--name" not in words or words[words.index("--name") + 1] != name):
            continue
        specs = [words[i + 1] for i, word in enumerate(words[:-1]) if word in ("-p", "--publish")]
        try:
            found = [m for spec in specs for m in ports.parse(spec)]
        except DocDockerError:
            continue
        if found:
            return [(m.container_port, m.protocol) for m in found]
    return []


class PortMapper(FullTextRepr, widgets.VBox):
    """Publish a container's ports, row by row or as typed ``-p`` values, and run it.

    The rows start from the image's EXPOSE ports when the image is on this
    machine, each on a free host port of 127.0.0.1. Every edit is checked at
    once (grammar, 1-65535, duplicates, host ports already taken here) and the
    ``-p`` flags and the whole ``docker run`` line follow live; Run is disabled
    while anything is wrong, and executes exactly the step the line shows.

    Args:
        image: The image to run.
        engine: The engine to run on; None connects on the first Run with
            :func:`docdocker.connect` (silently: output stays in the widget).
        publish: Initial mappings (``-p`` values or PortMappings) instead of
            the image's EXPOSE ports; ``()`` starts with no rows.
        name: The container's name (``--name``); ``""`` lets Docker pick one.
        notebook: The label value when no engine is given.
        **kwargs: Passed to :class:`ipywidgets.VBox` (``layout``, ...).

    Raises:
        docdocker.base.errors.InvalidPortSpec: If a ``publish`` value does not parse.

    Equivalent CLI: ``docker run -d [--name NAME] -p 127.0.0.1:8080:80 --label ... IMAGE``
    """

    result = Instance(StepResult, allow_none=True,
                      help="What the last successful Run returned.")
    run_error = Instance(DocDockerError, allow_none=True,
                         help="Why the last Run failed, or None.")

    def __init__(
        self,
        image: str = "nginx",
        engine: Engine | None = None,
        *,
        publish: Iterable[PortMapping | str] | str | None = None,
        name: str = "",
        notebook: str = DEFAULT_NOTEBOOK,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.engine: Engine | None = None
        self.notebook = engine.notebook if engine is not None else notebook
        self._running = False
        self._worker: threading.Thread | None = None
        self._listing: ContainerListing | None = None
        self._watcher: EngineWatcher | None = None
        self._outcome = ""  # "refused", "failed" or "started": what the output shows
        self._outcome_text = ""
        self._row_views: dict[PortRow, RowView] = {}
        self.model = PortMapperModel(image=image, name=name, labels={LABEL: self.notebook})
        if engine is not None:
            self._attach(engine)

        self.note = widgets.HTML()
        if publish is not None:
            given = [publish] if isinstance(publish, (str, PortMapping)) else list(publish)
            found = [m for item in given for m in (
                [item] if isinstance(item, PortMapping) else ports.parse(item))]
            self.model.rows = [PortRow.from_mapping(m) for m in found]
        else:
            self._rows_from_expose()

        self._build()

    # ------------------------------------------------------------ set-up
    def _attach(self, engine: Engine) -> None:
        """Use ``engine`` from now on, and follow its changes to keep every message true."""
        self.engine = engine
        self._listing = ContainerListing(engine)
        self.model.holder = self._listing.port_holder
        self.model.name_taken = self._listing.name_taken
        self.model.labels = engine.labels
        self._watcher = EngineWatcher(engine, self._engine_changed)
        self._watcher.start()

    def _engine_changed(self) -> None:
        """A container appeared, changed or went away: check everything again."""
        if self._listing is not None:
            self._listing.reload()
        self.model.refresh()
        self._show_outcome()

    def _rows_from_expose(self) -> None:
        image = self.model.image
        recording = recordings.reading_along(self.engine)
        if recording is not None:
            recorded = _recorded_ports(recording, image, self.model.name)
            for port, protocol in recorded:
                self.model.add_row(container_port=port, protocol=protocol)
            if not recorded:
                self.model.add_row()
            self.note.value = render.status_html(None, (
                "Read-along mode: container ports from the recorded run of this step; "
                "host ports are free ports of this machine." if recorded else
                "Read-along mode: no engine to read the ports the image declares; type "
                "the port the program inside listens on."))
            return
        exposed, answered = _probe_exposed(self.engine, image, self.notebook)
        if exposed:
            for port, protocol in exposed:
                self.model.add_row(container_port=port, protocol=protocol)
            declared = ", ".join(f"{p}/{proto}" for p, proto in exposed)
            self.note.value = (
                f"Container ports from the image's EXPOSE ({code(declared)}); host ports "
                "are free ports of this machine. Change any of them."
            )
            return
        self.model.add_row()
        if not answered:
            text = (f"Cannot reach the Docker Engine to read the ports {image} declares: "
                    "type the container port yourself. Run connects (and says what is "
                    "wrong if it cannot).")
        elif exposed is None:
            text = (f"{image} is not on this machine yet, so the ports it declares (EXPOSE) "
                    "are unknown: type the port the program inside listens on (the image's "
                    "documentation says). Run pulls the image first.")
        else:
            text = (f"{image} declares no ports (no EXPOSE): type the port the program "
                    "inside listens on.")
        self.note.value = render.status_html(None, text)

    def _build(self) -> None:
        model = self.model
        self.title = widgets.HTML(
            f"<b>Publish ports of {code(model.image)}</b> &nbsp;"
            "<span style='color: var(--jp-ui-font-color2, #888)'>"
            "host address : host port &rarr; container port / protocol</span>"
        )
        self.rows_box = widgets.VBox()
        self.add_row_button = widgets.Button(
            description="Add a port", icon="plus", tooltip="Add a mapping row",
        )
        self.check_button = widgets.Button(
            description="Check again", icon="refresh",
            tooltip="Check again which host ports are free on this machine",
        )
        self.spec_box = widgets.Text(
            description="-p", placeholder="127.0.0.1:8080:80",
            tooltip="A -p value, as for docker run; Enter adds it",
            layout=widgets.Layout(width="24em"),
        )
        self.add_button = widgets.Button(description="Add", tooltip="Add this -p value")
        self.spec_message = widgets.HTML()
        self.name_box = widgets.Text(
            description="--name", placeholder="optional, e.g. web",
            layout=widgets.Layout(width="24em"),
        )
        self.use_name = widgets.Button(button_style="info",
                                       layout=widgets.Layout(display="none"))
        self.message = widgets.HTML()
        self.flags_html = widgets.HTML()
        self.cli_html = widgets.HTML()
        self.run_button = widgets.Button(
            description="Run", icon="play", button_style="primary",
        )
        self.output = widgets.HTML()

        link((model, "spec"), (self.spec_box, "value"))
        link((model, "name"), (self.name_box, "value"))
        self.add_row_button.on_click(lambda _: self.add_row())
        self.check_button.on_click(lambda _: self.refresh())
        self.add_button.on_click(lambda _: self.add_spec())
        # Text.on_submit is deprecated in ipywidgets 8, and continuous_update=False
        # would stop the live check; the frontend still sends this message on Enter.
        self.spec_box.on_msg(self._spec_message)
        self.use_name.on_click(lambda _: self._use_name())
        # A click must not freeze the kernel (a pull, a slow engine): Run works in a thread.
        self.run_button.on_click(lambda _: self._run_in_background())
        model.observe(self._rows_changed, names="rows")
        model.observe(self._show_state, names=[
            "cli", "flags", "problems", "spec_problem", "spec_hint", "valid", "name_suggestion",
        ])

        self.children = [
            self.title,
            self.note,
            self.rows_box,
            widgets.HBox([self.add_row_button, self.check_button]),
            widgets.HBox([self.spec_box, self.add_button]),
            self.spec_message,
            widgets.HBox([self.name_box, self.use_name]),
            self.flags_html,
            self.cli_html,
            self.message,
            self.run_button,
            self.output,
        ]
        self._rows_changed()
        self._show_state()

    # ------------------------------------------------------------ view updates
    def _rows_changed(self, change: Any = None) -> None:
        views: dict[PortRow, RowView] = {}
        for row in self.model.rows:
            view = self._row_views.pop(row, None)
            views[row] = view or RowView(row, self._remove_clicked)
        for stale in self._row_views.values():
            stale.close()
        self._row_views = views
        self.rows_box.children = [view.box for view in views.values()]

    def _remove_clicked(self, row: PortRow) -> None:
        for index, candidate in enumerate(self.model.rows):
            if candidate is row:
                self.remove_row(index)
                return

    def _spec_message(self, _widget: Any, content: dict[str, Any], _buffers: Any) -> None:
        if content.get("event") == "submit":
            self.add_spec()

    def _show_state(self, change: Any = None) -> None:
        model = self.model
        if model.spec_problem is not None:
            self.spec_message.value = render.error_html(model.spec_problem)
        elif model.spec_hint:
            self.spec_message.value = render.status_html(None, model.spec_hint)
        else:
            self.spec_message.value = ""
        general = [err for where, err in model.problems
                   if where in ("Image", "Container name", "Ports")]
        self.message.value = "".join(_problem_html(err) for err in general)
        self.flags_html.value = f"<div>Port flags: {code(model.flags or '(none)')}</div>"
        self.cli_html.value = render.command_html(model.cli)
        if model.name_suggestion:
            self.use_name.description = f"use {model.name_suggestion}"
            self.use_name.tooltip = f"Name the container {model.name_suggestion} instead"
            self.use_name.layout.display = None
        else:
            self.use_name.layout.display = "none"
        self.run_button.disabled = self._running or not model.valid
        started = self._outcome == "started"
        if self._running:
            self.run_button.description = "Running…"
            self.run_button.tooltip = "Wait for this run to finish"
        elif model.valid:
            self.run_button.description = "Run another" if started else "Run"
            self.run_button.tooltip = model.cli
        else:
            self.run_button.description = "Run"
            self.run_button.tooltip = (
                f"{self._outcome_text} To run another container, use the suggested name "
                "and host ports above." if started else "Fix the errors above to enable Run")
        if recordings.reading_along(self.engine) is not None:
            # Read-along mode: the line is still checked and shown, but nothing can run.
            self.run_button.disabled = True
            self.run_button.tooltip = recordings.needs_engine("Run")
            self.message.value += render.status_html(None, recordings.needs_engine("Run"))
        if self._outcome == "refused" and model.valid:
            # "Nothing was run: fix the errors" is no longer true once they are fixed.
            self._set_outcome("", "", "")

    def _use_name(self) -> None:
        if self.model.name_suggestion:
            self.model.name = self.model.name_suggestion

    def _set_outcome(self, kind: str, text: str, html: str) -> None:
        self._outcome, self._outcome_text = kind, text
        self.output.value = html

    def _show_outcome(self) -> None:
        """Keep a success message no longer than its container."""
        result, listing = self.result, self._listing
        if self._outcome != "started" or result is None or listing is None:
            return
        if result.container is not None and not listing.has(result.container.id):
            text = f"{self._outcome_text} It has been removed since."
            self._set_outcome("removed", text, render.status_html(None, text))
            self._show_state()

    # ------------------------------------------------------------ public API
    @property
    def image(self) -> str:
        """The image to run."""
        return self.model.image

    @property
    def rows(self) -> list[PortRow]:
        """The mapping rows, in order."""
        return list(self.model.rows)

    @property
    def mappings(self) -> list[PortMapping]:
        """Every row that parses, in order (rows with errors in their text left out)."""
        return list(self.model.mappings)

    @property
    def flags(self) -> str:
        """The ``-p`` flags, e.g. ``-p 127.0.0.1:8080:80``."""
        return self.model.flags

    @property
    def cli(self) -> str:
        """The whole ``docker run`` line, labels included: exactly what Run echoes."""
        return self.model.cli

    def __repr__(self) -> str:
        # What a reader sees where widgets cannot render (a static view of the notebook):
        # the same state as the widget, in words.
        lines = [f"Port mapper for {self.model.image}:", f"$ {self.cli}"]
        if self.model.error:
            lines.append(self.model.error)
        if self._outcome_text:
            lines.append(self._outcome_text)
        return "\n".join(lines)

    @property
    def step(self) -> Run:
        """The :class:`~docdocker.concepts.run.Run` step that :attr:`cli` shows and Run
        executes."""
        return self.model.step

    @property
    def sdk_ports(self) -> ports.SdkPorts:
        """The ``ports=`` argument of ``client.containers.run`` (via :func:`ports.to_sdk`)."""
        return self.model.sdk_ports

    @property
    def error(self) -> str:
        """Every problem, one ``Where: message`` per line with its fix; ``""`` when valid."""
        return self.model.error

    def add_row(self, *args: Any, **kwargs: Any) -> PortRow:
        """Add one mapping row; takes the arguments of :meth:`PortMapperModel.add_row`.

        Equivalent CLI: ``-p HOST_IP:HOST_PORT:CONTAINER_PORT/PROTOCOL``
        """
        return self.model.add_row(*args, **kwargs)

    def add_spec(self, spec: str | None = None) -> list[PortMapping]:
        """Add the rows a ``-p`` value yields; see :meth:`PortMapperModel.add_spec`.

        Equivalent CLI: ``docker run -p SPEC ...``
        """
        return self.model.add_spec(spec)

    def remove_row(self, index: int) -> PortRow:
        """Remove the row at ``index`` (0-based) and return it.

        Equivalent CLI: leaving that ``-p`` flag out.
        """
        return self.model.remove_row(index)

    def refresh(self) -> None:
        """Check again which host ports are free (after stopping a container, say).

        Equivalent CLI: ``docker ps`` and ``ss -ltun`` (what holds ports)
        """
        if self._listing is not None:
            self._listing.reload()
        self.model.refresh()
        self._show_outcome()

    def run(self) -> StepResult | None:
        """Run the ``docker run`` line shown, if the mappings have no errors.

        The echo, then links to the published tcp ports, or the engine's
        refusal as a friendly message, appear in the widget (and, called from
        a cell, in that cell's output too); the rows stay as they are either
        way. Run trusts the last check: a port taken since then makes the
        engine refuse, and that is shown as ``PortAllocated``. Once a container
        is started, its name and host ports are taken: the widget says so and
        offers free ones for the next run.

        Equivalent CLI: :attr:`cli`, e.g.
        ``docker run -d -p 127.0.0.1:8080:80 --label org.docdocker.notebook=01-containers nginx``

        Returns:
            The :class:`~docdocker.core.engine.StepResult`, or None when nothing
            ran or the engine refused (:attr:`run_error` then holds why).
        """
        result = self._run()
        if in_notebook():
            from IPython.display import display

            display(_Outcome(self.output.value, self._outcome_text))
        return result

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for a Run started by a click to finish; True when none is running."""
        worker = self._worker
        if worker is not None:
            worker.join(timeout)
        return not self._running

    def close(self) -> None:
        """Stop following the engine and close every widget of the mapper."""
        if self._watcher is not None:
            self._watcher.stop()
        for view in self._row_views.values():
            view.close()
        self._row_views = {}
        close_below(self)
        super().close()

    def _run_in_background(self) -> None:
        if self._running:
            return
        self._worker = threading.Thread(target=self._run, name="docdocker-portmapper-run",
                                        daemon=True)
        self._worker.start()

    def _run(self) -> StepResult | None:
        if self._running:
            return None
        if not self.model.valid and self.result is not None and all(
                is_own(err) for _, err in self.model.problems):
            # Run pressed (or run() called) again for the container it just started.
            text = (f"{self._outcome_text} Nothing new was run: to run another container, "
                    "use the suggested name and host ports above.")
            self._set_outcome("started", self._outcome_text,
                              self.output.value or render.status_html(True, text))
            return self.result
        if not self.model.valid:
            text = "Nothing was run: fix the errors above first."
            self._set_outcome("refused", text, render.status_html(False, text))
            return None
        self._running = True
        self._show_state()
        console = WidgetConsole(self.output)
        console.end(render.status_html(None, "Running… (the notebook stays usable)"))
        step = self.model.step
        try:
            engine = self._connect()
            result = engine.using(console).execute(step)
        except DocDockerError as err:
            self.result, self.run_error = None, err
            console.end(render.error_html(err))
            self._outcome, self._outcome_text = "failed", f"{err.title}: {err.message}"
            return None
        finally:
            self._running = False
            # The run (or the refusal) is news about names and ports: check again now,
            # before the engine's events arrive.
            self.refresh()
            self._show_state()
        self.result, self.run_error = result, None
        who = step.name or (result.container.id[:12] if result.container is not None else "")
        opened = ", ".join(render.link_html(one) for one in result.links)
        text = f"Started container {who} at {time.strftime('%H:%M:%S')}."
        recording = recordings.reading_along(engine)
        if recording is not None:
            text = f"Recorded run: started container {who} ({recording.stamp})."
        console.end(render.status_html(True, text)
                    + (f"<div>Open: {opened}</div>" if opened else ""))
        self._outcome, self._outcome_text = "started", text
        if result.container is not None:
            # What the new container holds is news, not a conflict: said as such.
            self.model.own_container = step.name or str(getattr(result.container, "name", ""))
            self.refresh()
        self._show_state()
        return result

    def _connect(self) -> Engine:
        if self.engine is None:
            self._attach(connect(self.notebook, console=Console()))
        assert self.engine is not None
        return self.engine


class _Outcome:
    """How a Run from a cell ended, shown in that cell (HTML, and plain text elsewhere)."""

    def __init__(self, html: str, text: str) -> None:
        self.html, self.text = html, text

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return self.text


def _problem_html(err: DocDockerError) -> str:
    """An error box, or a plain note when the mapper's own container is the "conflict"."""
    if is_own(err):
        text = f"{err.message} {err.fix or ''}".strip()
        return f"<div>{render.status_html(None, text)}</div>"
    return render.error_html(err)
