"""``python -m docdocker check``: every exercise checked against the engine, from a terminal.

Also the exercise part of ``python -m docdocker reset --exercises``.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from docdocker.base import errors
from docdocker.exercises import catalog
from docdocker.exercises.base import MARKS, Exercise, Status
from docdocker.exercises.progress import ProgressStore, shown

#: Exit codes of ``check``: every exercise listed is done / some are not / bad usage.
ALL_DONE, NOT_ALL_DONE, USAGE = 0, 1, 2


def register(subparsers: Any) -> None:
    """Add the ``check`` subcommand to ``python -m docdocker``'s parser."""
    parser = subparsers.add_parser(
        "check", help="check every exercise against this machine's Docker Engine",
        description="Check the exercises against the engine's current state and print "
                    "each one with its status. Progress is saved in "
                    "$XDG_DATA_HOME/docdocker/progress.json (~/.local/share by default). "
                    "Exit code 0 when every exercise listed is done, 1 otherwise.")
    parser.add_argument("--notebook", metavar="NAME",
                        help="only this notebook's exercises, e.g. 01-containers")
    parser.add_argument("--json", action="store_true",
                        help="print a JSON list: id, notebook, title, status, message, hint "
                             "and the solution as docker command lines")
    parser.set_defaults(handler=run_check)


def _selected(notebook: str | None) -> list[Exercise]:
    if notebook is None:
        return catalog.all_exercises()
    try:
        return catalog.for_notebook(notebook.strip())
    except KeyError as err:
        raise ValueError(err.args[0]) from err


def _connect() -> tuple[Any, str | None]:
    from docdocker.core.console import Console
    from docdocker.session.connect import connect

    try:
        return connect("exercises", console=Console()), None
    except errors.DocDockerError as err:
        return None, str(err)


def run_check(args: argparse.Namespace) -> int:
    """Check the exercises and print them; returns the exit code."""
    try:
        selected = _selected(args.notebook)
    except ValueError as err:
        print(f"docdocker: {err}\nFix: python -m docdocker check --notebook "
              f"{catalog.notebooks()[0]}", file=sys.stderr)
        return USAGE
    engine, problem = _connect()
    store = ProgressStore()
    checked = catalog.check_all(engine, selected, store)
    if args.json:
        print(json.dumps([_as_json(c) for c in checked], indent=2, ensure_ascii=False))
    else:
        _print_text(checked, problem, store)
    if store.problem:
        print(f"docdocker: {store.problem}", file=sys.stderr)
    return ALL_DONE if all(c.completed for c in checked) else NOT_ALL_DONE


def _as_json(checked: catalog.Checked) -> dict[str, Any]:
    e, r = checked.exercise, checked.result
    return {"id": e.id, "notebook": e.notebook, "title": e.title, "status": r.status.value,
            "message": r.message, "hint": r.hint, "first_done": checked.first_done,
            "solution": list(e.solution)}


def _print_text(checked: list[catalog.Checked], problem: str | None,
                store: ProgressStore) -> None:
    if problem:
        print(f"No Docker Engine to check against:\n{problem}\n")
    notebook = None
    width = max(len(c.exercise.id) for c in checked)
    for item in checked:
        e, r = item.exercise, item.result
        if e.notebook != notebook:
            notebook = e.notebook
            print(f"{'' if item is checked[0] else chr(10)}{notebook}")
        mark = MARKS[Status.DONE] if item.completed else MARKS[r.status]
        if r.done:
            label = "done"
        elif item.first_done:
            label = f"done on {item.first_done} (now: {r.status})"
        else:
            label = str(r.status)
        print(f"  {mark} {e.id:<{width}}  {e.title}: {label}")
        if not item.completed:
            print(f"      {r.message}")
            if r.hint:
                print(f"      Hint: {r.hint}")
    completed = sum(c.completed for c in checked)
    print(f"\n{completed} of {len(checked)} done. Progress: {shown(store.path)}")


def reset_exercise_objects(notebook: str | None, yes: bool) -> int:
    """List the objects exercises asked for (found by name), and remove them after asking.

    Equivalent CLI: ``docker rm --force --volumes ID`` per container, ``docker rmi TAG``
    per image, ``docker network rm NAME`` per Compose network...

    Returns:
        0 when there was nothing to remove or all of it was removed, 1 otherwise.
    """
    from docdocker.core.console import Console
    from docdocker.exercises import cleanup
    from docdocker.session.connect import connect
    from docdocker.tools import reset

    try:
        selected = _selected(notebook)
    except ValueError as err:
        print(f"docdocker: {err}", file=sys.stderr)
        return USAGE
    engine = connect(notebook or "reset", console=Console())
    items = cleanup.find(engine, selected)
    scope = f"the exercises of {notebook}" if notebook else "the exercises"
    if not items:
        print(f"Nothing to remove: none of the objects {scope} ask for exists.")
        return 0
    return reset.list_ask_remove(
        engine, items, f"These objects are named by {scope} (they carry no label: found by name):",
        yes=yes)
