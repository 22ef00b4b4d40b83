"""The classroom kit on the live engine: bundle and load, the mirror, status.

The bundle tests work on tags made for the test (``docdocker-test/classroom-...``) of
images already here, so loading and removing them never touches a learner's images.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import shutil
import subprocess
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path

import docker
import pytest

from docdocker.__main__ import main
from docdocker.base.errors import StepFailed
from docdocker.classroom import bundle, catalog, mirror, status
from docdocker.concepts.images import Rmi, Tag
from docdocker.session.tutorial import Tutorial as Engine

DOCKER = shutil.which("docker") or "docker"


def image_id(client: docker.DockerClient, ref: str) -> str | None:
    try:
        return str(client.images.get(ref).id)
    except docker.errors.ImageNotFound:
        return None


@pytest.fixture
def test_tags(engine: Engine, client: docker.DockerClient, notebook: str,
              image: Callable[[str], str]) -> Iterator[list[str]]:
    """Two tags made for this test, of busybox and hello-world; removed afterwards."""
    refs = [f"docdocker-test/classroom-{notebook}:bb", f"docdocker-test/classroom-{notebook}:hw"]
    sources = (image("busybox:latest"), image("hello-world:latest"))
    for source, ref in zip(sources, refs, strict=True):
        engine.query(Tag(image=source, new_image=ref))
    yield refs
    for ref in refs:
        if image_id(client, ref):
            engine.query(Rmi(image=ref))


def _untag(engine: Engine, refs: list[str]) -> None:
    for ref in refs:
        engine.query(Rmi(image=ref))


def test_bundle_then_load_round_trips(engine: Engine, client: docker.DockerClient,
                                      test_tags: list[str], tmp_path: Path) -> None:
    ids = {ref: image_id(client, ref) for ref in test_tags}
    path = tmp_path / "room.tar"
    phases: set[str] = set()
    manifest = bundle.bundle(engine, test_tags, path, progress=lambda d, t, p: phases.add(p))
    assert {s.reference: s.id for s in manifest.images} == ids
    assert phases == {"saving", "checksums"}
    _untag(engine, test_tags)
    assert [image_id(client, ref) for ref in test_tags] == [None, None]

    loaded = bundle.load(engine, path, progress=lambda d, t, p: phases.add(p))
    assert {ref: image_id(client, ref) for ref in test_tags} == ids
    assert "checking" in phases and "loading" in phases
    for ref in test_tags:
        assert f"Loaded image: {ref}" in loaded.output


def test_a_bundle_is_also_a_plain_docker_save_archive(engine: Engine, client: docker.DockerClient,
                                                      test_tags: list[str],
                                                      tmp_path: Path) -> None:
    path = tmp_path / "room.tar"
    bundle.bundle(engine, test_tags, path)
    _untag(engine, test_tags)
    done = subprocess.run([DOCKER, "load", "--input", str(path)], capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert all(image_id(client, ref) for ref in test_tags)


@pytest.mark.parametrize("damage", ["flip a byte", "cut short"])
def test_a_damaged_bundle_is_refused_and_nothing_is_tagged(
        engine: Engine, client: docker.DockerClient, test_tags: list[str], tmp_path: Path,
        damage: str) -> None:
    path = tmp_path / "room.tar"
    bundle.bundle(engine, test_tags, path)
    _untag(engine, test_tags)
    data = bytearray(path.read_bytes())
    if damage == "flip a byte":
        with tarfile.open(path) as tar:
            layer = max(tar.getmembers(), key=lambda m: m.size)
        data[layer.offset_data + layer.size // 2] ^= 0xFF
    else:
        del data[len(data) * 2 // 3:]
    path.write_bytes(bytes(data))
    with pytest.raises(bundle.BundleRefused) as refused:
        bundle.load(engine, path)
    assert "Nothing was loaded" in str(refused.value)
    assert [image_id(client, ref) for ref in test_tags] == [None, None]


def content(client: docker.DockerClient, ref: str) -> tuple:
    """What makes an image that image: its layers and how it runs."""
    attrs = client.images.get(ref).attrs
    config = attrs.get("Config") or {}
    return (attrs["RootFS"]["Layers"], config.get("Entrypoint"), config.get("Cmd"),
            config.get("Env"), config.get("ExposedPorts"))


def test_an_archive_the_engine_rejects_half_way_leaves_nothing_tagged(
        engine: Engine, client: docker.DockerClient, test_tags: list[str],
        tmp_path: Path) -> None:
    """Checksums match, but the second image in the archive is broken.

    The classic image store reads ``manifest.json`` and refuses the broken config after
    tagging the first image. The containerd store reads ``index.json`` and, as seen on
    Engine 28, loads a broken manifest without complaint: the load then finds that the
    name points at another image than the one saved. Either way nothing stays tagged.
    """
    good = tmp_path / "good.tar"
    bundle.bundle(engine, test_tags, good)
    _untag(engine, test_tags)
    first, second = test_tags
    bad = tmp_path / "bad.tar"
    garbage = b'{"this is": "not an image"}'
    garbage_name = f"blobs/sha256/{hashlib.sha256(garbage).hexdigest()}"
    with tarfile.open(good) as src, tarfile.open(bad, "w") as out:
        files = {m.name: (m, src.extractfile(m).read() if m.isfile() else None)  # type: ignore[union-attr]
                 for m in src.getmembers() if m.name != bundle.MANIFEST_NAME}
        entries = json.loads(files["manifest.json"][1])
        entries.sort(key=lambda e: first not in e["RepoTags"])  # load the first one first
        broken = next(e for e in entries if second in e["RepoTags"])["Config"]
        files["manifest.json"] = (files["manifest.json"][0], json.dumps(entries).encode())
        files[broken] = (files[broken][0], b"{this is not an image config")
        if "index.json" in files:  # an OCI layout: the containerd store's docker save
            index = json.loads(files["index.json"][1])
            index["manifests"].sort(key=lambda m: not _names(m, first))
            target = next(m for m in index["manifests"] if _names(m, second))
            target.update(digest="sha256:" + garbage_name.rsplit("/", 1)[1], size=len(garbage))
            files["index.json"] = (files["index.json"][0], json.dumps(index).encode())
            files[garbage_name] = (tarfile.TarInfo(garbage_name), garbage)
        for member, content in files.values():
            if content is None:
                out.addfile(member)
            else:
                member.size = len(content)
                out.addfile(member, io.BytesIO(content))
    manifest = bundle.Manifest(images=bundle.check(good).images,
                               parts=list(bundle._parts(bad, None)))
    bundle._append(bad, manifest.to_json())
    with pytest.raises((StepFailed, bundle.BundleRefused)) as refused:
        bundle.load(engine, bad)
    if isinstance(refused.value, bundle.BundleRefused):
        assert second in refused.value.message and "put back" in refused.value.message
    assert [image_id(client, ref) for ref in test_tags] == [None, None]


def _names(entry: dict, reference: str) -> bool:
    """Whether an ``index.json`` entry names ``reference`` (``docker.io/...`` or short)."""
    name = (entry.get("annotations") or {}).get("io.containerd.image.name", "")
    return name == reference or name.endswith("/" + reference)


def test_bundling_an_image_that_is_not_here_is_refused(engine: Engine, tmp_path: Path,
                                                       notebook: str) -> None:
    missing = f"docdocker-test/classroom-{notebook}:absent"
    with pytest.raises(bundle.BundleRefused) as refused:
        bundle.bundle(engine, ["busybox:latest", missing], tmp_path / "room.tar")
    assert f"`docker pull {missing}`" in str(refused.value)
    assert not (tmp_path / "room.tar").exists()


def test_the_mirror_serves_every_tutorial_image_and_stop_leaves_nothing(
        engine: Engine, client: docker.DockerClient, notebook: str, free_port: int) -> None:
    images = catalog.derive().images
    for image in images:  # whatever ran before: the kit needs every image on this machine
        if image_id(client, image) is None:
            client.images.pull(image)
    name = f"classroom-mirror-{notebook}"
    pulled: list[str] = []
    try:
        running = mirror.start(engine, images, port=free_port, name=name)
        assert running.skipped == []
        assert sorted(mirror.catalog_of(running.local_url)) == sorted(
            {mirror.mirror_name(i).split(":")[0] for i in images})
        for image in images:
            ref = f"127.0.0.1:{free_port}/{mirror.mirror_name(image)}"
            done = subprocess.run([DOCKER, "pull", ref], capture_output=True, text=True,
                                  check=False, timeout=240)
            assert done.returncode == 0, f"{ref}: {done.stderr}"
            pulled.append(ref)
            # The same image as the one seeded, not a look-alike. Not compared by ID: the
            # containerd image store pushes the platform's manifest, not the local index,
            # so the copy pulled back has the manifest's digest as its ID.
            assert content(client, ref) == content(client, image)
        with pytest.raises(Exception, match="already exists"):
            mirror.start(engine, images, port=free_port, name=name)
    finally:
        for ref in pulled:
            engine.query(Rmi(image=ref))
        removed = mirror.stop(engine, name)
    assert removed == [f"container {name}", f"volume {mirror.volume_name(name)}"]
    assert client.containers.list(all=True, filters={"name": name}) == []
    assert client.volumes.list(filters={"name": mirror.volume_name(name)}) == []
    assert mirror.stop(engine, name) == []


def test_a_mirror_that_cannot_start_leaves_nothing(engine: Engine, client: docker.DockerClient,
                                                   notebook: str, free_port: int) -> None:
    name = f"classroom-mirror-{notebook}"
    blocker = engine.run("busybox", ["sleep", "60"], detach=True, name=f"{name}-blocker",
                         publish=f"127.0.0.1:{free_port}:80")
    try:
        with pytest.raises(StepFailed, match="already"):
            mirror.start(engine, ["busybox"], port=free_port, name=name)
    finally:
        blocker.container.remove(force=True)
    assert client.containers.list(all=True, filters={"name": f"^/{name}$"}) == []
    assert client.volumes.list(filters={"name": mirror.volume_name(name)}) == []


def test_status_shows_checks_images_mirror_and_times(engine: Engine) -> None:
    found = status.status(engine)
    text = found.text()
    for image in catalog.derive().images:
        assert image in text
    assert "Registry mirror" in text and "Docker Engine reachable" in text
    assert "Notebook run times" in text


def test_the_images_command_lists_every_image_here(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["classroom", "images"])
    out = capsys.readouterr().out
    for image in catalog.derive().images:
        assert image in out
    assert code == (0 if "MISSING" not in out else 1)


def test_a_notebook_run_fails_when_it_uses_an_image_the_kit_does_not_list(
        tmp_path: Path, notebook: str) -> None:
    """tests/notebook_runs.py watches the containers nbval's run creates, by label."""
    import sys

    import nbformat

    shutil.copy(Path(__file__).parents[1] / "notebook_runs.py", tmp_path / "conftest.py")
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    cells = [f"import docdocker as dd\nengine = dd.connect({notebook!r})",
             "import random\n"  # hidden from the kit: not a literal
             "engine.run(random.choice(['busybox:1.36']), ['true'], remove=True)"]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nbformat.write(nb, tmp_path / f"{notebook}.ipynb")
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "--nbval-lax", "--first-run-only", f"{notebook}.ipynb"],
                          cwd=tmp_path,
                          capture_output=True, text=True, timeout=240, check=False)
    assert done.returncode != 0, done.stdout
    assert "ran containers from busybox:1.36" in done.stdout
    assert "does not list" in done.stdout


