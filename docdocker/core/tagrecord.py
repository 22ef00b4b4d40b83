"""The tags docdocker gave images, remembered so that clean-up can remove them (and only them).

Docker cannot put a label on a tag: a tag is a name pointing at an image ID,
and the image's labels were fixed when it was built. So when a notebook tags a
learner's image (``docker tag friendlyhello localhost:5000/me/app:1.0``), the
only way to know later that this *name* is the tutorial's is to write it down.
Each record keeps the notebook, the tag and the image ID it pointed at; clean-up
removes a recorded tag only while it still points at that image.

The file is ``$DOCDOCKER_STATE_DIR/tags.json`` (default
``${XDG_STATE_HOME:-~/.local/state}/docdocker/tags.json``), written atomically.

The images docdocker built are written down beside it (``built.json``: notebook,
the tag it was built as, image ID). Once a rebuild moves the tag away, an image's
labels are all that is left, and an image the learner makes ``FROM`` a tutorial image
or with ``docker commit`` carries the very same labels; BuildKit also leaves no trace
of ``--label`` in ``docker history``. Only the record tells docdocker's own images apart.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

try:  # POSIX only; on Windows concurrent writers are not expected
    import fcntl
except ImportError:  # pragma: no cover - depends on the platform
    fcntl = None  # type: ignore[assignment]


@dataclass(frozen=True)
class Record:
    """One tag docdocker created: which notebook, which name, which image ID."""

    notebook: str
    tag: str
    image_id: str


def state_dir() -> Path:
    """Where docdocker keeps what it must remember between kernels."""
    explicit = os.environ.get("DOCDOCKER_STATE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local",
                                                           "state")
    return Path(base) / "docdocker"


def _path() -> Path:
    return state_dir() / "tags.json"


def _built_path() -> Path:
    return state_dir() / "built.json"


#: The built images remembered; the oldest records go first (a tutorial builds a few dozen).
_BUILDS_KEPT = 500


@contextlib.contextmanager
def _locked(path: Path | None = None) -> Iterator[list[Record]]:
    """The records, locked for the block; what the block leaves in the list is saved."""
    path = path or _path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "w") as lock:
        if fcntl is not None:
            fcntl.flock(lock, fcntl.LOCK_EX)
        records = _read(path)
        before = list(records)
        yield records
        if records != before:
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tags-")
            with os.fdopen(fd, "w") as out:
                json.dump([asdict(r) for r in records], out, indent=1)
            os.replace(tmp, path)


def _read(path: Path) -> list[Record]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return []
    found = []
    for entry in data if isinstance(data, list) else []:
        with contextlib.suppress(TypeError, KeyError, AttributeError):
            found.append(Record(str(entry["notebook"]), str(entry["tag"]), str(entry["image_id"])))
    return found


def remember(notebook: str, tag: str, image_id: str) -> None:
    """Record that ``notebook`` gave image ``image_id`` the name ``tag``."""
    record = Record(notebook, tag, image_id)
    with _locked() as records:
        records[:] = [r for r in records if (r.notebook, r.tag) != (notebook, tag)] + [record]


def recorded(notebook: str | None = None) -> list[Record]:
    """The recorded tags of one notebook, or of the whole tutorial (None)."""
    return [r for r in _read(_path()) if notebook is None or r.notebook == notebook]


def forget(notebook: str, tag: str) -> None:
    """Drop the record of ``tag`` (it was removed, or now names another image)."""
    with _locked() as records:
        records[:] = [r for r in records if (r.notebook, r.tag) != (notebook, tag)]


def remember_built(notebook: str, image_id: str, tag: str = "") -> None:
    """Record that docdocker built the image ``image_id`` for ``notebook`` (as ``tag``).

    Equivalent CLI: none (docdocker's own record, read by clean-up).
    """
    record = Record(notebook, tag, image_id)
    with _locked(_built_path()) as records:
        kept = [r for r in records if r != record][-(_BUILDS_KEPT - 1):]
        records[:] = [*kept, record]


def was_built(image_id: str, tag: str) -> bool:
    """True when docdocker built image ``image_id`` as ``tag`` (any notebook)."""
    return any(r.image_id == image_id and r.tag == tag for r in _read(_built_path()))


def built(notebook: str | None = None) -> set[str]:
    """IDs of the images docdocker built (for one notebook, or for the whole tutorial)."""
    return {r.image_id for r in _read(_built_path())
            if notebook is None or r.notebook == notebook}


def forget_built(image_ids: set[str]) -> None:
    """Drop the records of these image IDs (the images are gone)."""
    with _locked(_built_path()) as records:
        records[:] = [r for r in records if r.image_id not in image_ids]
