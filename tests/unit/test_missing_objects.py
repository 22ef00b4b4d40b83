"""A missing object is named with its own noun, and an empty name is the learner's to fix.

Each row is what an engine says (Engine 29 and 20.10 word these the same way) for a step,
and the message and the listing command a learner reads.
"""

from __future__ import annotations

import docker.errors
import pytest

from docdocker.base import errors
from docdocker.concepts.containers import Stop
from docdocker.concepts.images import Rmi
from docdocker.concepts.networks import NetworkConnect, NetworkCreate, NetworkRm
from docdocker.concepts.volumes import VolumeInspect, VolumeRm
from docdocker.core.steps import Step
from docdocker.friendly.engine import translate_error


def _not_found(words: str) -> docker.errors.NotFound:
    return docker.errors.NotFound(words, explanation=words)


@pytest.mark.parametrize(("step", "words", "message", "listing"), [
    (Stop(container="web"), "No such container: web",
     "No such container: web.", "docker ps --all"),
    (VolumeRm(volume="counter"), "get counter: no such volume",
     "No such volume: counter.", "docker volume ls"),
    (VolumeInspect(volume="counter"), "get counter: no such volume",
     "No such volume: counter.", "docker volume ls"),
    (NetworkRm(network="my-net"), "network my-net not found",
     "No such network: my-net.", "docker network ls"),
    # `docker network connect NET CONTAINER`: the engine's words say which one is missing.
    (NetworkConnect(network="my-net", container="ghost"), "No such container: ghost",
     "No such container: ghost.", "docker ps --all"),
    (NetworkConnect(network="nowhere", container="web"), "network nowhere not found",
     "No such network: nowhere.", "docker network ls"),
])
def test_each_missing_object_is_named_with_its_own_noun(
        step: Step, words: str, message: str, listing: str) -> None:
    found = translate_error(_not_found(words), step)
    assert isinstance(found, errors.StepFailed)
    assert found.message == message
    assert f"`{listing}`" in (found.fix or "")
    assert found.stderr == words  # the engine's own words stay visible


def test_a_missing_image_on_rmi_is_an_image_not_a_container() -> None:
    found = translate_error(_not_found("No such image: nope:1"), Rmi(image="nope:1"))
    assert found is not None
    assert "container" not in found.message.lower()


@pytest.mark.parametrize("step", [NetworkCreate(network=""), NetworkRm(network="")])
def test_an_empty_network_name_says_so_and_not_start_docker(step: Step) -> None:
    found = translate_error(docker.errors.NullResource("Resource ID was not provided"), step)
    assert isinstance(found, errors.InvalidCommand)
    assert found.message.startswith("The network name is empty")
    assert "Start" not in (found.fix or "") and "docker network ls" in (found.fix or "")
