"""The package keeps its layers: the folder is the layer, no import cycles, one door to the engine.

Each top-level subpackage of docdocker is a layer with a rank; a module imports only
from its own package and from packages of a lower rank. ARCHITECTURE.md's layer table
is this dict in words (a test below reads it).
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from fnmatch import fnmatch
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "docdocker"
ARCHITECTURE = PACKAGE.parent / "ARCHITECTURE.md"

#: The rank of each layer: a package imports only packages of a lower rank (two packages
#: of the same rank never import each other). The face is the package's own __init__
#: (the public API) and __main__ (the command line).
RANKS = {
    "base": 0,
    "grammar": 1,
    "core": 1,
    "friendly": 2,
    "readalong": 2,
    "concepts": 3,
    "session": 4,
    "tools": 5,
    "exercises": 6,
    "widgets": 7,
    "classroom": 7,
    "face": 8,
}
#: The modules left at the old top-level paths for one release (CHANGELOG.md): each only
#: forwards to its new home, so it has no layer; no module of the package imports one.
DEPRECATED = frozenset(f"docdocker.{name}" for name in (
    "build", "buildlog", "compose", "connection", "console", "containers", "credentials",
    "dockerfile", "doctor", "engine", "errors", "foreground", "friendly_compose", "images",
    "inspect", "lesson", "networks", "ports", "progress", "recordings", "reference",
    "registries", "registry_api", "render", "reset", "shell", "steps", "system",
    "tagrecord", "tutorial", "volumes", "web",
))


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


def _layer(module: str) -> str:
    """The layer a module belongs to: its top-level subpackage, or the face."""
    parts = module.split(".")
    if len(parts) == 1 or parts[1] == "__main__":
        return "face"
    return parts[1] if len(parts) > 2 or (PACKAGE / parts[1]).is_dir() else module


def _wrong_way(graph: dict[str, set[str]], ranks: dict[str, int],
               exempt: frozenset[str] = frozenset()) -> list[str]:
    """Every import from a package to one of the same or a higher rank, as ``a -> b``."""
    found = []
    for module in sorted(set(graph) - exempt):
        here = _layer(module)
        for target in sorted(graph[module] - exempt):
            there = _layer(target)
            if there != here and ranks[there] >= ranks[here]:
                found.append(f"{module} ({here} {ranks[here]}) -> {target} "
                             f"({there} {ranks[there]})")
    return found


def test_every_folder_of_the_package_is_a_layer_with_a_rank() -> None:
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert folders - set(RANKS) == set(), "give each new folder a rank in RANKS"
    assert set(RANKS) - {"face"} - folders == set(), "a rank names a folder that is gone"
    assert all((PACKAGE / f / "__init__.py").is_file() for f in folders)


def test_beside_the_face_only_the_deprecated_paths_stand_at_the_top() -> None:
    top = {f"docdocker.{p.stem}" for p in PACKAGE.glob("*.py")}
    assert top - {"docdocker.__init__", "docdocker.__main__"} == DEPRECATED


def test_every_import_runs_down_the_layers() -> None:
    graph = _graph()
    assert set(_layer(m) for m in set(graph) - DEPRECATED) <= set(RANKS)
    assert _wrong_way(graph, RANKS, DEPRECATED) == []


def test_no_module_of_the_package_uses_a_deprecated_path() -> None:
    users = {m: sorted(targets & DEPRECATED) for m, targets in _graph().items()
             if m not in DEPRECATED and targets & DEPRECATED}
    assert users == {}


def test_the_layer_check_finds_an_import_that_runs_up_or_sideways() -> None:
    graph = {"docdocker.core.engine": {"docdocker.friendly.engine", "docdocker.base.errors",
                                       "docdocker.core.steps"},
             "docdocker.grammar.ports": {"docdocker.core.steps"},
             "docdocker.friendly.engine": set(), "docdocker.base.errors": set(),
             "docdocker.core.steps": set()}
    assert _wrong_way(graph, RANKS) == [
        "docdocker.core.engine (core 1) -> docdocker.friendly.engine (friendly 2)",
        "docdocker.grammar.ports (grammar 1) -> docdocker.core.steps (core 1)",
    ]


def _layer_table() -> dict[str, tuple[int, list[str]]]:
    """ARCHITECTURE.md's layer table: each package's rank and the modules its row names
    (a name, or a pattern such as ``nb*.py``)."""
    rows: dict[str, tuple[int, list[str]]] = {}
    for line in ARCHITECTURE.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 4 or not cells[0].isdigit():
            continue
        package = cells[1].strip("`").rstrip("/")
        assert package not in rows, f"ARCHITECTURE.md names {package} twice"
        rows[package] = (int(cells[0]), re.findall(r"`([^`]+\.py)`", cells[2]))
    return rows


def test_architecture_md_names_every_layer_with_its_rank() -> None:
    table = {package: rank for package, (rank, _) in _layer_table().items()}
    assert table == RANKS, "ARCHITECTURE.md's layer table and RANKS say the same, in words"


@pytest.mark.parametrize("package", sorted(RANKS))
def test_architecture_md_names_every_module_of_a_layer(package: str) -> None:
    folder = PACKAGE if package == "face" else PACKAGE / package
    modules = sorted(p.name for p in folder.glob("*.py") if p.name != "__init__.py")
    if package == "face":
        modules = ["__init__.py", "__main__.py"]
    named = _layer_table().get(package, (0, []))[1]
    unnamed = [m for m in modules if not any(fnmatch(m, pattern) for pattern in named)]
    stale = [pattern for pattern in named if not any(fnmatch(m, pattern) for m in modules)]
    assert (unnamed, stale) == ([], []), f"ARCHITECTURE.md's row for {package}"


@pytest.mark.parametrize("needle", ["docker.from_env", "DockerClient("])
def test_only_the_connection_module_makes_a_docker_client(needle: str) -> None:
    makers = sorted(str(p.relative_to(PACKAGE.parent)) for p in PACKAGE.rglob("*.py")
                    if needle in p.read_text())
    assert makers == ["docdocker/core/connection.py"]


def test_the_core_knows_no_concept() -> None:
    graph = _graph()
    concepts = {m for m in graph if _layer(m) == "concepts"}
    below = [m for m in graph if _layer(m) in ("base", "grammar", "core", "friendly",
                                               "readalong")]
    assert len(concepts) > 10 and len(below) > 10
    for module in below:
        assert not graph[module] & concepts, f"{module} imports {graph[module] & concepts}"


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
