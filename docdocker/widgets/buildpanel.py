"""BuildPanel: edit a Dockerfile, name the image, press Build, watch the log.

The view of :class:`~docdocker.widgets.buildpanel_model.BuildPanelModel`: a
text area holding the Dockerfile (prefilled from the folder), a tag field
checked as you type, the exact ``docker build`` line, a Build button, the log
streamed inside the widget, and the result (image ID, size, layers) or the
friendly error. Build saves the text area to the Dockerfile first, as an editor
would, so the echoed command works as typed in a terminal.

Equivalent CLI: ``docker build -t TAG FOLDER``
"""

from __future__ import annotations

import time
from html import escape
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
from traitlets import link

from docdocker.base import errors, render
from docdocker.concepts.buildlog import BuildLog
from docdocker.concepts.images import ImageInspect
from docdocker.core.console import Console
from docdocker.readalong import recordings
from docdocker.widgets.base import FullTextRepr, unlink_and_close_children
from docdocker.widgets.buildpanel_model import BuildPanelModel, read_dockerfile

if TYPE_CHECKING:
    from docdocker.core.engine import Engine, StepResult
    from docdocker.core.progress import Progress

__all__ = ["BuildPanel"]

_STYLE = (
    "<style>.docdocker-buildpanel textarea {font-family: var(--jp-code-font-family, "
    "monospace); font-size: 0.9em;}</style>"
)


#: The model traits the view redraws on.
_SHOWN = ["tag_error", "cli", "state", "status", "log", "result", "error", "can_build"]


class _PanelConsole(Console):
    """Feeds the build's progress to the model instead of the cell's output."""

    #: Redraw at most this often (seconds); the final state is always drawn.
    interval = 0.1

    def __init__(self, model: BuildPanelModel) -> None:
        self.model = model
        self._last = 0.0

    def progress(self, progress: Progress, *, final: bool = False) -> None:
        now = time.monotonic()
        if isinstance(progress, BuildLog) and (final or now - self._last >= self.interval):
            self._last = now
            self.model.progressed(progress)


