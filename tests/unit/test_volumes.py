"""Volume steps and mount values, without an engine."""

from __future__ import annotations

import os

import pytest

from docdocker.base import errors
from docdocker.concepts.run import Run
from docdocker.concepts.volumes import (
    VolumePrune,
    parse_mount,
    prune_needs_all,
    relative_to_absolute,
)


def test_a_host_folder_written_from_here_is_made_absolute_for_the_engine_only() -> None:
    step = Run(image="busybox", mounts=("./apps/friendlyhello:/app:ro", "counter:/data"))
    assert step.cli == "docker run -v ./apps/friendlyhello:/app:ro -v counter:/data busybox"
    assert step.sdk_kwargs["volumes"] == [
        f"{os.path.abspath('apps/friendlyhello')}:/app:ro", "counter:/data"]
    assert relative_to_absolute("/abs:/app") == "/abs:/app"


def test_the_long_form_of_a_mount_becomes_the_sdks_mount() -> None:
    mount = parse_mount("type=volume,src=counter,dst=/data")
    assert (mount["Type"], mount["Source"], mount["Target"], mount["ReadOnly"]) == (
        "volume", "counter", "/data", False)
    bind = parse_mount("type=bind,source=./apps,target=/app,readonly")
    assert (bind["Type"], bind["Source"], bind["ReadOnly"]) == (
        "bind", os.path.abspath("apps"), True)


@pytest.mark.parametrize(("spec", "words"), [
    ("src=counter,dest=/data", ["'dest'", "type=volume,src=counter,dst=/data"]),
    ("type=tmpfs,dst=/data", ["'tmpfs'", "type=volume"]),
    ("type=volume,src=counter", ["no absolute path", "dst="]),
    ("type=bind,src=apps,dst=/app", ["host folder", "src=./apps/friendlyhello"]),
])
def test_a_mount_value_docker_would_refuse_says_what_to_write(spec: str,
                                                              words: list[str]) -> None:
    with pytest.raises(errors.DocDockerError) as caught:
        Run(image="redis:7", mount=(spec,)).validate()
    text = str(caught.value)
    assert spec in text and all(w in text for w in words)
    assert "docker run --mount" in text  # the echoed command


def test_prune_asks_for_named_volumes_only_where_the_engine_knows_all() -> None:
    assert prune_needs_all("1.51") and prune_needs_all("1.42")
    assert not prune_needs_all("1.41")  # Engine 20.10: prune already removes named volumes
    step = VolumePrune(all=True, filters={"label": "org.docdocker.notebook=x"})
    assert step.cli == ("docker volume prune --force --all --filter "
                        "label=org.docdocker.notebook=x")


class _FakeApi:
    def __init__(self, version: str) -> None:
        self.api_version = version
        self.asked: list[dict[str, object]] = []

    def prune_volumes(self, filters: dict[str, object]) -> dict[str, object]:
        self.asked.append(filters)
        return {"VolumesDeleted": ["counter"], "SpaceReclaimed": 0}


class _FakeClient:
    def __init__(self, version: str) -> None:
        self.api = _FakeApi(version)


@pytest.mark.parametrize(("version", "all_filter"), [("1.51", True), ("1.41", False)])
def test_the_scoped_prune_sends_all_only_to_engines_that_have_it(version: str,
                                                                 all_filter: bool) -> None:
    from docdocker.core.console import Console
    from docdocker.session.tutorial import Tutorial

    fake = _FakeClient(version)
    result = Tutorial("04-data-and-networks", fake, Console()).volume_prune()
    (filters,) = fake.api.asked
    assert ("all" in filters) is all_filter
    assert filters["label"] == ["org.docdocker.notebook=04-data-and-networks",
                                "org.docdocker.owner=volume"]
    assert ("--all" in result.cli) is all_filter
    assert result.output.startswith("Deleted Volumes:\ncounter\n")
