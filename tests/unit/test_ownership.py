"""One ownership rule: both marks, the right owner mark, and the notebook when one is asked."""

from __future__ import annotations

import pytest

from docdocker.concepts import ownership, volumes
from docdocker.core.steps import LABEL, OWNER


@pytest.mark.parametrize("owner", [ownership.CONTAINER_OWNER, ownership.VOLUME_OWNER,
                                   ownership.NETWORK_OWNER])
def test_an_object_is_the_tutorials_only_with_both_marks_and_its_own_owner_mark(
    owner: str,
) -> None:
    mine = {LABEL: "01-containers", OWNER: owner}
    assert ownership.made_by_tutorial(mine, owner=owner)
    assert ownership.made_by_tutorial(mine, "01-containers", owner=owner)
    assert not ownership.made_by_tutorial(mine, "02-dockerfiles", owner=owner)
    # The notebook label copied by hand, or inherited from an image: no owner mark.
    assert not ownership.made_by_tutorial({LABEL: "01-containers"}, owner=owner)
    assert not ownership.made_by_tutorial({OWNER: owner}, owner=owner)
    assert not ownership.made_by_tutorial(None, owner=owner)
    other = "image-tag" if owner == ownership.CONTAINER_OWNER else ownership.CONTAINER_OWNER
    assert not ownership.made_by_tutorial({**mine, OWNER: other}, owner=owner)


def test_a_container_is_what_the_rule_asks_about_by_default() -> None:
    container = {LABEL: "n", OWNER: ownership.CONTAINER_OWNER}
    assert ownership.made_by_tutorial(container)
    assert not ownership.made_by_tutorial({LABEL: "n", OWNER: ownership.VOLUME_OWNER})


def test_the_volume_rule_is_the_one_rule_with_the_volume_mark() -> None:
    volume = {LABEL: "n", OWNER: ownership.VOLUME_OWNER}
    assert volumes.made_by_tutorial(volume, "n")
    assert not volumes.made_by_tutorial(volume, "m")
    assert not volumes.made_by_tutorial({LABEL: "n", OWNER: ownership.CONTAINER_OWNER})
