"""Steps: one frozen dataclass per Docker operation.

A step is data. Each field declares, once, how it appears on the ``docker``
command line and which keyword of the ``docker`` SDK it becomes. Both
:attr:`Step.argv` (what the notebook echoes) and :attr:`Step.sdk_kwargs` (what
:mod:`docdocker.engine` passes to the SDK) are derived by walking those
declarations, so the echoed command and the action cannot disagree.

Example:
    >>> from docdocker import ports
    >>> step = Run(image="nginx", detach=True, publish=tuple(ports.parse("127.0.0.1:8080:80")))
    >>> step.cli
    'docker run -d -p 127.0.0.1:8080:80 nginx'
    >>> step.sdk_kwargs["ports"]
    {'80/tcp': ('127.0.0.1', 8080)}
"""

from __future__ import annotations

import dataclasses
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from docdocker import ports as _ports
from docdocker.ports import PortMapping

#: The label every object docdocker creates carries; its value names the notebook.
LABEL = "org.docdocker.notebook"



def label_filter(notebook: str | None = None) -> dict[str, str]:
    """The ``--filter`` for one notebook's objects, or (None) for the whole tutorial's."""
    return {"label": f"{LABEL}={notebook}" if notebook else LABEL}


def container_name(entry: Mapping[str, Any]) -> str:
    """The name to target a container by, from an engine list entry (``docker ps``).

    The first of its names without the leading ``/``, or its short ID if it has none.
    """
    names = entry.get("Names") or []
    return names[0].lstrip("/") if names else str(entry["Id"])[:12]


#: Marks a positional CLI argument (``docker stop NAME``).
POSITIONAL = "<positional>"
#: Marks trailing CLI arguments (the command after the image in ``docker run``).
REST = "<rest>"
#: Marks the SDK role "the object the method is called on" (``containers.get(NAME).stop()``).
TARGET = "<target>"


def arg(
    cli: str,
    sdk: str,
    *,
    default: Any = None,
    default_factory: Callable[[], Any] | None = None,
    cli_value: Callable[[Any], list[str]] | None = None,
    sdk_value: Callable[[Any], Any] | None = None,
) -> Any:
    """Declare a step field with its CLI and SDK forms.

    Args:
        cli: The flag (``-d``, ``--name``), or :data:`POSITIONAL` / :data:`REST`.
        sdk: The SDK keyword (``detach``, ``name``), or :data:`TARGET`.
        default: The value that means "not given": it is left off both forms.
        default_factory: As for :func:`dataclasses.field`.
        cli_value: Turns the value into the words that follow the flag, once
            per repetition; defaults to ``[str(value)]``.
        sdk_value: Turns the value into the SDK keyword's value; defaults to
            the value itself.
    """
    metadata = {"cli": cli, "sdk": sdk, "cli_value": cli_value, "sdk_value": sdk_value}
    if default_factory is not None:
        return field(default_factory=default_factory, metadata=metadata)
    return field(default=default, metadata=metadata)


def _is_unset(value: Any, default: Any) -> bool:
    return value is None or value is False or value == default or value in ((), {})


def _label_words(labels: Mapping[str, str]) -> list[str]:
    return [f"{key}={value}" for key, value in labels.items()]


def _env_words(env: Mapping[str, str]) -> list[str]:
    return [f"{key}={value}" for key, value in env.items()]


def _filter_words(filters: Mapping[str, str]) -> list[str]:
    return [f"{key}={value}" for key, value in filters.items()]


def _publish_words(publish: tuple[PortMapping, ...]) -> list[str]:
    return [mapping.cli for mapping in publish]


