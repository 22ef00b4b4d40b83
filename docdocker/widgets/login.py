"""LoginForm: log in to a registry with a password typed into a password field.

The password goes from the field straight into a
:class:`~docdocker.concepts.credentials.Secret` and the field is emptied at once, so it
is in no widget state, echo, output or saved notebook. The echo is
``docker login SERVER -u USER --password-stdin``: in a terminal, that command
reads the password from standard input, never from the command line.

Example::

    form = LoginForm(engine=engine, server="localhost:5001", username="student")
    form            # type the password, press Log in
    form.submit(secret)   # what Run All does: log in with a Secret held in a variable

Equivalent CLI: ``docker login SERVER -u USERNAME --password-stdin``
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
from traitlets import link

from docdocker.base import errors, render
from docdocker.concepts.credentials import Secret
from docdocker.concepts.registries import Login
from docdocker.readalong import recordings
from docdocker.widgets.base import (
    FullTextRepr,
    WidgetConsole,
    unlink_and_close_children,
)
from docdocker.widgets.login_model import LoginModel

if TYPE_CHECKING:
    from docdocker.core.engine import Engine, StepResult

__all__ = ["LoginForm"]

_SHOWN = ["cli", "state", "message", "problem"]


class LoginForm(FullTextRepr, widgets.VBox):
    """A user name, a password field and Log in / Log out buttons for one registry.

    Equivalent CLI: ``docker login SERVER -u USERNAME --password-stdin``

    Args:
        engine: The engine whose connection keeps the credentials.
        server: ``host[:port]`` of the registry (``""`` for Docker Hub).
        username: The user name to start with.
        **kwargs: Passed to :class:`ipywidgets.VBox`.
    """

    def __init__(self, *, engine: Engine, server: str, username: str = "",
                 **kwargs: Any) -> None:
        self.engine = engine
        self.model = LoginModel(server=server, username=username)
        self._error: errors.DocDockerError | None = None
        self.user_box = widgets.Text(description="User", continuous_update=True)
        self.password_box = widgets.Password(description="Password",
                                             placeholder="typed here, never shown")
        self.login_button = widgets.Button(description="Log in", icon="sign-in",
                                           button_style="primary")
        self.logout_button = widgets.Button(description="Log out", icon="sign-out")
        self.command = widgets.HTML()
        self.output = widgets.HTML()
        self.outcome = widgets.HTML()
        self._links = [link((self.model, "username"), (self.user_box, "value"))]
        self.login_button.on_click(lambda _: self.submit())
        self.logout_button.on_click(lambda _: self.logout())
        self.model.observe(self._show, names=_SHOWN)
        super().__init__(children=[
            widgets.HTML(f"<b>Log in to <code>{escape(server or 'Docker Hub')}</code></b>"),
            self.user_box, self.password_box,
            widgets.HBox([self.login_button, self.logout_button]),
            self.command, self.output, self.outcome,
        ], **kwargs)
        self.add_class("docdocker-login")
        self._show()

    def submit(self, password: Secret | None = None) -> StepResult | None:
        """Log in with the typed password, or with ``password`` (what Log in does).

        The password field is emptied before anything is sent.

        Returns:
            The login's result, or None when it failed (the form shows why).
        """
        typed = self.password_box.value
        self.password_box.value = ""
        if recordings.reading_along(self.engine) is not None:
            return None  # read-along mode: the form says Log in needs an engine
        secret = password if password is not None else Secret(typed)
        if self.model.problem or not secret:
            self.model.failed(errors.DocDockerError(
                self.model.problem or "Type the password first.",
                fix="Then press Log in."))
            self._error = None
            return None
        self._error = None
        self.model.started()
        step = Login(server=self.model.server, username=self.model.username, password=secret)
        try:
            result = self.engine.using(WidgetConsole(self.output)).execute(step)
        except errors.DocDockerError as err:
            self._error = err
            self.model.failed(err)
            return None
        self.model.succeeded(result.output.splitlines()[0])
        return result

    def logout(self) -> StepResult:
        """Forget the credentials (what Log out does)."""
        result = self.engine.using(WidgetConsole(self.output)).execute(self.model.logout_step())
        self.model.logged_out(result.output.strip())
        return result

    @property
    def logged_in(self) -> bool:
        """True after a successful login, until a logout or a change of user."""
        return bool(self.model.logged_in)

    def _show(self, change: Any = None) -> None:
        m = self.model
        self.command.value = "" if self.output.value else render.command_html(m.cli)
        self.login_button.disabled = m.state == "busy"
        self.logout_button.disabled = m.state != "in"
        if m.state == "failed":
            self.outcome.value = (render.error_html(self._error) if self._error is not None
                                  else render.status_html(False, m.message))
        elif m.message:
            note = " The credentials stay in this kernel's memory." if m.state == "in" else ""
            self.outcome.value = render.status_html(True, m.message + note)
        else:
            self.outcome.value = ""
        if recordings.reading_along(self.engine) is not None:
            self.login_button.disabled = self.logout_button.disabled = True
            self.login_button.tooltip = recordings.needs_engine("Log in")
            self.outcome.value = render.status_html(None, recordings.needs_engine("Log in"))

    def close(self) -> None:
        """Close the form and every widget in it."""
        unlink_and_close_children(self, self._links, self.model, self._show, _SHOWN)
        super().close()

    def __repr__(self) -> str:
        where = self.model.server or "Docker Hub"
        status = {"in": "logged in", "out": "not logged in", "busy": "logging in",
                  "failed": "login failed"}[self.model.state]
        return f"LoginForm: {self.model.username or '?'} at {where}, {status}\n$ {self.model.cli}"