class BuildPanel(FullTextRepr, widgets.VBox):
    """Build an image from a folder, with its Dockerfile editable in place.

    Equivalent CLI: ``docker build -t TAG [-f DOCKERFILE] FOLDER``

    Args:
        folder: The build context; its ``Dockerfile`` fills the text area.
        tag: The image name to start with.
        engine: The engine that builds (echoes go into the panel, not the cell).
        dockerfile: Save the edited Dockerfile here instead of ``FOLDER/Dockerfile``
            (then the command carries ``-f``).
        **kwargs: Passed to :class:`ipywidgets.VBox`.
    """

    def __init__(self, folder: str, *, tag: str = "", engine: Engine,
                 dockerfile: str | None = None, **kwargs: Any) -> None:
        # Checked before any widget exists: a refused panel leaves no half-made widget
        # behind (its clean-up would fail when it is garbage-collected).
        text = read_dockerfile(folder, dockerfile, tag)
        self.engine = engine
        self.model = BuildPanelModel(folder=folder, dockerfile=text, tag=tag,
                                     dockerfile_path=dockerfile or "",
                                     labels=dict(engine.labels))
        self._error: errors.DocDockerError | None = None

        self.title = widgets.HTML()
        self.editor = widgets.Textarea(layout=widgets.Layout(width="100%", height="16em"))
        self.tag_box = widgets.Text(description="Tag", continuous_update=True,
                                    placeholder="friendlyhello:v2",
                                    layout=widgets.Layout(width="28em"))
        self.tag_message = widgets.HTML()
        self.command = widgets.HTML()
        self.build_button = widgets.Button(description="Build", icon="hammer",
                                           button_style="primary")
        self.log_view = widgets.HTML()
        self.outcome = widgets.HTML()
        self._links = [link((self.model, "dockerfile"), (self.editor, "value")),
                       link((self.model, "tag"), (self.tag_box, "value"))]
        self.build_button.on_click(lambda _: self.build())
        self.model.observe(self._show, names=_SHOWN)
        super().__init__(children=[
            widgets.HTML(_STYLE), self.title, self.editor,
            widgets.HBox([self.tag_box, self.build_button]), self.tag_message,
            self.command, self.log_view, self.outcome,
        ], **kwargs)
        self.add_class("docdocker-buildpanel")
        self._show()

    # ------------------------------------------------------------------ action
    def build(self) -> StepResult | None:
        """Save the Dockerfile, build it, and show the log and the result (what Build does).

        Returns:
            The build's result, or None when it failed (the panel shows why).
        """
        model = self.model
        if not model.can_build or recordings.reading_along(self.engine) is not None:
            return None  # read-along mode: the panel says Build needs an engine
        self._error = None
        model.started()
        result = None
        try:
            self._save()
            result = self.engine.using(_PanelConsole(model)).execute(model.step)
            attrs = self.engine.query(ImageInspect(image=str(result.value))).value
            model.built(attrs or {})
        except errors.DocDockerError as err:
            self._error = err
            model.failed(err)
        finally:
            if model.state == "building":
                # Anything else (an interrupt, a bug): the panel must not stay on
                # "Building..." with its button off.
                model.failed(errors.DocDockerError(
                    "The build was interrupted before it ended.",
                    fix="Press Build again.", command=model.step.argv))
        return result

    def _save(self) -> None:
        path = self.model.path
        text = self.model.dockerfile.encode("utf-8")
        try:
            with open(path, "rb") as f:
                if f.read() == text:
                    return
        except FileNotFoundError:
            pass
        except OSError as err:
            raise errors.InvalidPath(
                f"Cannot read the Dockerfile {path!r:.100}: {err.strerror}.",
                fix="Give the panel a folder you may write to (a copy of the app).",
                command=self.model.step.argv) from err
        try:
            with open(path, "wb") as f:
                f.write(text)
        except OSError as err:
            raise errors.DocDockerError(
                f"Cannot save the Dockerfile to {path!r:.100}: {err.strerror}.",
                fix="Give the panel a folder you may write to (a copy of the app).",
                command=self.model.step.argv) from err

    # -------------------------------------------------------------------- view
    def _show(self, change: Any = None) -> None:
        m = self.model
        self.title.value = (f"<b>Dockerfile</b> in {render.prose_html(f'`{m.path}`')} "
                            "(Build saves it first)")
        self.tag_message.value = (
            f'<span style="color: var(--jp-error-color1, #d32f2f);">'
            f"{render.prose_html(m.tag_error)}</span>" if m.tag_error else "")
        self.command.value = render.command_html(m.cli)
        self.build_button.disabled = not m.can_build
        self.build_button.description = "Building..." if m.state == "building" else "Build"
        if m.log or m.state == "building":
            self.log_view.value = (
                f'<div class="docdocker-build-status">{escape(m.status)}</div>'
                + render.output_html(m.log))
        else:
            self.log_view.value = ""
        if m.result:
            r = m.result
            self.outcome.value = render.status_html(
                True, f"Built {r['tag']}: image ID {r['id']}, {r['size']}, "
                      f"{r['layers']} layers.")
        elif m.error and self._error is not None:
            self.outcome.value = render.error_html(self._error)
        else:
            self.outcome.value = ""
        if recordings.reading_along(self.engine) is not None:
            self.build_button.disabled = True
            self.build_button.tooltip = recordings.needs_engine("Build")
            self.outcome.value = render.status_html(None, recordings.needs_engine("Build"))

    def close(self) -> None:
        """Close the panel and every widget in it."""
        if "_links" in self.__dict__:
            unlink_and_close_children(self, self._links, self.model, self._show, _SHOWN)
        super().close()

    def __repr__(self) -> str:
        return self.model.summary()
