"""The classroom kit's pure parts: which images, the bundle's checks, the mirror's words."""

from __future__ import annotations

import io
import json
import re
import tarfile
from pathlib import Path

import pytest

from docdocker.__main__ import main
from docdocker.base import errors
from docdocker.classroom import bundle, catalog, mirror, status
from docdocker.concepts.run import Run

NOTEBOOKS = catalog.NOTEBOOKS
RUN_FLAGS = [f.metadata["cli"] for f in Run.declared_fields()
             if f.type in ("bool", bool)]


def _unlisted(path: Path, derived: catalog.Catalog) -> list[tuple[str, str]]:
    """Docker Hub images a notebook's recorded run used that the kit does not list."""
    commands = catalog.recorded_commands(path)
    made = set(derived.made)
    for _, argv in commands:  # images the run built or tagged itself
        if argv[1:2] == ["build"] and "-t" in argv:
            made.add(catalog.normalize(argv[argv.index("-t") + 1]))
        if argv[1:2] == ["tag"] and len(argv) >= 4:
            made.add(catalog.normalize(argv[3]))
    listed = {catalog.normalize(i) for i in derived.images}
    missing = []
    for where, argv in commands:
        image = catalog.image_of_command(argv, RUN_FLAGS)
        ref = catalog.hub_reference(image) if image else None
        if ref is not None and ref.normalized not in made | listed:
            missing.append((where, image or ""))
    return missing


# ------------------------------------------------------------------ the real notebooks
@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("*.ipynb")), ids=lambda p: p.stem)
def test_every_image_a_recorded_run_used_is_listed(path: Path) -> None:
    """The notebooks are saved from a real run: each echoed run/pull names what it used."""
    assert catalog.recorded_commands(path), f"{path.name} has no recorded docker commands"
    assert _unlisted(path, catalog.derive()) == []


def test_the_tutorial_images_come_from_notebooks_dockerfiles_and_compose() -> None:
    derived = catalog.derive()
    images = derived.images
    assert {"hello-world:latest", "nginx:latest", "busybox:latest"} <= set(images)
    # The friendlyhello app: FROM in its Dockerfile, redis in its compose file.
    assert "python:3.11-slim" in images
    assert any("Dockerfile" in w for w in derived.where("python:3.11-slim"))
    assert "redis:7" in images
    assert derived.unresolved == []


# ------------------------------------------------------------------ derivation
def _notebook(tmp_path: Path, *cells: str | tuple[str, list[str]],
              outputs: list[str] | None = None) -> Path:
    def cell(source: str, tags: list[str]) -> dict:
        return {"cell_type": "code", "metadata": {"tags": tags}, "source": source,
                "outputs": [{"output_type": "stream", "name": "stdout",
                             "text": "".join(f"$ {o}\n" for o in outputs or [])}],
                "execution_count": None}
    made = [cell(c, []) if isinstance(c, str) else cell(c[0], c[1]) for c in cells]
    path = tmp_path / "09-test.ipynb"
    path.write_text(json.dumps({"cells": made, "metadata": {}, "nbformat": 4,
                                "nbformat_minor": 5}))
    return path


def test_a_notebook_that_starts_using_an_image_is_listed(tmp_path: Path) -> None:
    _notebook(tmp_path, 'engine.run("nginx:1.25", detach=True)',
              'IMAGE = "busybox:1.36"\nengine.pull(IMAGE)',
              'PortMapper(image="redis:7", engine=engine)',
              'engine.execute(Run(image="python:3.12-slim"))')
    assert catalog.derive(tmp_path).images == [
        "busybox:1.36", "nginx:1.25", "python:3.12-slim", "redis:7"]


