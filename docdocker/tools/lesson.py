"""Helpers for the shape of a lesson: mistakes made on purpose, clean-up on request.

``with dd.expect_error(dd.errors.PortAllocated): ...`` runs a step that is
meant to fail, shows the friendly message a learner would get, and lets the
notebook carry on ("Run All" does not stop there).

``dd.lesson.size_chart({"tag": bytes, ...})`` draws measured sizes as bars.

``dd.lesson.clean_up_button(engine)`` ends a notebook: a button that removes
the notebook's containers only when the learner presses it, so that "Run All"
leaves every container and widget of the lesson in place.

``dd.lesson.scratch_copy``, ``dd.lesson.edit`` and ``dd.lesson.override_text`` give a
Compose lesson its project files: a fresh copy of a shipped app, an edit shown as a
diff, and the ``compose.override.yaml`` that labels what Compose creates.
"""

from __future__ import annotations

import contextlib
import math
import shutil
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docdocker.base import errors, render
from docdocker.concepts.ownership import CONTAINER_OWNER
from docdocker.core.console import in_notebook
from docdocker.core.steps import LABEL, OWNER
from docdocker.readalong import recordings

if TYPE_CHECKING:
    from docdocker.concepts.containers import ContainerCommands


@dataclass
class Expected:
    """The error an :func:`expect_error` block caught, once it has run."""

    error: errors.DocDockerError | None = None
    #: True when the block did not fail after all.
    worked: bool = False


class SizeChart:
    """Sizes as a bar chart: SVG in a notebook, ``#`` bars as text."""

    def __init__(self, sizes: Mapping[str, float], title: str = "") -> None:
        self.bars = [(str(label), _size(label, size)) for label, size in sizes.items()]
        self.title = title

    def _repr_html_(self) -> str:
        return render.bar_chart_svg(self.bars, title=self.title)

    def __repr__(self) -> str:
        return (f"{self.title}\n" if self.title else "") + render.bar_chart_text(self.bars)


def _size(label: object, size: object) -> float:
    """A bar's size in bytes: a finite number, 0 or more."""
    try:
        value = float(size)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise errors.DocDockerError(
            f"The size of {label!r} is {size!r}: a bar needs a number of bytes, 0 or more.",
            fix="Measure it in the same cell, e.g. from `docker images` "
                "(engine.images(...).value), and pass the number of bytes.")
    return value


def size_chart(sizes: Mapping[str, float], *, title: str = "") -> SizeChart:
    """A bar chart of sizes in bytes, e.g. of the images a notebook built.

    It draws what it is given: measure the sizes in the same cell (``docker images``
    lists them), so the picture stays true when the images change.

    Equivalent CLI: none (``docker images`` prints the same sizes as a table).

    Args:
        sizes: Label to size in bytes, in the order the bars should appear.
        title: A line above the bars.
    """
    return SizeChart(sizes, title)


#: How the note starts when a mistake made on purpose did not fail (tests look for it).
UNEXPECTED_SUCCESS = "Expected a failure here."


@contextmanager
def expect_error(
    kind: type[errors.DocDockerError] = errors.DocDockerError,
) -> Iterator[Expected]:
    """Run a block that should fail with ``kind``; show the message instead of raising.

    When the block does not fail (something the learner did, say in a terminal, made
    the mistake work after all), no traceback: a note says what was expected and how
    to see the failure, and :attr:`Expected.worked` is True.

    Raises:
        docdocker.base.errors.DocDockerError: It failed in another way than expected.
    """
    caught = Expected()
    try:
        yield caught
    except kind as err:
        caught.error = err
        if in_notebook():
            from IPython.display import display

            display(err)
        else:
            print(err)
        return
    if recordings.replaying() is not None:
        # Read-along mode: a step recorded as failing was raised again above; this one
        # has no recorded failure (it changed since the recording), which its output says.
        print(f"(Read-along mode: no recorded {kind.__name__} for this step; run the "
              "notebook on a live engine to see it fail.)")
        return
    caught.worked = True
    note = (f"{UNEXPECTED_SUCCESS} This step was meant to fail ({kind.title}), to show "
            "Docker's message for that mistake, but it worked: this machine is not in the state "
            "the lesson expects here (for example, something was logged in or created in a "
            "terminal). Nothing is wrong with your setup; `docdocker reset --notebook NAME` "
            "and running the notebook from the top show the failure as written.")
    if in_notebook():
        from IPython.display import HTML, display

        display(HTML(render.status_html(None, note)))
    else:
        print(note)


