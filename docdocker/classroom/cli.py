"""``python -m docdocker classroom images|bundle|load|mirror|status``.

:func:`register` adds the ``classroom`` subcommand to the main parser; every
action prints the ``docker`` commands it runs, as the notebooks do.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from docdocker.base import errors, render

DEFAULT_BUNDLE = "docdocker-images.tar"


def register(subparsers: Any) -> None:
    """Add ``classroom`` and its actions to ``python -m docdocker``'s subparsers."""
    parser = subparsers.add_parser(
        "classroom", help="prepare a room of laptops: images, bundle, load, mirror, status",
        description="Prepare a workshop: see INSTRUCTORS.md.")
    actions = parser.add_subparsers(dest="action", required=True)
    actions.add_parser("images", help="every image the notebooks use, and whether it is here")
    bundle = actions.add_parser("bundle", help="save every image into one checked archive")
    bundle.add_argument("file", nargs="?", default=DEFAULT_BUNDLE,
                        help=f"where to write it (default {DEFAULT_BUNDLE})")
    load = actions.add_parser("load", help="check a bundle, then load its images")
    load.add_argument("file", help="the bundle written by `classroom bundle`")
    mirror = actions.add_parser("mirror", help="run a Docker Hub mirror for the room")
    mirror.add_argument("--address", default="127.0.0.1",
                        help="IP address to listen on (default 127.0.0.1: this machine only; "
                             "give your address on the room's network to serve the room)")
    mirror.add_argument("--port", type=int, default=None, help="port (default 5050)")
    mirror.add_argument("--name", default=None, help="container name (default docdocker-mirror)")
    mirror.add_argument("--stop", action="store_true", help="remove the mirror and its volume")
    actions.add_parser("status", help="this machine's readiness in one screen")
    parser.set_defaults(handler=main)


def main(args: argparse.Namespace) -> int:
    """Run one classroom action; returns the exit code."""
    try:
        return int(_ACTIONS[args.action](args))
    except errors.DocDockerError as err:
        print(f"docdocker: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _engine() -> Any:
    from docdocker.classroom.mirror import NOTEBOOK
    from docdocker.core.console import TextConsole
    from docdocker.session.connect import connect

    return connect(NOTEBOOK, console=TextConsole())


class _Bar:
    """A terminal progress bar (tqdm) fed with ``(done, total, phase)``."""

    def __init__(self) -> None:
        self._bars: dict[str, Any] = {}

    def __call__(self, done: int, total: int, phase: str) -> None:
        from tqdm import tqdm

        bar = self._bars.get(phase)
        if bar is None:
            for other in self._bars.values():
                other.close()
            bar = self._bars[phase] = tqdm(total=total or None, desc=phase, unit="B",
                                           unit_scale=True, file=sys.stderr, leave=True)
        if total and total > (bar.total or 0):
            bar.total = total
        bar.update(done - bar.n)

    def close(self) -> None:
        for bar in self._bars.values():
            bar.close()


def _images(args: argparse.Namespace) -> int:
    from docdocker.classroom import catalog, status

    derived = catalog.derive()
    states = status.survey(_engine(), derived.images, derived)
    print(status.images_text(states, derived.unresolved))
    return 0 if all(s.present for s in states) else 1


def _bundle(args: argparse.Namespace) -> int:
    from docdocker.classroom import bundle, catalog

    images = catalog.derive().images
    bundle.refuse_existing(Path(args.file))  # before connecting: nothing to wait for
    bar = _Bar()
    start = time.monotonic()
    try:
        manifest = bundle.bundle(_engine(), images, Path(args.file), progress=bar)
    finally:
        bar.close()
    size = Path(args.file).stat().st_size
    print(f"Wrote {args.file}: {len(manifest.images)} images, {render.size_text(size)}, "
          f"{len(manifest.parts)} parts with their sha256 in {bundle.MANIFEST_NAME} "
          f"({time.monotonic() - start:.1f} s).")
    print("It is also a plain `docker save` archive: `docker load --input FILE` works "
          "without docdocker,\nbut `python -m docdocker classroom load FILE` checks it first.")
    return 0


def _load(args: argparse.Namespace) -> int:
    from docdocker.classroom import bundle

    bar = _Bar()
    try:
        done = bundle.load(_engine(), Path(args.file), progress=bar)
    finally:
        bar.close()
    print(done.output.rstrip("\n"))
    print(f"Checked {len(done.manifest.parts)} parts in {done.seconds_checking:.1f} s, "
          f"loaded {len(done.manifest.images)} images in {done.seconds_loading:.1f} s.")
    return 0


def _mirror(args: argparse.Namespace) -> int:
    from docdocker.classroom import catalog, mirror

    name = args.name or mirror.DEFAULT_NAME
    if args.stop:
        removed = mirror.stop(_engine(), name)
        print("Removed " + ", ".join(removed) + "." if removed else
              f"No classroom mirror named {name} here: nothing to remove.")
        return 0
    for warning in mirror.check_address(args.address):
        print(warning, file=sys.stderr)
    running = mirror.start(_engine(), catalog.derive().images, address=args.address,
                           port=args.port or mirror.DEFAULT_PORT, name=name)
    print(f"Seeded {len(running.seeded)} images: {', '.join(running.seeded)}")
    for image, why in running.skipped:
        print(f"  not seeded: {image}: {why}")
    print()
    print(running.instructions())
    return 0


def _status(args: argparse.Namespace) -> int:
    from docdocker.classroom import status

    try:
        engine = _engine()
    except errors.DocDockerError:
        engine = None  # the doctor's checks say why
    found = status.status(engine)
    print(found.text())
    return 0 if found.ok else 1


_ACTIONS = {"images": _images, "bundle": _bundle, "load": _load, "mirror": _mirror,
            "status": _status}
