"""Deprecated: ``docdocker.build`` moved to :mod:`docdocker.concepts.build`.

Kept for one release so that code written against the old path still runs; see
CHANGELOG.md.
"""

from docdocker.base.deprecation import moved

__getattr__ = moved(__name__, "docdocker.concepts.build")
