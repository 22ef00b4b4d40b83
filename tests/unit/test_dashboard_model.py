"""The dashboard's pure logic, model and view, from fake container lists (no engine)."""

from __future__ import annotations

import threading
import time
import warnings
from collections.abc import Iterator
from typing import Any

import ipywidgets as widgets
import pytest

from docdocker.base import errors, render
from docdocker.concepts.ownership import made_by_tutorial
from docdocker.core.console import Console
from docdocker.core.steps import LABEL, OWNER
from docdocker.session.tutorial import Tutorial as Engine
from docdocker.widgets.dashboard import (
    READ_ONLY_TIP,
    Dashboard,
    DashboardModel,
    RefreshScheduler,
    build_rows,
    dashboard_row,
    ports_html,
    ps_step,
)

NOW = time.time()


def container(name: str, *, labels: dict[str, str] | None = None, state: str = "running",
              ports: list[dict[str, Any]] | None = None, age: float = 5) -> dict[str, Any]:
    """An entry shaped like ``client.api.containers(all=True)`` returns."""
    return {
        "Id": (name.encode().hex() * 64)[:64],
        "Names": [f"/{name}"],
        "Image": "busybox",
        "Command": "sleep 60",
        "Created": NOW - age,
        "State": state,
        "Status": "Up 5 seconds" if state == "running" else "Exited (0) 2 seconds ago",
        "Ports": ports or [],
        "Labels": labels or {},
    }


def ours(notebook: str) -> dict[str, str]:
    """The labels docdocker's own create call sets."""
    return {LABEL: notebook, OWNER: "container"}


WEB = container("web", labels=ours("01-containers"), ports=[
    {"IP": "127.0.0.1", "PrivatePort": 80, "PublicPort": 8080, "Type": "tcp"},
    {"PrivatePort": 443, "Type": "tcp"},
])
DONE = container("done", labels=ours("02-dockerfiles"), state="exited", age=180)
EMPTY_VALUE = container("blank", labels=ours(""))
MINE = container("learners-own-db", labels={"com.example": "x"})
# Run by the learner from an image the tutorial built: Docker copied the image's
# labels, the notebook label and the image's own ownership mark (its tag) included.
INHERITED = container("learners-child", labels={LABEL: "02-dockerfiles",
                                                OWNER: "friendlyhello:v1"})
