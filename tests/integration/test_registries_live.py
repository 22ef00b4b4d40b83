"""Tag, push, pull back, log in and out, against real registry:2 containers on the live engine."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from docdocker.base import errors
from docdocker.concepts import credentials, registry_api
from docdocker.concepts.credentials import Secret
from docdocker.concepts.images import Rmi, Tag
from docdocker.concepts.registries import Login, Push
from docdocker.core import tagrecord
from docdocker.core.console import Console
from docdocker.core.steps import LABEL, OWNER
from docdocker.tools import reset

#: The classic builder (these fixtures use the SDK's) on the containerd image store can
#: reuse a cached step whose parent image was removed since, and then fails with
#: 'unable to find image'; building without its cache avoids that (seen on Engine 28.5).
NOCACHE = True

pytestmark = pytest.mark.engine


class Recorder(Console):
    """Keeps every progress state shown, as the notebook's console would draw it."""

    def __init__(self) -> None:
        self.commands: list[str] = []
        self.states: list[dict[str, str]] = []

    def command(self, cli: str) -> None:
        self.commands.append(cli)

    def progress(self, progress, *, final: bool = False) -> None:  # type: ignore[no-untyped-def]
        self.states.append({layer.id: layer.status for layer in progress.layers.values()})


@pytest.fixture(autouse=True)
def _own_tag_records(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCDOCKER_STATE_DIR", str(tmp_path / "state"))


def _start_registry(engine, port: int, auth_dir: Path | None = None) -> str:  # type: ignore[no-untyped-def]
    env: dict[str, str | None] = {}
    mounts: list[str] = []
    if auth_dir is not None:
        env = {"REGISTRY_AUTH": "htpasswd", "REGISTRY_AUTH_HTPASSWD_REALM": "docdocker",
               "REGISTRY_AUTH_HTPASSWD_PATH": "/auth/htpasswd"}
        mounts = [f"{auth_dir}:/auth:ro"]
    engine.run("registry:2", detach=True, publish=f"127.0.0.1:{port}:5000", env=env,
               mounts=mounts)
    base = f"http://127.0.0.1:{port}"
    registry_api.ping(base)
    return base


@pytest.fixture
def registry(engine, free_port: int) -> str:  # type: ignore[no-untyped-def]
    """``localhost:PORT`` of a fresh registry without login (removed by the notebook fixture)."""
    _start_registry(engine, free_port)
    return f"localhost:{free_port}"


@pytest.fixture
def auth_registry(engine, tmp_path: Path) -> Iterator[tuple[str, str, Secret]]:  # type: ignore[no-untyped-def]
    """A registry with htpasswd login: (``localhost:PORT``, user, password)."""
    from docdocker.grammar import ports

    port = ports.find_free("127.0.0.1", 41000)
    password = Secret.generate()
    credentials.write_htpasswd(tmp_path / "auth", "student", password)
    _start_registry(engine, port, tmp_path / "auth")
    yield f"localhost:{port}", "student", password


@pytest.fixture
def layered(client: docker.DockerClient, notebook: str) -> str:
    """A three-layer image of this test's own (labelled, removed afterwards)."""
    tag = f"docdocker-test/layers:{notebook}"
    dockerfile = ("FROM busybox:1.36\nRUN echo one > /one\nRUN echo two > /two\n"
                  f"LABEL {LABEL}={notebook} {OWNER}={tag}\n")
    client.images.build(fileobj=io.BytesIO(dockerfile.encode()), tag=tag, rm=True,
                        nocache=NOCACHE)
    return tag


def _cli(*argv: str, **kwargs) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    return subprocess.run(["docker", *argv], capture_output=True, text=True, timeout=120,
                          **kwargs)


def test_a_push_reports_every_layer_pushed_then_the_digest(engine, registry, layered) -> None:  # type: ignore[no-untyped-def]
    target = f"{registry}/student/layers:1.0"
    engine.tag(layered, target)
    console = Recorder()
    result = engine.using(console).push(target)

    report = result.value
    assert len(report.layers) == 3  # busybox and two RUN layers
    assert set(report.layers.values()) == {"Pushed"}
    assert report.digest and report.digest.startswith("sha256:")
    # The layers were drawn as the push went (the classic store reports "Preparing" and
    # "Pushing" for each; the containerd store may report a small layer only once it is
    # pushed), and the last line is the digest.
    assert any(state and (len(state) < 3 or set(state.values()) != {"Pushed"})
               for state in console.states)
    assert console.states[-1] == report.layers
    assert result.output.splitlines()[-1] == f"1.0: digest: {report.digest} size: {report.size}"
    assert console.commands == [f"docker push {target}"]
    # The registry serves the same digest over its HTTP API.
    base = "http://127.0.0.1:" + registry.split(":")[1]
    assert registry_api.digest(base, "student/layers", "1.0").rows[0]["DIGEST"] == report.digest
    assert registry_api.catalog(base).rows == [{"REPOSITORY": "student/layers"}]

    # A second tag of the same image sends nothing again.
    engine.tag(layered, f"{registry}/student/layers:1.1")
    again = engine.push(f"{registry}/student/layers:1.1").value
    assert again.sent == [] and set(again.layers.values()) == {"Layer already exists"}
    assert again.digest == report.digest
    assert [r["TAG"] for r in registry_api.tags(base, "student/layers").rows] == ["1.0", "1.1"]


def test_the_pushed_image_comes_back_with_the_real_docker_pull(engine, registry, layered) -> None:  # type: ignore[no-untyped-def]
    target = f"{registry}/student/layers:back"
    engine.tag(layered, target)
    engine.push(target)
    image_id = engine.image_inspect(target).value["Id"]
    engine.execute(Rmi(image=target))
    assert engine.image_inspect(target).value is None

    pulled = _cli("pull", target)
    assert pulled.returncode == 0, pulled.stderr
    assert engine.image_inspect(target).value["Id"] == image_id


def test_tag_shows_in_the_real_docker_images_and_reset_removes_the_tag_only(
    engine, notebook: str, layered: str  # type: ignore[no-untyped-def]
) -> None:
    target = f"localhost:5999/{notebook}/app:2.0"
    result = engine.tag(layered, target)
    assert result.cli == f"docker tag {layered} {target}"

    listed = _cli("images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}").stdout.splitlines()
    ids = {line.split()[0]: line.split()[1] for line in listed}
    assert ids[target] == ids[layered]  # one image ID, two names

    items = [i for i in reset.find(engine, notebook) if i.kind == "tags"]
    assert [i.name for i in items] == [target]
    reset.remove(engine, items)
    assert engine.image_inspect(target).value is None
    assert engine.image_inspect(layered).value is not None  # the image itself stays
    assert tagrecord.recorded(notebook) == []


def test_reset_keeps_a_tag_that_became_the_last_name_of_a_learners_image(
    client: docker.DockerClient, engine, notebook: str  # type: ignore[no-untyped-def]
) -> None:
    mine = f"docdocker-test/learner-{uuid.uuid4().hex[:8]}:1"
    client.images.build(fileobj=io.BytesIO(b"FROM busybox:1.36\nRUN echo mine > /m\n"), tag=mine,
                        nocache=NOCACHE,
                        rm=True)
    target = f"localhost:5999/{notebook}/learner:1"
    try:
        engine.tag(mine, target)
        client.api.remove_image(mine)  # the learner drops their own name for it
        outcome = reset.remove(engine, reset.find(engine, notebook))
        assert [item.name for item, _ in outcome.kept] == [target]
        assert engine.image_inspect(target).value is not None
    finally:
        client.api.remove_image(target)


def test_push_without_login_names_the_registry_and_the_fix(engine, auth_registry, layered) -> None:  # type: ignore[no-untyped-def]
    host, _, _ = auth_registry
    target = f"{host}/student/layers:1.0"
    engine.tag(layered, target)
    with pytest.raises(errors.RegistryAuthFailed) as caught:
        engine.push(target)
    err = caught.value
    assert "no basic auth credentials" in err.stderr
    assert host in err.message and f"docker login {host}" in (err.fix or "")
    assert err.cli == f"docker push {target}"


def test_login_push_logout_and_the_password_shows_nowhere(engine, auth_registry, layered) -> None:  # type: ignore[no-untyped-def]
    host, user, password = auth_registry
    target = f"{host}/student/layers:1.0"
    engine.tag(layered, target)
    console = Recorder()
    seen = engine.using(console)

    with pytest.raises(errors.RegistryAuthFailed) as wrong:
        seen.login(host, user, Secret("not-the-password"))
    assert "401" in wrong.value.stderr and "wrong user name or password" in wrong.value.message

    result = seen.login(host, user, password)
    assert result.value == "Login Succeeded"
    assert console.commands[-1] == f"docker login {host} -u {user} --password-stdin"
    pushed = seen.push(target)
    assert pushed.value.digest
    out = seen.logout(host)
    assert out.output == f"Removing login credentials for {host}\n"
    with pytest.raises(errors.RegistryAuthFailed):
        seen.push(target)

    secret = password.reveal()
    shown = [*console.commands, repr(result), repr(result.step), str(result.step.sdk_kwargs
             .keys()), repr(pushed), repr(out), str(wrong.value), repr(password), f"{password}"]
    assert not any(secret in text for text in shown)


def test_a_registry_that_is_down_or_unknown_is_an_error_not_a_silent_success(
    engine, free_port: int, layered: str  # type: ignore[no-untyped-def]
) -> None:
    down = f"localhost:{free_port}/student/layers:1.0"
    engine.tag(layered, down)
    with pytest.raises(errors.RegistryUnreachable) as caught:
        engine.push(down)
    assert "connection refused" in caught.value.stderr
    assert f"localhost:{free_port}" in caught.value.message

    unknown = "no-such-registry.invalid:5000/student/layers:1.0"
    engine.tag(layered, unknown)
    with pytest.raises(errors.RegistryUnreachable) as caught:
        engine.push(unknown)
    assert "no such host" in caught.value.stderr
    assert "no-such-registry.invalid:5000" in caught.value.message

    with pytest.raises(errors.ImageNotFound):
        engine.push(f"localhost:{free_port}/student/never-tagged:1.0")


def test_the_sdk_login_writes_no_config_file_and_the_cli_login_does(
    auth_registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    from docdocker.session.tutorial import Tutorial

    host, user, password = auth_registry
    config = tmp_path / "docker-config"
    config.mkdir()
    monkeypatch.setenv("DOCKER_CONFIG", str(config))
    sdk = docker.from_env()
    try:
        Tutorial("test-config", sdk, Console()).login(host, user, password)
    finally:
        sdk.close()
    assert not (config / "config.json").exists()
    assert credentials.config_summary(config / "config.json").exists is False

    # The echoed command works as typed: the password goes on standard input.
    typed = _cli("--config", str(config), "login", host, "-u", user, "--password-stdin",
                 input=password.reveal() + "\n")
    assert typed.returncode == 0, typed.stderr
    stored = json.loads((config / "config.json").read_text())["auths"][host]["auth"]
    assert credentials.decode_auth(stored) == (user, password.reveal())  # base64, not encryption
    summary = credentials.config_summary(config / "config.json")
    assert summary.auths == {host: "auth (base64 of user:password)"}
    assert password.reveal() not in repr(summary)
    _cli("--config", str(config), "logout", host)


def test_a_login_typed_in_a_terminal_does_not_change_what_the_notebook_pushes(
    auth_registry, layered: str, notebook: str, tmp_path: Path,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """03 invites a `docker login` in a terminal; its lesson must hold all the same."""
    from docdocker.session.connect import connect

    host, user, password = auth_registry
    config = tmp_path / "docker-config"
    config.mkdir()
    monkeypatch.setenv("DOCKER_CONFIG", str(config))
    typed = _cli("login", host, "-u", user, "--password-stdin", input=password.reveal() + "\n")
    assert typed.returncode == 0, typed.stderr
    private = f"{host}/student/private:1.0"
    engine = connect(notebook)
    try:
        engine.tag(layered, private)
        with pytest.raises(errors.RegistryAuthFailed):
            engine.push(private)  # the terminal's login is the terminal's
        engine.login(host, user, password)
        engine.push(private)
        engine.logout(host)
        with pytest.raises(errors.RegistryAuthFailed):
            engine.push(private)  # and logging out does not fall back to config.json
    finally:
        engine.close()
        _cli("logout", host)


def test_the_registry_api_needs_the_login_too(auth_registry) -> None:  # type: ignore[no-untyped-def]
    host, user, password = auth_registry
    base = "http://127.0.0.1:" + host.split(":")[1]
    with pytest.raises(errors.RegistryAuthFailed) as caught:
        registry_api.catalog(base)
    assert caught.value.cli == f"curl -s {base}/v2/_catalog"
    answer = registry_api.catalog(base, user=user, password=password)
    assert answer.status == 200 and answer.cli == f"curl -s -u {user} {base}/v2/_catalog"
    assert password.reveal() not in repr(answer) + answer._repr_html_()
    with pytest.raises(errors.DocDockerError, match="only talk to a registry on this machine"):
        registry_api.catalog("http://example.com:5000")


def test_steps_refuse_bad_input_before_the_engine_sees_it(engine) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(errors.InvalidReference, match="Invalid target image") as caught:
        engine.execute(Tag(image="busybox:1.36", new_image="localhost:5000/Team/app"))
    assert "'localhost:5000/team/app'" in (caught.value.fix or "")
    with pytest.raises(errors.InvalidReference, match="a tag cannot"):
        engine.execute(Tag(image="busybox:1.36", new_image="app@sha256:" + "a" * 64))
    with pytest.raises(errors.ImageNotFound, match="no image 'no-such-image-here'"):
        engine.execute(Tag(image="no-such-image-here", new_image="x/y:1"))
    with pytest.raises(errors.InvalidReference, match="a push names a tag"):
        engine.execute(Push(image="app@sha256:" + "a" * 64))
    with pytest.raises(errors.DocDockerError, match="as a docdocker Secret"):
        engine.execute(Login(server="localhost:5000", username="u",
                             password="plain"))  # type: ignore[arg-type]


def test_the_tag_builder_tags_and_pushes_and_the_cli_pulls_it_back(  # type: ignore[no-untyped-def]
    engine, registry, layered
) -> None:
    from docdocker.widgets import TagBuilder

    tb = TagBuilder(engine=engine, source=layered)
    assert layered in tb.source_box.options  # the dropdown lists the local images
    tb.target_box.value = f"{registry}/Student/layers:1.0:beta"
    assert set(tb.model.problems) == {"namespace", "tag"}
    assert "must be lowercase" in tb.problems_view.value
    assert "<b>tag</b>" in tb.problems_view.value
    assert tb.apply_button.disabled

    tb.part_boxes["namespace"].value = "student"
    tb.part_boxes["tag"].value = "1.0"
    target = f"{registry}/student/layers:1.0"
    assert tb.target_box.value == target and not tb.apply_button.disabled
    assert f"docker tag {layered} {target}" in tb.preview.value
    tb.apply_button.click()
    listed = _cli("images", "--format", "{{.Repository}}:{{.Tag}}").stdout.split()
    assert target in listed
    assert tb.apply_button.disabled and not tb.push_button.disabled
    assert f"docker tag {layered} {target}" in tb.output.value  # the echo, inside the widget

    tb.push_button.click()
    assert tb.model.state == "pushed", tb.outcome.value
    assert set(tb.model.layers.values()) == {"Pushed"} and "digest sha256:" in tb.model.message
    assert "Pushed" in tb.output.value

    _cli("rmi", target)
    pulled = _cli("pull", target)
    assert pulled.returncode == 0, pulled.stderr
    tb.close()


def test_the_tag_builder_shows_a_refused_push_in_the_widget(engine, auth_registry, layered) -> None:  # type: ignore[no-untyped-def]
    from docdocker.widgets import LoginForm, TagBuilder

    host, user, password = auth_registry
    tb = TagBuilder(engine=engine, source=layered, target=f"{host}/student/layers:1.0")
    tb.apply()
    assert tb.push() is None
    assert tb.model.state == "failed" and "not logged in" in tb.outcome.value
    assert not tb.push_button.disabled  # it may be retried after logging in

    form = LoginForm(engine=engine, server=host, username=user)
    form.password_box.value = "wrong-password"
    form.login_button.click()
    assert form.password_box.value == "" and not form.logged_in
    assert "wrong user name or password" in form.outcome.value
    assert form.submit(password) is not None and form.logged_in
    assert f"docker login {host} -u {user} --password-stdin" in form.output.value
    assert password.reveal() not in repr(form) + form.output.value + form.outcome.value

    tb.push_button.click()
    assert tb.model.state == "pushed"
    form.logout_button.click()
    assert not form.logged_in and "Removing login credentials" in form.outcome.value
    tb.close()
    form.close()


def test_reset_tells_a_moved_tutorial_build_from_a_learners_child_image(
    client: docker.DockerClient, engine, notebook: str, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    name = f"docdocker-test/moved:{notebook}"
    (tmp_path / "Dockerfile").write_text("FROM busybox:1.36\nRUN echo one > /a\n")
    engine.build(str(tmp_path), tag=name)
    # A learner's image built FROM the tutorial's inherits its labels.
    child = f"docdocker-test/child:{notebook}"
    client.images.build(fileobj=io.BytesIO(f"FROM {name}\nRUN echo mine > /b\n".encode()),
                        tag=child, rm=True, nocache=NOCACHE)
    ours, theirs = f"localhost:5999/{notebook}/moved:1", f"localhost:5999/{notebook}/child:1"
    engine.tag(name, ours)
    engine.tag(child, theirs)
    client.api.remove_image(child)  # the learner drops their own name for it
    (tmp_path / "Dockerfile").write_text("FROM busybox:1.36\nRUN echo two > /a\n")
    engine.build(str(tmp_path), tag=name)  # the tutorial's name moves to a new image
    try:
        outcome = reset.remove(engine, [i for i in reset.find(engine, notebook)
                                        if i.kind == "tags"])
        assert [i.name for i in outcome.removed] == [ours]
        assert engine.image_inspect(ours).value is None
        assert [i.name for i, _ in outcome.kept] == [theirs]
        assert engine.image_inspect(theirs).value is not None
    finally:
        with contextlib.suppress(docker.errors.APIError):
            client.api.remove_image(theirs)
