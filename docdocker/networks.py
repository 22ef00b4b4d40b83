"""Deprecated: ``docdocker.networks`` moved to :mod:`docdocker.concepts.networks`.

Some of its names now live in :mod:`docdocker.concepts.ownership`. Kept for one release
so that code written against the old path still runs; see CHANGELOG.md.
"""

from docdocker.base.deprecation import moved

__getattr__ = moved(__name__, "docdocker.concepts.networks", "docdocker.concepts.ownership")
