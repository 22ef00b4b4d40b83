"""Old import paths that still work for one release, with a warning naming the new one.

When a module moves (``docdocker.reset`` became ``docdocker.tools.reset``), a small
module stays at the old path and calls :func:`moved`: importing it warns once, and
every name is read from the new home, so a learner's cell or a notebook written
against the old path keeps working until the next release removes the path.
CHANGELOG.md lists each old path and its new home.

The warning is attributed to the code that used the old path (a notebook cell, a
test), not to the import machinery, so that Python's and IPython's default filters,
which show a :class:`DeprecationWarning` raised by ``__main__``, show it.
"""

from __future__ import annotations

import importlib
import sys
import warnings
from collections.abc import Callable, Iterable
from types import FrameType, ModuleType
from typing import Any

#: The modules whose frames stand between the old path's user and the warning.
_MACHINERY = ("importlib", "docdocker.base.deprecation")


def moved(old: str, *homes: str) -> Callable[[str], Any]:
    """Make module ``old`` stand in for the modules its contents moved to.

    Call it from the module at the old path, as ``__getattr__ = moved(__name__, ...)``.
    It warns now (once per process, as importing runs a module once), and returns
    the module's ``__getattr__``: each name is looked up in ``homes``, in order.

    Args:
        old: The old module's name (``docdocker.reset``).
        *homes: The modules its names live in now; the first is its new path.
    """
    modules = [importlib.import_module(home) for home in homes]
    also = f" (and {', '.join(homes[1:])})" if len(homes) > 1 else ""
    warn(f"{old} is deprecated: it moved to {homes[0]}{also}. Import it from there; "
         f"the old path will be removed in the next release.", skip={old})
    stand_in = sys.modules[old]
    # `from OLD import *` gives what the new homes would give.
    stand_in.__all__ = sorted({name for m in modules for name in _public(m)})  # type: ignore[attr-defined]
    parent, _, leaf = old.rpartition(".")
    # Read the package's namespace itself: its __getattr__ would import this module again.
    same_name = vars(sys.modules[parent]).get(leaf) if parent in sys.modules else None
    if callable(same_name) and not isinstance(same_name, ModuleType):
        # The package's own attribute of this name is a function (``dd.doctor()``), and
        # importing this module binds the module over it: the module calls it, too.
        stand_in.__class__ = _CallingModule
        stand_in._target = same_name  # type: ignore[attr-defined]

    def __getattr__(name: str) -> Any:
        # A name a home defines or imports comes first; then one a home still forwards
        # itself (which may warn on its own).
        for module in modules:
            if name in vars(module):
                return vars(module)[name]
        for module in modules:
            if hasattr(module, name):
                return getattr(module, name)
        raise AttributeError(f"module {old!r} has no attribute {name!r}")

    return __getattr__


def moved_names(module: str, home: str, names: Iterable[str]) -> Callable[[str], Any]:
    """A ``__getattr__`` for ``module`` that still finds ``names``, which moved to ``home``.

    Reading one of them warns, naming where it lives now.
    """
    wanted = frozenset(names)

    def __getattr__(name: str) -> Any:
        if name not in wanted:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        warn(f"{module}.{name} is deprecated: it moved to {home}.{name}. Import it from "
             "there; the old name will be removed in the next release.", skip={module})
        return getattr(importlib.import_module(home), name)

    return __getattr__


def warn(message: str, *, skip: Iterable[str] = ()) -> None:
    """Warn with ``message``, attributed to the first frame outside the import machinery,
    this module, the package's face (``docdocker``) and the modules in ``skip``."""
    frame = _caller(set(skip) | {"docdocker"})
    if frame is None:
        warnings.warn(message, DeprecationWarning, stacklevel=2)
        return
    # As warnings.warn fills these in for the frame it picks (no module_globals: a loader
    # that cannot give the source, as for code typed at a prompt, would fail the call).
    where = frame.f_globals
    warnings.warn_explicit(message, DeprecationWarning, frame.f_code.co_filename,
                           frame.f_lineno, module=where.get("__name__", "<unknown>"),
                           registry=where.setdefault("__warningregistry__", {}))


def _caller(skip: set[str]) -> FrameType | None:
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        name = str(frame.f_globals.get("__name__", ""))
        if not (name in skip or name.startswith(_MACHINERY)):
            return frame
        frame = frame.f_back
    return None


def _public(module: ModuleType) -> list[str]:
    names = getattr(module, "__all__", None)
    return list(names) if names is not None else [
        n for n in vars(module) if not n.startswith("_")]


class _CallingModule(ModuleType):
    """A module that can also be called, as the function it stands beside."""

    _target: Callable[..., Any]

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._target(*args, **kwargs)
