"""Building, without an engine: the echo, the Dockerfile grammar, the log, the messages."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from docdocker import friendly
from docdocker.base import errors
from docdocker.concepts.build import Build
from docdocker.concepts.buildlog import BuildLog
from docdocker.core.console import Console
from docdocker.core.steps import LABEL, OWNER
from docdocker.grammar.dockerfile import escape_char, instruction_at, instructions
from docdocker.session.tutorial import Tutorial


class NoEngine:
    """A client that fails the test if anything reaches it."""

    def __getattr__(self, name: str) -> object:
        raise AssertionError(f"the engine was called ({name})")


def test_build_echo_and_sdk_call_agree() -> None:
    step = Build(path="apps/friendlyhello", tag="friendlyhello", force_rm=True,
                 buildargs={"V": "1"}).with_labels({LABEL: "02-dockerfiles"})
    assert step.cli == (
        "docker build -t friendlyhello --build-arg V=1 --force-rm "
        f"--label {LABEL}=02-dockerfiles --label {OWNER}=friendlyhello:latest apps/friendlyhello")
    assert step.sdk_kwargs == {
        "path": "apps/friendlyhello", "tag": "friendlyhello", "buildargs": {"V": "1"},
        "forcerm": True, "labels": {LABEL: "02-dockerfiles", OWNER: "friendlyhello:latest"}}


def test_a_dockerfile_given_with_f_is_relative_to_the_current_folder_like_the_cli() -> None:
    step = Build(path="apps/friendlyhello", tag="x", dockerfile="naive/Dockerfile")
    assert step.argv[-3:] == ["-f", "naive/Dockerfile", "apps/friendlyhello"]
    assert step.sdk_kwargs["dockerfile"] == os.path.join(os.getcwd(), "naive/Dockerfile")


@pytest.mark.parametrize(("tag", "owner"), [("friendlyhello", "friendlyhello:latest"),
                                            ("me/app:v2", "me/app:v2"),
                                            ("docker.io/library/app", "app:latest")])
def test_the_ownership_mark_is_the_tag_as_docker_images_lists_it(tag: str, owner: str) -> None:
    assert Build(path=".", tag=tag).ownership() == owner


@pytest.mark.parametrize(("tag", "words"), [
    ("Friendly Hello", "invalid character ' '"),
    ("FriendlyHello", "must be lowercase"),
    ("friendlyhello:", "tag"),
    ("friendlyhello@sha256:" + "a" * 64, "digest"),
    ("", "needs a name"),
])
def test_an_invalid_tag_is_refused_before_the_engine_is_called(
    tag: str, words: str, tmp_path: Path
) -> None:
    (tmp_path / "Dockerfile").write_text("FROM busybox\n")
    engine = Tutorial("02-dockerfiles", NoEngine(), Console())
    with pytest.raises(errors.InvalidReference) as caught:
        engine.build(str(tmp_path), tag=tag)
    assert words.lower() in str(caught.value).lower()
    assert caught.value.cli and caught.value.cli.startswith("docker build ")


def test_instructions_know_their_lines_through_comments_and_continuations() -> None:
    text = ("# syntax comment\n\nFROM python:3.11-slim\nRUN apt-get update && \\\n"
            "    # a comment inside\n\n    apt-get install -y curl\nCOPY . /app\n")
    found = instructions(text)
    assert [(i.line, i.end_line, i.keyword) for i in found] == [
        (3, 3, "FROM"), (4, 7, "RUN"), (8, 8, "COPY")]
    assert instruction_at(text, 3).keyword == "COPY"
    assert instruction_at(text, 4) is None  # the LABEL step --label adds


def test_the_escape_directive_changes_the_continuation_character() -> None:
    text = "# escape=`\nFROM busybox\nRUN echo a `\n  b\nCMD [\"sh\"]\n"
    assert escape_char(text) == "`"
    assert [(i.line, i.keyword) for i in instructions(text)] == [
        (2, "FROM"), (3, "RUN"), (5, "CMD")]


def _feed(log: BuildLog, *chunks: dict) -> BuildLog:
    for chunk in chunks:
        log.feed(chunk)
    return log


def test_the_build_log_groups_lines_under_their_step_whatever_the_chunking() -> None:
    log = _feed(BuildLog(),
                {"stream": "Step 1/3 : FROM busybox"}, {"stream": "\n"},
                {"stream": " ---> d0d9ad27cf54\nStep 2/3 : RUN echo hi"}, {"stream": "\n"},
                {"stream": " ---> Running in 8ca3571f221b\n"},
                {"stream": "\x1b[91mhi from stderr\n\x1b[0m"},
                {"stream": "Removing intermediate container 8ca3571f221b\n ---> 1234\n"},
                {"stream": "Step 3/3 : COPY . /app\n ---> Using cache\n ---> 5678\n"},
                {"aux": {"ID": "sha256:5678"}},
                {"stream": "Successfully built 5678abcd\n"},
                {"stream": "Successfully tagged x:latest\n"})
    assert [(s.number, s.instruction, s.cached) for s in log.steps] == [
        (1, "FROM busybox", False), (2, "RUN echo hi", False), (3, "COPY . /app", True)]
    assert log.steps[1].output == "hi from stderr\n"
    assert log.image_id == "sha256:5678"
    assert log.summary == ["Successfully built 5678abcd", "Successfully tagged x:latest"]
    assert log.status() == "done"
    assert "\x1b" not in log.text()
    assert '<progress value="3" max="3"' in log.html()


def test_the_build_log_shows_the_running_step_and_keeps_the_error() -> None:
    log = _feed(BuildLog(), {"stream": "Step 1/2 : FROM busybox\n ---> d0\n"},
                {"stream": "Step 2/2 : RUN false\n"})
    assert log.status() == "Step 2/2 : RUN false"
    assert '<progress value="1" max="2"' in log.html()
    log.feed({"errorDetail": {"message": "boom"}, "error": "boom"})
    assert log.error == "boom"
    assert log.status() == "failed at step 2/2"
    assert log.text().endswith("boom")


def _where(text: str, step: int | None, output: str = "") -> friendly.BuildContext:
    return friendly.BuildContext(dockerfile="app/Dockerfile", text=text, context="app",
                                 step_number=step, step_output=output)


@pytest.mark.parametrize(("message", "text", "step", "words"), [
    ("dockerfile parse error line 4: unknown instruction: COPPY", "FROM a\n", None,
     ["app/Dockerfile, line 4", "COPPY is not a Dockerfile instruction"]),
    ("The command '/bin/sh -c make' returned a non-zero code: 2", "FROM a\n\nRUN make\n", 2,
     ["line 3", "`RUN make`", "exited with code 2"]),
    ("COPY failed: file not found in build context or excluded by .dockerignore: "
     "stat req.txt: file does not exist", "FROM a\nCOPY req.txt .\n", 2,
     ["line 2", "req.txt is not in the build context", "app"]),
    ('pull access denied for nosuch, repository does not exist or may require '
     "'docker login'", "FROM nosuch\n", 1, ["line 1", "base image nosuch"]),
    ("something new", "FROM a\nUSER nobody\n", 2, ["line 2", "`USER nobody`", "something new"]),
])
def test_build_errors_name_the_line_and_the_instruction(
    message: str, text: str, step: int | None, words: list[str]
) -> None:
    err = friendly.translate_build_error(message, _where(text, step, "out\n"), ["docker", "build"])
    assert isinstance(err, errors.BuildFailed)
    for w in words:
        assert w in err.message
    assert err.fix
    assert err.stderr.endswith(message)
    assert err.cli == "docker build"


def test_a_build_result_reads_as_the_cli_printed_it() -> None:
    from docdocker.concepts.build import BuildResult

    result = BuildResult(Build(path=".", tag="x"), output="Successfully built 1234\n",
                         value="sha256:1234")
    assert repr(result) == "Successfully built 1234"
    assert "Successfully built 1234" in result._repr_html_()


def test_what_runs_for_buildkit_is_the_echo_spelt_as_its_program() -> None:
    from docdocker.concepts.build import buildkit_argv, buildkit_environment

    step = Build(path="apps/friendlyhello", tag="friendlyhello", nocache=True,
                 dockerfile="naive/Dockerfile", buildargs={"V": "1"}
                 ).with_labels({LABEL: "02-dockerfiles"})
    ran = buildkit_argv(step)
    # `docker build ARGS` is `docker buildx build ARGS`; only the progress format is added.
    assert ran[0].endswith("docker") and ran[1:4] == ["buildx", "build", "--progress=rawjson"]
    assert ran[4:] == step.argv[2:]
    engine = Tutorial("02-dockerfiles", NoEngine(), Console(), host="unix:///tmp/other.sock")
    env = buildkit_environment(engine)
    assert env["DOCKER_HOST"] == "unix:///tmp/other.sock" and "DOCKER_CONTEXT" not in env


@pytest.mark.parametrize(("kind", "shown"), [("buildkit", False), ("classic", True)])
def test_force_rm_is_echoed_only_where_it_does_something(
    kind: str, shown: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from docdocker.concepts import images
    from docdocker.concepts.build import Builder
    from docdocker.core import engine as core

    monkeypatch.setattr(images, "builder", lambda: Builder(kind, "0.29.1"))
    seen: list[Build] = []

    def record(engine: object, step: Build, **options: object) -> None:
        seen.append(step)
        raise errors.BuildFailed("stopped here", command=step.argv)

    monkeypatch.setitem(core._HANDLERS, Build, record)
    (tmp_path / "Dockerfile").write_text("FROM busybox\n")
    engine = Tutorial("02-dockerfiles", NoEngine(), Console())
    with pytest.raises(errors.BuildFailed):
        engine.build(str(tmp_path), tag="x")
    assert ("--force-rm" in seen[0].argv) is shown


def test_built_images_are_remembered_by_id_and_tag(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from docdocker.core import tagrecord

    monkeypatch.setenv("DOCDOCKER_STATE_DIR", str(tmp_path))
    first, second = "sha256:" + "1" * 64, "sha256:" + "2" * 64
    tagrecord.remember_built("02-dockerfiles", first, "friendlyhello:latest")
    tagrecord.remember_built("02-dockerfiles", first, "friendlyhello:latest")  # once only
    assert tagrecord.was_built(first, "friendlyhello:latest")
    # an image built FROM ours carries our labels, but not our ID
    assert not tagrecord.was_built(second, "friendlyhello:latest")
    assert not tagrecord.was_built(first, "other:latest")
    assert tagrecord.recorded() == []  # built images are not tags to remove
    for n in range(tagrecord._BUILDS_KEPT + 5):
        tagrecord.remember_built("nb", f"sha256:{n:064d}", "x:latest")
    assert not tagrecord.was_built(first, "friendlyhello:latest")  # the oldest went first
    assert tagrecord.was_built(f"sha256:{tagrecord._BUILDS_KEPT + 4:064d}", "x:latest")


def test_target_and_secret_are_echoed_as_they_run(tmp_path: Path) -> None:
    secret = tmp_path / "pw.txt"
    secret.write_text("not in any layer\n")
    step = Build(path="apps/friendlyhello", tag="small", stage="final",
                 secrets=(f"id=pw,src={secret}",))
    assert step.cli == (f"docker build -t small --target final --secret id=pw,src={secret} "
                        "apps/friendlyhello")
    # --target is a keyword of the classic build; a secret has none (BuildKit only).
    assert step.sdk_kwargs == {"path": "apps/friendlyhello", "tag": "small", "target": "final"}
    from docdocker.concepts.build import buildkit_argv
    assert buildkit_argv(step)[4:] == step.argv[2:]
    assert "not in any layer" not in step.cli


@pytest.mark.parametrize(("spec", "words"), [("src=pw.txt", "has no id"),
                                             ("id=pw,src=missing.txt", "not a file")])
def test_a_bad_secret_is_refused_before_the_engine_is_called(
    spec: str, words: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "Dockerfile").write_text("FROM busybox\n")
    engine = Tutorial("06-better-images", NoEngine(), Console())
    with pytest.raises(errors.BuildFailed) as caught:
        engine.build(".", tag="x", secrets=(spec,))
    assert words in str(caught.value) and "--secret" in caught.value.command


def test_the_classic_builder_refuses_a_secret_with_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from docdocker.concepts import build as building
    from docdocker.concepts import images
    from docdocker.concepts.build import Builder

    classic = Builder("classic")
    monkeypatch.setattr(images, "builder", lambda: classic)
    monkeypatch.setattr(building, "builder", lambda: classic)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "Dockerfile").write_text("FROM busybox\n")
    (tmp_path / "pw.txt").write_text("x\n")
    engine = Tutorial("06-better-images", NoEngine(), Console())
    with pytest.raises(errors.BuildFailed) as caught:
        engine.build(".", tag="x", secrets=("id=pw,src=pw.txt",))
    message = str(caught.value)
    assert "classic builder" in message and "id=pw,src=pw.txt" in message
    assert "buildx" in caught.value.fix and "--build-arg" in caught.value.fix


def test_system_df_sums_as_the_cli_does() -> None:
    from docdocker.concepts.system import df_rows

    answer = {
        "LayersSize": 1000,
        "Images": [{"Size": 600, "SharedSize": 100, "Containers": 1},
                   {"Size": 500, "SharedSize": 100, "Containers": 0}],
        "Containers": [{"State": "running", "SizeRw": 10}, {"State": "exited", "SizeRw": 5}],
        "Volumes": [{"UsageData": {"Size": 40, "RefCount": 0}},
                    {"UsageData": {"Size": 60, "RefCount": 1}}],
        "BuildCache": [{"Size": 70, "InUse": False, "Shared": False},
                       {"Size": 30, "InUse": True, "Shared": True}],
    }
    rows = {r["TYPE"]: r for r in df_rows(answer)}
    # The image in use keeps what it shares with no other: 600 - 100.
    assert rows["Images"]["RECLAIMABLE"] == "500B (50%)"
    assert (rows["Containers"]["ACTIVE"], rows["Containers"]["RECLAIMABLE"]) == (1, "5B (33%)")
    assert rows["Local Volumes"]["RECLAIMABLE"] == "40B (40%)"
    assert (rows["Build Cache"]["TOTAL"], rows["Build Cache"]["SIZE"]) == (2, "70B")


def test_images_digests_adds_the_column_and_only_the_flag() -> None:
    from docdocker.concepts.images import Images, image_rows

    step = Images(repository="python", digests=True)
    assert step.cli == "docker images --digests python"
    assert step.sdk_kwargs == {"name": "python"}
    row = image_rows({"Id": "sha256:" + "b" * 64, "RepoTags": ["python:3.11-slim"],
                      "RepoDigests": ["python@sha256:" + "a" * 64]})[0]
    assert row["DIGEST"] == "sha256:" + "a" * 64


def test_a_secret_build_argument_is_masked_by_value_in_the_log() -> None:
    from docdocker.base.masking import MASK
    from docdocker.concepts.build import hide, secret_values

    step = Build(path=".", tag="x", buildargs={"PASSWORD": "s3cret-xyz", "MODE": "fast",
                                               "API_TOKEN": "s3cret-xyz-long"})
    values = secret_values(step)
    assert values == ["s3cret-xyz-long", "s3cret-xyz"]  # not MODE: it is not a secret
    # BuildKit names a RUN step with its arguments expanded: no NAME= says it is secret.
    line = 'RUN test -n "s3cret-xyz" && curl -H s3cret-xyz-long fast'
    assert hide(line, values) == f'RUN test -n "{MASK}" && curl -H {MASK} fast'


def test_a_classic_build_chunk_is_masked_nested_too() -> None:
    from docdocker.concepts.build import _hide_chunk

    chunk = {"error": "failed: pw", "errorDetail": {"message": "code 1: pw", "code": 1}}
    assert _hide_chunk(chunk, ["pw"]) == {"error": "failed: ******",
                                          "errorDetail": {"message": "code 1: ******", "code": 1}}
