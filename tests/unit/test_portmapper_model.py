"""Unit tests for the PortMapper's model: validation, derived -p flags and docker run line.

No engine is needed. Taken ports are real listening sockets on 127.0.0.1. The
last section drives the widget's view the way ipywidgets' own tests do (set
values, call ``.click()``), still without an engine: every PortMapper there is
given its mappings, so it never looks an image up, and Run is only clicked
while it is blocked.
"""

from __future__ import annotations

import socket
import time
import warnings
from collections.abc import Iterator

import ipywidgets as widgets
import pytest

from docdocker.base.errors import InvalidPortSpec, NameConflict, PortAllocated
from docdocker.concepts.run import Run
from docdocker.core.steps import LABEL
from docdocker.grammar import ports
from docdocker.grammar.ports import GRAMMAR, PortMapping
from docdocker.widgets.portmapper import PortMapper
from docdocker.widgets.portmapper_model import (
    MAX_ROWS,
    PortMapperModel,
    PortRow,
    everywhere_warning,
)


@pytest.fixture
def listener(free_port: int) -> Iterator[int]:
    """A port something really listens on (127.0.0.1), as a web server would."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", free_port))
        sock.listen()
        yield free_port


def other_free_port(after: int, avoid: tuple[int, ...] = ()) -> int:
    port = ports.find_free("127.0.0.1", after + 1)
    while port in avoid:
        port = ports.find_free("127.0.0.1", port + 1)
    return port


def model(**kwargs) -> PortMapperModel:
    return PortMapperModel(image="nginx", **kwargs)


# ---------------------------------------------------------------- the -p box
def test_invalid_spec_quotes_the_input_and_shows_the_grammar() -> None:
    m = model()
    m.spec = "8080:eighty"
    assert isinstance(m.spec_problem, InvalidPortSpec)
    assert "'8080:eighty'" in m.error
    assert GRAMMAR in m.error
    assert not m.valid
    # Adding it does nothing but keep the text for the learner to correct.
    assert m.add_spec() == []
    assert m.rows == []
    assert m.spec == "8080:eighty"


def test_a_valid_spec_adds_one_row_per_container_port_and_clears_the_box(free_port) -> None:
    if not ports.is_free("127.0.0.1", free_port + 1):
        pytest.skip("the port after free_port is taken on this machine")
    m = model()
    spec = f"127.0.0.1:{free_port}-{free_port + 1}:80-81"
    added = m.add_spec(spec)
    assert added == ports.parse(spec)
    assert [row.spec for row in m.rows] == [
        f"127.0.0.1:{free_port}:80", f"127.0.0.1:{free_port + 1}:81"
    ]
    assert m.spec == ""
    assert m.error == ""


def test_a_host_range_stays_one_row_the_engine_picks_from() -> None:
    m = model()
    m.add_spec("127.0.0.1:40000-40010:80")
    assert [row.host_port for row in m.rows] == ["40000-40010"]
    assert m.mappings == [PortMapping(80, "tcp", "127.0.0.1", 40000, 40010)]
    assert m.error == ""


def test_a_typed_but_unadded_spec_blocks_run_with_a_hint(free_port) -> None:
    m = model()
    m.add_spec(f"127.0.0.1:{free_port}:80")
    m.spec = "127.0.0.1::81"
    assert m.spec_hint == "Press Enter or Add to add 1 row: 127.0.0.1::81"
    assert "not added yet" in m.error
    assert m.spec_problem is None
    assert not m.valid


def test_adding_a_spec_replaces_a_row_still_waiting_for_its_container_port(free_port) -> None:
    m = model()
    m.add_row()  # as for an image that is not on this machine: container port blank
    assert "No container port yet" in m.error
    m.add_spec(f"127.0.0.1:{free_port}:80")
    assert [row.spec for row in m.rows] == [f"127.0.0.1:{free_port}:80"]
    assert m.error == ""


# ---------------------------------------------------------------- rows
@pytest.mark.parametrize(
    ("host_port", "container_port", "bad"),
    [(70000, 80, "host port 70000"), (8080, 0, "container port 0"),
     (8080, 65536, "container port 65536")],
)
def test_a_port_outside_1_to_65535_is_flagged(host_port, container_port, bad) -> None:
    m = model()
    row = m.add_row(container_port=container_port, host_port=host_port)
    assert isinstance(row.problem, InvalidPortSpec)
    assert f"the {bad} is out of range 1-65535" in m.error
    assert m.error.startswith("Row 1: ")
    assert row.mapping is None and m.mappings == []
    assert not m.valid


def test_a_port_that_is_not_a_number_is_flagged() -> None:
    m = model()
    m.add_row(container_port="eighty", host_port=8080)
    assert "the container port 'eighty' is not a number" in m.error


def test_duplicate_host_ports_are_flagged_on_the_later_row(free_port) -> None:
    m = model()
    first = m.add_row(container_port=80, host_port=free_port)
    second = m.add_row(container_port=81, host_port=free_port)
    assert first.problem is None
    assert isinstance(second.problem, InvalidPortSpec)
    assert f"Host port {free_port}/tcp is already published by row 1" in m.error
    assert second.suggestion is not None and second.suggestion != free_port
    assert ports.is_free("127.0.0.1", second.suggestion)
    # The suggestion fixes it.
    second.host_port = str(second.suggestion)
    assert m.error == ""


def test_every_interface_overlaps_a_specific_address(free_port) -> None:
    m = model()
    m.add_row(container_port=80, host_port=free_port, host_ip="127.0.0.1")
    m.add_row(container_port=81, host_port=free_port, host_ip="0.0.0.0")
    assert "already published by row 1" in m.error


def test_same_host_port_with_another_protocol_is_no_duplicate(free_port) -> None:
    if not ports.is_free("127.0.0.1", free_port, "udp"):
        pytest.skip("udp port taken")
    m = model()
    m.add_row(container_port=53, host_port=free_port, protocol="tcp")
    m.add_row(container_port=53, host_port=free_port, protocol="UDP")
    assert m.rows[1].protocol == "udp"
    assert m.error == ""
    assert m.sdk_ports == {"53/tcp": ("127.0.0.1", free_port), "53/udp": ("127.0.0.1", free_port)}


def test_a_taken_host_port_is_flagged_with_a_free_one_to_use(listener: int) -> None:
    m = model()
    row = m.add_row(container_port=80, host_port=listener)
    assert isinstance(row.problem, PortAllocated)
    assert f"Host port {listener}/tcp on 127.0.0.1 is already in use" in m.error
    suggestion = row.suggestion
    assert suggestion is not None and suggestion > listener
    assert ports.is_free("127.0.0.1", suggestion)
    assert f'use {suggestion}' in m.error
    assert not m.valid
    row.host_port = str(suggestion)
    assert m.error == "" and m.valid


def test_a_listener_on_every_interface_takes_the_port_on_127_0_0_1(free_port) -> None:
    with socket.socket() as sock:
        sock.bind(("0.0.0.0", free_port))
        sock.listen()
        m = model()
        m.add_spec(f"127.0.0.1:{free_port}:80")
        assert isinstance(m.rows[0].problem, PortAllocated)


def test_the_port_check_names_the_container_that_holds_the_port(listener: int) -> None:
    m = model(holder=lambda port, protocol: "web-1" if port == listener else None)
    m.add_row(container_port=80, host_port=listener)
    assert "container web-1 publishes it" in m.error
    assert "docker stop web-1" in m.error


def test_port_checks_can_be_switched_off(listener: int) -> None:
    m = model(check_ports=False)
    m.add_row(container_port=80, host_port=listener)
    assert m.error == ""


def test_an_empty_host_port_lets_the_engine_pick() -> None:
    m = model()
    m.add_row(container_port=80, host_port="")
    assert m.flags == "-p 127.0.0.1::80"
    assert m.sdk_ports == {"80/tcp": ("127.0.0.1",)}
    assert m.error == ""


def test_add_row_picks_a_free_host_port(listener: int) -> None:
    m = model()
    row = m.add_row(container_port=listener)  # the preferred host port (the same) is taken
    assert int(row.host_port) > listener
    assert m.error == ""


def test_remove_row(free_port) -> None:
    m = model()
    m.add_row(container_port=80, host_port=free_port)
    second = m.add_row(container_port=81, host_port=free_port)
    assert "already published" in m.error
    assert m.remove_row(1) is second
    assert m.error == ""
    # A removed row no longer drives the model.
    second.host_port = "99999"
    assert m.error == ""
    with pytest.raises(IndexError):
        m.remove_row(5)


def test_no_rows_is_an_error() -> None:
    m = model()
    assert m.error.startswith("Ports: No port is published yet.")


# ---------------------------------------------------------------- host address
@pytest.mark.parametrize("host_ip", ["0.0.0.0", None])
def test_every_interface_warns_about_the_network_and_firewalls(host_ip, free_port) -> None:
    m = model()
    row = m.add_row(container_port=80, host_port=free_port, host_ip=host_ip)
    assert "every network interface" in row.warning
    assert "bypass host firewalls" in row.warning
    assert f"`-p {free_port}:80` (no address) does the same" in row.warning
    assert "Keep 127.0.0.1" in row.warning
    # A warning, not an error: the learner may mean it.
    assert m.error == ""


def test_127_0_0_1_gets_no_warning(free_port) -> None:
    m = model()
    row = m.add_row(container_port=80, host_port=free_port)
    assert row.warning == ""


def test_everywhere_warning_names_the_protocol_of_the_bare_form() -> None:
    text = everywhere_warning(PortMapping(53, "udp", "0.0.0.0", 5353))
    assert "0.0.0.0 means every network interface" in text
    assert "`-p 5353:53/udp`" in text


def test_an_empty_custom_address_asks_for_one(free_port) -> None:
    m = model()
    m.add_row(container_port=80, host_port=free_port, host_ip="")
    assert "No host address typed yet" in m.error


def test_a_host_name_is_not_an_address(free_port) -> None:
    m = model()
    m.add_row(container_port=80, host_port=free_port, host_ip="localhost")
    assert "not a host name" in m.error


def test_an_address_this_machine_does_not_have_is_flagged(free_port) -> None:
    m = model()
    m.add_row(container_port=80, host_port=free_port, host_ip="192.0.2.1")  # TEST-NET-1
    assert "192.0.2.1 is not an address of this machine" in m.error


# ---------------------------------------------------------------- derived forms
def test_cli_flags_and_sdk_ports_come_from_one_run_step(free_port) -> None:
    udp = other_free_port(free_port)
    m = model(name="web", labels={LABEL: "01-containers"})
    m.add_spec(f"127.0.0.1:{free_port}:80")
    m.add_row(container_port=53, host_port=udp, protocol="udp")
    expected = [PortMapping(80, "tcp", "127.0.0.1", free_port),
                PortMapping(53, "udp", "127.0.0.1", udp)]
    assert m.mappings == expected
    assert m.flags == f"-p 127.0.0.1:{free_port}:80 -p 127.0.0.1:{udp}:53/udp"
    assert m.cli == (
        f"docker run -d --name web -p 127.0.0.1:{free_port}:80 -p 127.0.0.1:{udp}:53/udp "
        "--label org.docdocker.notebook=01-containers --label org.docdocker.owner=container "
        "nginx"
    )
    step = Run(image="nginx", detach=True, publish=tuple(expected), name="web")
    assert m.cli == step.with_labels({LABEL: "01-containers"}).cli
    assert m.step == step.with_labels({LABEL: "01-containers"})
    assert m.sdk_ports == ports.to_sdk(expected) == {
        "80/tcp": ("127.0.0.1", free_port), "53/udp": ("127.0.0.1", udp)}
    assert m.step.sdk_kwargs["ports"] == m.sdk_ports


def test_cli_follows_every_edit(free_port) -> None:
    m = model()
    row = m.add_row(container_port=80, host_port=free_port)
    seen = []
    m.observe(lambda change: seen.append(change["new"]), names="cli")
    row.host_ip = "0.0.0.0"
    m.name = " web "
    assert seen == [f"docker run -d -p 0.0.0.0:{free_port}:80 nginx",
                    f"docker run -d --name web -p 0.0.0.0:{free_port}:80 nginx"]


def test_rows_with_errors_are_left_out_of_the_line(free_port) -> None:
    m = model()
    m.add_row(container_port=80, host_port=free_port)
    m.add_row(container_port="x", host_port=free_port + 1)
    assert m.cli == f"docker run -d -p 127.0.0.1:{free_port}:80 nginx"
    assert "Row 2:" in m.error


def test_a_bad_container_name_or_image_is_flagged(free_port) -> None:
    m = model()
    m.add_row(container_port=80, host_port=free_port)
    m.name = "my web"
    assert "Container name: Invalid container name 'my web'" in m.error
    assert "'my-web'" in m.error
    m.name = "web"
    m.image = "Nginx"
    assert m.error.startswith("Image: ")
    assert "lowercase" in m.error


def test_port_row_round_trips_a_mapping() -> None:
    for spec in ["127.0.0.1:8080:80", "8080:80/udp", "[::1]:8080:80", "80", "0.0.0.0::80/sctp"]:
        (mapping,) = ports.parse(spec)
        assert ports.parse(PortRow.from_mapping(mapping).spec) == [mapping]


# ---------------------------------------------------------------- the view, no engine
def test_view_disables_run_and_offers_the_free_port(listener: int) -> None:
    pm = PortMapper(image="nginx", publish=[f"127.0.0.1:{listener}:80"])
    view = pm._row_views[pm.rows[0]]
    assert pm.run_button.disabled
    assert "already in use" in view.message.value
    assert view.use.layout.display != "none"
    # Clicking the blocked button runs nothing (and needs no engine).
    assert pm.run() is None
    pm.run_button.click()
    assert "Nothing was run" in pm.output.value
    assert pm.engine is None and pm.result is None
    view.use.click()
    assert pm.rows[0].host_port == view.use.description.removeprefix("use ")
    assert pm.error == ""
    assert not pm.run_button.disabled
    assert view.use.layout.display == "none"


def test_view_spec_box_checks_as_you_type_and_adds_on_enter(free_port) -> None:
    pm = PortMapper(image="nginx", publish=())
    pm.spec_box.value = "127.0.0.1:8080:eighty"
    assert GRAMMAR in pm.spec_message.value
    assert "&#x27;127.0.0.1:8080:eighty&#x27;" in pm.spec_message.value
    pm.spec_box.value = f"127.0.0.1:{free_port}:80"
    assert "Press Enter or Add" in pm.spec_message.value
    # What the frontend sends when the learner presses Enter in the box.
    pm.spec_box._handle_custom_msg({"event": "submit"}, [])
    assert pm.mappings == [PortMapping(80, "tcp", "127.0.0.1", free_port)]
    assert pm.spec_box.value == ""
    assert len(pm.rows_box.children) == 1
    assert f"-p 127.0.0.1:{free_port}:80" in pm.cli_html.value
    assert "org.docdocker.notebook=01-containers" in pm.cli


def test_view_add_and_remove_buttons(free_port) -> None:
    pm = PortMapper(image="nginx", publish=[f"127.0.0.1:{free_port}:80"])
    pm.spec_box.value = "127.0.0.1::81"
    pm.add_button.click()
    assert [m.container_port for m in pm.mappings] == [80, 81]
    pm.add_row_button.click()
    assert len(pm.rows) == 3 and pm.rows[2].container_port == ""
    assert "No container port yet" in pm._row_views[pm.rows[2]].message.value
    pm._row_views[pm.rows[0]].remove.click()
    assert [row.container_port for row in pm.rows] == ["81", ""]
    assert len(pm.rows_box.children) == 2


def test_view_address_dropdown_and_custom_address(free_port) -> None:
    pm = PortMapper(image="nginx", publish=[f"127.0.0.1:{free_port}:80"])
    row = pm.rows[0]
    view = pm._row_views[row]
    assert view.custom.layout.display == "none"
    view.address.value = "0.0.0.0"
    assert row.host_ip == "0.0.0.0"
    assert "bypass host firewalls" in view.message.value
    assert pm.flags == f"-p 0.0.0.0:{free_port}:80"
    assert pm.error == ""  # a warning does not block Run
    view.address.value = "<none>"
    assert row.host_ip is None and pm.flags == f"-p {free_port}:80"
    view.address.value = "<custom>"
    assert view.custom.layout.display is None
    assert "No host address typed yet" in pm.error
    view.custom.value = "127.0.0.1"
    assert row.host_ip == "127.0.0.1" and pm.error == ""
    # And from the model to the view: a spec with an IPv6 address shows as custom.
    row.host_ip = "::1"
    assert view.address.value == "<custom>" and view.custom.value == "::1"


def test_view_fields_are_linked_to_the_row(free_port) -> None:
    pm = PortMapper(image="nginx", publish=[f"127.0.0.1:{free_port}:80"])
    view = pm._row_views[pm.rows[0]]
    view.container_port.value = "8000"
    view.protocol.value = "udp"
    assert pm.rows[0].spec == f"127.0.0.1:{free_port}:8000/udp"
    pm.rows[0].host_port = "99999"
    assert view.host_port.value == "99999"
    assert "out of range" in view.message.value
    assert pm.run_button.disabled


def test_view_renders_as_a_widget() -> None:
    pm = PortMapper(image="nginx", publish=())
    bundle = pm._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_plain_text_form_keeps_the_whole_command_for_static_readers() -> None:
    # ipywidgets cuts a widget's text/plain to 110 characters; a notebook read
    # without a kernel shows only that, so the whole `docker run` line must survive.
    pm = PortMapper(image="nginx", publish=["127.0.0.1:8080:80", "127.0.0.1:8443:443"],
                    name="a-rather-long-container-name")
    text = pm._repr_mimebundle_()["text/plain"]
    assert len(pm.cli) > 110
    assert text.startswith(f"Port mapper for nginx:\n$ {pm.cli}")
    assert text == repr(pm)


# ---------------------------------------------------------------- hostile input
HOSTILE = ["²", "8²", "١٢٣", "\uff18\uff10", "9" * 5000, "-1", "0x50", " 80 ", "8080\x00", "80/tcp",
           "1-65535", "", "\u200b80", "80.0", "+80"]


def _flags_of_clean_rows(m: PortMapperModel) -> str:
    return " ".join(f"-p {row.mapping.cli}" for row in m.rows
                    if row.mapping is not None)


@pytest.mark.parametrize("text", HOSTILE)
@pytest.mark.parametrize("field", ["host_port", "container_port"])
def test_any_text_in_a_port_box_keeps_the_model_consistent(field: str, text: str,
                                                           free_port: int) -> None:
    m = model()
    row = m.add_row(container_port=80, host_port=free_port)
    assert f"-p 127.0.0.1:{free_port}:80" in m.cli
    setattr(row, field, text)  # would raise inside the observer before
    if row.problem is not None:
        # The row is refused: its old -p is gone from the line, and Run is off.
        assert f"127.0.0.1:{free_port}:80" not in m.cli
        assert not m.valid and m.error
    assert m.flags == _flags_of_clean_rows(m)


def test_a_superscript_digit_is_named_as_not_a_number(free_port: int) -> None:
    m = model()
    row = m.add_row(container_port=80, host_port=free_port)
    row.host_port = "²"
    assert "'²'" in m.error and "0-9" in m.error
    assert m.flags == "" and not m.valid
    assert m.add_row(container_port="²").container_port == "²"  # no crash picking a host port


@pytest.mark.parametrize("text", HOSTILE)
def test_any_text_in_the_p_box_is_refused_or_added_whole(text: str) -> None:
    m = model()
    m.spec = text
    added = m.add_spec()
    assert (m.spec_problem is None) == bool(added) or text.strip() == ""
    assert len(m.rows) <= MAX_ROWS


def test_a_huge_range_is_refused_quickly_with_a_message() -> None:
    m = model()
    started = time.monotonic()
    assert m.add_spec("1-65535") == []
    assert m.rows == [] and m.spec == "1-65535"
    assert "at most 1000" in m.error
    assert m.add_spec("127.0.0.1:20000-20999:20000-20999") == []
    assert f"more than the {MAX_ROWS} rows" in m.error
    assert "engine.run" in m.error
    assert time.monotonic() - started < 5
    assert not m.valid


def test_a_taken_name_is_flagged_with_a_free_one() -> None:
    taken = {"web", "web-2"}
    m = model(name_taken=lambda name: name in taken, check_ports=False)
    m.add_row(container_port=80, host_port=8080)
    m.name = "web"
    assert isinstance(m.problems[0][1], NameConflict)
    assert 'The container name "web" is already in use' in m.error
    assert m.name_suggestion == "web-3" and not m.valid
    taken.clear()  # the other container was removed
    m.refresh()
    assert m.error == "" and m.name_suggestion == "" and m.valid


# ---------------------------------------------------------------- truth and leaks
def registered() -> int:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return len(widgets.Widget.widgets)


def test_create_and_close_leaves_no_widget_behind(free_port: int) -> None:
    before = registered()
    for _ in range(3):
        pm = PortMapper(image="nginx", publish=[f"127.0.0.1:{free_port}:80", "127.0.0.1::81"])
        pm.add_row(container_port=82)
        pm.remove_row(0)  # a removed row's widgets are closed at once
        pm.close()
    assert registered() == before


def test_nothing_was_run_disappears_once_the_errors_are_fixed(listener: int) -> None:
    pm = PortMapper(image="nginx", publish=[f"127.0.0.1:{listener}:80"])
    pm.run_button.click()
    assert pm.wait(5)
    assert "Nothing was run" in pm.output.value and "Nothing was run" in repr(pm)
    pm._row_views[pm.rows[0]].use.click()
    assert pm.error == ""
    assert pm.output.value == "" and "Nothing was run" not in repr(pm)
    pm.close()


def test_plain_text_form_says_what_is_wrong(listener: int) -> None:
    pm = PortMapper(image="nginx", publish=[f"127.0.0.1:{listener}:80"])
    text = pm._repr_mimebundle_()["text/plain"]
    assert f"Host port {listener}/tcp on 127.0.0.1 is already in use" in text
    pm.close()
