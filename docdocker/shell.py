"""Deprecated: ``docdocker.shell`` moved to :mod:`docdocker.grammar.shell`.

Kept for one release so that code written against the old path still runs; see
CHANGELOG.md.
"""

from docdocker.base.deprecation import moved

__getattr__ = moved(__name__, "docdocker.grammar.shell")
