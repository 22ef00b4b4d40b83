"""docdocker: run the steps of a Docker tutorial live, and see the command each stands for.

Typical use in a notebook::

    import docdocker as dd
    engine = dd.connect("01-containers")
    engine.run("nginx", detach=True, publish="127.0.0.1:8080:80")

The package is layered, one subpackage per layer (``base``, ``grammar``, ``core``,
``friendly``, ``readalong``, ``concepts``, ``session``, ``tools``, ``exercises``,
``widgets``, ``classroom``); ARCHITECTURE.md draws them.
"""

import importlib
from typing import Any

from docdocker.base import errors
from docdocker.concepts import web
from docdocker.core import steps
from docdocker.core.engine import Engine, StepResult
from docdocker.core.steps import LABEL
from docdocker.grammar import ports, reference
from docdocker.session.connect import connect
from docdocker.session.tutorial import Tutorial
from docdocker.tools import lesson as lesson  # dd.lesson.size_chart, .clean_up_button
from docdocker.tools.doctor import doctor
from docdocker.tools.lesson import expect_error

__version__ = "0.1.0"

__all__ = [
    "LABEL",
    "Engine",
    "StepResult",
    "Tutorial",
    "__version__",
    "connect",
    "doctor",
    "errors",
    "expect_error",
    "ports",
    "reference",
    "steps",
    "web",
]

#: Modules that moved into the layers and are not names of the package itself: the old
#: name (``dd.images``, ``from docdocker import reset``) still resolves, through the
#: deprecated module at the old path, for one release (CHANGELOG.md).
_MOVED = frozenset({
    "build", "buildlog", "compose", "connection", "console", "containers", "credentials",
    "dockerfile", "engine", "foreground", "friendly_compose", "images", "inspect", "networks",
    "progress", "recordings", "registries", "registry_api", "render", "reset", "shell",
    "system", "tagrecord", "tutorial", "volumes",
})


def __getattr__(name: str) -> Any:
    if name in _MOVED:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
