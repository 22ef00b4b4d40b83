"""Values a learner may pass by mistake get a message and a fix, never a raw traceback."""

from __future__ import annotations

import pytest

from docdocker.base import errors
from docdocker.concepts.networks import NetworkCreate
from docdocker.core.steps import filters_given
from docdocker.tools import lesson


@pytest.mark.parametrize(("given", "expected"), [
    (None, {}),
    ({"dangling": "true"}, {"dangling": "true"}),
    ("dangling=true", {"dangling": "true"}),
    (["label=a=b", "label=c"], {"label": ["a=b", "c"]}),
    (("driver=bridge",), {"driver": "bridge"}),
])
def test_filters_are_read_as_a_dict_or_the_clis_key_value_text(given, expected) -> None:
    assert filters_given(given, "volume ls") == expected


@pytest.mark.parametrize("given", [3, "dangling", ["dangling"], object()])
def test_a_filter_docdocker_cannot_read_says_how_to_write_it(given) -> None:
    with pytest.raises(errors.InvalidCommand) as refused:
        filters_given(given, "volume ls")
    assert "docker volume ls --filter dangling=true" in (refused.value.fix or "")


@pytest.mark.parametrize("name", ["", "  ", None])
def test_a_network_without_a_name_is_refused_before_the_engine(name) -> None:
    with pytest.raises(errors.InvalidCommand) as refused:
        NetworkCreate(network=name).validate()
    assert "needs a name" in refused.value.message
    assert "network_create('my-net')" in (refused.value.fix or "")


@pytest.mark.parametrize("size", [float("nan"), float("inf"), -1, "big", None])
def test_a_size_chart_refuses_a_size_that_is_no_number_of_bytes(size) -> None:
    with pytest.raises(errors.DocDockerError) as refused:
        lesson.size_chart({"app": 10.0, "broken": size})
    assert "'broken'" in refused.value.message and "number of bytes" in refused.value.message
