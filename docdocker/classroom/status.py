"""``classroom images`` and ``classroom status``: what this machine has, in one screen.

For the instructor's pre-flight round: the doctor's checks, every tutorial image
present or not (with its size), whether Docker is set to use a registry mirror
(and whether that mirror answers), and how long the notebooks took in their
recorded run.
"""

from __future__ import annotations

import datetime
import json
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docdocker.base import render
from docdocker.classroom import catalog as catalog_module
from docdocker.concepts.images import ImageInspect, Images
from docdocker.concepts.system import Info
from docdocker.core.engine import Engine
from docdocker.tools.doctor import Check, Report, doctor


@dataclass(frozen=True)
class ImageState:
    """One tutorial image on this machine."""

    image: str
    present: bool
    size: int | None
    used_in: tuple[str, ...]


def survey(engine: Engine, images: Sequence[str], where: catalog_module.Catalog
           ) -> list[ImageState]:
    """Whether each image is on this machine, and its size as ``docker images`` shows it.

    The size is the listing's, not ``docker image inspect``'s: on the containerd image
    store, inspect gives the compressed content (what a pull downloads, what a bundle
    holds), the listing the unpacked disk use that the learner's ``docker images`` shows.

    Equivalent CLI: ``docker images --filter reference=IMAGE`` for each image
    """
    states = []
    for image in images:
        attrs = engine.query(ImageInspect(image=image)).value
        size = None
        if attrs is not None:
            listed = engine.query(Images(filters={"reference": [image]})).value or []
            same = [e for e in listed if e.get("Id") == attrs.get("Id")] or listed
            size = int((same[0] if same else attrs).get("Size") or 0)
        states.append(ImageState(image, attrs is not None, size, tuple(where.where(image))))
    return states


def images_text(states: Sequence[ImageState], unresolved: Sequence[catalog_module.Use] = ()
                ) -> str:
    """The ``classroom images`` table."""
    rows = [{"IMAGE": s.image, "HERE": "yes" if s.present else "MISSING",
             "SIZE": render.size_text(s.size) if s.size is not None else "-",
             "USED IN": _used_in(s.used_in)} for s in states]
    text = render.table_text(("IMAGE", "HERE", "SIZE", "USED IN"), rows)
    missing = [s.image for s in states if not s.present]
    if missing:
        text += "\nMissing here: " + " ".join(f"`docker pull {m}`" for m in missing)
    for use in unresolved:
        text += (f"\nNot listed: {use.where} uses the image {use.image}, which is not a "
                 "literal; name it with a string so the kit can prepare it.")
    return text


def _used_in(places: Sequence[str]) -> str:
    notebooks = sorted({p.split(" ", 1)[0] for p in places})
    return ", ".join(notebooks)


@dataclass
class Timing:
    """How long a notebook took in the run recorded in its cells."""

    notebook: str
    seconds: float | None
    recorded: str = ""


def notebook_timings(root: Path = catalog_module.NOTEBOOKS) -> list[Timing]:
    """Each notebook's run time, from the execution times saved in its cells.

    Jupyter (nbconvert, nbclient, and JupyterLab with "record timing" on) saves
    when each cell started and finished; the notebook took from the first start to
    the last finish. A notebook without them has ``seconds`` None.
    """
    timings = []
    for path in sorted(root.glob("*.ipynb")):
        starts: list[datetime.datetime] = []
        ends: list[datetime.datetime] = []
        for cell in json.loads(path.read_text()).get("cells", []):
            run = (cell.get("metadata") or {}).get("execution") or {}
            began = _when(run.get("iopub.execute_input", ""))
            finished = _when(run.get("shell.execute_reply", ""))
            if began is not None and finished is not None:
                starts.append(began)
                ends.append(finished)
        if starts and ends:
            timings.append(Timing(path.stem, (max(ends) - min(starts)).total_seconds(),
                                  min(starts).strftime("%Y-%m-%d")))
        else:
            timings.append(Timing(path.stem, None))
    return timings


def _when(text: str) -> datetime.datetime | None:
    try:
        return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def mirror_check(info: dict[str, Any], timeout: float = 3) -> Check:
    """Whether Docker is set to use a registry mirror, and whether it answers."""
    mirrors = list(((info.get("RegistryConfig") or {}).get("Mirrors")) or [])
    if not mirrors:
        return Check("Registry mirror", None, "none configured: every pull goes to Docker Hub",
                     "If the instructor runs a mirror, add its \"registry-mirrors\" line to "
                     "Docker's settings (see INSTRUCTORS.md), restart Docker, and check "
                     "`docker info`.")
    answers = []
    for url in mirrors:
        try:
            with urllib.request.urlopen(url.rstrip("/") + "/v2/", timeout=timeout) as reply:
                answers.append((url, reply.status == 200, f"HTTP {reply.status}"))
        except (urllib.error.URLError, OSError) as err:
            answers.append((url, False, str(getattr(err, "reason", err))))
    if all(ok for _, ok, _ in answers):
        return Check("Registry mirror", True, ", ".join(u for u, _, _ in answers) + " answers")
    down = "; ".join(f"{u}: {why}" for u, ok, why in answers if not ok)
    return Check("Registry mirror", None, f"configured but not answering ({down}); pulls "
                 "fall back to Docker Hub", "Check the address with the instructor, and that "
                 "this laptop is on the room's network.")


@dataclass
class Status:
    """This machine's readiness: the doctor's report, the images, the mirror, the timings."""

    report: Report
    images: list[ImageState] = field(default_factory=list)
    timings: list[Timing] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.report.ok and all(s.present for s in self.images)

    def text(self) -> str:
        lines = [c.text() for c in self.report.checks]
        present = sum(s.present for s in self.images)
        if not self.images:
            lines.append("! Tutorial images: not checked (needs a reachable engine)")
        else:
            lines.append(f"{'✔' if present == len(self.images) else '✘'} Tutorial images: "
                         f"{present} of {len(self.images)} here")
        for s in self.images:
            size = f" ({render.size_text(s.size)})" if s.size is not None else ""
            lines.append(f"    {'✔' if s.present else '✘'} {s.image}{size}"
                         + ("" if s.present else f"    Fix: `docker pull {s.image}`, or "
                            "`python -m docdocker classroom load FILE` from the bundle"))
        known = [t for t in self.timings if t.seconds is not None]
        if known:
            lines.append("Notebook run times (recorded run): " + ", ".join(
                f"{t.notebook} {_minutes(t.seconds or 0)}" for t in known)
                + f" (on {known[0].recorded})")
        else:
            lines.append("Notebook run times: not recorded in the notebooks here")
        lines.append("Ready for the workshop." if self.ok else
                     "Not ready: fix the ✘ lines above.")
        return "\n".join(lines)


def _minutes(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.1f} min"


def status(engine: Engine | None, root: Path = catalog_module.NOTEBOOKS) -> Status:
    """Check this machine for the workshop.

    Equivalent CLI: ``docker version``, ``docker info``, ``docker pull hello-world``,
    ``docker image inspect IMAGE`` for each image

    Args:
        engine: A connected engine, or None when none could be reached (the doctor's
            checks then say why, and images and mirror are not checked).
    """
    report = doctor()
    derived = catalog_module.derive(root)
    states: list[ImageState] = []
    if engine is not None and report.checks and report.checks[0].ok:
        info = engine.query(Info()).value
        report.checks.append(mirror_check(info))
        states = survey(engine, derived.images, derived)
    return Status(report, states, notebook_timings(root))
