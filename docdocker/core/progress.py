"""Fold the JSON events of pull, push and build streams into per-layer progress.

The engine reports progress as a stream of small JSON objects, one per change
(``{"id": "a1b2", "status": "Downloading", "progressDetail": {...}}``). The
``docker`` CLI redraws one line per layer; :class:`Progress` keeps the same
state so it can be drawn as text or HTML at any moment.

The SDK does not raise on a failed push or pull stream: the failure arrives as
an event carrying ``error``/``errorDetail``. :meth:`Progress.feed` records it in
:attr:`Progress.error` so the caller can raise a proper exception.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from docdocker.base import render


@dataclass
class Layer:
    """The latest state of one layer."""

    id: str
    status: str
    current: int | None = None
    total: int | None = None


@dataclass
class Progress:
    """Accumulated state of one pull, push or build stream.

    Attributes:
        layers: Layer id -> latest state, in the order layers first appeared.
        heading: Lines that came before the first layer (``Pulling from library/nginx``).
        messages: Later lines that belong to no layer (``Digest: ...``, build output).
        error: The engine's error message, once one arrives.
        aux: The last ``aux`` payload (a build's image ID, a push's digest).
    """

    layers: dict[str, Layer] = field(default_factory=dict)
    heading: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    error: str | None = None
    aux: dict[str, Any] | None = None

    def feed(self, event: Mapping[str, Any]) -> None:
        """Take one decoded JSON event from the stream."""
        if "error" in event or "errorDetail" in event:
            detail = event.get("errorDetail") or {}
            self.error = str(event.get("error") or detail.get("message") or "unknown error")
            return
        if isinstance(event.get("aux"), Mapping):
            self.aux = dict(event["aux"])
        if "stream" in event:
            # Build output arrives in arbitrary chunks; keep whole lines.
            text = str(event["stream"])
            if self.messages and not self.messages[-1].endswith("\n"):
                self.messages[-1] += text
            else:
                self.messages.append(text)
            return
        status = event.get("status")
        if status is None:
            return
        layer_id = event.get("id")
        detail = event.get("progressDetail") or {}
        if layer_id and _is_layer_status(str(status)):
            self.layers[layer_id] = Layer(
                id=str(layer_id),
                status=str(status),
                current=detail.get("current"),
                total=detail.get("total"),
            )
        else:
            line = f"{layer_id}: {status}" if layer_id else str(status)
            # Drawn where the CLI draws it: above the layers if it came first.
            (self.messages if self.layers else self.heading).append(line + "\n")

    @property
    def done(self) -> int:
        """How many layers have finished (pulled, pushed or already present)."""
        return sum(1 for layer in self.layers.values() if layer.status in _FINISHED)

    def text(self) -> str:
        """The state as the ``docker`` CLI would leave it on screen."""
        lines = [m.rstrip("\n") for m in self.heading]
        lines += [f"{layer.id}: {layer.status}" for layer in self.layers.values()]
        lines += [m.rstrip("\n") for m in self.messages if m.strip()]
        if self.error:
            lines.append(f"error: {self.error}")
        return "\n".join(lines)

    def html(self) -> str:
        """The state as HTML, with a bar for each layer still transferring."""
        bars = "".join(
            render.progress_bar_html(
                layer.id,
                layer.status,
                layer.current if layer.status in _TRANSFERRING else None,
                layer.total,
            )
            for layer in self.layers.values()
        )
        heading = render.output_html("".join(self.heading).rstrip("\n"))
        text = "".join(m for m in self.messages if m.strip())
        return heading + bars + render.output_html(text.rstrip("\n"))


# A pull names the image in an event with an "id" too ("latest: Pulling from
# library/nginx"); only these statuses describe a layer.
_LAYER_STATUSES = (
    "Pulling fs layer",
    "Waiting",
    "Downloading",
    "Verifying Checksum",
    "Download complete",
    "Extracting",
    "Pull complete",
    "Already exists",
    "Preparing",
    "Pushing",
    "Pushed",
    "Layer already exists",
    "Mounted from",
    "Retrying",
)
_FINISHED = {"Pull complete", "Already exists", "Pushed", "Layer already exists"}
_TRANSFERRING = {"Downloading", "Extracting", "Pushing"}


def _is_layer_status(status: str) -> bool:
    return status.startswith(_LAYER_STATUSES)
