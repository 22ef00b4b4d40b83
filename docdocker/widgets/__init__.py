"""Interactive widgets for the tutorial.

Each widget is a model (``<name>_model.py``: traitlets, no ipywidgets, no
engine) and a view (``<name>.py``: stock ipywidgets whose actions go through
the engine). The logic they show lives in :mod:`docdocker.grammar.ports`,
:mod:`docdocker.grammar.reference` and the concept modules; see ARCHITECTURE.md.

The views are imported on first use, so that importing a model does not load
ipywidgets.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from docdocker.widgets.buildpanel import BuildPanel
    from docdocker.widgets.dashboard import Dashboard
    from docdocker.widgets.exercise import Exercises, Predict, ProgressSummary, YourTurn
    from docdocker.widgets.login import LoginForm
    from docdocker.widgets.map import Map
    from docdocker.widgets.portmapper import PortMapper
    from docdocker.widgets.tagbuilder import TagBuilder

__all__ = ["BuildPanel", "Dashboard", "Exercises", "LoginForm", "Map", "PortMapper", "Predict",
           "ProgressSummary", "TagBuilder", "YourTurn"]

_VIEWS = {"BuildPanel": "docdocker.widgets.buildpanel",
          "Dashboard": "docdocker.widgets.dashboard",
          "LoginForm": "docdocker.widgets.login",
          "Map": "docdocker.widgets.map",
          "PortMapper": "docdocker.widgets.portmapper",
          "Exercises": "docdocker.widgets.exercise",
          "Predict": "docdocker.widgets.exercise",
          "ProgressSummary": "docdocker.widgets.exercise",
          "TagBuilder": "docdocker.widgets.tagbuilder",
          "YourTurn": "docdocker.widgets.exercise"}


def __getattr__(name: str) -> Any:
    if name in _VIEWS:
        return getattr(importlib.import_module(_VIEWS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
