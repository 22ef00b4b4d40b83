"""What the engine hands its error translator, and the shape of that translator.

The translation rules themselves (the engine's words, the message, the fix) sit
above the core, in :mod:`docdocker.friendly`; the session gives the engine its
translator, so the core knows no rule.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from docdocker.core import connection

if TYPE_CHECKING:
    from docdocker.base.errors import DocDockerError
    from docdocker.core.steps import Step


@dataclass(frozen=True)
class Facts:
    """What the translator may know beyond the failure itself, gathered by the engine.

    Attributes:
        host: Where the client connects, as a human would write it.
        port_holder: Names the running container publishing a host port
            (``port_holder(8080, "tcp")``), or None; absent when unknown.
    """

    host: str
    port_holder: Callable[[int, str], str | None] | None = None


#: Turns a failure during a step (or outside one: None) into the friendly error for it,
#: or None when the failure is not Docker's (a programming error keeps its traceback).
Translator = Callable[[BaseException, "Step | None", "Facts | None"], "DocDockerError | None"]


def docker_host() -> str:
    """The engine's address as the ``docker`` CLI would pick it (one rule: :mod:`connection`)."""
    return connection.endpoint().host
