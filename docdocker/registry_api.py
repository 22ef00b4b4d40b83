"""Deprecated: ``docdocker.registry_api`` moved to :mod:`docdocker.concepts.registry_api`.

Kept for one release so that code written against the old path still runs; see
CHANGELOG.md.
"""

from docdocker.base.deprecation import moved

__getattr__ = moved(__name__, "docdocker.concepts.registry_api")
