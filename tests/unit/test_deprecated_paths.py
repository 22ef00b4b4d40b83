"""The old module paths still work for one release, each with a warning naming its new home.

CHANGELOG.md lists them; a notebook never uses one.
"""

from __future__ import annotations

import ast
import importlib
import json
import sys
import warnings
from pathlib import Path
from types import ModuleType

import pytest

import docdocker

ROOT = Path(__file__).resolve().parents[2]
#: Each old path and its new home (the first) and the homes some of its names went to.
MOVED = {
    "errors": ["docdocker.base.errors"],
    "render": ["docdocker.base.render"],
    "dockerfile": ["docdocker.grammar.dockerfile"],
    "ports": ["docdocker.grammar.ports"],
    "reference": ["docdocker.grammar.reference"],
    "shell": ["docdocker.grammar.shell"],
    "connection": ["docdocker.core.connection"],
    "console": ["docdocker.core.console"],
    "engine": ["docdocker.core.engine"],
    "progress": ["docdocker.core.progress"],
    "steps": ["docdocker.core.steps", "docdocker.base.masking"],
    "tagrecord": ["docdocker.core.tagrecord"],
    "friendly_compose": ["docdocker.friendly.compose"],
    "recordings": ["docdocker.readalong.recordings"],
    "build": ["docdocker.concepts.build"],
    "buildlog": ["docdocker.concepts.buildlog"],
    "compose": ["docdocker.concepts.compose", "docdocker.tools.lesson"],
    "containers": ["docdocker.concepts.containers", "docdocker.concepts.ownership",
                   "docdocker.concepts.run", "docdocker.concepts.inspect"],
    "credentials": ["docdocker.concepts.credentials"],
    "foreground": ["docdocker.concepts.foreground"],
    "images": ["docdocker.concepts.images", "docdocker.concepts.ownership"],
    "inspect": ["docdocker.concepts.inspect"],
    "networks": ["docdocker.concepts.networks", "docdocker.concepts.ownership"],
    "registries": ["docdocker.concepts.registries"],
    "registry_api": ["docdocker.concepts.registry_api"],
    "system": ["docdocker.concepts.system"],
    "volumes": ["docdocker.concepts.volumes", "docdocker.concepts.ownership"],
    "web": ["docdocker.concepts.web"],
    "tutorial": ["docdocker.session.tutorial", "docdocker.session.readalong",
                 "docdocker.session.connect"],
    "doctor": ["docdocker.tools.doctor"],
    "lesson": ["docdocker.tools.lesson"],
    "reset": ["docdocker.tools.reset"],
}
#: Names of the package itself (``dd.errors``): public, so reading them never warns.
FACE = ("errors", "ports", "reference", "steps", "web", "lesson", "doctor")


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    """Forget the old modules, so importing one runs it (and warns) again; undone after."""
    for old in MOVED:
        monkeypatch.delitem(sys.modules, f"docdocker.{old}", raising=False)
        if isinstance(vars(docdocker).get(old), ModuleType) and old not in FACE:
            monkeypatch.delattr(docdocker, old)
    for old in FACE:
        monkeypatch.setattr(docdocker, old, getattr(docdocker, old))


def test_every_old_module_has_its_stand_in_and_nothing_else_stands_beside_the_face() -> None:
    top = {p.stem for p in (ROOT / "docdocker").glob("*.py")} - {"__init__", "__main__"}
    assert top == set(MOVED)


@pytest.mark.parametrize("old", sorted(MOVED))
def test_an_old_path_imports_warns_and_reads_every_name_from_its_new_home(
    old: str, fresh: None
) -> None:
    homes = MOVED[old]
    with pytest.warns(DeprecationWarning, match=rf"docdocker\.{old} is deprecated: it moved "
                                                 rf"to {homes[0]}") as caught:
        stand_in = importlib.import_module(f"docdocker.{old}")
    assert caught[0].filename == __file__  # the line that used the old path
    modules = [importlib.import_module(home) for home in homes]
    for module in modules:
        for name in getattr(module, "__all__", None) or [
                n for n in vars(module) if not n.startswith("__")]:
            # A name two homes have is the first one's (volumes' own made_by_tutorial).
            first = next(m for m in modules if name in vars(m))
            assert getattr(stand_in, name) is vars(first)[name], (module.__name__, name)


