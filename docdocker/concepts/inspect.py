"""``docker inspect``: any container's or image's full configuration and state.

``docker inspect -f '{{.State.ExitCode}}' web`` prints one value picked out of
that configuration with a Go template. :func:`format_template` evaluates the
part of Go's template language people use with ``inspect``: field paths
(``{{.Config.StopSignal}}``), ``{{json .Config.Cmd}}`` and text around them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import docker.errors

from docdocker.base import errors
from docdocker.core.engine import Engine, StepResult, handles
from docdocker.core.steps import POSITIONAL, TARGET, Step, arg

_ACTION = re.compile(r"{{-?\s*(.*?)\s*-?}}")
_PATH = re.compile(r"^\.(?:[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)?$")


@dataclass(frozen=True)
class Inspect(Step):
    """A container's or an image's configuration and state, or one value from it.

    Like the CLI, a name is looked up as a container first, then as an image.

    Equivalent CLI: ``docker inspect [-f TEMPLATE] [--type container|image] NAME``
    """

    command: ClassVar[tuple[str, ...]] = ("inspect",)

    name: str = arg(POSITIONAL, TARGET, default="")
    format: str | None = arg("-f", "format")
    type: str | None = arg("--type", "type")

    def validate(self) -> None:
        if self.type not in (None, "container", "image"):
            raise errors.InvalidTemplate(
                f"--type {self.type!r} is not a type docdocker can inspect.",
                fix="Use `--type container` or `--type image`, or leave it out.",
                command=self.argv,
            )
        if self.format is not None:
            format_template(self.format, {}, check_only=True, command=self.argv)


@dataclass(frozen=True)
class ContainerInspect(Step):
    """Show a container's configuration and state; ``value`` is the engine's answer.

    Equivalent CLI: ``docker container inspect CONTAINER``
    """

    command: ClassVar[tuple[str, ...]] = ("container", "inspect")

    container: str = arg(POSITIONAL, TARGET, default="")


@handles(ContainerInspect)
def inspect_container(engine: Engine, step: ContainerInspect) -> StepResult:
    """``api.inspect_container``; printed as the CLI prints it (a JSON list)."""
    attrs = engine.client.api.inspect_container(step.target)
    return StepResult(step, output=json.dumps([attrs], indent=4) + "\n", value=attrs)


@handles(Inspect)
def inspect_object(engine: Engine, step: Inspect) -> StepResult:
    """``containers.get(NAME).attrs``, else ``images.get(NAME).attrs``; printed as the CLI does."""
    attrs = _lookup(engine, step)
    if step.format is None:
        text = json.dumps([attrs], indent=4)
    else:
        text = format_template(step.format, attrs, command=step.argv)
    return StepResult(step, output=text + "\n", value=attrs)


def _lookup(engine: Engine, step: Inspect) -> Mapping[str, Any]:
    if step.type in (None, "container"):
        try:
            return dict(engine.client.containers.get(step.name).attrs)
        except docker.errors.NotFound:
            if step.type == "container":
                raise
    try:
        return dict(engine.client.images.get(step.name).attrs)
    except docker.errors.ImageNotFound as err:
        raise errors.StepFailed(
            f"No such object: {step.name}: no container and no image has that name.",
            fix="List what exists with `docker ps --all` and `docker images`, and use a "
                "NAME, an ID or an image reference from there.",
            command=step.argv, exit_code=1, stderr=f"Error: No such object: {step.name}",
        ) from err


def format_template(
    template: str,
    data: Mapping[str, Any],
    *,
    check_only: bool = False,
    command: list[str] | None = None,
) -> str:
    """Evaluate an ``inspect`` Go template against ``data``.

    Supports ``{{.Path.To.Field}}``, ``{{json .Path}}`` and ``{{.}}``, with any text
    around them. Values print as Go prints them (``true``, ``[a b]``, ``map[k:v]``).
    A field the engine left out of its answer prints as an empty string, as the
    CLI prints an unset field; a field whose case is wrong is an error.

    Raises:
        docdocker.base.errors.InvalidTemplate: Template syntax docdocker does not evaluate,
            or a field name with the wrong case.
    """
    out: list[str] = []
    pos = 0
    for match in _ACTION.finditer(template):
        out.append(template[pos:match.start()])
        pos = match.end()
        words = match.group(1).split()
        as_json = len(words) == 2 and words[0] == "json"
        path = words[-1] if words else ""
        if not words or len(words) > 2 or (len(words) == 2 and not as_json) \
                or not _PATH.match(path):
            raise errors.InvalidTemplate(
                f"docdocker cannot evaluate the template part {match.group(0)!r}: it "
                "understands field paths such as {{.State.ExitCode}} and "
                "{{json .Config.Cmd}}.",
                fix="Write the field's path starting with a dot, e.g. "
                    "`{{.Config.StopSignal}}`; run `docker inspect NAME` without -f to "
                    "see every field.",
                command=command,
            )
        if check_only:
            continue
        value = _walk(data, path, template, command)
        out.append(json.dumps(value, separators=(",", ":")) if as_json
                   else _go_text(value, top=True))
    if "{{" in template[pos:] or "}}" in template[pos:]:
        raise errors.InvalidTemplate(
            f"The template {template!r} has a {{{{ without its }}}} (or the other way round).",
            fix="Close every `{{` with `}}`, e.g. `{{.State.Status}}`.",
            command=command,
        )
    out.append(template[pos:])
    return "".join(out)


def _walk(data: Any, path: str, template: str, command: list[str] | None) -> Any:
    value = data
    keys = [k for k in path.split(".") if k]
    for depth, key in enumerate(keys):
        if not isinstance(value, Mapping):
            return None
        if key not in value:
            near = [k for k in value if k.lower() == key.lower()]
            if near:
                raise errors.InvalidTemplate(
                    f"The template {template!r} asks for {key!r}, but the field is "
                    f"called {near[0]!r}: field names are case-sensitive.",
                    fix=f"Write `{near[0]}`.", command=command,
                )
            if depth < len(keys) - 1:
                raise errors.InvalidTemplate(
                    f"The template {template!r} asks for {key!r}, which this object does "
                    f"not have (map has no entry for key {key!r}).",
                    fix="Run `docker inspect NAME` without -f to see the fields it has "
                        "(an image has no State; a container has both Config and State).",
                    command=command,
                )
            return ""  # a field the engine leaves out when it is unset
        value = value[key]
    return value


def _go_text(value: Any, *, top: bool = False) -> str:
    """A value as Go's ``text/template`` prints it."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        if not value and not top:
            return "{}"
        return "map[" + " ".join(f"{k}:{_go_text(value[k])}" for k in sorted(value)) + "]"
    if isinstance(value, (list, tuple)):
        return "[" + " ".join(_go_text(v) for v in value) + "]"
    return str(value)
