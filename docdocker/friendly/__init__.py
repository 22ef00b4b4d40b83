"""Translation rules: the engine's failures turned into messages a beginner can act on.

Every message says what failed, the offending value and one concrete fix, keeps the
``docker`` command of the step that failed, and keeps the engine's own words.
:mod:`~docdocker.friendly.engine` translates the SDK's and the connection's failures,
:mod:`~docdocker.friendly.build` a failed build, :mod:`~docdocker.friendly.registry` a
registry's refusal and :mod:`~docdocker.friendly.compose` what Compose printed. The rules
are pure (no engine I/O); the session hands :func:`translate_error` to the engine.
"""

from docdocker.friendly.build import BuildContext, translate_build_error
from docdocker.friendly.engine import Facts, docker_host, in_binder, translate_error
from docdocker.friendly.registry import REGISTRY_COMMANDS, registry_error, registry_host

__all__ = [
    "REGISTRY_COMMANDS",
    "BuildContext",
    "Facts",
    "docker_host",
    "in_binder",
    "registry_error",
    "registry_host",
    "translate_build_error",
    "translate_error",
]