def test_the_old_volume_rule_is_still_the_volume_rule(fresh: None) -> None:
    with pytest.warns(DeprecationWarning):
        from docdocker.volumes import made_by_tutorial
    volume = {"org.docdocker.notebook": "n", "org.docdocker.owner": "volume"}
    assert made_by_tutorial(volume, "n")
    assert not made_by_tutorial({**volume, "org.docdocker.owner": "container"}, "n")


def test_from_docdocker_import_an_old_name_warns_at_the_cell_that_wrote_it(fresh: None) -> None:
    cell = compile("from docdocker import reset\nreset.find\n", "<cell 7>", "exec")
    with pytest.warns(DeprecationWarning, match="docdocker.tools.reset") as caught:
        exec(cell, {"__name__": "__main__"})
    assert (caught[0].filename, caught[0].lineno) == ("<cell 7>", 1)
    with pytest.warns(DeprecationWarning, match="docdocker.concepts.images"):
        assert docdocker.images.Images is importlib.import_module(  # type: ignore[attr-defined]
            "docdocker.concepts.images").Images


def test_the_package_s_own_names_read_without_a_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        for name in (*FACE, "Tutorial", "connect", "Engine", "StepResult", "LABEL",
                     "expect_error", "friendly", "exercises", "widgets"):
            assert getattr(docdocker, name, None) is not None or importlib.import_module(
                f"docdocker.{name}")
        assert callable(docdocker.doctor)
        assert docdocker.lesson.clean_up_button and docdocker.lesson.size_chart


def test_importing_the_old_doctor_path_leaves_dd_doctor_callable(fresh: None) -> None:
    doctor = docdocker.doctor
    with pytest.warns(DeprecationWarning, match="docdocker.tools.doctor"):
        # Binds the old module where the doctor() function stood.
        import docdocker.doctor as old
    assert callable(docdocker.doctor)
    assert old.doctor is doctor


def test_the_secrets_rule_still_reads_from_steps_with_a_warning() -> None:
    from docdocker.base import masking
    from docdocker.core import steps

    with pytest.warns(DeprecationWarning, match="docdocker.base.masking.mask_text"):
        assert steps.mask_text is masking.mask_text  # type: ignore[attr-defined]
    with pytest.raises(AttributeError):
        steps.no_such_name  # type: ignore[attr-defined]  # noqa: B018


def _cells(path: Path) -> list[str]:
    return ["".join(c["source"]) for c in json.loads(path.read_text())["cells"]
            if c["cell_type"] == "code"]


@pytest.mark.parametrize("path", sorted((ROOT / "notebooks").glob("*.ipynb")),
                         ids=lambda p: p.stem)
def test_a_notebook_uses_no_old_path(path: Path) -> None:
    old = set(MOVED) - set(FACE)
    found = []
    for source in _cells(path):
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ImportFrom) and node.module:
                parts = node.module.split(".")
                if parts[0] == "docdocker" and len(parts) == 2 and parts[1] in MOVED:
                    found.append(node.module)
                if node.module == "docdocker":
                    found += [f"docdocker.{a.name}" for a in node.names if a.name in old]
            elif isinstance(node, ast.Import):
                found += [a.name for a in node.names
                          if a.name.split(".")[0] == "docdocker" and a.name.count(".") == 1
                          and a.name.split(".")[1] in MOVED]
            elif (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                  and node.value.id == "dd" and node.attr in old):
                found.append(f"dd.{node.attr}")
    assert found == []
