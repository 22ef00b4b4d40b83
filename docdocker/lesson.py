"""Deprecated: ``docdocker.lesson`` moved to :mod:`docdocker.tools.lesson`.

Kept for one release so that code written against the old path still runs; see
CHANGELOG.md.
"""

from docdocker.base.deprecation import moved

__getattr__ = moved(__name__, "docdocker.tools.lesson")
