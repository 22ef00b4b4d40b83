"""Deprecated: ``docdocker.images`` moved to :mod:`docdocker.concepts.images`.

Some of its names now live in :mod:`docdocker.concepts.ownership`. Kept for one release
so that code written against the old path still runs; see CHANGELOG.md.
"""

from docdocker.base.deprecation import moved

__getattr__ = moved(__name__, "docdocker.concepts.images", "docdocker.concepts.ownership")