LISTING = [WEB, MINE, DONE, EMPTY_VALUE, INHERITED]


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ages are computed against NOW, however long the suite took to get here."""
    monkeypatch.setattr("docdocker.base.render.time.time", lambda: NOW)


# ------------------------------------------------------------------ rows
def test_row_has_the_ps_columns_the_notebook_and_the_managed_flag() -> None:
    row = dashboard_row(WEB)
    assert row["NAMES"] == "web"
    assert row["IMAGE"] == "busybox"
    assert row["STATUS"] == "Up 5 seconds"
    assert row["STATE"] == "running"
    assert row["CREATED"] == "5 seconds ago"
    assert row["notebook"] == "01-containers"
    assert row["managed"] is True
    assert row["id"] == WEB["Id"] and row["CONTAINER ID"] == WEB["Id"][:12]


def test_published_ports_are_links_to_localhost() -> None:
    published, exposed = dashboard_row(WEB)["PORTS"]
    assert isinstance(published, render.Link)
    assert published.href == "http://127.0.0.1:8080"
    assert exposed == "443/tcp"
    html = ports_html(dashboard_row(WEB)["PORTS"])
    assert '<a href="http://127.0.0.1:8080" target="_blank"' in html
    assert "127.0.0.1:8080-&gt;80/tcp</a>" in html
    assert "443/tcp" in html


def test_all_interfaces_port_links_to_localhost() -> None:
    c = container("any", labels={LABEL: "x"},
                  ports=[{"IP": "0.0.0.0", "PrivatePort": 80, "PublicPort": 9090, "Type": "tcp"}])
    assert dashboard_row(c)["PORTS"][0].href == "http://127.0.0.1:9090"


def test_age_comes_from_the_creation_time() -> None:
    assert dashboard_row(DONE)["CREATED"] == "3 minutes ago"


def test_unlabelled_container_is_not_managed() -> None:
    row = dashboard_row(MINE)
    assert row["managed"] is False
    assert row["notebook"] == ""


def test_any_label_value_counts_as_the_tutorials() -> None:
    assert dashboard_row(EMPTY_VALUE)["managed"] is True


def test_a_label_inherited_from_an_image_is_not_the_tutorials() -> None:
    row = dashboard_row(INHERITED)
    assert row["managed"] is False
    assert row["notebook"] == "02-dockerfiles"  # shown as it is, but read-only
    assert build_rows([INHERITED], show_all=False) == []
    no_owner = container("old", labels={LABEL: "01-containers"})
    assert dashboard_row(no_owner)["managed"] is False


def test_default_view_keeps_only_the_tutorials_containers_in_engine_order() -> None:
    names = [r["NAMES"] for r in build_rows(LISTING, show_all=False)]
    assert names == ["web", "done", "blank"]


def test_show_all_keeps_everything_and_marks_the_others_read_only() -> None:
    rows = build_rows(LISTING, show_all=True)
    assert [r["NAMES"] for r in rows] == ["web", "learners-own-db", "done", "blank",
                                          "learners-child"]
    assert [r["managed"] for r in rows] == [True, False, True, True, False]


def test_rows_without_names_or_labels_do_not_break() -> None:
    bare = {"Id": "f" * 64, "Image": "busybox", "Status": "Created", "Labels": None}
    row = dashboard_row(bare)
    assert row["NAMES"] == "" and row["managed"] is False and row["PORTS"] == []
    assert build_rows([bare], show_all=False) == []


# ----------------------------------------------------------------- model
def test_model_cli_follows_show_all() -> None:
    model = DashboardModel()
    assert model.cli == ("docker ps --all --filter label=org.docdocker.notebook "
                         "--filter label=org.docdocker.owner=container")
    model.show_all = True
    assert model.cli == "docker ps --all"
    assert ps_step(True).sdk_kwargs == {"all": True}
    assert ps_step(False).sdk_kwargs == {
        "all": True, "filters": {"label": [LABEL, f"{OWNER}=container"]}}


# ------------------------------------------------------------- coalescing
def test_a_burst_of_events_is_one_refresh() -> None:
    scheduler = RefreshScheduler(period=0.3, settle=0.05, recheck=0.05)
    for _ in range(100):
        scheduler.poke()
    assert scheduler.wait() == "event"
    # The burst was consumed: one recheck follows, then the periodic wake-up.
    start = time.monotonic()
    assert scheduler.wait() == "recheck"
    assert 0.04 <= time.monotonic() - start < 0.25
    start = time.monotonic()
    assert scheduler.wait() == "timer"
    assert time.monotonic() - start >= 0.25


def test_events_during_the_settle_time_join_the_same_refresh() -> None:
    scheduler = RefreshScheduler(period=0.3, settle=0.1)
    poker = threading.Thread(target=lambda: [scheduler.poke() or time.sleep(0.01)
                                             for _ in range(5)])
    scheduler.poke()
    poker.start()
    assert scheduler.wait() == "event"
    poker.join()
    assert scheduler.wait() == "recheck"
    assert scheduler.wait() == "timer"


def test_an_event_after_the_refresh_started_is_not_lost() -> None:
    scheduler = RefreshScheduler(period=5, settle=0.01)
    scheduler.poke()
    assert scheduler.wait() == "event"
    scheduler.poke()  # arrives while the refresh is running
    start = time.monotonic()
    assert scheduler.wait() == "event"
    assert time.monotonic() - start < 1


def test_stop_wakes_a_waiting_scheduler_at_once() -> None:
    scheduler = RefreshScheduler(period=30)
    threading.Timer(0.05, scheduler.stop).start()
    start = time.monotonic()
    assert scheduler.wait() is None
    assert time.monotonic() - start < 1
    assert scheduler.stopped and scheduler.sleep(10) is True


def test_stop_during_the_settle_time_ends_the_loop() -> None:
    scheduler = RefreshScheduler(period=30, settle=5)
    scheduler.poke()
    threading.Timer(0.05, scheduler.stop).start()
    start = time.monotonic()
    assert scheduler.wait() is None
    assert time.monotonic() - start < 1


# ------------------------------------------------------------------- view
class FakeAPI:
    """The engine calls the dashboard makes itself, answered from a fixed list."""

    def __init__(self, listing: list[dict[str, Any]]) -> None:
        self.listing = listing
        self.calls: list[dict[str, Any]] = []

    def containers(self, **kwargs: Any) -> list[dict[str, Any]]:
        self.calls.append(kwargs)
        if "filters" in kwargs:
            return [c for c in self.listing if made_by_tutorial(c["Labels"])]
        return list(self.listing)

    def images(self, **kwargs: Any) -> list[dict[str, Any]]:
        return []  # no docker commit of a tutorial container on this fake engine

    def inspect_container(self, name: str) -> dict[str, Any]:
        for c in self.listing:
            if c["Names"][0] == f"/{name}":
                return {"Config": {"Labels": c["Labels"]}}
        raise AssertionError(f"unexpected inspect of {name}")


class FakeClient:
    def __init__(self, listing: list[dict[str, Any]]) -> None:
        self.api = FakeAPI(listing)


@pytest.fixture
def dash() -> Iterator[Dashboard]:
    board = Dashboard(engine=Engine("unit", FakeClient(LISTING), Console()),  # type: ignore[arg-type]
                      live=False)
    yield board
    board.close()


def test_view_lists_the_tutorials_containers_with_buttons(dash: Dashboard) -> None:
    assert [r["NAMES"] for r in dash.rows] == ["web", "done", "blank"]
    buttons = dash.row_buttons("web")
    assert set(buttons) == {"stop", "kill", "remove", "logs"}
    assert not any(b.disabled for b in buttons.values())
    assert buttons["remove"].tooltip == "docker rm --force --volumes web"
    assert "docker ps --all --filter label=org.docdocker.notebook" in dash._echo.value
    assert not dash.threads and dash.model.live is False


def test_stopped_container_cannot_be_stopped_or_killed(dash: Dashboard) -> None:
    buttons = dash.row_buttons("done")
    assert buttons["stop"].disabled and buttons["kill"].disabled
    assert "not running (exited)" in buttons["kill"].tooltip
    assert not buttons["remove"].disabled and not buttons["logs"].disabled


def test_show_all_toggle_adds_read_only_rows(dash: Dashboard) -> None:
    checkbox = dash.toggle
    assert isinstance(checkbox, widgets.Checkbox) and checkbox.value is False
    checkbox.value = True
    assert dash.show_all is True and dash.model.show_all is True
    assert [r["NAMES"] for r in dash.rows] == ["web", "learners-own-db", "done", "blank",
                                               "learners-child"]
    buttons = dash.row_buttons("learners-own-db")
    assert all(b.disabled for b in buttons.values())
    assert all(b.tooltip == READ_ONLY_TIP for b in buttons.values())
    assert "docdocker only manages the containers it created itself" in READ_ONLY_TIP
    assert all(b.disabled for b in dash.row_buttons("learners-child").values())
    assert dash._echo.value.count("docker ps --all<") == 1
    dash.show_all = False
    assert checkbox.value is False
    with pytest.raises(KeyError):
        dash.row_buttons("learners-own-db")


def test_read_only_container_is_refused_even_if_clicked(dash: Dashboard) -> None:
    dash.show_all = True
    # click() ignores `disabled` (only a browser honours it), so the action checks again.
    dash.row_buttons("learners-own-db")["stop"].click()
    assert dash.wait(30)
    assert isinstance(dash.model.error, errors.StepFailed)
    assert "was not created by the tutorial" in dash.status_line.value
    assert "docker stop learners-own-db" in dash.status_line.value
    assert "Traceback" not in dash.status_line.value
    with pytest.raises(errors.StepFailed, match="not created by the tutorial"):
        dash.remove("learners-own-db")
    with pytest.raises(errors.StepFailed, match="label was inherited from its image"):
        dash.remove("learners-child")


def test_table_reuses_row_widgets_across_refreshes(dash: Dashboard) -> None:
    before = dash.row_buttons("web")["stop"]
    dash.refresh()
    assert dash.row_buttons("web")["stop"] is before
    assert dash.refreshes == 2


def test_dashboard_renders_as_a_widget(dash: Dashboard) -> None:
    assert isinstance(dash, widgets.VBox)
    bundle = dash._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_empty_table_says_how_to_start(dash: Dashboard) -> None:
    dash.engine.client.api.listing = [MINE]  # type: ignore[union-attr]
    dash.refresh()
    assert dash.rows == []
    (empty,) = dash.table.children
    assert "No containers made by the tutorial yet" in empty.value


# ------------------------------------------------------------------- leaks
def registered() -> int:
    """How many widgets the kernel keeps (each one until it is closed)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return len(widgets.Widget.widgets)


