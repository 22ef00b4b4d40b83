"""A megabyte pasted into a field or echoed in one word costs milliseconds, not seconds."""

from __future__ import annotations

import html
import re
import time

from docdocker.base import render
from docdocker.concepts.run import Run
from docdocker.widgets.portmapper_model import MAX_NAME, PortMapperModel
from docdocker.widgets.tagbuilder_model import TagBuilderModel

MEGABYTE = "a" * 1_000_000


def _copied(echo: str) -> str:
    """What copying the rendered echo gives: the text, without the unselectable prompt."""
    code = re.search(r'<code class="docdocker-cli"[^>]*>(.*)</code>', echo, re.S)
    assert code is not None
    return html.unescape(re.sub(r"<[^>]+>", "", code.group(1)))


def test_echoing_a_one_megabyte_word_is_linear() -> None:
    start = time.perf_counter()
    echo = render.command_html(f"docker run --name {MEGABYTE} busybox")
    assert time.perf_counter() - start < 1
    assert _copied(echo) == f"docker run --name {MEGABYTE} busybox"


def test_the_echo_still_copies_as_the_command_with_quotes_and_labels() -> None:
    step = Run(image="registry:2", env={"REGISTRY_AUTH_HTPASSWD_REALM": "Registry Realm",
                                        "QUOTE": "it's"},
               labels={"org.docdocker.notebook": "03-registries"})
    echo = render.command_html(step.cli)
    assert _copied(echo) == step.cli
    assert 'class="docdocker-bookkeeping"' in echo


def test_a_line_shlex_did_not_make_is_shown_untouched() -> None:
    for cli in ["docker run  x", "docker run 'a", "docker ps "]:
        assert _copied(render.command_html(cli)) == cli


def test_the_port_mappers_name_box_caps_a_pasted_megabyte_with_a_message() -> None:
    start = time.perf_counter()
    model = PortMapperModel(image="nginx", name=MEGABYTE)
    assert time.perf_counter() - start < 1
    assert ("The container name is 1,000,000 characters long (it starts 'aaaa"
            in model.error)
    assert f"the name box takes at most {MAX_NAME}" in model.error
    assert len(model.error) < 1000  # the message does not repeat the megabyte
    assert model.name == MEGABYTE  # nothing the learner typed is thrown away


def test_the_tag_builder_says_a_pasted_megabyte_tag_is_too_long() -> None:
    start = time.perf_counter()
    model = TagBuilderModel(source="busybox", target=f"me/app:{MEGABYTE}")
    assert time.perf_counter() - start < 1
    assert "The tag is 1000000 characters long; the limit is 128" in " ".join(
        model.problems.values())
    assert not model.valid
