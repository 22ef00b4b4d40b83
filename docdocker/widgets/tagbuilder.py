"""TagBuilder: give an image a registry name part by part, see the commands, tag and push it.

The view of :class:`~docdocker.widgets.tagbuilder_model.TagBuilderModel`: a
source image (a dropdown of local images, or typed), the target as four parts
(registry, namespace, repository, tag) and as one line, kept in sync both ways;
each invalid part's own message as you type; a preview of the full and the
normalized reference and of the ``docker tag`` and ``docker push`` lines; Apply
and Push buttons whose echo, per-layer progress, result or friendly error show
inside the widget.

Example::

    from docdocker.widgets import TagBuilder
    tb = TagBuilder(engine=engine, source="friendlyhello",
                    target="localhost:5000/elliot/friendlyhello:1.0")
    tb              # the widget
    tb.apply()      # or click Apply: docker tag ...
    tb.push()       # or click Push:  docker push ...

Equivalent CLI: ``docker tag SOURCE_IMAGE TARGET_IMAGE`` then ``docker push TARGET_IMAGE``
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
from traitlets import link

from docdocker.base import errors, render
from docdocker.concepts.images import ImageInspect, Images
from docdocker.core.engine import LOOKUP_SECONDS
from docdocker.core.progress import Progress
from docdocker.readalong import recordings
from docdocker.widgets.base import (
    FullTextRepr,
    WidgetConsole,
    unlink_and_close_children,
)
from docdocker.widgets.tagbuilder_model import PARTS, TagBuilderModel

if TYPE_CHECKING:
    from docdocker.core.engine import Engine, StepResult

__all__ = ["TagBuilder"]

_PLACEHOLDERS = {"registry": "localhost:5000", "namespace": "elliot",
                 "repository": "experiments", "tag": "1.0"}
_SHOWN = ["revision"]
_ERROR = '<div style="color: var(--jp-error-color1, #d32f2f);">{}</div>'


class _PushConsole(WidgetConsole):
    """The widget's console, also feeding each layer's status to the model."""

    def __init__(self, out: widgets.HTML, model: TagBuilderModel) -> None:
        super().__init__(out)
        self.model = model

    def progress(self, progress: Progress, *, final: bool = False) -> None:
        super().progress(progress, final=final)
        self.model.progressed({layer.id: layer.status for layer in progress.layers.values()})


class TagBuilder(FullTextRepr, widgets.VBox):
    """Build a target name for an image, tag it and push it, inside one widget.

    Equivalent CLI: ``docker tag SOURCE_IMAGE TARGET_IMAGE`` then ``docker push TARGET_IMAGE``

    Args:
        engine: The engine that runs ``docker tag`` and ``docker push`` (echoes go into
            the widget, not the cell).
        source: The image to start with.
        target: The target to start with, whole (it fills the parts).
        **kwargs: Passed to :class:`ipywidgets.VBox`.
    """

    def __init__(self, *, engine: Engine, source: str = "", target: str = "",
                 **kwargs: Any) -> None:
        self.engine = engine
        self._error: errors.DocDockerError | None = None
        self.model = TagBuilderModel(source=source, target=target,
                                     sources=self._local_images())

        self.source_box = widgets.Combobox(
            description="Source", options=tuple(self.model.sources), ensure_option=False,
            placeholder="an image from docker images", continuous_update=True,
            layout=widgets.Layout(width="30em"))
        self.part_boxes = {
            part: widgets.Text(description=part.capitalize(), placeholder=_PLACEHOLDERS[part],
                               continuous_update=True, layout=widgets.Layout(width="18em"))
            for part in PARTS
        }
        self.target_box = widgets.Text(description="Target", continuous_update=True,
                                       placeholder="localhost:5000/elliot/experiments:1.0",
                                       layout=widgets.Layout(width="44em"))
        self.problems_view = widgets.HTML()
        self.preview = widgets.HTML()
        self.apply_button = widgets.Button(description="Apply (docker tag)", icon="tag",
                                           button_style="primary",
                                           layout=widgets.Layout(width="auto"))
        self.push_button = widgets.Button(description="Push", icon="upload",
                                          layout=widgets.Layout(width="auto"))
        self.output = widgets.HTML()
        self.outcome = widgets.HTML()
        self._links = [link((self.model, "source"), (self.source_box, "value")),
                       link((self.model, "target"), (self.target_box, "value"))]
        self._links += [link((self.model, part), (box, "value"))
                        for part, box in self.part_boxes.items()]
        self.apply_button.on_click(lambda _: self.apply())
        self.push_button.on_click(lambda _: self.push())
        self.model.observe(self._show, names=_SHOWN)
        boxes = [self.part_boxes[p] for p in PARTS]
        super().__init__(children=[
            widgets.HTML("<b>Tag an image</b> (a tag is a second name for the same image ID)"),
            self.source_box,
            widgets.HBox(boxes[:2]), widgets.HBox(boxes[2:]),
            self.target_box, self.problems_view, self.preview,
            widgets.HBox([self.apply_button, self.push_button]),
            self.output, self.outcome,
        ], **kwargs)
        self.add_class("docdocker-tagbuilder")
        self._show()

    def _local_images(self) -> list[str]:
        if recordings.reading_along(self.engine) is not None:
            return []  # read-along mode: no engine to list images from
        try:
            # Bounded: a hung engine must not hold the cell that builds the widget.
            listed = self.engine.query(Images(), within=LOOKUP_SECONDS).value or []
        except errors.DocDockerError as err:
            self._error = err  # shown under the fields; Source can still be typed
            return []
        tags = {t for entry in listed for t in entry.get("RepoTags") or []
                if t != "<none>:<none>"}
        return sorted(tags)

    # ------------------------------------------------------------------ actions
    def apply(self) -> StepResult | None:
        """Run ``docker tag SOURCE TARGET`` (what Apply does).

        Returns:
            The step's result, or None when it failed (the widget shows why).
        """
        if not self.model.can_apply or recordings.reading_along(self.engine) is not None:
            return None  # read-along mode: the builder says Apply needs an engine
        console = WidgetConsole(self.output)
        self._error = None
        self.model.started("tagging")
        try:
            result = self.engine.using(console).execute(self.model.tag_step())
        except errors.DocDockerError as err:
            self._error = err
            self.model.failed(err)
            return None
        self.model.tagged()
        self.model.sources = self._local_images()
        self.source_box.options = tuple(self.model.sources)
        return result

    def push(self) -> StepResult | None:
        """Run ``docker push TARGET`` with per-layer progress in the widget (what Push does).

        Returns:
            The step's result (its ``value`` is a
            :class:`~docdocker.concepts.registries.PushReport`), or None when it failed.
        """
        if not self.model.can_push or recordings.reading_along(self.engine) is not None:
            return None
        console = _PushConsole(self.output, self.model)
        self._error = None
        self.model.started("pushing")
        try:
            result = self.engine.using(console).execute(self.model.push_step())
        except errors.DocDockerError as err:
            self._error = err
            self.model.failed(err)
            return None
        report = result.value
        self.model.pushed(report.digest, report.layers)
        return result

    def refresh(self) -> None:
        """Re-read the local images; forget a result whose tag is gone (removed elsewhere)."""
        self.model.sources = self._local_images()
        self.source_box.options = tuple(self.model.sources)
        if self.model.state in ("tagged", "pushed") and self.engine.query(
                ImageInspect(image=self.model.target)).value is None:
            self.model.forget()

    # --------------------------------------------------------------------- view
    def _show(self, change: Any = None) -> None:
        m = self.model
        self.problems_view.value = "".join(
            _ERROR.format(f"<b>{escape(part)}</b>: {render.prose_html(problem)}")
            for part, problem in m.problems.items())
        for part, box in self.part_boxes.items():
            box.layout.border = "1px solid var(--jp-error-color1, #d32f2f)" if (
                part in m.problems) else ""
        rows = [("docker tag", m.tag_cli), ("docker push", m.push_cli)]
        if m.normalized:
            rows.insert(0, ("normalized", m.normalized))
        self.preview.value = "".join(
            f"<div><span style='display:inline-block;width:7em'>{escape(k)}</span>"
            f"<code>{escape(v)}</code></div>" for k, v in rows)
        self.apply_button.disabled = not m.can_apply
        self.push_button.disabled = not m.can_push
        if m.state in ("failed", "idle") and self._error is not None:
            # "idle": the images could not be listed when the builder was made.
            self.outcome.value = render.error_html(self._error)
        elif m.message:
            self.outcome.value = render.status_html(True, m.message)
        else:
            self.outcome.value = ""
        if m.state == "idle":
            self.output.value = ""
        if recordings.reading_along(self.engine) is not None:
            for button, action in ((self.apply_button, "Apply"), (self.push_button, "Push")):
                button.disabled, button.tooltip = True, recordings.needs_engine(action)
            self.outcome.value = render.status_html(
                None, recordings.needs_engine("Apply (docker tag) and Push"))

    def close(self) -> None:
        """Close the builder and every widget in it."""
        unlink_and_close_children(self, self._links, self.model, self._show, _SHOWN)
        super().close()

    def __repr__(self) -> str:
        return self.model.summary()
