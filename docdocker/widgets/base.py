"""What the widgets share."""

from __future__ import annotations

from typing import Any


class FullTextRepr:
    """Keep a widget's whole ``repr`` as its plain-text output.

    ipywidgets cuts the plain-text form of a widget to 110 characters. That form
    is all a reader sees where widgets cannot render (a notebook viewed without a
    kernel, or in a terminal), so the widgets put a complete summary there.
    """

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        bundle = super()._repr_mimebundle_(**kwargs)  # type: ignore[misc]
        if isinstance(bundle, dict):
            bundle["text/plain"] = repr(self)
        return bundle
