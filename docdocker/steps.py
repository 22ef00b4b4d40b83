"""Deprecated: ``docdocker.steps`` moved to :mod:`docdocker.core.steps`.

Some of its names now live in :mod:`docdocker.base.masking`. Kept for one release so
that code written against the old path still runs; see CHANGELOG.md.
"""

from docdocker.base.deprecation import moved

__getattr__ = moved(__name__, "docdocker.core.steps", "docdocker.base.masking")
