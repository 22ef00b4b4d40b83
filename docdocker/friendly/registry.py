"""A registry's refusal of a push or a login, translated, its reason kept.

Pure: it reads only the registry's (or the engine's) words and the step.
"""

from __future__ import annotations

from docdocker.base import errors
from docdocker.core import steps as s
from docdocker.grammar import reference

#: The ``docker`` commands that talk to a registry rather than to the engine alone.
REGISTRY_COMMANDS = ("push", "login", "logout")


def registry_host(step: s.Step | None) -> str:
    """The registry a push or login step talks to (``docker.io`` when the name has none)."""
    server = getattr(step, "server", "") or ""
    if server:
        return str(server)
    image = getattr(step, "image", "") or ""
    try:
        return reference.parse(image).registry if image else "the registry"
    except errors.InvalidReference:
        return "the registry"


def registry_error(reason: str, step: s.Step | None) -> errors.StepFailed:
    """The error for a registry's refusal of a push or a login, keeping its reason.

    Pure: it reads only ``reason`` (the registry's or engine's words) and the step.
    The SDK reports a refused push as an ``error`` entry in its stream, not as an
    exception; :mod:`docdocker.concepts.registries` raises what this returns.

    Example:
        >>> from docdocker.concepts.registries import Push          # doctest: +SKIP
        >>> registry_error("no basic auth credentials", Push(image="localhost:5001/a"))
    """
    argv = step.shown_argv if step is not None else None
    host = registry_host(step)
    image = getattr(step, "image", "") or ""
    lower = reason.lower()
    pushing = bool(step is not None and step.command[:1] == ("push",))
    what = f"the push of {image}" if pushing and image else "the login"
    login = f"docker login {host} -u USER --password-stdin"
    # Classic store: "An image does not exist locally with the tag: X";
    # containerd store: "tag does not exist: X".
    if ("does not exist locally" in lower or "no such image" in lower
            or "tag does not exist" in lower):
        return errors.ImageNotFound(
            f"There is no image called {image} on this machine to push ({reason}).",
            fix=f"Give an image that name first: `docker tag SOURCE_IMAGE {image}`, "
                "then push again (`docker images` lists what you have).",
            command=argv, stderr=reason,
        )
    if "no basic auth credentials" in lower or "authentication required" in lower or (
        pushing and ("unauthorized" in lower or "access to the resource is denied" in lower)
    ):
        return errors.RegistryAuthFailed(
            f"The registry {host} refused {what}: you are not logged in to it "
            f"(the registry said: {reason}).",
            fix=f"Log in first with `{login}` (in the notebook: engine.login(...)), "
                "then push again. On Docker Hub, push only to your own namespace "
                "(USERNAME/repository).",
            command=argv, exit_code=1, stderr=reason,
        )
    if "401" in lower or "unauthorized" in lower or "incorrect username or password" in lower:
        return errors.RegistryAuthFailed(
            f"The registry {host} refused the login: wrong user name or password "
            f"(the registry said: {reason}).",
            fix="Check the user name and type the password again; nothing was stored.",
            command=argv, exit_code=1, stderr=reason,
        )
    if "no such host" in lower or "server misbehaving" in lower:
        return errors.RegistryUnreachable(
            f"The registry host in '{host}' is unknown: no machine has that name "
            f"(the engine said: {reason}).",
            fix="Check the registry part of the name (before the first '/'); for your own "
                "registry on this machine use localhost:PORT, e.g. localhost:5000/team/app.",
            command=argv, exit_code=1, stderr=reason,
        )
    if "connection refused" in lower:
        return errors.RegistryUnreachable(
            f"Nothing answers at {host}: the registry is not running there, or listens on "
            f"another port (the engine said: {reason}).",
            fix="Check that the registry container is up and which port it publishes "
                "(`docker ps`), and use that port in the image name.",
            command=argv, exit_code=1, stderr=reason,
        )
    if "http response to https client" in lower:
        return errors.RegistryUnreachable(
            f"{host} speaks plain HTTP, and Docker only uses HTTPS with registries other than "
            f"127.0.0.0/8 (the engine said: {reason}).",
            fix="Use localhost:PORT or 127.0.0.1:PORT for a registry on this machine, or give "
                "the registry a TLS certificate (listing it in the engine's "
                "\"insecure-registries\" setting is for throw-away test setups only).",
            command=argv, exit_code=1, stderr=reason,
        )
    if any(p in lower for p in ("i/o timeout", "tls handshake timeout", "network is unreachable",
                                "dial tcp")):
        return errors.RegistryUnreachable(
            f"Could not reach the registry {host} (the engine said: {reason}).",
            fix="Check the network connection and the registry's address, then try again.",
            command=argv, exit_code=1, stderr=reason,
        )
    return errors.StepFailed(
        f"The registry {host} refused {what}: {reason}",
        fix="Read the registry's words above; fix the value they name and run the cell again.",
        command=argv, exit_code=1, stderr=reason,
    )
