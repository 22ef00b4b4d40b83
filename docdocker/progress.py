"""Deprecated: ``docdocker.progress`` moved to :mod:`docdocker.core.progress`.

Kept for one release so that code written against the old path still runs; see
CHANGELOG.md.
"""

from docdocker.base.deprecation import moved

__getattr__ = moved(__name__, "docdocker.core.progress")
