"""``classroom bundle`` and ``classroom load``: the tutorial's images on a USB stick.

A bundle is exactly what ``docker save --output FILE IMAGE...`` writes, plus one
file at its end, ``docdocker-bundle.json``: the references saved, their image
IDs, and the size and sha256 of every other file in the archive. So a bundle is
still a ``docker save`` archive (``docker load --input FILE`` works without
docdocker), and ``classroom load`` can refuse a copy that was cut short or
altered *before* the engine sees it, instead of leaving half of it loaded.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import json
import tarfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from docdocker.base import errors
from docdocker.concepts.images import ImageInspect, Load, Rmi, Save, Tag
from docdocker.concepts.system import SystemDf, Version
from docdocker.core.engine import Engine

#: The checksum list's name inside the archive.
MANIFEST_NAME = "docdocker-bundle.json"
#: Written into the checksum list; a reader refuses formats it does not know.
FORMAT = "docdocker-bundle/1"
#: Reads of this size while hashing.
CHUNK = 1024 * 1024

#: ``progress(done, total, what)``: how far a long phase is (bytes).
ProgressCallback = Callable[[int, int, str], None]


class BundleRefused(errors.DocDockerError):
    """A bundle that cannot be made or loaded as it is; nothing was changed."""

    title = "Bundle refused"


@dataclass(frozen=True)
class Part:
    """One file of the ``docker save`` archive, as recorded when the bundle was made."""

    name: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Saved:
    """One image reference in the bundle and the image ID it named."""

    reference: str
    id: str


@dataclass
class Manifest:
    """The checksum list written at the end of a bundle."""

    images: list[Saved]
    parts: list[Part]
    created: str = ""
    engine: str = ""
    format: str = FORMAT
    notes: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), indent=1, sort_keys=True).encode()

    @classmethod
    def from_json(cls, data: bytes, path: Path) -> Manifest:
        """Read a checksum list; anything malformed is refused with what was found."""
        try:
            raw = json.loads(data)
            if raw.get("format") != FORMAT:
                raise BundleRefused(
                    f"{path} was made by another version of docdocker (format "
                    f"{raw.get('format')!r}; this one reads {FORMAT!r}).",
                    fix="Make the bundle again with this version: "
                        "`python -m docdocker classroom bundle FILE`.")
            return cls(images=[Saved(str(i["reference"]), str(i["id"])) for i in raw["images"]],
                       parts=[Part(str(p["name"]), int(p["size"]), str(p["sha256"]))
                              for p in raw["parts"]],
                       created=str(raw.get("created", "")), engine=str(raw.get("engine", "")),
                       notes=dict(raw.get("notes") or {}))
        except (ValueError, KeyError, TypeError, AttributeError) as err:
            raise BundleRefused(
                f"The checksum list inside {path} ({MANIFEST_NAME}) is damaged: {err}.",
                fix="Copy the bundle again from the original, or make a new one with "
                    "`python -m docdocker classroom bundle FILE`.") from err


def _refuse_copy(path: Path, what: str) -> BundleRefused:
    return BundleRefused(
        f"{path} is damaged: {what}. Nothing was loaded.",
        fix=f"Copy the bundle again from the original (the size must be the same: "
            f"`ls -l {path.name}`), or make a new one on the instructor's machine with "
            f"`python -m docdocker classroom bundle {path.name}`.",
        command=Load(input=str(path)).argv)


def _hash(reader: Any, size: int, on_bytes: Callable[[int], None]) -> tuple[int, str]:
    digest = hashlib.sha256()
    read = 0
    while read < size:
        block = reader.read(min(CHUNK, size - read))
        if not block:
            break
        digest.update(block)
        read += len(block)
        on_bytes(len(block))
    return read, digest.hexdigest()


# ------------------------------------------------------------------ checking
def check(path: Path, progress: ProgressCallback | None = None) -> Manifest:
    """Check every part of a bundle against its checksum list, without the engine.

    Equivalent CLI: none (``docker load`` checks layers only while it loads them).

    Raises:
        BundleRefused: The file is missing, cut short, altered, or not a bundle.
    """
    path = Path(path)
    if not path.is_file():
        raise BundleRefused(f"There is no bundle at {path}.",
                            fix="Give the path of the file `classroom bundle` wrote, "
                                "e.g. /media/usb/docdocker-images.tar.")
    total = path.stat().st_size
    done = 0

    def advance(count: int) -> None:
        nonlocal done
        done += count
        if progress is not None:
            progress(done, total, "checking")

    try:
        with tarfile.open(path, "r:") as tar:
            members = tar.getmembers()
            by_name = {m.name: m for m in members}
            if MANIFEST_NAME not in by_name:
                raise BundleRefused(
                    f"{path} has no checksum list ({MANIFEST_NAME}, written last): it was "
                    f"cut short while copying ({total} bytes here), or it is a plain "
                    "`docker save` archive. Nothing was loaded.",
                    fix=f"Copy it again and compare sizes (`ls -l {path.name}`); a plain "
                        f"`docker save` archive loads with `docker load --input {path.name}`.",
                    command=Load(input=str(path)).argv)
            reader = tar.extractfile(by_name[MANIFEST_NAME])
            if reader is None:
                raise _refuse_copy(path, f"{MANIFEST_NAME} is not a regular file")
            manifest = Manifest.from_json(reader.read(), path)
            listed = {p.name: p for p in manifest.parts}
            present = {m.name for m in members if m.isfile()} - {MANIFEST_NAME}
            if missing := sorted(set(listed) - present):
                raise _refuse_copy(path, f"{len(missing)} part(s) are missing, e.g. {missing[0]}")
            if extra := sorted(present - set(listed)):
                raise _refuse_copy(path, f"it holds file(s) that were not in it when it was "
                                         f"made, e.g. {extra[0]}")
            for member in members:
                part = listed.get(member.name)
                if part is None or not member.isfile():
                    continue
                source = tar.extractfile(member)
                if source is None:  # pragma: no cover - isfile() members always have data
                    raise _refuse_copy(path, f"{member.name} cannot be read")
                size, digest = _hash(source, member.size, advance)
                if size != part.size:
                    raise _refuse_copy(path, f"{part.name} has {size} bytes, expected "
                                             f"{part.size} (the file was cut short)")
                if digest != part.sha256:
                    raise _refuse_copy(path, f"{part.name} has checksum sha256:{digest[:12]}…, "
                                             f"expected sha256:{part.sha256[:12]}… "
                                             "(its content was changed)")
    except (tarfile.TarError, EOFError, OSError) as err:
        raise _refuse_copy(path, f"it is not a readable tar archive ({err}); it was "
                                 f"probably cut short while copying ({total} bytes here)"
                           ) from err
    return manifest


# ------------------------------------------------------------------ bundle
def refuse_existing(path: Path) -> None:
    """A bundle never overwrites a file (last session's bundle, or anything else)."""
    if Path(path).exists():
        raise BundleRefused(f"{path} already exists; a bundle never overwrites a file.",
                            fix=f"Give another file name, or remove the old one first "
                                f"(`rm {path}`).")


def bundle(engine: Engine, images: Sequence[str], path: Path,
           progress: ProgressCallback | None = None) -> Manifest:
    """Save ``images`` into one archive at ``path``, then add the checksum list.

    Equivalent CLI: ``docker save --output FILE IMAGE...`` (docdocker then adds
    ``docdocker-bundle.json``)

    Raises:
        BundleRefused: ``path`` exists, an image is not on this machine, or ``path``
            cannot be written.
    """
    path = Path(path)
    refuse_existing(path)
    saved: list[Saved] = []
    missing: list[str] = []
    for image in images:
        attrs = engine.query(ImageInspect(image=image)).value
        if attrs is None:
            missing.append(image)
        else:
            saved.append(Saved(image, str(attrs["Id"])))
    if missing:
        raise BundleRefused(
            f"Not on this machine, so not in a bundle: {', '.join(missing)}.",
            fix="Pull them first: " + "; ".join(f"`docker pull {m}`" for m in missing) + ".",
            command=Save(output=str(path), images=tuple(images)).argv)
    if not path.parent.is_dir():
        raise BundleRefused(f"The folder {path.parent} does not exist.",
                            fix=f"Create it (`mkdir -p {path.parent}`) or choose another path.")
    estimate = _estimate(engine, [s.id for s in saved])
    step = Save(output=str(path), images=tuple(images))
    try:
        engine.execute(step, progress=lambda n: progress and progress(
            n, max(estimate, n), "saving"))
        parts = list(_parts(path, progress))
        manifest = Manifest(images=saved, parts=parts,
                            created=datetime.datetime.now(datetime.timezone.utc)
                            .isoformat(timespec="seconds"),
                            engine=_engine_version(engine))
        _append(path, manifest.to_json())
    except BaseException:
        with contextlib.suppress(OSError):
            path.unlink()  # a half-written bundle must not look like one
        raise
    return manifest


def _estimate(engine: Engine, ids: list[str]) -> int:
    """Bytes ``docker save`` will write: the largest shared base once, plus each unique part.

    ``docker system df`` counts unpacked sizes. The classic image store saves layers
    unpacked, so that is the archive's weight; the containerd store saves the
    compressed blobs it pulled, which ``docker image inspect`` sizes: the estimate is
    scaled from one to the other.
    """
    try:
        listed = engine.query(SystemDf()).value.get("Images") or []
    except errors.DocDockerError:
        return 0
    chosen = [i for i in listed if i.get("Id") in set(ids)]
    shared = max((max(i.get("SharedSize") or 0, 0) for i in chosen), default=0)
    unpacked = shared + sum(max((i.get("Size") or 0) - max(i.get("SharedSize") or 0, 0), 0)
                            for i in chosen)
    everything = sum(i.get("Size") or 0 for i in chosen)
    stored = 0
    for image_id in ids:
        attrs = engine.query(ImageInspect(image=image_id)).value or {}
        stored += int(attrs.get("Size") or 0)
    if everything and 0 < stored < everything * 0.9:  # compressed content: scale down
        return int(unpacked * stored / everything)
    return unpacked


def _engine_version(engine: Engine) -> str:
    try:
        return str(engine.query(Version()).value.get("Version", ""))
    except errors.DocDockerError:
        return ""


def _parts(path: Path, progress: ProgressCallback | None) -> Iterator[Part]:
    total = path.stat().st_size
    done = 0

    def advance(count: int) -> None:
        nonlocal done
        done += count
        if progress is not None:
            progress(done, total, "checksums")

    with tarfile.open(path, "r:") as tar:
        for member in tar.getmembers():
            source = tar.extractfile(member) if member.isfile() else None
            if source is not None:
                size, digest = _hash(source, member.size, advance)
                yield Part(member.name, size, digest)


def _append(path: Path, data: bytes) -> None:
    import io

    info = tarfile.TarInfo(MANIFEST_NAME)
    info.size = len(data)
    info.mtime = int(time.time())
    info.mode = 0o644
    with tarfile.open(path, "a:") as tar:
        tar.addfile(info, io.BytesIO(data))


# ------------------------------------------------------------------ load
@dataclass
class Loaded:
    """What ``load`` did: the manifest it checked and the engine's own words."""

    manifest: Manifest
    output: str
    seconds_checking: float
    seconds_loading: float


def load(engine: Engine, path: Path, progress: ProgressCallback | None = None) -> Loaded:
    """Check a bundle completely, then ``docker load`` it.

    If the engine fails part-way, every tag the load added or moved is put back
    as it was, so nothing half-loaded is left under the tutorial's names.

    Equivalent CLI: ``docker load --input FILE``

    Raises:
        BundleRefused: The bundle is damaged (nothing is loaded).
        docdocker.base.errors.StepFailed: The engine refused the archive (tags restored).
    """
    path = Path(path)
    start = time.monotonic()
    manifest = check(path, progress)
    checked = time.monotonic()
    before = {s.reference: _image_id(engine, s.reference) for s in manifest.images}
    total = path.stat().st_size
    try:
        result = engine.execute(Load(input=str(path)),
                                progress=lambda n: progress and progress(n, total, "loading"))
    except BaseException:
        _restore(engine, manifest, before)
        raise
    loaded = time.monotonic()
    expected = _layers_saved(path)
    wrong = [s.reference for s in manifest.images
             if not _is_the_saved_image(engine, s, expected.get(s.reference))]
    if wrong:
        _restore(engine, manifest, before)
        raise BundleRefused(
            f"After loading {path}, these names do not point at the saved images: "
            f"{', '.join(wrong)}. Their previous state was put back.",
            fix="Run `docker load --input FILE` by hand to see the engine's messages.",
            command=Load(input=str(path)).argv)
    return Loaded(manifest, result.output, checked - start, loaded - checked)


def _layers_saved(path: Path) -> dict[str, list[str]]:
    """Each name in the archive -> the layers (diff IDs) its saved config lists.

    An engine with the other kind of image store gives the loaded image another ID (the
    classic store names an image by its config's digest, the containerd store by its
    manifest or index digest), so a bundle made on one is checked on the other by what
    makes the image that image: the config ``manifest.json`` points at, and its layers.
    A config that cannot be read lists nothing, and the image it names is refused.
    """
    found: dict[str, list[str]] = {}
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError, tarfile.TarError), \
            tarfile.open(path, "r:") as tar:
        raw = tar.extractfile("manifest.json")
        for entry in json.loads(raw.read()) if raw is not None else []:
            layers: list[str] = []
            with contextlib.suppress(OSError, ValueError, KeyError, TypeError, AttributeError):
                config = tar.extractfile(str(entry["Config"]))
                document = json.loads(config.read()) if config is not None else {}
                layers = [str(d) for d in document["rootfs"]["diff_ids"]]
            for name in entry.get("RepoTags") or []:
                found[_short(name)] = layers
    return found


