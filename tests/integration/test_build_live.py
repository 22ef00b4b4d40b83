"""Building images on the live engine: the log, the config, the errors, the app, reset."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import docker
import pytest

from docdocker.base import errors
from docdocker.concepts import build, web
from docdocker.concepts.build import Build
from docdocker.core.console import Console
from docdocker.core.progress import Progress
from docdocker.core.steps import LABEL, OWNER
from docdocker.session.tutorial import Tutorial as Engine
from docdocker.tools import reset

DOCKER = shutil.which("docker")
APP = Path(__file__).resolve().parents[2] / "notebooks" / "apps" / "friendlyhello"


def image_config(ref: str) -> dict:
    out = subprocess.run([DOCKER, "image", "inspect", ref], capture_output=True, text=True,
                         check=True)
    config = json.loads(out.stdout)[0]["Config"]
    return {key: config.get(key) for key in ("Cmd", "Env", "ExposedPorts", "WorkingDir",
                                             "Labels", "Entrypoint")}


def has_image(client: docker.DockerClient, ref: str) -> bool:
    try:
        client.images.get(ref)
    except docker.errors.ImageNotFound:
        return False
    return True


class Recorder(Console):
    """Keeps each state of the build log the console was shown, with the time it came."""

    def __init__(self) -> None:
        self.seen: list[tuple[float, str]] = []

    def progress(self, progress: Progress, *, final: bool = False) -> None:
        self.seen.append((time.monotonic(), progress.text()))


def test_friendlyhello_builds_labelled_and_owned_by_its_tag(
    engine: Engine, client: docker.DockerClient, notebook: str
) -> None:
    tag = f"docdocker-test/fh-{notebook}"
    result = engine.build(str(APP), tag=tag)
    assert result.value.startswith("sha256:")
    if result.builder.startswith("BuildKit"):
        assert f"naming to docker.io/{tag}:latest" in result.output
        assert "--force-rm" not in result.cli  # BuildKit leaves no failed-step container
    else:
        assert f"Successfully tagged {tag}:latest" in result.output
    assert client.images.get(tag).id == result.value
    labels = client.images.get(tag).labels
    assert labels[LABEL] == notebook
    assert labels[OWNER] == f"{tag}:latest"
    listed = engine.images(tag)
    assert [(row["REPOSITORY"], row["TAG"]) for row in listed.rows] == [(tag, "latest")]


def test_the_echoed_build_line_run_by_the_cli_gives_the_same_config(
    engine: Engine, client: docker.DockerClient, notebook: str
) -> None:
    tag = f"docdocker-test/fh-{notebook}"
    ours = engine.build(str(APP), tag=tag)
    mine = image_config(tag)
    client.images.remove(tag)
    cli = subprocess.run(ours.step.argv, capture_output=True, text=True)
    assert cli.returncode == 0, cli.stderr
    theirs = image_config(tag)
    assert mine == theirs
    assert mine["Labels"][LABEL] == notebook and mine["Labels"][OWNER] == f"{tag}:latest"
    assert mine["Cmd"] == ["python", "app.py"]
    assert "NAME=World" in mine["Env"]
    assert mine["ExposedPorts"] == {"80/tcp": {}}
    assert mine["WorkingDir"] == "/app"


def test_the_log_streams_while_a_slow_step_runs(
    client: docker.DockerClient, notebook: str, tmp_path: Path
) -> None:
    (tmp_path / "Dockerfile").write_text(
        f"FROM busybox\nRUN echo started-{notebook} && sleep 3 && echo finished\n")
    recorder = Recorder()
    engine = Engine(notebook, client, recorder)
    engine.build(str(tmp_path), tag=f"docdocker-test/slow-{notebook}")
    ended = time.monotonic()
    first_step = next(t for t, text in recorder.seen if "Step 1/" in text or "[1/2] " in text)
    started = next(t for t, text in recorder.seen if f"started-{notebook}" in text)
    assert ended - first_step > 2.5, "the first step was shown only when the build ended"
    assert ended - started > 2.5, "the RUN output was shown only when the build ended"
    assert "finished" in recorder.seen[-1][1]


BROKEN = {
    "unknown-instruction": ("FROM busybox\nRUN echo hi\nCOPPY . /app\n",
                            ["line 3", "COPPY is not a Dockerfile instruction"]),
    "failing-run": ("FROM busybox\n# the next line fails\nRUN echo looking for it && \\\n"
                    "    ls /no-such-dir\n",
                    ["line 3", "RUN echo looking for it && ls /no-such-dir", "exited with code 1"]),
    "missing-file": ("FROM busybox\nWORKDIR /app\nCOPY requirements.txt /app/\n",
                     ["line 3", "COPY requirements.txt /app/",
                      "requirements.txt is not in the build context"]),
    "missing-base": ("FROM docdocker-no-such-image:1\nRUN true\n",
                     ["line 1", "base image docdocker-no-such-image:1"]),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
@pytest.mark.parametrize("cache", ["warm", "no-cache"])
def test_a_broken_dockerfile_names_its_line_and_leaves_nothing_behind(
    engine: Engine, client: docker.DockerClient, notebook: str, tmp_path: Path, case: str,
    cache: str
) -> None:
    text, expected = BROKEN[case]
    (tmp_path / "Dockerfile").write_text(text)
    tag = f"docdocker-test/broken-{notebook}"
    with pytest.raises(errors.BuildFailed) as caught:
        engine.build(str(tmp_path), tag=tag, nocache=cache == "no-cache")
    message = caught.value.message
    for words in expected:
        assert words in message
    assert caught.value.cli and caught.value.cli.startswith(f"docker build -t {tag} ")
    assert caught.value.stderr  # the engine's own words are kept
    assert not has_image(client, tag)


@pytest.mark.needs("classic-builder")
def test_a_failing_run_keeps_its_output_and_removes_its_container(
    engine: Engine, client: docker.DockerClient, notebook: str, tmp_path: Path
) -> None:
    marker = f"output-of-{notebook}"
    (tmp_path / "Dockerfile").write_text(f"FROM busybox\nRUN echo {marker} && false\n")
    with pytest.raises(errors.BuildFailed) as caught:
        engine.build(str(tmp_path), tag=f"docdocker-test/broken-{notebook}")
    assert marker in caught.value.stderr
    # The classic builder keeps a failed RUN's container unless --force-rm is given.
    leftovers = [c for c in client.api.containers(all=True) if marker in c.get("Command", "")]
    assert leftovers == []


def test_a_missing_context_or_dockerfile_is_refused_with_the_path(
    engine: Engine, tmp_path: Path
) -> None:
    with pytest.raises(errors.BuildFailed, match="not a folder"):
        engine.build(str(tmp_path / "nowhere"), tag="docdocker-test/x")
    with pytest.raises(errors.BuildFailed, match="There is no Dockerfile at"):
        engine.build(str(tmp_path), tag="docdocker-test/x")


def test_the_app_answers_with_its_greeting_and_without_redis(
    engine: Engine, notebook: str, free_port: int
) -> None:
    tag = f"docdocker-test/fh-{notebook}"
    engine.build(str(APP), tag=tag)
    engine.run(tag, detach=True, name=f"fh-{notebook}", publish=f"127.0.0.1:{free_port}:80")
    page = web.fetch(f"http://127.0.0.1:{free_port}/", wait=20)
    assert "Hello World!" in page.body
    assert "counter disabled" in page.body
    engine.rm(f"fh-{notebook}", force=True)
    engine.run(tag, detach=True, name=f"fh-{notebook}", publish=f"127.0.0.1:{free_port}:80",
               env={"NAME": "Ada"})
    assert "Hello Ada!" in web.fetch(f"http://127.0.0.1:{free_port}/", wait=20).body


def test_reset_spares_a_child_image_the_cli_built_from_the_tutorials_image(
    engine: Engine, client: docker.DockerClient, notebook: str, tmp_path: Path
) -> None:
    tag = f"docdocker-test/fh-{notebook}"
    child = f"docdocker-test/child-{notebook}"
    engine.build(str(APP), tag=tag)
    (tmp_path / "Dockerfile").write_text(f"FROM {tag}\nENV NAME=Child\n")
    built = subprocess.run([DOCKER, "build", "-t", child, str(tmp_path)],
                           capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    try:
        assert client.images.get(child).labels[LABEL] == notebook  # inherited
        cli = subprocess.run([sys.executable, "-m", "docdocker", "reset", "--notebook",
                              notebook, "--yes"], capture_output=True, text=True)
        assert cli.returncode == 0, cli.stderr
        assert not has_image(client, tag)
        assert has_image(client, child)
        assert reset.find(Engine(notebook, client, Console()), notebook) == []
    finally:
        client.images.remove(child)


def test_history_matches_the_cli_and_shows_each_instruction(
    engine: Engine, notebook: str
) -> None:
    tag = f"docdocker-test/fh-{notebook}"
    engine.build(str(APP), tag=tag)
    ours = engine.history(tag)
    cli = subprocess.run([DOCKER, "history", "--format", "{{.ID}}\t{{.CreatedBy}}\t{{.Size}}",
                          tag], capture_output=True, text=True, check=True)
    theirs = [line.split("\t") for line in cli.stdout.splitlines()]
    assert [[r["IMAGE"], r["CREATED BY"], r["SIZE"]] for r in ours.rows] == theirs
    full = " ".join(r["CREATED BY"] for r in engine.history(tag, no_trunc=True).rows)
    assert 'CMD ["python" "app.py"]' in full
    assert "pip install --no-cache-dir -r requirements.txt" in full


# BuildKit on the containerd store keeps no dangling image when a rebuild moves the tag
# (the first build's ID is gone at once), so there is nothing dangling to prune.
@pytest.mark.needs("classic-builder")
def test_image_prune_removes_this_notebooks_dangling_images_only(
    engine: Engine, client: docker.DockerClient, notebook: str, tmp_path: Path
) -> None:
    tag = f"docdocker-test/prune-{notebook}"
    (tmp_path / "Dockerfile").write_text(f"FROM busybox\nENV V=1-{notebook}\n")
    first = engine.build(str(tmp_path), tag=tag).value
    (tmp_path / "Dockerfile").write_text(f"FROM busybox\nENV V=2-{notebook}\n")
    engine.build(str(tmp_path), tag=tag)
    assert client.images.get(first).tags == []  # the rebuild left the first one dangling
    result = engine.image_prune()
    assert result.cli == (f"docker image prune --force --filter label={LABEL}={notebook}")
    assert f"deleted: {first}" in result.output
    assert not has_image(client, first)
    assert has_image(client, tag)
    removed = engine.rmi(tag)
    assert f"Untagged: {tag}:latest" in removed.output
    assert not has_image(client, tag)


def test_the_build_panel_builds_on_click_and_shows_the_result(
    engine: Engine, client: docker.DockerClient, notebook: str, tmp_path: Path
) -> None:
    from docdocker.widgets import BuildPanel

    folder = tmp_path / "app"
    shutil.copytree(APP, folder)
    panel = BuildPanel(str(folder), tag="Not Valid", engine=engine)
    assert "FROM python:3.11-slim" in panel.editor.value  # prefilled from the folder
    assert panel.tag_message.value and panel.build_button.disabled
    tag = f"docdocker-test/panel-{notebook}"
    panel.tag_box.value = tag
    assert panel.tag_message.value == "" and not panel.build_button.disabled
    panel.editor.value = panel.editor.value.replace("ENV NAME=World", "ENV NAME=Panel")
    panel.build_button.click()
    assert panel.model.state == "built", panel.model.error
    if build.builder().buildkit:
        assert "[1/5] FROM" in panel.log_view.value and "RUN pip install" in panel.log_view.value
        assert f"naming to docker.io/{tag}:latest" in panel.log_view.value
    else:
        assert "Step 1/" in panel.log_view.value and "Successfully tagged" in panel.log_view.value
    image = client.images.get(tag)
    assert "NAME=Panel" in image.attrs["Config"]["Env"]
    assert image.id.split(":")[1].startswith(panel.model.result["id"])
    assert f"image ID {panel.model.result['id']}" in panel.outcome.value
    assert "ENV NAME=Panel" in (folder / "Dockerfile").read_text()  # saved before building

    panel.editor.value = panel.editor.value.replace("WORKDIR /app", "WORKDIRR /app")
    assert panel.outcome.value == ""  # the old result went with the edit
    panel.build_button.click()
    assert panel.model.state == "failed"
    assert "line 4: WORKDIRR is not a Dockerfile instruction" in panel.outcome.value
    panel.close()


def test_a_rebuild_says_which_steps_came_from_the_cache(
    engine: Engine, notebook: str, tmp_path: Path
) -> None:
    app = tmp_path / "app"
    shutil.copytree(APP, app)
    # A layer of its own at the start: the cache chain is this test's alone, so other
    # builds of the same app on a shared engine cannot change which steps are cached.
    dockerfile = (app / "Dockerfile").read_text()
    (app / "Dockerfile").write_text(dockerfile.replace(
        "WORKDIR /app", f"RUN echo {notebook}\nWORKDIR /app", 1))
    tag = f"docdocker-test/fh-{notebook}"
    first = engine.build(str(app), tag=tag, nocache=True)
    assert "RUN pip install --no-cache-dir -r requirements.txt" in first.ran
    assert first.cached == []
    again = engine.build(str(app), tag=tag)
    assert again.ran == [] and len(again.cached) == len(first.ran)
    (app / "app.py").write_text((app / "app.py").read_text().replace("Hello", "Hi"))
    changed = engine.build(str(app), tag=tag)
    assert changed.cached == [f"RUN echo {notebook}", "WORKDIR /app",
                              "COPY requirements.txt /app/",
                              "RUN pip install --no-cache-dir -r requirements.txt"]
    assert changed.ran[0] == "COPY . /app"
    assert engine.images(tag, dangling=True).rows == []  # dangling images have no name
    if build.builder().buildkit:
        return  # no dangling image is left (see the prune test above)
    assert any(r["IMAGE ID"] == first.value.split(":")[1][:12]
               for r in engine.images(dangling=True).rows)
    engine.image_prune()  # the first build, left dangling by the last one
    assert not any(r["IMAGE ID"] == first.value.split(":")[1][:12]
                   for r in engine.images(dangling=True).rows)


def test_reset_spares_a_container_the_cli_ran_from_the_tutorials_image(
    engine: Engine, client: docker.DockerClient, notebook: str
) -> None:
    tag = f"docdocker-test/fh-{notebook}"
    name = f"learners-{notebook}"
    engine.build(str(APP), tag=tag)
    ran = subprocess.run([DOCKER, "run", "-d", "--name", name, tag, "sleep", "60"],
                         capture_output=True, text=True)
    assert ran.returncode == 0, ran.stderr
    try:
        labels = client.containers.get(name).labels
        assert labels[LABEL] == notebook  # inherited from the image
        cli = subprocess.run([sys.executable, "-m", "docdocker", "reset", "--notebook",
                              notebook, "--yes"], capture_output=True, text=True)
        assert name in {c.name for c in client.containers.list()}, cli.stdout + cli.stderr
    finally:
        client.api.remove_container(name, force=True)


def test_a_build_on_an_engine_that_hangs_mid_build_ends_with_the_friendly_message(
    engine_proxy, notebook: str, tmp_path: Path
) -> None:
    # The last step fails on its own after the test, so nothing is left tagged.
    (tmp_path / "Dockerfile").write_text(
        f"FROM busybox\nRUN echo started-{notebook} && sleep 8 && false\n")
    host = f"unix://{engine_proxy.path}"

    class FreezeOnStart(Recorder):
        def progress(self, progress: Progress, *, final: bool = False) -> None:
            super().progress(progress, final=final)
            if f"started-{notebook}" in progress.text():
                engine_proxy.freeze()  # the engine stops answering in the middle of a RUN

    engine = Engine(notebook, docker.DockerClient(base_url=host, timeout=3),
                    FreezeOnStart(), host=host)
    start = time.monotonic()
    with pytest.raises(errors.EngineUnavailable) as caught:
        engine.build(str(tmp_path), tag=f"docdocker-test/hung-{notebook}")
    assert time.monotonic() - start < 20
    assert "stopped answering" in caught.value.message
    assert caught.value.cli.startswith(f"docker build -t docdocker-test/hung-{notebook} ")


@pytest.mark.needs("buildkit")
def test_buildkits_log_names_each_instruction_and_says_cached_on_a_rebuild(
    client: docker.DockerClient, notebook: str, tmp_path: Path
) -> None:
    (tmp_path / "Dockerfile").write_text(
        f"FROM busybox\nRUN echo first-{notebook}\nCOPY Dockerfile /d\nENV X=1\nCMD [\"sh\"]\n")
    recorder = Recorder()
    engine = Engine(notebook, client, recorder)
    tag = f"docdocker-test/bk-{notebook}"
    first = engine.build(str(tmp_path), tag=tag)
    assert first.builder.startswith("BuildKit (buildx ")
    log = recorder.seen[-1][1]
    assert f"[2/3] RUN echo first-{notebook}" in log and "[3/3] COPY Dockerfile /d" in log
    assert f"first-{notebook}" in first.steps[1].output
    assert "exporting to image" in log and f"naming to docker.io/{tag}:latest" in log
    assert first.ran == [f"RUN echo first-{notebook}", "COPY Dockerfile /d"]
    again = engine.build(str(tmp_path), tag=tag)
    rebuilt = recorder.seen[-1][1]
    assert again.ran == [] and again.cached == first.ran
    number = again.steps[1].vertex
    assert f"#{number} [2/3] RUN echo first-{notebook}\n#{number} CACHED" in rebuilt
    everything = engine.build(str(tmp_path), tag=tag, nocache=True)
    assert everything.cached == [] and everything.ran == first.ran
    assert "--no-cache" in everything.cli


@pytest.mark.needs("buildkit")
def test_build_args_and_a_dockerfile_named_with_f_reach_buildkit(
    engine: Engine, client: docker.DockerClient, notebook: str, tmp_path: Path
) -> None:
    (tmp_path / "other.Dockerfile").write_text(
        "FROM busybox\nARG GREETING=unset\nENV GREETING=$GREETING\n")
    tag = f"docdocker-test/args-{notebook}"
    result = engine.build(str(tmp_path), tag=tag, dockerfile=str(tmp_path / "other.Dockerfile"),
                          buildargs={"GREETING": "hi-there"})
    assert "--build-arg GREETING=hi-there" in result.cli and " -f " in result.cli
    assert "GREETING=hi-there" in client.images.get(tag).attrs["Config"]["Env"]


@pytest.mark.needs("buildkit")
def test_a_build_silent_while_the_engine_answers_is_stopped_within_its_bound(
    engine_proxy, client: docker.DockerClient, notebook: str, tmp_path: Path
) -> None:
    (tmp_path / "Dockerfile").write_text(f"FROM busybox\nRUN echo started-{notebook} && sleep 30\n")
    host = f"unix://{engine_proxy.path}"

    class FreezeOnStart(Recorder):
        def progress(self, progress: Progress, *, final: bool = False) -> None:
            super().progress(progress, final=final)
            if f"started-{notebook}" in progress.text():
                engine_proxy.freeze()  # the CLI's stream stops; the SDK's pings still answer

    # The CLI builds through the proxy; the SDK (its pings) talks to the engine directly.
    engine = Engine(notebook, client, FreezeOnStart(), host=host)
    tag = f"docdocker-test/silent-{notebook}"
    start = time.monotonic()
    with pytest.raises(errors.BuildFailed) as caught:
        engine.execute(Build(path=str(tmp_path), tag=tag), silence=3)
    took = time.monotonic() - start
    assert took < 15, took
    assert "printed nothing for 3 s" in caught.value.message
    assert "silence=6" in caught.value.fix
    assert f"started-{notebook}" in caught.value.stderr
    engine_proxy.forward()
    time.sleep(1)
    assert not has_image(client, tag)
    stray = subprocess.run(["pgrep", "-f", f"buildx build --progress=rawjson -t {tag}"],
                           capture_output=True, text=True)
    assert stray.stdout.strip() == ""  # the build program was stopped, not left running


@pytest.mark.needs("buildkit")
def test_an_interrupted_build_stops_the_builder_and_tags_nothing(
    client: docker.DockerClient, notebook: str, tmp_path: Path
) -> None:
    (tmp_path / "Dockerfile").write_text(f"FROM busybox\nRUN echo started-{notebook} && sleep 60\n")

    class StopButton(Recorder):
        def progress(self, progress: Progress, *, final: bool = False) -> None:
            super().progress(progress, final=final)
            if f"started-{notebook}" in progress.text():
                raise KeyboardInterrupt  # what Ctrl-C or the stop button raises in a kernel

    engine = Engine(notebook, client, StopButton())
    tag = f"docdocker-test/stopped-{notebook}"
    start = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        engine.build(str(tmp_path), tag=tag)
    assert time.monotonic() - start < 20
    stray = subprocess.run(["pgrep", "-f", f"buildx build --progress=rawjson -t {tag}"],
                           capture_output=True, text=True)
    assert stray.stdout.strip() == ""
    assert not has_image(client, tag)


@pytest.mark.needs("classic-builder")
def test_the_classic_builders_log_names_each_step_and_using_cache_on_a_rebuild(
    client: docker.DockerClient, notebook: str, tmp_path: Path
) -> None:
    (tmp_path / "Dockerfile").write_text(
        f"FROM busybox\nRUN echo first-{notebook}\nCOPY Dockerfile /d\nENV X=1\n")
    recorder = Recorder()
    engine = Engine(notebook, client, recorder)
    tag = f"docdocker-test/classic-{notebook}"
    first = engine.build(str(tmp_path), tag=tag)
    assert first.builder == "the classic builder"
    assert "--force-rm" in first.cli
    log = recorder.seen[-1][1]
    assert f"Step 2/6 : RUN echo first-{notebook}" in log and "Step 3/6 : COPY Dockerfile /d" in log
    assert f"Successfully tagged {tag}:latest" in log
    again = engine.build(str(tmp_path), tag=tag)
    assert "RUN echo first-" in again.cached[0] and again.ran == []
    assert " ---> Using cache" in recorder.seen[-1][1]
    everything = engine.build(str(tmp_path), tag=tag, nocache=True)
    assert everything.cached == []


@pytest.mark.needs("classic-builder")
def test_a_classic_build_silent_while_the_engine_answers_is_stopped_within_its_bound(
    engine_proxy, client: docker.DockerClient, notebook: str, tmp_path: Path
) -> None:
    (tmp_path / "Dockerfile").write_text(f"FROM busybox\nRUN echo started-{notebook} && sleep 30\n")
    host = f"unix://{engine_proxy.path}"

    class FreezeOnStart(Recorder):
        def progress(self, progress: Progress, *, final: bool = False) -> None:
            super().progress(progress, final=final)
            if f"started-{notebook}" in progress.text():
                engine_proxy.freeze()

    through_proxy = docker.DockerClient(base_url=host, timeout=2)
    # The build stream goes through the proxy, which freezes; the pings reach the real
    # engine directly and keep answering.
    through_proxy.ping = client.ping  # type: ignore[method-assign]
    engine = Engine(notebook, through_proxy, FreezeOnStart(), host=host)
    tag = f"docdocker-test/silent-{notebook}"
    start = time.monotonic()
    with pytest.raises(errors.BuildFailed) as caught:
        engine.execute(Build(path=str(tmp_path), tag=tag, force_rm=True), silence=3)
    assert time.monotonic() - start < 20
    assert "printed nothing for 3 s" in caught.value.message
    engine_proxy.forward()
    assert not has_image(client, tag)
