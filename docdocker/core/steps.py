"""Steps: one frozen dataclass per Docker operation, the core every concept builds on.

A step is data. Each field declares, once, how it appears on the ``docker``
command line and which keyword of the ``docker`` SDK it becomes. Both
:attr:`Step.argv` (the exact command line) and :attr:`Step.sdk_kwargs` (what
the step's handler passes to the SDK) are derived by walking those
declarations, so the echoed command and the action cannot disagree. What is
shown and saved is :attr:`Step.cli`: ``argv`` with the values of secret-looking
variables masked (``-e PASSWORD=******``) by the secrets rule
(:mod:`docdocker.base.masking`).

The steps themselves live with their Docker noun (:mod:`docdocker.concepts.containers`,
:mod:`docdocker.concepts.images`, :mod:`docdocker.concepts.registries`,
:mod:`docdocker.concepts.compose`); this module knows none of them.

Example:
    >>> from docdocker import ports
    >>> from docdocker.concepts.containers import Run
    >>> step = Run(image="nginx", detach=True, publish=tuple(ports.parse("127.0.0.1:8080:80")))
    >>> step.cli
    'docker run -d -p 127.0.0.1:8080:80 nginx'
    >>> step.sdk_kwargs["ports"]
    {'80/tcp': ('127.0.0.1', 8080)}
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from docdocker.base import errors
from docdocker.base.deprecation import moved_names
from docdocker.base.masking import mask_argv, secret_values, shell_join

# The secrets rule lived here before it moved to docdocker.base.masking: reading one of
# its names from this module (``dd.steps.mask_text``) still works for one release.
__getattr__ = moved_names(__name__, "docdocker.base.masking", (
    "MASK", "Environment", "looks_secret", "mask_data", "mask_pair", "mask_text", "mask_value",
    "revealed"))

#: The label every object docdocker creates carries; its value names the notebook.
LABEL = "org.docdocker.notebook"
#: Set only by docdocker's own create and build calls, never inherited in a way that
#: matches: ``container`` on containers, the built tag on images. Docker copies an
#: image's labels into every image built ``FROM`` it and every container run from it,
#: so :data:`LABEL` alone cannot tell the tutorial's objects from a learner's.
OWNER = "org.docdocker.owner"

#: Marks a positional CLI argument (``docker stop NAME``).
POSITIONAL = "<positional>"
#: Marks trailing CLI arguments (the command after the image in ``docker run``).
REST = "<rest>"
#: Marks the SDK role "the object the method is called on" (``containers.get(NAME).stop()``).
TARGET = "<target>"
#: Marks the SDK role of a field of a step that is executed by running its own command
#: line (Docker Compose is a program, not an SDK call): the field appears only in argv.
COMMAND_LINE = "<command line>"


def check_notebook(notebook: object) -> None:
    """Refuse a notebook name that names no notebook (empty, blank, not a string).

    Raises:
        ValueError: With what was given and an example of a name.
    """
    if not isinstance(notebook, str) or not notebook.strip():
        raise ValueError(f"The notebook name {notebook!r} names no notebook: give a name "
                         "such as '01-containers' (it becomes the value of the label "
                         f"{LABEL}).")


def label_filter(notebook: str | None = None) -> dict[str, str]:
    """The ``--filter`` for one notebook's objects, or (None) for the whole tutorial's.

    Raises:
        ValueError: ``notebook`` is the empty string, which names no notebook (it
            must not silently widen to "the whole tutorial").
    """
    if notebook is not None:
        check_notebook(notebook)
    return {"label": f"{LABEL}={notebook}" if notebook else LABEL}


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


def pairs(mapping: Mapping[str, Any]) -> list[str]:
    """``KEY=VALUE`` words for ``--label``, ``--filter``, ``--build-arg``...

    A list value repeats the key (``--filter label=a --filter label=b``).
    """
    words: list[str] = []
    for key, value in mapping.items():
        for item in value if isinstance(value, (list, tuple)) else [value]:
            words.append(f"{key}={item}")
    return words


@dataclass(frozen=True)
class Step:
    """Base of every step. Subclasses set :attr:`command`.

    Attributes:
        command: The ``docker`` subcommand words, e.g. ``("run",)``.
        creates: True when the step creates an object that must carry the
            notebook label (the subclass then has a ``labels`` field).
        owner: The value of :data:`OWNER` the created object carries, when it
            does not depend on the step's values (``"container"``).
    """

    command: ClassVar[tuple[str, ...]] = ()
    creates: ClassVar[bool] = False
    owner: ClassVar[str] = ""

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
            elif value is True or not words:
                # A set field with no words is a bare flag: `--password-stdin` says where
                # the value comes from, and the value itself never reaches the echo.
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
        """The command as shown and saved: :attr:`argv` as one shell line, secrets masked.

        :attr:`argv` is exact (what the step executes, secrets included) and is never
        displayed; ``cli`` is :attr:`shown_argv` as a shell line, so ``-e PASSWORD=hunter2``
        reads ``-e PASSWORD=******`` (and a Secret's value is masked under any name).
        The echo shows ``cli``, so copying the rendered echo gives ``cli``; a command
        without secrets runs as typed.
        """
        return shell_join(self.shown_argv)

    @property
    def shown_argv(self) -> list[str]:
        """:attr:`argv` with secret values masked: what errors and tools may show."""
        values: set[str] = set()
        for f in self.declared_fields():
            values |= secret_values(getattr(self, f.name))
        return mask_argv(self.argv, values=values)

    @property
    def sdk_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for the SDK method (the :data:`TARGET` field excluded)."""
        kwargs: dict[str, Any] = {}
        for f in self.declared_fields():
            sdk = f.metadata["sdk"]
            value = getattr(self, f.name)
            if sdk in (TARGET, COMMAND_LINE) or _is_unset(value, f.default):
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

    def ownership(self) -> str:
        """The :data:`OWNER` value an object created by this step carries."""
        return self.owner

    def with_labels(self, labels: Mapping[str, str]) -> Step:
        """A copy carrying these labels and its ownership mark (only for steps that create)."""
        if not self.creates or not labels:
            return self
        merged = {**getattr(self, "labels", {}), **labels, OWNER: self.ownership()}
        return dataclasses.replace(self, labels=merged)  # type: ignore[call-arg]

    def validate(self) -> None:
        """Refuse values the engine would reject, before it is called (override per step)."""


def filters_given(filters: Any, command: str) -> dict[str, Any]:
    """A listing's filters as the SDK takes them, from what a learner may write: a dict
    (``{"dangling": "true"}``), or the CLI's ``KEY=VALUE`` text, alone or in a list.

    Raises:
        docdocker.base.errors.InvalidCommand: Anything else, with the two forms to use.
    """
    if filters is None:
        return {}
    if isinstance(filters, Mapping):
        return dict(filters)
    texts = [filters] if isinstance(filters, str) else filters
    found: dict[str, list[str]] = {}
    if isinstance(texts, (list, tuple)) and all(isinstance(t, str) and "=" in t for t in texts):
        for text in texts:
            key, _, value = text.partition("=")
            found.setdefault(key.strip(), []).append(value.strip())
        return {key: values[0] if len(values) == 1 else values for key, values in found.items()}
    raise errors.InvalidCommand(
        f"filters={filters!r} is not a filter docdocker can read.",
        fix=f"Write it as a dict, filters={{'label': 'x=y'}}, or as the CLI's KEY=VALUE text, "
            f"filters='dangling=true' (`docker {command} --filter dangling=true`).")


def all_steps() -> tuple[type[Step], ...]:
    """Every concrete step type defined so far, in definition order."""
    found: list[type[Step]] = []
    pending = list(Step.__subclasses__())
    while pending:
        cls = pending.pop(0)
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return tuple(found)
