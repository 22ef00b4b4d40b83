"""Deprecated: ``docdocker.containers`` moved to :mod:`docdocker.concepts.containers`.

Some of its names now live in :mod:`docdocker.concepts.ownership`,
:mod:`docdocker.concepts.run` and :mod:`docdocker.concepts.inspect`. Kept for one
release so that code written against the old path still runs; see CHANGELOG.md.
"""

from docdocker.base.deprecation import moved

__getattr__ = moved(
    __name__,
    "docdocker.concepts.containers",
    "docdocker.concepts.ownership",
    "docdocker.concepts.run",
    "docdocker.concepts.inspect",
)
