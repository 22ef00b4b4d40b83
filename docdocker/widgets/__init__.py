"""Interactive widgets for the tutorial: one module per widget, views only.

The logic they show lives in :mod:`docdocker.ports`, :mod:`docdocker.steps`
and :mod:`docdocker.engine`.
"""

from docdocker.widgets.dashboard import Dashboard
from docdocker.widgets.exercise import Predict, ProgressSummary, YourTurn
from docdocker.widgets.portmapper import PortMapper

__all__ = ["Dashboard", "PortMapper", "Predict", "ProgressSummary", "YourTurn"]
