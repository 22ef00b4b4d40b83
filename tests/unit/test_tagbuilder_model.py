"""The TagBuilder's model without a browser or an engine: parts and whole in sync, one
message per invalid part, the preview, and results that speak only of their own names."""

from __future__ import annotations

import pytest

from docdocker.base import errors
from docdocker.widgets.login_model import LoginModel
from docdocker.widgets.tagbuilder_model import TagBuilderModel, split_target


def test_the_guides_example_splits_into_user_repository_and_tag() -> None:
    m = TagBuilderModel(source="friendlyhello", target="elliot/experiments:1.0")
    assert (m.registry, m.namespace, m.repository, m.tag) == ("", "elliot", "experiments", "1.0")
    assert m.valid and m.problems == {}
    assert m.normalized == "docker.io/elliot/experiments:1.0"
    assert m.tag_cli == "docker tag friendlyhello elliot/experiments:1.0"
    assert m.push_cli == "docker push elliot/experiments:1.0"
    rows = {r["PART"]: r for r in m.explain()}
    assert rows["registry"]["DOCKER USES"] == "docker.io"
    assert rows["namespace"]["TYPED"] == "elliot"


def test_parts_and_whole_stay_in_sync_both_ways() -> None:
    m = TagBuilderModel(source="friendlyhello")
    m.registry, m.namespace, m.repository, m.tag = "localhost:5000", "team", "app", "1.0"
    assert m.target == "localhost:5000/team/app:1.0"
    m.target = "registry.example.com:443/a/b/c:v2"
    assert (m.registry, m.namespace, m.repository, m.tag) == (
        "registry.example.com:443", "a/b", "c", "v2")
    m.tag = ""
    assert m.target == "registry.example.com:443/a/b/c"
    assert m.normalized.endswith("/a/b/c:latest")


@pytest.mark.parametrize(("part", "value", "words"), [
    ("tag", "1.0:beta", ["contains ':'", "'1.0-beta'"]),
    ("tag", "x" * 129, ["129 characters", "limit is 128"]),
    ("tag", "-rc1", ["starts with '-'"]),
    ("tag", "v 1", ["' '", "not allowed in the tag"]),
    ("registry", "localhost:50a0", ["port '50a0' is not a number", "0-9"]),
    ("registry", "localhost:", ["no port number"]),
    ("registry", "localhost:99999", ["out of range"]),
    ("registry", "my_registry.com", ["'_' is not allowed in the registry name"]),
    ("registry", "myregistry", ["Docker Hub user", "namespace field"]),
    ("namespace", "Elliot", ["must be lowercase", "'elliot'"]),
    ("namespace", "team//x", ["empty part"]),
    ("namespace", "el!iot", ["'!' is not allowed in the namespace"]),
    ("repository", "Experiments", ["must be lowercase", "'experiments'"]),
    ("repository", "my app", ["' ' is not allowed in the repository"]),
    ("repository", "-app", ["start and end with a letter or digit"]),
    ("repository", "", ["Give the repository a name"]),
])
def test_each_invalid_part_gets_its_own_message(part: str, value: str, words: list[str]) -> None:
    m = TagBuilderModel(source="friendlyhello", target="localhost:5000/team/app:1.0")
    setattr(m, part, value)
    assert set(m.problems) == {part}, m.problems
    for word in words:
        assert word in m.problems[part]
    assert not m.valid and not m.can_apply
    assert m.normalized == ""


def test_a_typed_whole_reports_the_part_that_is_wrong() -> None:
    m = TagBuilderModel(source="friendlyhello", target="localhost:5000/Team/app:1.0:beta")
    assert set(m.problems) == {"namespace", "tag"}
    m.target = "localhost:5000/team/app@sha256:" + "a" * 64
    assert "digest" in m.problems["target"]
    m.source = ""
    assert "Choose the image" in m.problems["source"]


def test_a_colon_only_ever_starts_the_tag() -> None:
    assert split_target("localhost:5000/app") == {"registry": "localhost:5000", "namespace": "",
                                                  "repository": "app", "tag": ""}
    # Docker reads a lone host:port as image "localhost", tag "5000".
    assert split_target("localhost:5000")["tag"] == "5000"


def test_results_speak_only_of_the_names_they_were_obtained_for() -> None:
    m = TagBuilderModel(source="friendlyhello", target="localhost:5000/team/app:1.0")
    assert m.can_apply and not m.can_push
    m.started("tagging")
    m.tagged()
    assert m.state == "tagged" and "one more name" in m.message
    assert not m.can_apply and m.can_push  # the next step is offered, not the same one
    m.started("pushing")
    m.progressed({"a1": "Pushing", "b2": "Preparing"})
    m.pushed("sha256:" + "0" * 64, {"a1": "Pushed", "b2": "Layer already exists"})
    assert "1 of 2 layers sent" in m.message
    m.tag = "1.1"  # another target: the old success must not be shown for it
    assert m.state == "idle" and m.message == "" and m.layers == {}
    assert m.can_apply and not m.can_push


def test_a_failure_is_shown_and_the_action_can_be_retried() -> None:
    m = TagBuilderModel(source="friendlyhello", target="localhost:5000/team/app:1.0")
    m.started("tagging")
    m.tagged()
    m.started("pushing")
    m.failed(errors.RegistryAuthFailed("The registry localhost:5000 refused the push."))
    assert m.state == "failed" and "refused the push" in m.message
    assert m.can_push and m.can_apply
    assert "refused the push" in m.summary()


def test_the_login_model_never_holds_a_password() -> None:
    m = LoginModel(server="localhost:5001", username="student")
    assert m.cli == "docker login localhost:5001 -u student --password-stdin"
    assert "password" not in {name for name in m.trait_names() if not name.startswith("_")}
    m.username = ""
    assert m.problem and m.cli == "docker login localhost:5001 -u USER --password-stdin"
