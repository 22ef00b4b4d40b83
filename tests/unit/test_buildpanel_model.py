"""The BuildPanel's model, without widgets or an engine."""

from __future__ import annotations

import os

import pytest

from docdocker.base import errors
from docdocker.concepts.buildlog import BuildLog
from docdocker.core.steps import LABEL, OWNER
from docdocker.widgets.buildpanel_model import BuildPanelModel, check_tag, image_summary


def model(**kwargs: object) -> BuildPanelModel:
    values = {"folder": "apps/friendlyhello", "dockerfile": "FROM busybox\n",
              "tag": "friendlyhello", "labels": {LABEL: "02-dockerfiles"}}
    values.update(kwargs)
    return BuildPanelModel(**values)


@pytest.mark.parametrize(("kind", "force_rm"), [("buildkit", ""), ("classic", "--force-rm ")])
def test_a_valid_tag_gives_the_exact_build_line_and_allows_build(
    kind: str, force_rm: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from docdocker.concepts.build import Builder
    from docdocker.widgets import buildpanel_model

    # --force-rm removes the classic builder's failed-step container; BuildKit has none.
    monkeypatch.setattr(buildpanel_model, "builder", lambda: Builder(kind, "0.29.1"))
    m = model()
    assert m.tag_error == ""
    assert m.can_build
    assert m.cli == (f"docker build -t friendlyhello {force_rm}--label {LABEL}=02-dockerfiles "
                     f"--label {OWNER}=friendlyhello:latest apps/friendlyhello")


@pytest.mark.parametrize(("tag", "words"), [
    ("Friendly", "must be lowercase"),
    ("friendly hello", "invalid character ' '"),
    ("friendlyhello:", "tag"),
    ("friendlyhello:-v2", "tag"),
    ("friendlyhello@sha256:" + "0" * 64, "digest"),
    ("", "Give the image a name"),
])
def test_a_bad_tag_says_which_part_is_wrong_and_blocks_build(tag: str, words: str) -> None:
    m = model(tag=tag)
    assert words.lower() in m.tag_error.lower()
    assert not m.can_build


def test_the_message_follows_the_tag_as_it_is_typed() -> None:
    m = model(tag="Friendly")
    assert m.tag_error
    m.tag = "friendly"
    assert m.tag_error == ""
    assert m.can_build
    assert " -t friendly " in m.cli


def test_an_empty_dockerfile_cannot_be_built() -> None:
    assert not model(dockerfile="  \n").can_build


def test_a_dockerfile_saved_elsewhere_is_named_with_f() -> None:
    m = model(dockerfile_path="scratch/Dockerfile.naive")
    assert "-f scratch/Dockerfile.naive" in m.cli
    assert m.path == "scratch/Dockerfile.naive"
    same = model(dockerfile_path=os.path.join("apps/friendlyhello", "Dockerfile"))
    assert "-f" not in same.step.argv


def test_a_build_moves_through_its_states_and_an_edit_clears_a_stale_result() -> None:
    m = model()
    m.started()
    assert m.state == "building" and not m.can_build
    log = BuildLog()
    log.feed({"stream": "Step 1/2 : FROM busybox\n ---> d0\nStep 2/2 : ENV A=1\n"})
    m.progressed(log)
    assert m.status == "Step 2/2 : ENV A=1"
    assert "Step 1/2 : FROM busybox" in m.log
    m.built({"Id": "sha256:" + "ab" * 32, "Size": 4_300_000,
             "RootFS": {"Layers": ["sha256:1", "sha256:2"]}})
    assert m.state == "built" and m.can_build
    assert m.result == {"id": "abababababab", "size": "4.3MB", "layers": "2",
                        "tag": "friendlyhello", "cli": m.cli}
    assert "Built friendlyhello: image abababababab, 4.3MB, 2 layers" in m.summary()
    m.dockerfile = "FROM busybox\nENV A=2\n"
    assert m.state == "idle" and m.result == {}


def test_a_failed_build_keeps_the_friendly_message_until_the_next_edit() -> None:
    m = model()
    m.started()
    m.failed(errors.BuildFailed("Dockerfile, line 2: COPPY is not a Dockerfile instruction.",
                                fix="Check the spelling on line 2."))
    assert m.state == "failed"
    assert "line 2" in m.error
    assert m.can_build
    m.tag = "friendlyhello:v2"
    assert m.error == "" and m.state == "idle"


def test_check_tag_and_image_summary_are_plain_functions() -> None:
    assert check_tag("localhost:5000/friendlyhello:v2") == ""
    assert image_summary({}) == {"id": "", "size": "0B", "layers": "0"}
