"""The core: a step is data (:mod:`~docdocker.core.steps`), the engine runs it.

:mod:`~docdocker.core.engine` is the one door to the Docker Engine and
:mod:`~docdocker.core.connection` the one place a Docker client is made. The core
knows no Docker noun (those are :mod:`docdocker.concepts`) and no translation rule
(those are :mod:`docdocker.friendly`, handed to the engine by the session).
"""
