"""The package keeps its layers: no import cycles, one door to the engine."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "docdocker"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    """Every docdocker module ``path`` imports, at any depth of the file, but not for typing.

    ``from docdocker.friendly import engine`` imports the module ``docdocker.friendly.engine``;
    ``from docdocker.friendly import translate_error`` imports ``docdocker.friendly``.
    """
    tree = ast.parse(path.read_text())
    typing_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            typing_only.update(id(n) for n in ast.walk(node))
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("docdocker"))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(
            "docdocker"
        ):
            for a in node.names:
                module = f"{node.module}.{a.name}"
                found.add(module if module in modules else node.module)
    return found


def _graph() -> dict[str, set[str]]:
    files = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = {}
    for name, path in files.items():
        graph[name] = {m for m in _imports(path, set(files)) if m in files and m != name}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            # A package's __init__ importing its own submodules is how packages work.
            if node == nxt.rpartition(".")[0]:
                continue
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt):], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_there_is_no_import_cycle_in_the_package() -> None:
    cycle = _cycle(_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


@pytest.mark.parametrize("needle", ["docker.from_env", "DockerClient("])
def test_only_the_connection_module_makes_a_docker_client(needle: str) -> None:
    makers = sorted(str(p.relative_to(PACKAGE.parent)) for p in PACKAGE.rglob("*.py")
                    if needle in p.read_text())
    assert makers == ["docdocker/core/connection.py"]


def test_the_core_knows_no_concept() -> None:
    concepts = {"docdocker.concepts.containers", "docdocker.concepts.images",
                "docdocker.concepts.registries", "docdocker.concepts.compose",
                "docdocker.concepts.networks", "docdocker.concepts.volumes",
                "docdocker.concepts.system"}
    graph = _graph()
    for core in ("docdocker.core.steps", "docdocker.core.engine", "docdocker.friendly",
                 "docdocker.base.errors", "docdocker.base.render", "docdocker.core.console"):
        assert not graph[core] & concepts, f"{core} imports {graph[core] & concepts}"


def test_every_step_type_has_a_handler() -> None:
    import docdocker  # noqa: F401  (registers every concept's steps)
    from docdocker.core import engine, steps

    missing = [t.__name__ for t in steps.all_steps() if t not in engine.registered_steps()]
    assert missing == []


WIDGETS = PACKAGE / "widgets"


def test_there_are_widget_models_to_check() -> None:
    assert {p.name for p in WIDGETS.glob("*_model.py")} >= {"portmapper_model.py",
                                                             "dashboard_model.py"}


@pytest.mark.parametrize("model", sorted(p.stem for p in WIDGETS.glob("*_model.py")))
def test_a_widget_model_loads_no_ipywidgets(model: str) -> None:
    # In a fresh interpreter: what the model imports, at any depth, must not pull
    # ipywidgets in (the models are usable and testable without a notebook).
    code = (f"import sys, docdocker.widgets.{model}; "
            "loaded = sorted(m for m in sys.modules if m.split('.')[0] == 'ipywidgets'); "
            "print(loaded); sys.exit(1 if loaded else 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=PACKAGE.parent, env={**os.environ, "PYTHONPATH": str(PACKAGE.parent)})
    assert done.returncode == 0, f"{model} loads {done.stdout.strip()}{done.stderr}"


def test_widgets_reach_the_engine_only_through_it() -> None:
    # No SDK in the widgets: lookups are `engine.query(step)`, actions `engine.execute(step)`.
    offenders = []
    for path in sorted(WIDGETS.glob("*.py")):
        text = path.read_text()
        tree = ast.parse(text)
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "client":
                offenders.append(f"{path.name}:{node.lineno} .client")
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            offenders += [f"{path.name}:{node.lineno} imports {n}" for n in names
                          if n.split(".")[0] in ("docker", "requests")]
    assert offenders == []
