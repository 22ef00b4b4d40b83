"""Run only the tests a change touches.

    .venv/bin/python tests/touched.py              # what the uncommitted changes touch
    .venv/bin/python tests/touched.py main         # what changed since the branch left main
    .venv/bin/python tests/touched.py --print main # the pytest command, not run

A changed module of the package touches every test file and notebook that imports it,
directly or through other modules of the package (so a change to a module the public
``docdocker`` imports touches every notebook); a changed test file touches itself; a changed
notebook, or a file of an app in ``notebooks/apps/`` a notebook names, touches that
notebook's full check (nbval's run and the second run, and its read-along); a changed
conftest.py or helper in ``tests/`` touches the test files beside and below it.
The full suite stays the one command in the README; this is the inner loop.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "docdocker"


def changed_files(base: str | None) -> list[Path]:
    """Files changed against ``base`` (a commit), or uncommitted and new files without one."""
    def git(*args: str) -> list[str]:
        out = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout
        return [line for line in out.splitlines() if line]

    names = git("diff", "--name-only", f"{base}...HEAD") if base else []
    names += git("diff", "--name-only", "HEAD")
    names += git("ls-files", "--others", "--exclude-standard")
    return sorted({ROOT / n for n in names})


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(source: str) -> set[str]:
    """The docdocker modules a piece of Python source imports, with their parent packages."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
    ours = {name for name in found if name == "docdocker" or name.startswith("docdocker.")}
    # Importing docdocker.a.b runs docdocker/__init__ and docdocker/a/__init__ first.
    return ours | {".".join(n.split(".")[:i]) for n in ours for i in range(1, n.count(".") + 1)}


def package_graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {name: imported(path.read_text()) & set(modules) for name, path in modules.items()}


def reaches(graph: dict[str, set[str]], start: set[str], changed: set[str]) -> bool:
    """True when one of ``start`` imports a changed module, at any depth."""
    seen, todo = set(), list(start)
    while todo:
        name = todo.pop()
        if name in changed:
            return True
        if name not in seen:
            seen.add(name)
            todo.extend(graph.get(name, ()))
    return False


def notebook_code(path: Path) -> str:
    cells = json.loads(path.read_text())["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code"
                     and not "".join(c["source"]).lstrip().startswith(("!", "%")))


def targets(changed: list[Path]) -> list[str]:
    graph = package_graph()
    modules = {module_name(p) for p in changed if p.suffix == ".py" and PACKAGE in p.parents}
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    apps = {p.relative_to(ROOT / "notebooks" / "apps").parts[0] for p in changed
            if ROOT / "notebooks" / "apps" in p.parents}
    # A changed conftest.py or helper under tests/ touches every test file beside and below
    # it; the notebooks' own plumbing touches every notebook.
    helpers = [p.parent for p in changed if ROOT / "tests" in p.parents
               and p.suffix == ".py" and not p.name.startswith("test_")
               and p.name not in ("touched.py", "notebook_runs.py")]
    every_notebook = bool({ROOT / "conftest.py", ROOT / "tests" / "notebook_runs.py",
                           ROOT / "tests" / "nbval_sanitize.cfg"} & set(changed))
    picked: list[str] = []
    for test in sorted((ROOT / "tests").rglob("test_*.py")):
        if (test in changed or any(folder in test.parents for folder in helpers)
                or (modules and reaches(graph, imported(test.read_text()), modules))):
            picked.append(str(test.relative_to(ROOT)))
    stems = []
    for nb in notebooks:
        code = notebook_code(nb)
        if (nb in changed or every_notebook
                or any(f"apps/{app}" in nb.read_text() for app in apps)
                or (modules and reaches(graph, imported(code), modules))):
            picked.append(str(nb.relative_to(ROOT)))
            stems.append(nb.stem)
    if stems:
        readalong = "tests/test_readalong_notebooks.py"
        if readalong in picked:
            picked.remove(readalong)
        picked += [f"{readalong}::test_notebook_reads_along_without_an_engine[{s}]"
                   for s in stems]
    return picked


def main(argv: list[str]) -> int:
    show_only = "--print" in argv
    args = [a for a in argv if a != "--print"]
    picked = targets(changed_files(args[0] if args else None))
    if not picked:
        print("Nothing the tests cover has changed.")
        return 0
    command = [sys.executable, "-m", "pytest", *picked]
    print(" ".join(command))
    if show_only:
        return 0
    return subprocess.run(command, cwd=ROOT, check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