def test_images_made_or_failing_on_purpose_are_not_listed(tmp_path: Path) -> None:
    _notebook(tmp_path,
              'engine.build("apps/friendlyhello", tag="friendlyhello")\n'
              'engine.run("friendlyhello", detach=True)',
              'engine.tag("friendlyhello", "127.0.0.1:5000/friendlyhello:v1")\n'
              'engine.pull(f"127.0.0.1:{port}/friendlyhello:v1")',
              'with dd.expect_error(dd.errors.ImageNotFound):\n    engine.run("nginx:nope")',
              ('engine.run("busybox:does-not-exist")', ["raises-exception"]),
              "%time engine.run('hello-world')")
    derived = catalog.derive(tmp_path)
    assert derived.images == ["hello-world:latest"]
    assert derived.unresolved == []


def test_names_and_f_strings_made_of_literals_are_followed(tmp_path: Path) -> None:
    _notebook(tmp_path,
              'VERSION = "3.11"\nBASE = f"python:{VERSION}-slim"\nengine.pull(BASE)',
              'registry = f"localhost:{port}"\ntarget = f"{registry}/{user}/app:1.0"\n'
              'engine.pull(target)\nengine.run(target, detach=True)',
              'tb = TagBuilder(engine=engine, source="app", target="elliot/experiments:1.0")\n'
              'engine.run("elliot/experiments:1.0")',
              'engine.run(f"{user}/app:1.0")')
    derived = catalog.derive(tmp_path)
    assert derived.images == ["python:3.11-slim"]
    assert [u.image for u in derived.unresolved] == ["f'{user}/app:1.0'"]


def test_a_folder_without_notebooks_is_refused(tmp_path: Path) -> None:
    with pytest.raises(errors.DocDockerError, match="No notebooks in") as refused:
        catalog.derive(tmp_path)
    assert "pip install -e ." in str(refused.value)


def test_an_image_the_kit_cannot_name_is_reported(tmp_path: Path) -> None:
    _notebook(tmp_path, 'engine.run(pick_image(), detach=True)')
    derived = catalog.derive(tmp_path)
    assert derived.images == []
    assert [u.image for u in derived.unresolved] == ["pick_image()"]
    text = status.images_text([], derived.unresolved)
    assert "09-test.ipynb cell 1" in text and "pick_image()" in text


def test_the_recorded_run_check_fails_for_an_image_the_code_hides(tmp_path: Path) -> None:
    path = _notebook(tmp_path, 'engine.run(random_image())',
                     outputs=["docker run -d --name web -p 127.0.0.1:8080:80 nginx:1.27",
                              "docker pull redis:6", "docker run --rm busybox echo hi"])
    assert _unlisted(path, catalog.derive(tmp_path)) == [
        ("09-test.ipynb cell 1", "nginx:1.27"), ("09-test.ipynb cell 1", "redis:6"),
        ("09-test.ipynb cell 1", "busybox")]


@pytest.mark.parametrize(("argv", "image"), [
    ("docker run -d --name web -p 127.0.0.1:8080:80 nginx", "nginx"),
    ("docker run --rm --label a=b busybox uname -r", "busybox"),
    ("docker container run --name=x -e A=1 redis:7", "redis:7"),
    ("docker pull python:3.11-slim", "python:3.11-slim"),
    ("docker image pull registry:2", "registry:2"),
    ("docker ps --all", None),
    ("docker build -t friendlyhello .", None),
])
def test_the_image_of_an_echoed_command(argv: str, image: str | None) -> None:
    assert catalog.image_of_command(argv.split(), RUN_FLAGS) == image


def test_dockerfile_bases_skip_stages_and_scratch() -> None:
    text = ("# syntax=docker/dockerfile:1\nFROM --platform=$BUILDPLATFORM golang:1.22 AS build\n"
            "RUN go build\nfrom build as test\nFROM \\\n  scratch\nCOPY --from=build /a /a\n"
            "FROM python:3.11-slim\n")
    bases = catalog.dockerfile_bases(text)
    assert bases == ["golang:1.22", "scratch", "python:3.11-slim"]
    assert [b for b in bases if catalog.hub_reference(b)] == ["golang:1.22", "python:3.11-slim"]


