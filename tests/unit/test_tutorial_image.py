"""The tutorial image's pure logic: seeding the work volume, the network it finds, how
pages on the host's 127.0.0.1 are reached from inside it, and what doctor says there."""

from __future__ import annotations

import importlib
import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

from docdocker.base import errors
from docdocker.concepts import web

ROOT = Path(__file__).resolve().parents[2]
# The module, not the `doctor` function the package exports under the same name.
doctor_module = importlib.import_module("docdocker.tools.doctor")


def load_entrypoint() -> ModuleType:
    spec = importlib.util.spec_from_file_location("entrypoint", ROOT / "image" / "entrypoint.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_seed_copies_updates_untouched_and_keeps_changed(tmp_path: Path) -> None:
    entry = load_entrypoint()
    image, work = tmp_path / "image", tmp_path / "work"
    (image / "apps").mkdir(parents=True)
    work.mkdir()
    (image / "01.ipynb").write_text("v1")
    (image / "02.ipynb").write_text("v1")
    (image / "apps" / "app.py").write_text("v1")
    assert entry.seed(image, work) == []
    assert (work / "apps" / "app.py").read_text() == "v1"

    (work / "01.ipynb").write_text("the learner's")
    for name in ("01.ipynb", "02.ipynb"):
        (image / name).write_text("v2")
    kept = entry.seed(image, work)
    assert (work / "01.ipynb").read_text() == "the learner's"
    assert (work / "02.ipynb").read_text() == "v2"
    assert kept == [f"Kept your 01.ipynb; this image's version is {image / '01.ipynb'}"]
    # Still kept on the next start, and a file the learner deleted comes back.
    (work / "02.ipynb").unlink()
    entry.seed(image, work)
    assert (work / "01.ipynb").read_text() == "the learner's"
    assert (work / "02.ipynb").read_text() == "v2"


def test_seed_keeps_a_notebook_that_predates_the_manifest(tmp_path: Path) -> None:
    """A file the image never recorded is the learner's: never overwritten."""
    entry = load_entrypoint()
    image, work = tmp_path / "image", tmp_path / "work"
    image.mkdir()
    work.mkdir()
    (image / "01.ipynb").write_text("image")
    (work / "01.ipynb").write_text("mine")
    assert len(entry.seed(image, work)) == 1
    assert (work / "01.ipynb").read_text() == "mine"


def test_own_container_id_comes_from_the_hostname_mount() -> None:
    entry = load_entrypoint()
    cid = "ab" * 32
    mountinfo = (
        "610 600 0:55 / / rw,relatime - overlay overlay rw\n"
        f"625 610 8:1 /var/lib/docker/containers/{cid}/hostname /etc/hostname rw"
        " - ext4 /dev/sda1 rw\n"
    )
    assert entry.own_container_id(mountinfo) == cid
    assert entry.own_container_id("610 600 0:55 / / rw - overlay overlay rw\n") is None


def test_listen_address_is_loopback_unless_the_container_has_its_own_network() -> None:
    entry = load_entrypoint()
    assert entry.listen_address("host") == "127.0.0.1"
    assert entry.listen_address("unknown") == "127.0.0.1"
    assert entry.listen_address("bridge") == "0.0.0.0"
    assert entry.host_loopback("host", True) is None
    # On Linux host.docker.internal (--add-host ...:host-gateway) is the bridge's gateway,
    # where ports published on 127.0.0.1 do not answer: never used there.
    assert entry.host_loopback("bridge", False) is None


@pytest.fixture
def in_image(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    found = tmp_path / "network.json"
    monkeypatch.setenv(web.IMAGE_ENV, "1")
    monkeypatch.delenv(web.HOST_LOOPBACK_ENV, raising=False)
    monkeypatch.setattr(web, "IMAGE_NETWORK_FILE", str(found))
    return found


def test_route_through_docker_desktops_name_keeps_port_and_path(in_image: Path) -> None:
    in_image.write_text(json.dumps({"network": "bridge", "host_loopback": "host.docker.internal",
                                    "socket": "/var/run/docker.sock"}))
    assert web.route("http://127.0.0.1:8080/v2/_catalog?n=5") == (
        "http://host.docker.internal:8080/v2/_catalog?n=5")
    assert web.route("http://localhost/") == "http://host.docker.internal/"


def test_route_with_host_network_is_the_url_itself(in_image: Path) -> None:
    in_image.write_text(json.dumps({"network": "host", "host_loopback": None,
                                    "socket": "/var/run/docker.sock"}))
    assert web.route("http://127.0.0.1:8080/") == "http://127.0.0.1:8080/"


def test_route_outside_the_image_is_the_url_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(web.IMAGE_ENV, raising=False)
    monkeypatch.delenv(web.HOST_LOOPBACK_ENV, raising=False)
    assert web.image_network() is None
    assert web.route("http://127.0.0.1:8080/") == "http://127.0.0.1:8080/"


def test_a_setting_cannot_point_the_loopback_elsewhere(in_image: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(web.HOST_LOOPBACK_ENV, "192.168.1.10")
    with pytest.raises(errors.DocDockerError) as refused:
        web.route("http://127.0.0.1:8080/")
    assert "DOCDOCKER_HOST_LOOPBACK='192.168.1.10'" in refused.value.message
    assert "host.docker.internal" in (refused.value.fix or "")
    # A non-loopback URL is still refused before any routing.
    with pytest.raises(errors.DocDockerError, match="only talks to this machine"):
        web.fetch("http://10.0.0.5/")


def test_doctor_says_it_runs_in_the_image_with_host_network(in_image: Path) -> None:
    in_image.write_text(json.dumps({"network": "host", "host_loopback": None,
                                    "socket": "/var/run/docker.sock"}))
    [check] = doctor_module._check_image({"OperatingSystem": "Debian GNU/Linux 12 (bookworm)"})
    assert check.ok is True
    assert "inside the docdocker image" in check.detail
    assert "/var/run/docker.sock" in check.detail and "--network host" in check.detail


def test_doctor_warns_when_the_hosts_loopback_is_out_of_reach(in_image: Path) -> None:
    in_image.write_text(json.dumps({"network": "bridge", "host_loopback": None,
                                    "socket": "/var/run/docker.sock"}))
    [check] = doctor_module._check_image({"OperatingSystem": "Debian GNU/Linux 12 (bookworm)"})
    assert check.ok is None
    assert "cannot be fetched" in check.detail
    assert "--network host" in check.fix


def test_doctor_fails_without_a_socket(in_image: Path) -> None:
    in_image.write_text(json.dumps({"network": "bridge", "host_loopback": None, "socket": None}))
    [check] = doctor_module._check_image(None)
    assert check.ok is False
    assert "-v /var/run/docker.sock:/var/run/docker.sock" in check.fix


def test_doctor_outside_the_image_adds_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(web.IMAGE_ENV, raising=False)
    assert doctor_module._check_image({}) == []
