"""docdocker: run the steps of a Docker tutorial live, and see the command each stands for.

Typical use in a notebook::

    import docdocker as dd
    engine = dd.connect("01-containers")
    engine.run("nginx", detach=True, publish="127.0.0.1:8080:80")
"""

from docdocker import errors, ports, reference, steps
from docdocker.engine import Engine, StepResult, connect
from docdocker.steps import LABEL

__version__ = "0.1.0"

__all__ = [
    "LABEL",
    "Engine",
    "StepResult",
    "__version__",
    "connect",
    "doctor",
    "errors",
    "ports",
    "reference",
    "steps",
]


def doctor() -> "object":
    """Check this machine for the tutorial; see :func:`docdocker.doctor.doctor`."""
    from docdocker.doctor import doctor as _doctor

    return _doctor()
