"""``dd.connect``: a session on the engine the ``docker`` CLI would use, or a read-along one."""

from __future__ import annotations

import os

from docdocker import friendly
from docdocker.core import connection
from docdocker.core.console import Console, in_notebook, install_notebook_errors
from docdocker.core.steps import check_notebook
from docdocker.core.translate import Facts
from docdocker.readalong import recordings
from docdocker.session.readalong import ReadAlong
from docdocker.session.tutorial import Tutorial


def connect(notebook: str, *, console: Console | None = None,
            timeout: float = connection.DEFAULT_TIMEOUT) -> Tutorial:
    """Connect to the Docker Engine the way the ``docker`` CLI would.

    Honours ``DOCKER_HOST`` (and its TLS variables), then ``DOCKER_CONTEXT``,
    then the CLI's current context. In a notebook it also shows docdocker errors
    as friendly messages instead of Python tracebacks. Where no engine answers
    (Binder) it returns a :class:`ReadAlong` session, which shows a banner saying
    why and replays the outputs recorded from a real run; ``DOCDOCKER_READALONG=1``
    chooses that mode even where an engine answers.

    Equivalent CLI: ``docker version``

    Args:
        notebook: The notebook's name; every object created is labelled with it.
        console: Where echoes and output go (default: fits notebook or terminal).
        timeout: Seconds to wait for any single engine request (connecting itself
            waits at most :data:`~docdocker.core.connection.PING_TIMEOUT`).

    Raises:
        ValueError: ``notebook`` is empty (it names no notebook).
        docdocker.base.errors.EngineUnavailable: The engine cannot be reached (outside a
            notebook, where there is nobody to read along).
    """
    check_notebook(notebook)  # before connecting: an empty name is a typo, not "everything"
    if in_notebook():
        # Before connecting, so that "no engine here" (Binder) reads as advice too.
        install_notebook_errors()
    if os.environ.get(recordings.READALONG_ENV) == "1":
        return _read_along(notebook, console, f"{recordings.READALONG_ENV}=1 is set.")
    where = connection.endpoint()
    try:
        client, where = connection.connect_client(timeout=timeout)
    except Exception as err:
        translated = friendly.translate_error(err, None, Facts(host=where.host))
        if translated is None:
            raise
        if in_notebook():
            return _read_along(notebook, console, translated.message)
        raise translated from err
    engine = Tutorial(notebook, client, console, host=where.host)
    if os.environ.get(recordings.RECORD_ENV):
        recordings.start_recording(notebook, str(engine.client.version().get("Version", "")))
    return engine


def _read_along(notebook: str, console: Console | None, reason: str) -> ReadAlong:
    session = ReadAlong(notebook, reason, console)
    if in_notebook():
        from IPython.display import display

        display(session)
    return session