@dataclass(frozen=True)
class Step:
    """Base of every step. Subclasses set :attr:`command` and :attr:`sdk_method`.

    Attributes:
        command: The ``docker`` subcommand words, e.g. ``("run",)``.
        sdk_method: Where the SDK call goes: ``"containers.run"`` on the
            client, or ``"container.stop"`` on the object named by the
            :data:`TARGET` field.
        creates: True when the step creates an object that must carry the
            notebook label.
    """

    command: ClassVar[tuple[str, ...]] = ()
    sdk_method: ClassVar[str] = ""
    creates: ClassVar[bool] = False

    @classmethod
    def declared_fields(cls) -> tuple[dataclasses.Field[Any], ...]:
        """The dataclass fields, each carrying ``cli`` and ``sdk`` metadata."""
        return dataclasses.fields(cls)  # type: ignore[arg-type]

    @property
    def argv(self) -> list[str]:
        """The exact ``docker`` command line this step stands for."""
        options: list[str] = []
        positionals: list[str] = []
        rest: list[str] = []
        for f in self.declared_fields():
            value = getattr(self, f.name)
            if _is_unset(value, f.default):
                continue
            flag = f.metadata["cli"]
            words = self._cli_words(f, value)
            if flag == POSITIONAL:
                positionals.extend(words)
            elif flag == REST:
                rest.extend(words)
            elif value is True:
                options.append(flag)
            else:
                for word in words:
                    options.extend([flag, word])
        return ["docker", *self.command, *options, *positionals, *rest]

    @staticmethod
    def _cli_words(f: dataclasses.Field[Any], value: Any) -> list[str]:
        convert = f.metadata["cli_value"]
        if convert is not None:
            return list(convert(value))
        if isinstance(value, tuple):
            return [str(item) for item in value]
        return [str(value)]

    @property
    def cli(self) -> str:
        """:attr:`argv` as one shell line, quoted where needed."""
        return shlex.join(self.argv)

    @property
    def sdk_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for the SDK method (the :data:`TARGET` field excluded)."""
        kwargs: dict[str, Any] = {}
        for f in self.declared_fields():
            sdk = f.metadata["sdk"]
            value = getattr(self, f.name)
            if sdk == TARGET or _is_unset(value, f.default):
                continue
            convert = f.metadata["sdk_value"]
            kwargs[sdk] = convert(value) if convert is not None else value
        return kwargs

    @property
    def target(self) -> str | None:
        """The container (or other object) the step acts on, if any."""
        for f in self.declared_fields():
            if f.metadata["sdk"] == TARGET:
                return getattr(self, f.name)
        return None

    def with_labels(self, labels: Mapping[str, str]) -> Step:
        """A copy carrying these labels as well (only for steps that create objects)."""
        if not self.creates:
            return self
        merged = {**getattr(self, "labels", {}), **labels}
        return dataclasses.replace(self, labels=merged)  # type: ignore[call-arg]


@dataclass(frozen=True)
class Pull(Step):
    """Download an image from a registry.

    Equivalent CLI: ``docker pull IMAGE``
    """

    command: ClassVar[tuple[str, ...]] = ("pull",)
    sdk_method: ClassVar[str] = "api.pull"

    image: str = arg(POSITIONAL, "repository", default="")


@dataclass(frozen=True)
class Run(Step):
    """Create and start a container from an image.

    Equivalent CLI: ``docker run [-d] [--name NAME] [-p ...] [-e ...] IMAGE [COMMAND...]``
    """

    command: ClassVar[tuple[str, ...]] = ("run",)
    sdk_method: ClassVar[str] = "containers.run"
    creates: ClassVar[bool] = True

    image: str = arg(POSITIONAL, "image", default="")
    cmd: tuple[str, ...] = arg(REST, "command", default=(), sdk_value=list)
    detach: bool = arg("-d", "detach", default=False)
    remove: bool = arg("--rm", "remove", default=False)
    name: str | None = arg("--name", "name")
    publish: tuple[PortMapping, ...] = arg(
        "-p", "ports", default=(), cli_value=_publish_words, sdk_value=_ports.to_sdk
    )
    env: Mapping[str, str] = arg(
        "-e", "environment", default_factory=dict, cli_value=_env_words, sdk_value=dict
    )
    labels: Mapping[str, str] = arg(
        "--label", "labels", default_factory=dict, cli_value=_label_words, sdk_value=dict
    )


@dataclass(frozen=True)
class Ps(Step):
    """List containers.

    Equivalent CLI: ``docker ps [--all] [--filter KEY=VALUE]``
    """

    command: ClassVar[tuple[str, ...]] = ("ps",)
    sdk_method: ClassVar[str] = "containers.list"

    all: bool = arg("--all", "all", default=False)
    filters: Mapping[str, str] = arg(
        "--filter", "filters", default_factory=dict, cli_value=_filter_words, sdk_value=dict
    )


@dataclass(frozen=True)
class Stop(Step):
    """Stop a running container: SIGTERM, then SIGKILL after a grace period.

    Equivalent CLI: ``docker stop [--time SECONDS] CONTAINER``
    """

    command: ClassVar[tuple[str, ...]] = ("stop",)
    sdk_method: ClassVar[str] = "container.stop"

    container: str = arg(POSITIONAL, TARGET, default="")
    time: int | None = arg("--time", "timeout")


@dataclass(frozen=True)
class Kill(Step):
    """Send a signal (SIGKILL by default) to a running container.

    Equivalent CLI: ``docker kill [--signal SIGNAL] CONTAINER``
    """

    command: ClassVar[tuple[str, ...]] = ("kill",)
    sdk_method: ClassVar[str] = "container.kill"

    container: str = arg(POSITIONAL, TARGET, default="")
    signal: str | None = arg("--signal", "signal")


@dataclass(frozen=True)
class Rm(Step):
    """Remove a container.

    Equivalent CLI: ``docker rm [--force] [--volumes] CONTAINER``
    """

    command: ClassVar[tuple[str, ...]] = ("rm",)
    sdk_method: ClassVar[str] = "container.remove"

    container: str = arg(POSITIONAL, TARGET, default="")
    force: bool = arg("--force", "force", default=False)
    volumes: bool = arg("--volumes", "v", default=False)


@dataclass(frozen=True)
class Logs(Step):
    """Show what a container printed.

    Equivalent CLI: ``docker logs [--tail N] [--timestamps] CONTAINER``
    """

    command: ClassVar[tuple[str, ...]] = ("logs",)
    sdk_method: ClassVar[str] = "container.logs"

    container: str = arg(POSITIONAL, TARGET, default="")
    tail: int | None = arg("--tail", "tail")
    timestamps: bool = arg("--timestamps", "timestamps", default=False)


@dataclass(frozen=True)
class ContainerPrune(Step):
    """Remove every stopped container matching the filters.

    Equivalent CLI: ``docker container prune --force [--filter KEY=VALUE]``
    """

    # The CLI asks "Are you sure?" unless --force is given; the SDK never asks.
    # The echoed command carries --force so that both mean the same thing.
    command: ClassVar[tuple[str, ...]] = ("container", "prune", "--force")
    sdk_method: ClassVar[str] = "containers.prune"

    filters: Mapping[str, str] = arg(
        "--filter", "filters", default_factory=dict, cli_value=_filter_words, sdk_value=dict
    )


ALL_STEPS: tuple[type[Step], ...] = (Pull, Run, Ps, Stop, Kill, Rm, Logs, ContainerPrune)