def _is_the_saved_image(engine: Engine, saved: Saved, layers: list[str] | None) -> bool:
    """Whether the name now points at the image the bundle saved under it."""
    attrs = engine.query(ImageInspect(image=saved.reference)).value
    if attrs is None:
        return False
    if str(attrs.get("Id")) == saved.id:
        return True
    return bool(layers) and list((attrs.get("RootFS") or {}).get("Layers") or []) == layers


def _short(name: str) -> str:
    """``docker.io/library/hello-world:latest`` -> ``hello-world:latest``, as saved."""
    from docdocker.grammar import reference

    try:
        return reference.parse(name).familiar
    except errors.DocDockerError:
        return name


def _image_id(engine: Engine, image: str) -> str | None:
    attrs = engine.query(ImageInspect(image=image)).value
    return None if attrs is None else str(attrs["Id"])


def _restore(engine: Engine, manifest: Manifest, before: dict[str, str | None]) -> None:
    """Put every name back where it pointed before the load (or remove it)."""
    for saved in manifest.images:
        now = _image_id(engine, saved.reference)
        previous = before.get(saved.reference)
        if now is None or now == previous:
            continue
        with contextlib.suppress(errors.DocDockerError):
            if previous is None:
                engine.execute(Rmi(image=saved.reference))
            else:
                engine.execute(Tag(image=previous, new_image=saved.reference))