def many(count: int) -> list[dict[str, Any]]:
    return [container(f"c{i}", labels=ours("leak")) for i in range(count)]


def test_create_and_close_leaves_no_widget_behind() -> None:
    before = registered()
    for _ in range(3):
        board = Dashboard(engine=Engine("unit", FakeClient(many(40)), Console()),  # type: ignore[arg-type]
                          live=False)
        assert len(board.rows) == 40 and registered() > before + 40 * 5
        board.close()
    assert registered() == before


def test_rows_that_disappear_leave_no_widget_behind() -> None:
    listing = many(30)
    board = Dashboard(engine=Engine("unit", FakeClient(listing), Console()),  # type: ignore[arg-type]
                      live=False)
    try:
        with_rows = registered()
        board.engine.client.api.listing = []  # type: ignore[union-attr]
        board.refresh()
        empty = registered()
        assert with_rows - empty >= 30 * 5  # each row: its box, cells and four buttons
        board.engine.client.api.listing = listing  # type: ignore[union-attr]
        board.refresh()
        assert registered() == with_rows
        board.engine.client.api.listing = []  # type: ignore[union-attr]
        board.refresh()
        assert registered() == empty
    finally:
        board.close()


def test_logs_panel_names_the_container_and_the_time_and_clears_on_the_next_action(
    dash: Dashboard,
) -> None:
    dash.model.logs_of, dash.model.logs, dash.model.logs_at = "web", "hello\n", "10:11:12"
    assert "Last 20 lines of web</b>, read at 10:11:12" in dash.logs_area.value
    with pytest.raises(AttributeError):
        dash.stop("web")  # the fake engine cannot stop anything; the panel is cleared first
    assert dash.logs_area.value == "" and dash.model.logs_of == ""


def test_plain_text_form_describes_the_same_state(dash: Dashboard) -> None:
    text = dash._repr_mimebundle_()["text/plain"]
    assert text.startswith("Containers ($ docker ps --all --filter label=org.docdocker.notebook")
    assert "web" in text and "learners-own-db" not in text
    dash.show_all = True
    dash.row_buttons("learners-own-db")["stop"].click()
    assert dash.wait(5)
    text = repr(dash)
    assert "Last action: $ docker stop learners-own-db (failed)" in text
    assert "was not created by the tutorial" in text