def test_classroom_images_shows_the_size_docker_images_shows(engine: Engine) -> None:
    images = catalog.derive().images
    states = {s.image: s for s in status.survey(engine, images, catalog.derive())}
    listed = subprocess.run([DOCKER, "images", "--format", "{{.Repository}}:{{.Tag}} {{.Size}}"],
                            capture_output=True, text=True, check=True).stdout.splitlines()
    shown = dict(line.split(" ", 1) for line in listed)
    from docdocker.base import render

    for image, state in states.items():
        if state.present:
            # The same figure the learner's `docker images` prints, not inspect's.
            assert render.size_text(state.size) == shown[image], image


#: Bundles of hello-world under a name of their own, made with `classroom bundle` on each
#: kind of image store (tests/fixtures/); each engine loads both.
FIXTURES = sorted((Path(__file__).parent.parent / "fixtures").glob("hello.*.bundle.tar"))


@pytest.mark.parametrize("made_on", FIXTURES, ids=lambda p: p.name.split(".")[1])
def test_a_bundle_made_on_either_image_store_loads_here(
        engine: Engine, client: docker.DockerClient, made_on: Path) -> None:
    name = f"docdocker-fixture/hello:{made_on.name.split('.')[1]}"
    with contextlib.suppress(docker.errors.ImageNotFound):
        client.images.remove(name)
    try:
        loaded = bundle.load(engine, made_on)
        assert [s.reference for s in loaded.manifest.images] == [name]
        out = subprocess.run([DOCKER, "run", "--rm", name], capture_output=True, text=True,
                             check=True, timeout=60).stdout
        assert "Hello from Docker!" in out
    finally:
        with contextlib.suppress(docker.errors.ImageNotFound):
            client.images.remove(name)
