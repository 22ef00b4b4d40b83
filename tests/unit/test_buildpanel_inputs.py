"""BuildPanel given paths no panel can use: a clear error, no half-made widget, no stuck button."""

from __future__ import annotations

import gc
import sys
from pathlib import Path
from typing import Any

import pytest

from docdocker.base import errors
from docdocker.core.console import Console
from docdocker.session.tutorial import Tutorial
from docdocker.widgets import BuildPanel
from docdocker.widgets.buildpanel_model import read_dockerfile


class NoEngine:
    """A client that fails the test if anything reaches it."""

    def __getattr__(self, name: str) -> object:
        raise AssertionError(f"the engine was called ({name})")


@pytest.fixture
def engine() -> Tutorial:
    return Tutorial("02-dockerfiles", NoEngine(), Console())


def _cases(tmp_path: Path) -> dict[str, tuple[dict[str, Any], list[str]]]:
    app = tmp_path / "app"
    app.mkdir()
    latin = tmp_path / "latin"
    latin.mkdir()
    (latin / "Dockerfile").write_bytes("FROM busybox\nLABEL who=Jos\xe9\n".encode("latin-1"))
    return {
        "a folder as dockerfile": ({"folder": str(app), "dockerfile": str(tmp_path)},
                                   ["is a folder", "must name the Dockerfile itself",
                                    "dockerfile="]),
        "a NUL in the folder": ({"folder": "apps/friend\0lyhello"},
                                ["contains a NUL character", "position 11"]),
        "a non-UTF-8 Dockerfile": ({"folder": str(latin)},
                                   ["is not UTF-8 text", "byte 0xe9", "left as it is"]),
        "a 5,000-character folder": ({"folder": "x" * 5000},
                                     ["is 5000 characters long", "at most 4096"]),
        "a file as the folder": ({"folder": str(latin / "Dockerfile")},
                                 ["is a file, not a folder"]),
    }


CASES = ["a folder as dockerfile", "a NUL in the folder", "a non-UTF-8 Dockerfile",
         "a 5,000-character folder", "a file as the folder"]


@pytest.mark.parametrize("case", CASES)
def test_a_path_no_panel_can_use_is_refused_with_a_docdocker_error(
    case: str, tmp_path: Path, engine: Tutorial, monkeypatch: pytest.MonkeyPatch
) -> None:
    kwargs, words = _cases(tmp_path)[case]
    ignored: list[Any] = []
    monkeypatch.setattr(sys, "unraisablehook", ignored.append)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    with pytest.raises(errors.InvalidPath) as caught:
        BuildPanel(kwargs.pop("folder"), tag="hello:1", engine=engine, **kwargs)
    err = caught.value
    for w in words:
        assert w in err.message
    assert err.fix and err.cli and err.cli.startswith("docker build -t hello:1 ")
    assert len(err.message) < 400  # the message shows a long path shortened
    gc.collect()
    assert ignored == []  # no "Exception ignored in Widget.__del__"
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before


def test_a_missing_dockerfile_starts_the_panel_with_a_minimal_one(tmp_path: Path) -> None:
    assert read_dockerfile(str(tmp_path), None) == "FROM busybox\n"


def test_a_build_that_ends_in_anything_else_leaves_the_button_usable(
    tmp_path: Path, engine: Tutorial
) -> None:
    panel = BuildPanel(str(tmp_path), tag="hello:1", engine=engine)

    def interrupted(console: Console) -> Any:
        raise KeyboardInterrupt

    panel.engine = engine
    engine.using = interrupted  # type: ignore[method-assign]
    try:
        with pytest.raises(KeyboardInterrupt):
            panel.build_button.click()
        assert panel.model.state == "failed"
        assert not panel.build_button.disabled
        assert panel.build_button.description == "Build"
        assert "interrupted" in panel.model.error
    finally:
        panel.close()
