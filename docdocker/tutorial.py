"""What a notebook talks to: the engine core plus the verbs of every Docker noun.

``dd.connect("01-containers")`` returns a :class:`Tutorial`: ``run``, ``ps``,
``stop``... from :mod:`docdocker.containers`, ``pull`` from
:mod:`docdocker.registries`, and so on. Adding a noun means adding its
``...Commands`` class to the bases below.
"""

from __future__ import annotations

from docdocker import connection, friendly, networks, system, volumes  # noqa: F401  (registers their steps)
from docdocker.compose import ComposeCommands
from docdocker.console import Console, in_notebook, install_notebook_errors
from docdocker.containers import ContainerCommands
from docdocker.images import ImageCommands, TagCommands
from docdocker.networks import NetworkCommands
from docdocker.registries import RegistryCommands
from docdocker.steps import check_notebook
from docdocker.volumes import VolumeCommands


class Tutorial(ContainerCommands, ImageCommands, TagCommands, RegistryCommands, NetworkCommands,
               VolumeCommands, ComposeCommands):
    """An engine connection for one notebook, with every verb the notebooks use.

    Equivalent CLI: each method's docstring names its ``docker`` command.
    """


def connect(notebook: str, *, console: Console | None = None,
            timeout: float = connection.DEFAULT_TIMEOUT) -> Tutorial:
    """Connect to the Docker Engine the way the ``docker`` CLI would.

    Honours ``DOCKER_HOST`` (and its TLS variables), then ``DOCKER_CONTEXT``,
    then the CLI's current context. In a notebook it also shows docdocker errors
    as friendly messages instead of Python tracebacks.

    Equivalent CLI: ``docker version``

    Args:
        notebook: The notebook's name; every object created is labelled with it.
        console: Where echoes and output go (default: fits notebook or terminal).
        timeout: Seconds to wait for any single engine request (connecting itself
            waits at most :data:`~docdocker.connection.PING_TIMEOUT`).

    Raises:
        ValueError: ``notebook`` is empty (it names no notebook).
        docdocker.errors.EngineUnavailable: The engine cannot be reached.
    """
    check_notebook(notebook)  # before connecting: an empty name is a typo, not "everything"
    if in_notebook():
        # Before connecting, so that "no engine here" (Binder) reads as advice too.
        install_notebook_errors()
    where = connection.endpoint()
    try:
        client, where = connection.connect_client(timeout=timeout)
    except Exception as err:
        translated = friendly.translate_error(err, None, friendly.Facts(host=where.host))
        if translated is None:
            raise
        raise translated from err
    return Tutorial(notebook, client, console, host=where.host)