def test_compose_images_but_not_built_services(tmp_path: Path) -> None:
    app = tmp_path / "apps" / "demo"
    app.mkdir(parents=True)
    (app / "compose.yaml").write_text(
        "services:\n  web:\n    build: .\n    image: demo-web:1\n  cache:\n    image: redis:7\n"
        "  db:\n    image: postgres:16\n")
    (app / "Dockerfile").write_text("FROM nginx:1.27\n")
    _notebook(tmp_path, "print('no images here')")
    derived = catalog.derive(tmp_path)
    assert derived.images == ["nginx:1.27", "postgres:16", "redis:7"]
    assert derived.where("redis:7") == ["apps/demo/compose.yaml service cache"]


# ------------------------------------------------------------------ bundle checks
def _fake_save(path: Path, files: dict[str, bytes]) -> None:
    with tarfile.open(path, "w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def _fake_bundle(tmp_path: Path) -> Path:
    path = tmp_path / "room.tar"
    _fake_save(path, {"manifest.json": b"[]", "abc/layer.tar": b"x" * 300_000,
                      "abc/json": b"{}"})
    parts = list(bundle._parts(path, None))
    manifest = bundle.Manifest(images=[bundle.Saved("nginx:latest", "sha256:" + "0" * 64)],
                               parts=parts)
    bundle._append(path, manifest.to_json())
    return path


def test_an_intact_bundle_passes_its_checks(tmp_path: Path) -> None:
    seen: list[tuple[int, int, str]] = []
    manifest = bundle.check(_fake_bundle(tmp_path), lambda *a: seen.append(a))
    assert [p.name for p in manifest.parts] == ["manifest.json", "abc/layer.tar", "abc/json"]
    assert manifest.images[0].reference == "nginx:latest"
    assert seen and seen[-1][2] == "checking"


def test_a_truncated_bundle_is_refused(tmp_path: Path) -> None:
    path = _fake_bundle(tmp_path)
    data = path.read_bytes()
    with tarfile.open(path) as tar:
        json_at = tar.getmember(bundle.MANIFEST_NAME).offset_data
    # In a layer, just after the last layer, and inside the checksum list itself.
    for cut in (len(data) // 2, json_at - 512, json_at + 100, 700):
        path.write_bytes(data[:cut])
        with pytest.raises(bundle.BundleRefused) as refused:
            bundle.check(path)
        assert "cut short" in str(refused.value)
        assert "Fix:" in str(refused.value)


def test_an_altered_bundle_is_refused_naming_the_part(tmp_path: Path) -> None:
    path = _fake_bundle(tmp_path)
    data = bytearray(path.read_bytes())
    at = data.index(b"x" * 1000) + 500
    data[at] = ord("y")
    path.write_bytes(bytes(data))
    with pytest.raises(bundle.BundleRefused) as refused:
        bundle.check(path)
    message = str(refused.value)
    assert "abc/layer.tar" in message and "checksum" in message
    assert "docker load --input" in message  # the command it refused to run


def test_a_bundle_with_an_added_file_is_refused(tmp_path: Path) -> None:
    path = _fake_bundle(tmp_path)
    with tarfile.open(path, "a") as tar:
        info = tarfile.TarInfo("evil/layer.tar")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"!"))
    with pytest.raises(bundle.BundleRefused, match=re.escape("evil/layer.tar")):
        bundle.check(path)


def test_a_plain_docker_save_archive_is_refused_with_the_way_to_load_it(tmp_path: Path) -> None:
    path = tmp_path / "plain.tar"
    _fake_save(path, {"manifest.json": b"[]"})
    with pytest.raises(bundle.BundleRefused, match=re.escape("docker load --input plain.tar")):
        bundle.check(path)


def test_a_missing_bundle_and_a_foreign_format_are_refused(tmp_path: Path) -> None:
    with pytest.raises(bundle.BundleRefused, match="There is no bundle"):
        bundle.check(tmp_path / "nope.tar")
    with pytest.raises(bundle.BundleRefused, match="another version"):
        bundle.Manifest.from_json(b'{"format": "docdocker-bundle/9"}', Path("b.tar"))
    with pytest.raises(bundle.BundleRefused, match="damaged"):
        bundle.Manifest.from_json(b"{not json", Path("b.tar"))


