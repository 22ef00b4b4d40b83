"""PortMapper: choose the ports a container publishes, see its ``docker run`` line, run it.

The view: stock ipywidgets linked to a :class:`~docdocker.widgets.portmapper_model.PortMapperModel`,
which holds the rows and derives the ``-p`` flags, the ``docker run`` line and the
errors. The Run button hands :meth:`docdocker.engine.Engine.execute` the very
step the shown line was printed from; lookups (the image's EXPOSE ports, who
holds a port) go through :meth:`~docdocker.engine.Engine.query`.

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

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import ipywidgets as widgets
from traitlets import Instance, link

from docdocker import ports, render
from docdocker.console import Console
from docdocker.containers import Run
from docdocker.engine import Engine, StepResult
from docdocker.errors import DocDockerError
from docdocker.images import ImageInspect, exposed_ports
from docdocker.ports import PROTOCOLS, PortMapping
from docdocker.steps import LABEL
from docdocker.tutorial import connect
from docdocker.widgets.base import FullTextRepr, WidgetConsole, close_tree, code
from docdocker.widgets.portmapper_model import (
    EVERYWHERE,
    LOCALHOST,
    HolderLookup,
    PortMapperModel,
    PortRow,
    everywhere_warning,
)

__all__ = [
    "DEFAULT_NOTEBOOK",
    "PortMapper",
    "PortMapperModel",
    "PortRow",
    "everywhere_warning",
]

#: The notebook a PortMapper labels its containers with when no engine is given.
DEFAULT_NOTEBOOK = "01-containers"

# Dropdown values that are not addresses themselves.
_NO_ADDRESS = "<none>"
_CUSTOM = "<custom>"
_ADDRESS_CHOICES = (
    ("127.0.0.1 (this machine only)", LOCALHOST),
    ("0.0.0.0 (every interface)", EVERYWHERE),
    ("no address (Docker's default: every interface)", _NO_ADDRESS),
    ("other address…", _CUSTOM),
)

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
        attrs = probe.query(ImageInspect(image=image)).value
    except DocDockerError:
        return None, False
    finally:
        if engine is None:
            probe.close()
    return (None if attrs is None else exposed_ports(attrs)), True


# ---------------------------------------------------------------- the view
class _RowView:
    """The widgets of one row, kept in step with its :class:`PortRow` both ways."""

    def __init__(self, row: PortRow, on_remove: Callable[[PortRow], None]) -> None:
        self.row = row
        self._syncing = False
        self.address = widgets.Dropdown(
            options=_ADDRESS_CHOICES, layout=widgets.Layout(width="19em"),
            tooltip="The host address to listen on",
        )
        self.custom = widgets.Text(
            placeholder="e.g. 192.168.1.10", layout=widgets.Layout(width="11em"),
        )
        self.host_port = widgets.Text(
            placeholder="engine picks", layout=widgets.Layout(width="8em"),
            tooltip="Host port (empty: the engine picks one)",
        )
        self.container_port = widgets.Text(
            placeholder="e.g. 80", layout=widgets.Layout(width="6em"), tooltip="Container port",
        )
        self.protocol = widgets.Dropdown(options=PROTOCOLS, layout=widgets.Layout(width="6em"))
        self.remove = widgets.Button(
            icon="times", tooltip="Remove this mapping", layout=widgets.Layout(width="2.6em"),
        )
        self.message = widgets.HTML()
        self.use = widgets.Button(button_style="info", layout=widgets.Layout(display="none"))
        colon = widgets.HTML("<b>:</b>")
        arrow = widgets.HTML("&rarr;")
        self.box = widgets.VBox([
            widgets.HBox([self.address, self.custom, colon, self.host_port, arrow,
                          self.container_port, self.protocol, self.remove]),
            widgets.HBox([self.message, self.use]),
        ])
        # traitlets.link, not jslink: the model lives in the kernel.
        self._links = [
            link((row, "host_port"), (self.host_port, "value")),
            link((row, "container_port"), (self.container_port, "value")),
            link((row, "protocol"), (self.protocol, "value")),
        ]
        self._address_from_row()
        self.address.observe(self._address_chosen, names="value")
        self.custom.observe(self._custom_typed, names="value")
        row.observe(self._address_from_row, names="host_ip")
        row.observe(self._derived_changed, names=["problem", "warning", "suggestion"])
        self.remove.on_click(lambda _: on_remove(row))
        self.use.on_click(self._use_suggestion)
        self._derived_changed()

    @contextmanager
    def _sync(self) -> Iterator[None]:
        self._syncing = True
        try:
            yield
        finally:
            self._syncing = False

    def _show_custom(self) -> None:
        self.custom.layout.display = None if self.address.value == _CUSTOM else "none"

    def _address_chosen(self, change: Any) -> None:
        self._show_custom()
        if self._syncing:
            return
        with self._sync():
            choice = change["new"]
            if choice == _NO_ADDRESS:
                self.row.host_ip = None
            elif choice == _CUSTOM:
                self.row.host_ip = self.custom.value
            else:
                self.row.host_ip = choice

    def _custom_typed(self, change: Any) -> None:
        if self._syncing or self.address.value != _CUSTOM:
            return
        with self._sync():
            self.row.host_ip = change["new"]

    def _address_from_row(self, change: Any = None) -> None:
        if self._syncing:
            return
        ip = self.row.host_ip
        with self._sync():
            if ip is None:
                self.address.value = _NO_ADDRESS
            elif ip in (LOCALHOST, EVERYWHERE):
                self.address.value = ip
            else:
                self.address.value = _CUSTOM
                self.custom.value = ip
        self._show_custom()

    def _derived_changed(self, change: Any = None) -> None:
        row = self.row
        parts = []
        if row.problem is not None:
            parts.append(render.error_html(row.problem))
        if row.warning:
            parts.append(f"<div>{render.status_html(None, row.warning)}</div>")
        self.message.value = "".join(parts)
        if row.suggestion is None:
            self.use.layout.display = "none"
        else:
            self.use.description = f"use {row.suggestion}"
            self.use.tooltip = f"Publish on host port {row.suggestion} instead"
            self.use.layout.display = None

    def _use_suggestion(self, _: Any = None) -> None:
        if self.row.suggestion is not None:
            self.row.host_port = str(self.row.suggestion)

    def close(self) -> None:
        for one in self._links:
            one.unlink()
        self.row.unobserve(self._address_from_row, names="host_ip")
        self.row.unobserve(self._derived_changed, names=["problem", "warning", "suggestion"])
        close_tree(self.box)



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
        docdocker.errors.InvalidPortSpec: If a ``publish`` value does not parse.

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
        self.engine = engine
        self.notebook = engine.notebook if engine is not None else notebook
        self._running = False
        self._row_views: dict[PortRow, _RowView] = {}
        labels = engine.labels if engine is not None else {LABEL: self.notebook}
        holder = self._holder_lookup()
        self.model = PortMapperModel(image=image, name=name, labels=labels, holder=holder)

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
    def _holder_lookup(self) -> HolderLookup | None:
        engine = self.engine
        return getattr(engine, "port_holder", None) if engine is not None else None

    def _rows_from_expose(self) -> None:
        image = self.model.image
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
        self.run_button.on_click(lambda _: self.run())
        model.observe(self._rows_changed, names="rows")
        model.observe(self._show_state, names=[
            "cli", "flags", "problems", "spec_problem", "spec_hint", "valid",
        ])

        self.children = [
            self.title,
            self.note,
            self.rows_box,
            widgets.HBox([self.add_row_button, self.check_button]),
            widgets.HBox([self.spec_box, self.add_button]),
            self.spec_message,
            self.name_box,
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
        views: dict[PortRow, _RowView] = {}
        for row in self.model.rows:
            view = self._row_views.pop(row, None)
            views[row] = view or _RowView(row, self._remove_clicked)
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
        self.message.value = "".join(render.error_html(err) for err in general)
        self.flags_html.value = f"<div>Port flags: {code(model.flags or '(none)')}</div>"
        self.cli_html.value = render.command_html(model.cli)
        self.run_button.disabled = self._running or not model.valid
        self.run_button.tooltip = (model.cli if model.valid
                                   else "Fix the errors above to enable Run")

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
        # What a reader sees where widgets cannot render (a static view of the notebook).
        return f"Port mapper for {self.model.image}:\n$ {self.cli}"

    @property
    def step(self) -> Run:
        """The :class:`~docdocker.containers.Run` step that :attr:`cli` shows and Run executes."""
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
        self.model.refresh()

    def run(self) -> StepResult | None:
        """Run the ``docker run`` line shown, if the mappings have no errors.

        The echo, then links to the published tcp ports, or the engine's
        refusal as a friendly message, appear in the widget; the rows stay as
        they are either way. Run trusts the last check: a port taken since then
        makes the engine refuse, and that is shown as ``PortAllocated``.

        Equivalent CLI: :attr:`cli`, e.g.
        ``docker run -d -p 127.0.0.1:8080:80 --label org.docdocker.notebook=01-containers nginx``

        Returns:
            The :class:`~docdocker.engine.StepResult`, or None when nothing
            ran or the engine refused (:attr:`run_error` then holds why).
        """
        if self._running:
            return None
        if not self.model.valid:
            self.output.value = render.status_html(
                False, "Nothing was run: fix the errors above first.")
            return None
        self._running = True
        self.run_button.disabled = True
        console = WidgetConsole(self.output)
        console.end(render.status_html(None, "Running…"))
        try:
            engine = self._connect()
            step = self.model.step
            result = engine.using(console).execute(step)
        except DocDockerError as err:
            self.result, self.run_error = None, err
            console.end(render.error_html(err))
            # The refusal may be news about a port: show it on the rows too.
            self.model.refresh()
            return None
        finally:
            self._running = False
            self._show_state()
        self.result, self.run_error = result, None
        who = step.name or (result.container.id[:12] if result.container is not None else "")
        opened = ", ".join(render.link_html(one) for one in result.links)
        console.end(
            render.status_html(True, f"Started container {who}.")
            + (f"<div>Open: {opened}</div>" if opened else "")
        )
        return result

    def _connect(self) -> Engine:
        if self.engine is None:
            self.engine = connect(self.notebook, console=Console())
            self.model.labels = self.engine.labels
            self.model.holder = self._holder_lookup()
        return self.engine

