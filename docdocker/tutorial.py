"""Deprecated: ``docdocker.tutorial`` moved to :mod:`docdocker.session.tutorial`.

Some of its names now live in :mod:`docdocker.session.readalong` and
:mod:`docdocker.session.connect`. Kept for one release so that code written against the
old path still runs; see CHANGELOG.md.
"""

from docdocker.base.deprecation import moved

__getattr__ = moved(
    __name__,
    "docdocker.session.tutorial",
    "docdocker.session.readalong",
    "docdocker.session.connect",
)
