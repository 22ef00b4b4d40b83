"""Translate a failed ``docker compose`` command into a message a beginner can act on.

Pure: it reads what Compose printed and never talks to the engine. It names the
file and line, or the service, that Compose complained about, and keeps
Compose's own words (the error's ``stderr``) under the explanation.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Sequence
from typing import Any

from docdocker.base import errors
from docdocker.core.translate import Facts
from docdocker.friendly.engine import _PORT_RE, _START_FIX, _UNREACHABLE

_YAML_RE = re.compile(r"failed to parse (?P<file>\S+?): yaml: line (?P<line>\d+): (?P<msg>[^\n]+)")
_BARE_YAML_RE = re.compile(r"^yaml: line (?P<line>\d+): (?P<msg>[^\n]+)", re.MULTILINE)
_KEY_RE = re.compile(r"validating (?P<file>\S+?): (?P<path>[\w.\-]*) ?additional propert(?:y|ies) "
                     r"'(?P<key>[^']+)' not allowed")
_INVALID_RE = re.compile(r"validating (?P<file>\S+?): (?P<msg>[^\n]+)")
_ENDPOINT_RE = re.compile(r"endpoint (?P<container>[\w.\-]+) ")
_SERVICE_ERROR_RE = re.compile(r"^ ?(?:Container (?P<container>[\w.\-]+)|(?P<service>[\w.\-]+))"
                               r" +Error\b", re.MULTILINE)
# The classic image store says "manifest for IMAGE not found" or "pull access denied for
# IMAGE"; the containerd store says 'failed to resolve reference "docker.io/IMAGE": ...'.
_IMAGE_RE = re.compile(r"(?:pull access denied for |manifest for |No such image: )"
                       r"(?P<image>[^\s,]+)"
                       r'|failed to resolve reference "(?:docker\.io/(?:library/)?)?'
                       r'(?P<resolved>[^"\s]+)": [^\n]*not found')

#: Keys Compose accepts at the top of a file and in a service: the nearest one is suggested.
COMPOSE_TOP_KEYS = ("version", "name", "include", "services", "networks", "volumes",
                    "configs", "secrets")
COMPOSE_SERVICE_KEYS = (
    "build", "command", "configs", "container_name", "depends_on", "deploy", "develop",
    "dns", "entrypoint", "env_file", "environment", "expose", "extra_hosts", "healthcheck",
    "hostname", "image", "init", "labels", "logging", "network_mode", "networks", "platform",
    "ports", "privileged", "profiles", "pull_policy", "read_only", "restart", "scale",
    "secrets", "stop_grace_period", "stop_signal", "tmpfs", "tty", "user", "volumes",
    "working_dir",
)


def translate_compose(
    output: str,
    argv: list[str],
    exit_code: int,
    *,
    stderr: str = "",
    directory: str = ".",
    file: str | None = None,
    services: Sequence[str] = (),
    facts: Facts | None = None,
) -> errors.DocDockerError:
    """The friendly error for a ``docker compose`` command that exited with a failure.

    Names the file and line, or the service, that Compose complained about, and
    keeps Compose's own words (``stderr`` of the error) for the learner to read.

    Args:
        output: Everything Compose printed (stdout and stderr, in order).
        argv: The echoed command (``docker compose up -d``).
        exit_code: Compose's exit status.
        stderr: What Compose printed on stderr alone (defaults to ``output``).
        directory: The folder Compose ran in, to name files relative to it.
        file: The project file that does not parse, when Compose's message does not
            name it (it does not while it is still looking for the project's name).
        services: The project's service names, to read a container name
            (``PROJECT-SERVICE-N``) right when names contain hyphens.
        facts: Lookups such as which container holds a host port.
    """
    text = stderr or output
    common: dict[str, Any] = {"command": argv, "exit_code": exit_code,
                              "stderr": composes_words(output or text)}
    match = _YAML_RE.search(text) or _BARE_YAML_RE.search(text)
    if match:
        named = match.groupdict().get("file")
        where = _relative(named, directory) if named else (file or "The compose file")
        return errors.ComposeFileInvalid(
            f"{where} is not valid YAML: line {match['line']}: {match['msg']}.",
            fix=f"YAML nests keys by indenting them with spaces: check the indentation and "
                f"quotes from line {match['line']} down (the mistake is often a few lines "
                "below the line named). `docker compose config` checks the file "
                "without starting anything.", **common)
    if match := _KEY_RE.search(text):
        return _unknown_key(match, directory, common)
    if match := _INVALID_RE.search(text):
        where = _relative(match["file"], directory)
        return errors.ComposeFileInvalid(
            f"{where} does not follow the Compose file format: {match['msg']}.",
            fix="Fix the key Compose names (its path is written with dots: services.web.ports "
                "is `ports:` under `web:` under `services:`), then check with "
                "`docker compose config`.", **common)
    if "Cannot connect to the Docker daemon" in text:
        return errors.EngineUnavailable(
            f"Compose cannot reach the Docker Engine: {_last_line(text)}",
            fix=_START_FIX, command=argv)
    if "port is already allocated" in text or "address already in use" in text:
        return _compose_port_taken(text, argv, facts, services, common)
    if (image := _IMAGE_RE.search(text)) or any(p in text.lower() for p in _UNREACHABLE):
        return _compose_image_missing(
            text, (image["image"] or image["resolved"]) if image else None, services, common)
    if match := re.search(r"no such service: (\S+)", text):
        return errors.StepFailed(
            f"This project has no service named '{match[1]}'.",
            fix="`docker compose config --services` lists the services of compose.yaml; "
                "use one of those names.", **common)
    if match := re.search(r'service "([^"]+)" is not running', text):
        return errors.StepFailed(
            f"Service '{match[1]}' is not running, so there is no container to run the "
            "command in.",
            fix="Start the project first with `docker compose up -d`, and check it with "
                "`docker compose ps`.", **common)
    if "no configuration file provided" in text:
        return errors.StepFailed(
            f"There is no compose.yaml in {directory}: Compose needs one to know the project.",
            fix="Run the command in the project's folder (the one with compose.yaml).",
            **common)
    return errors.StepFailed(
        f"`{' '.join(argv[:3])}` failed with exit status {exit_code}: "
        f"{_last_line(text) or 'no message'}",
        fix="Read Compose's own message below; fix what it names and run the cell again.",
        **common)


def _relative(file: str, directory: str) -> str:
    try:
        return os.path.relpath(file, os.path.abspath(directory)) if os.path.isabs(file) else file
    except ValueError:  # another drive on Windows
        return file


def _unknown_key(match: re.Match[str], directory: str, common: dict[str, Any]) -> errors.StepFailed:
    where = _relative(match["file"], directory)
    path, key = match["path"], match["key"]
    parts = path.split(".") if path else []
    known: tuple[str, ...]
    if len(parts) == 2 and parts[0] == "services":
        place, known = f"service '{parts[1]}'", COMPOSE_SERVICE_KEYS
    elif not parts:
        place, known = "the top level of the file", COMPOSE_TOP_KEYS
    else:
        place, known = f"`{path}`", ()
    near = difflib.get_close_matches(key, known, n=1)
    hint = f"Did you mean `{near[0]}`? " if near else ""
    return errors.ComposeFileInvalid(
        f"{where}: `{key}` is not a key Compose knows in {place}.",
        fix=f"{hint}Correct the key's spelling (the Compose file reference lists every key), "
            "then check with `docker compose config`.", **common)


def container_parts(name: str, services: Sequence[str] = ()) -> tuple[str, str, int] | None:
    """A Compose container name ``PROJECT-SERVICE-N`` split into its three parts.

    Project and service names may contain hyphens; the known services decide
    (the longest that fits), else the service is taken to have none.
    """
    head, _, number = name.rpartition("-")
    if not head or not number.isdigit():
        return None
    for service in sorted(services, key=len, reverse=True):
        if head.endswith(f"-{service}"):
            return head[: -len(service) - 1], service, int(number)
    project, _, service = head.rpartition("-")
    return (project, service, int(number)) if project else None


def _compose_port_taken(text: str, argv: list[str], facts: Facts | None,
                        services: Sequence[str], common: dict[str, Any]) -> errors.StepFailed:
    match = _PORT_RE.search(text)
    port = int(match.group(2)) if match else None
    ip = (match.group(1) if match else "") or "0.0.0.0"
    where = f"{ip}:{port}" if port else "the host port"
    found = _ENDPOINT_RE.search(text)
    parts = container_parts(found["container"], services) if found else None
    service = parts[1] if parts else None
    replica = parts[2] if parts else 1
    lookup = facts.port_holder if facts is not None else None
    holder = lookup(port, "tcp") if lookup is not None and port else None
    same_service = bool(parts and holder and holder.startswith(f"{parts[0]}-{parts[1]}-"))
    who = f"service '{service}'" if service else "a service"
    if same_service or replica > 1:
        end = f"{port + 2}" if port else "PORT+2"
        return errors.PortAllocated(
            f"Port {port or '?'} is already in use: replica {replica} of {who} cannot "
            f"publish {where} too, because {holder or 'another replica'} already does. "
            "A fixed host port fits one container only.",
            fix=f"Publish a range with one host port per replica, e.g. "
                f"`\"{ip}:{port}-{end}:80\"` under the service's `ports:`; Compose gives each "
                f"replica one port of it. Then run `{' '.join(argv)}` again.", **common)
    culprit = (f"container {holder} already publishes {where}" if holder
               else f"another program on this machine already listens on {where}")
    free_it = f"`docker stop {holder}` frees it" if holder else "stop that program"
    return errors.PortAllocated(
        f"Port {port or '?'} is already in use: {who} cannot publish it, because {culprit}.",
        fix=f"{free_it}, or change the host port (the number before the last colon) in "
            "the service's `ports:` in compose.yaml. Compose left the project half-started: "
            "`docker compose down` removes what it created.", **common)


def _compose_image_missing(text: str, image: str | None, services: Sequence[str],
                           common: dict[str, Any]) -> errors.StepFailed:
    match = _SERVICE_ERROR_RE.search(text)
    service = match["service"] if match else None
    if match and match["container"]:
        parts = container_parts(match["container"], services)
        service = parts[1] if parts else None
    who = f"service '{service}'" if service else "a service"
    what = f"image '{image}'" if image else "its image"
    if image:
        reason = "it is not on this machine and the registry does not have it"
    else:
        reason = "it is not on this machine and the registry cannot be reached"
    key = f"services.{service}.image" if service else "the service's `image:`"
    return errors.ImageNotFound(
        f"Compose could not get {what} for {who}: {reason}.",
        fix=f"Check the name and tag at {key} in compose.yaml (`docker pull IMAGE` tries the "
            "same download); if the name is right, check your network connection.",
        **common)


# ------------------------------------------------------------------ builds


_ERROR_LINE = re.compile(r"error|failed|not allowed|must be|yaml:|no such|cannot|denied|"
                         r"not found|not running|invalid|unknown|refused", re.IGNORECASE)


def composes_words(output: str) -> str:
    """The lines of Compose's output that say what went wrong (its progress lines left out).

    The progress lines were shown as Compose printed them; under the explanation only
    its error lines are repeated. When none looks like one, the last three lines are.
    """
    lines = [line.rstrip() for line in output.strip().splitlines() if line.strip()]
    errors_said = [line for line in lines if _ERROR_LINE.search(line)]
    return "\n".join(errors_said or lines[-3:])


def _last_line(text: str) -> str:
    return next((line.strip() for line in reversed(text.splitlines()) if line.strip()), "")
