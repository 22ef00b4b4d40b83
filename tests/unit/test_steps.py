"""Steps derive their echoed argv and their SDK kwargs from one declaration."""

from __future__ import annotations

import dataclasses

import pytest

from docdocker.concepts import containers
from docdocker.concepts.credentials import Secret
from docdocker.concepts.run import Run
from docdocker.core import steps
from docdocker.core.steps import COMMAND_LINE, LABEL, OWNER, TARGET
from docdocker.grammar import ports

# A non-default value for every field of every step: each must show up in both forms.
SAMPLES = {
    "image": "nginx:1.25",
    "cmd": ("echo", "hello world"),
    "detach": True,
    "remove": True,
    "name": "web",
    "publish": tuple(ports.parse("127.0.0.1:8080:80")),
    "env": {"GREETING": "hi there"},
    "labels": {LABEL: "01-containers"},
    "all": True,
    "filters": {"label": LABEL},
    "container": "web",
    "timeout": 3,
    "quiet": True,
    "follow": True,
    "type": "container",
    "signal": "SIGTERM",
    "force": True,
    "volumes": True,
    "tail": 5,
    "timestamps": True,
    "network": "app_default",
    "volume": "app_data",
    "image_ref": "nginx:1.25",
    "mounts": ("app_data:/data",),
    "mount": ("type=volume,src=app_data,dst=/data",),
    "output": "classroom.tar",
    "input": "classroom.tar",
    "images": ("nginx", "busybox:1.36"),
    "new_image": "127.0.0.1:5050/library/nginx:latest",
    "server": "localhost:5000",
    "username": "student",
    "password": Secret("example"),
    "build": True,
    "scale": {"web": 3},
    "services": ("web", "redis"),
    "format": "json",
    "no_log_prefix": True,
    "no_tty": True,
    "index": 2,
    "service": "web",
    "private_port": 80,
    "list_services": True,
    "rmi": "local",
    "repository": "friendlyhello",
    "path": "apps/friendlyhello",
    "tag": "friendlyhello:v2",
    "dockerfile": "apps/friendlyhello/Dockerfile.naive",
    "buildargs": {"PYTHON_VERSION": "3.11"},
    "nocache": True,
    "force_rm": True,
    "no_trunc": True,
    "stage": "builder",
    "digests": True,
    "secrets": ("id=pw,src=pw.txt",),
}


@pytest.mark.parametrize("step_type", steps.all_steps(), ids=lambda t: t.__name__)
def test_every_field_declares_a_cli_form_and_an_sdk_keyword(step_type: type[steps.Step]) -> None:
    for f in step_type.declared_fields():
        assert f.metadata.get("cli"), f"{step_type.__name__}.{f.name} has no CLI form"
        assert f.metadata.get("sdk"), f"{step_type.__name__}.{f.name} has no SDK keyword"


@pytest.mark.parametrize("step_type", steps.all_steps(), ids=lambda t: t.__name__)
def test_every_field_set_appears_in_both_the_echo_and_the_call(
    step_type: type[steps.Step],
) -> None:
    values = {f.name: SAMPLES[f.name] for f in step_type.declared_fields()}
    step = step_type(**values)
    for f in step_type.declared_fields():
        default = step_type(**{**values, f.name: _unset(f)})
        assert step.argv != default.argv, f"{f.name} does not change the echoed command"
        if f.metadata["sdk"] == TARGET:
            assert step.target == values[f.name]
        elif f.metadata["sdk"] == COMMAND_LINE:
            # Executed by running its own argv (Compose, a build's secrets): the echo
            # is the call, and the field adds nothing to an SDK call.
            assert step.sdk_kwargs == default.sdk_kwargs
        else:
            assert f.metadata["sdk"] in step.sdk_kwargs, f"{f.name} missing from the SDK call"
            assert f.metadata["sdk"] not in default.sdk_kwargs


def _unset(f: dataclasses.Field) -> object:
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return f.default


def test_run_echo_and_kwargs_agree_on_a_full_example() -> None:
    step = Run(
        image="nginx",
        detach=True,
        name="web",
        publish=tuple(ports.parse("127.0.0.1:8080:80")),
        env={"MODE": "two words"},
        cmd=("nginx", "-g", "daemon off;"),
    )
    assert step.cli == (
        "docker run -d --name web -p 127.0.0.1:8080:80 -e 'MODE=two words' nginx "
        "nginx -g 'daemon off;'"
    )
    assert step.sdk_kwargs == {
        "image": "nginx",
        "command": ["nginx", "-g", "daemon off;"],
        "detach": True,
        "name": "web",
        "ports": {"80/tcp": ("127.0.0.1", 8080)},
        "environment": ["MODE=two words"],
    }


def test_positionals_follow_options_and_the_command_comes_last() -> None:
    argv = Run(image="busybox", cmd=("sh", "-c", "echo hi"), remove=True).argv
    assert argv == ["docker", "run", "--rm", "busybox", "sh", "-c", "echo hi"]


def test_labels_are_added_only_to_steps_that_create_objects() -> None:
    labels = {LABEL: "01-containers"}
    run = Run(image="nginx").with_labels(labels)
    assert "--label" in run.argv
    assert run.sdk_kwargs["labels"] == {**labels, OWNER: "container"}
    assert containers.Stop(container="web").with_labels(labels) == containers.Stop(container="web")


def test_prune_echo_carries_force_because_the_sdk_never_asks() -> None:
    step = containers.ContainerPrune(filters={"label": f"{LABEL}=01-containers"})
    assert step.argv == ["docker", "container", "prune", "--force", "--filter",
                         f"label={LABEL}=01-containers"]
    assert step.sdk_kwargs == {"filters": {"label": f"{LABEL}=01-containers"}}


def test_stop_timeout_zero_is_kept() -> None:
    step = containers.Stop(container="web", timeout=0)
    assert step.argv == ["docker", "stop", "-t", "0", "web"]
    assert step.sdk_kwargs == {"timeout": 0}
