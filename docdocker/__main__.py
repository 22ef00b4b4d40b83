"""Command line: ``python -m docdocker doctor``, ``reset`` and ``check``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from docdocker.base import errors
from docdocker.classroom import cli as classroom
from docdocker.exercises import cli as exercises_cli


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m docdocker",
                                     description="Helpers for the docdocker tutorial.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("doctor", help="check that this machine is ready for the tutorial")
    reset = sub.add_parser("reset", help="remove what the tutorial created (labelled objects only)")
    reset.add_argument("--notebook", help="only this notebook's objects, e.g. 01-containers")
    reset.add_argument("--yes", action="store_true", help="remove without asking")
    reset.add_argument("--exercises", action="store_true",
                       help="instead, the objects the exercises asked you to create "
                            "(found by their names: they carry no label)")
    record = sub.add_parser(
        "record", help="run notebooks on the live engine and record every step's output "
        "(for read-along mode)")
    record.add_argument("notebooks", nargs="*", type=Path,
                        help="notebooks to record (default: every notebook in notebooks/)")
    classroom.register(sub)
    exercises_cli.register(sub)
    args = parser.parse_args(argv)
    try:
        if "handler" in args:
            return int(args.handler(args))
        if args.command == "record":
            return _record(args.notebooks)
        if args.command == "reset" and args.exercises:
            return exercises_cli.reset_exercise_objects(args.notebook, args.yes)
        return _doctor() if args.command == "doctor" else _reset(args.notebook, args.yes)
    except errors.DocDockerError as err:
        print(f"docdocker: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        # Ctrl-C: stop quietly, as docker's own commands do, without a traceback.
        print("docdocker: stopped (Ctrl-C).", file=sys.stderr)
        return 130


def _record(paths: list[Path]) -> int:
    from docdocker.readalong.recordings import record_notebooks

    if not paths:
        paths = sorted(Path("notebooks").glob("*.ipynb"))
    if not paths:
        print("docdocker: no notebooks given and none in ./notebooks", file=sys.stderr)
        return 2
    for written in record_notebooks(paths):
        print(f"recorded {written}")
    return 0


def _doctor() -> int:
    from docdocker.tools.doctor import doctor

    report = doctor()
    print(report.text())
    return 0 if report.ok else 1


def _reset(notebook: str | None, yes: bool) -> int:
    from docdocker.core.console import Console
    from docdocker.core.steps import label_filter
    from docdocker.session.connect import connect
    from docdocker.tools import reset

    if notebook is not None and not notebook.strip():
        print("docdocker: --notebook needs a name, such as 01-containers "
              "(leave the option out for the whole tutorial).", file=sys.stderr)
        return 2
    engine = connect(notebook or "reset", console=Console())
    items = reset.find(engine, notebook)
    scope = f"notebook {notebook}" if notebook else "the tutorial"
    if not items:
        print(f"Nothing to remove: no containers, images, networks or volumes from {scope}.")
        return 0
    return reset.list_ask_remove(
        engine, items,
        f"These objects were created by {scope} (label {label_filter(notebook)['label']}):",
        yes=yes)


if __name__ == "__main__":
    sys.exit(main())