# ------------------------------------------------------------------ mirror and status
def test_mirror_names_are_docker_hub_names() -> None:
    assert mirror.mirror_name("nginx") == "library/nginx:latest"
    assert mirror.mirror_name("redis:7") == "library/redis:7"
    assert mirror.mirror_name("user/app:1") == "user/app:1"
    with pytest.raises(errors.InvalidReference):
        mirror.mirror_name("127.0.0.1:5000/app")


def test_a_network_address_is_a_choice_with_a_warning() -> None:
    assert mirror.check_address("127.0.0.1") == []
    warning = mirror.check_address("192.168.1.20")
    assert "anyone" in warning[0] and "--stop" in warning[0]
    assert "every network" in mirror.check_address("0.0.0.0")[0]
    with pytest.raises(errors.DocDockerError, match="not an IP address"):
        mirror.check_address("my-laptop")
    published = [m.cli for m in mirror._publish("192.168.1.20", 5050)]
    assert published == ["192.168.1.20:5050:5000", "127.0.0.1:5050:5000"]


def test_the_mirror_instructions_give_the_snippet_and_the_check() -> None:
    text = mirror.Mirror("192.168.1.20", 5050).instructions()
    assert '"registry-mirrors": [\n        "http://192.168.1.20:5050"' in text
    assert "/etc/docker/daemon.json" in text and "systemctl restart docker" in text
    assert "Docker Engine" in text and "docker info" in text and "Docker Hub" in text
    assert "cannot reach" in mirror.Mirror("127.0.0.1", 5050).instructions()


def test_the_mirror_check_reads_docker_info() -> None:
    assert status.mirror_check({"RegistryConfig": {"Mirrors": []}}).ok is None
    down = status.mirror_check({"RegistryConfig": {"Mirrors": ["http://127.0.0.1:1/"]}},
                               timeout=1)
    assert down.ok is None and "not answering" in down.detail


def test_notebook_times_come_from_the_recorded_run() -> None:
    timings = {t.notebook: t for t in status.notebook_timings()}
    assert set(timings) == {p.stem for p in NOTEBOOKS.glob("*.ipynb")}
    recorded = [t for t in timings.values() if t.seconds is not None]
    assert recorded and all(t.seconds and t.seconds > 0 for t in recorded)


def test_the_command_line_refuses_a_bad_address_before_touching_docker(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["classroom", "mirror", "--address", "my-laptop"]) == 1
    err = capsys.readouterr().err
    assert "'my-laptop' is not an IP address" in err and "Fix:" in err


def test_an_image_id_is_not_a_docker_hub_image() -> None:
    # The classic builder runs each step in a container created from the previous
    # step's image, named by its ID.
    assert catalog.hub_reference("sha256:" + "0a" * 32) is None
    assert catalog.hub_reference("python:3.11-slim") is not None


def test_bundle_never_overwrites_a_file(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    existing = tmp_path / "room.tar"
    existing.write_bytes(b"last year's bundle")
    assert main(["classroom", "bundle", str(existing)]) == 1
    err = capsys.readouterr().err
    assert "already exists" in err and f"rm {existing}" in err
    assert existing.read_bytes() == b"last year's bundle"


def test_images_of_dockerfiles_written_in_cells_and_of_exercise_solutions_are_listed() -> None:
    derived = catalog.derive()
    # 03 writes a Dockerfile `FROM busybox:1.36` in a cell, and its exercise tags busybox:1.36.
    assert "busybox:1.36" in derived.images
    assert "exercise 03-second-name" in derived.where("busybox:1.36")
    assert any(w.startswith("03-registries.ipynb cell") and w.endswith("(a Dockerfile)")
               for w in derived.where("busybox:1.36"))
    # Prose in a string ("from the cache") and a deliberate mistake are not images.
    assert not [i for i in derived.images if i.startswith(("the:", "pyhton:"))]