def clean_up_button(engine: ContainerCommands, *, images: bool = False) -> Any:
    """A button that removes this notebook's containers when pressed, and shows how.

    Running the cell only shows the button; nothing is removed until it is
    pressed. Each removal is echoed, as every step is.

    Equivalent CLI: ``docker rm --force NAME`` for each container labelled
    ``org.docdocker.notebook=<notebook>``, or
    ``docdocker reset --notebook <notebook>``

    Args:
        engine: The notebook's engine.
        images: Also remove the images the notebook built (by the tag it gave
            them, never an image the learner built from one), then the images its
            rebuilds left without a tag (``docker image prune`` with its label).

    Returns:
        An ipywidgets box: the button, and the output of its last press.
    """
    import ipywidgets as widgets

    notebook = engine.notebook
    what = "containers and images" if images else "containers"

    class CleanUp(widgets.VBox):  # type: ignore[misc]
        def __repr__(self) -> str:
            return (f"[Remove the {what} of {notebook}] (a button: nothing is removed "
                    "until it is pressed)")

    button = widgets.Button(description=f"Remove the {what} of {notebook}",
                            icon="trash", button_style="warning",
                            layout=widgets.Layout(width="auto"))
    out = widgets.Output()

    def press(_: Any) -> None:
        out.clear_output()
        with out:
            try:
                if images:
                    from docdocker.tools import reset

                    outcome = reset.remove(engine, reset.find(engine, notebook))
                    engine.image_prune()  # type: ignore[attr-defined]
                    _show_kept(engine, outcome.kept)
                else:
                    engine.clean_up()
            except errors.DocDockerError as err:
                from IPython.display import display

                display(err)

    button.on_click(press)
    return CleanUp([button, out])


def _show_kept(engine: ContainerCommands, kept: list[Any]) -> None:
    """Say what Docker refused to remove, in its words, and what still uses each image."""
    from IPython.display import HTML, display

    from docdocker.concepts.containers import Ps

    for item, reason in kept:
        users = []
        if item.kind in ("images", "tags"):
            with contextlib.suppress(errors.DocDockerError):
                listed = engine.query(Ps(all=True, filters={"ancestor": item.name})).value
                users = sorted(name.lstrip("/") for c in listed or []
                               for name in (c.get("Names") or [])[:1])
        still = (f" It is still used by: {', '.join(users)} (remove those containers first, "
                 f"e.g. `docker rm --force {users[0]}`, then press the button again)."
                 if users else "")
        text = f"Not removed: {item.kind[:-1]} {item.name}. Docker said: {reason}.{still}"
        if in_notebook():
            display(HTML(render.status_html(False, text)))
        else:
            print(text)


# ------------------------------------------------ the tutorial's Compose project files
#: The file Compose merges into ``compose.yaml`` by itself when no ``-f`` is given.
OVERRIDE_FILE = "compose.override.yaml"


def override_text(project: str, notebook: str, *, services: Iterable[str],
                  built: Iterable[str] = (), volumes: Iterable[str] = ()) -> str:
    """The ``compose.override.yaml`` that names the project and labels what it creates.

    Compose merges this file into ``compose.yaml`` on its own, so the echoed
    ``docker compose up`` is exactly what runs. The labels let
    ``python -m docdocker reset`` find the project's containers, network, volumes
    and built images; a Compose project without them is never touched.
    """
    mark = f"{LABEL}: {notebook}"
    lines = [
        "# Added by the tutorial; Compose merges it into compose.yaml by itself.",
        "# It names the project and labels everything it creates, so that",
        "# `python -m docdocker reset` can find it (and nothing else) later.",
        f"name: {project}",
        "services:",
    ]
    built = set(built)
    for service in services:
        lines += [f"  {service}:", "    labels:", f"      {mark}",
                  f"      {OWNER}: {CONTAINER_OWNER}"]
        if service in built:
            lines += ["    build:", "      labels:", f"        {mark}",
                      f"        {OWNER}: {project}-{service}"]
    lines += ["networks:", "  default:", "    labels:", f"      {mark}",
              f"      {OWNER}: network"]
    volumes = list(volumes)
    if volumes:
        lines.append("volumes:")
        for volume in volumes:
            lines += [f"  {volume}:", "    labels:", f"      {mark}", f"      {OWNER}: volume"]
    return "\n".join(lines) + "\n"


def scratch_copy(app: Path | str, destination: Path | str) -> Path:
    """A fresh copy of a shipped app to work in (the shipped app itself is never edited).

    Equivalent CLI: ``rm -rf DESTINATION && cp -r APP DESTINATION``
    """
    source, target = Path(app), Path(destination)
    if target.resolve() == source.resolve():
        raise ValueError(f"The copy of {source} cannot be the app itself.")
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return target


def edit(path: Path | str, old: str, new: str) -> str:
    """Replace ``old`` by ``new`` (once) in a file and return the change as a unified diff.

    Raises:
        docdocker.base.errors.DocDockerError: ``old`` is not in the file (nothing is changed).
    """
    import difflib

    file = Path(path)
    before = file.read_text()
    if old not in before:
        raise errors.DocDockerError(
            f"{file} does not contain {old!r}, so it was left unchanged.",
            fix="Start again from a fresh copy of the app, or edit the file by hand.")
    after = before.replace(old, new, 1)
    file.write_text(after)
    return "".join(difflib.unified_diff(before.splitlines(True), after.splitlines(True),
                                        f"a/{file.name}", f"b/{file.name}"))
