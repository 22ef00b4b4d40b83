"""Deprecated: ``docdocker.doctor`` moved to :mod:`docdocker.tools.doctor`.

Kept for one release so that code written against the old path still runs; see
CHANGELOG.md.
"""

from docdocker.base.deprecation import moved

__getattr__ = moved(__name__, "docdocker.tools.doctor")
