"""The LoginForm's model: which registry, which user, and what logging in did.

The password is deliberately *not* a trait here: traits are observable and end
up in widget state. The view holds it only for the moment it takes to log in.

Equivalent CLI: ``docker login SERVER -u USERNAME --password-stdin``
"""

from __future__ import annotations

from typing import Any

from traitlets import Bool, CaselessStrEnum, HasTraits, Unicode, observe

from docdocker.base import errors
from docdocker.concepts.credentials import Secret
from docdocker.concepts.registries import Login, Logout

__all__ = ["LoginModel"]


class LoginModel(HasTraits):
    """State of one login form.

    Attributes:
        server: ``host[:port]`` of the registry (``""`` for Docker Hub).
        username: The account's name.
        cli: The ``docker login`` line Log in runs (never with the password).
        state: ``"out"``, ``"busy"``, ``"in"`` or ``"failed"``.
        message: What the last action did.
        problem: Why Log in cannot be pressed yet, or ``""``.
    """

    server = Unicode("")
    username = Unicode("")
    cli = Unicode("")
    state = CaselessStrEnum(("out", "busy", "in", "failed"), default_value="out")
    message = Unicode("")
    problem = Unicode("")
    logged_in = Bool(False)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._changed()

    @observe("server", "username")
    def _changed(self, change: Any = None) -> None:
        # The echo shows where the password comes from, never the password.
        self.cli = Login(server=self.server, username=self.username or "USER",
                         password=Secret("-")).cli
        self.problem = "" if self.username.strip() else "Type the user name first."
        if change is not None and self.state in ("in", "failed"):
            self.state, self.message, self.logged_in = "out", "", False

    def logout_step(self) -> Logout:
        """The step Log out runs."""
        return Logout(server=self.server)

    def started(self) -> None:
        """Logging in (or out) began."""
        self.state, self.message = "busy", ""

    def succeeded(self, message: str) -> None:
        """The registry accepted the login."""
        self.state, self.message, self.logged_in = "in", message, True

    def logged_out(self, message: str) -> None:
        """The credentials were dropped."""
        self.state, self.message, self.logged_in = "out", message, False

    def failed(self, err: errors.DocDockerError) -> None:
        """The registry refused (or could not be reached)."""
        self.state, self.message, self.logged_in = "failed", f"{err.title}: {err.message}", False
