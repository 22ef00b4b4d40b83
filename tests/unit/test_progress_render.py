"""Pure logic: folding progress events, rendering results, translating engine errors."""

from __future__ import annotations

import docker.errors
import pytest

from docdocker.base import errors, render
from docdocker.base.render import ago
from docdocker.concepts.containers import Stop, ps_row
from docdocker.concepts.registries import Pull
from docdocker.concepts.run import Run
from docdocker.core.engine import StepResult
from docdocker.core.progress import Progress
from docdocker.friendly import translate_error

PULL_EVENTS = [
    {"status": "Pulling from library/nginx", "id": "latest"},
    {"status": "Pulling fs layer", "progressDetail": {}, "id": "a1"},
    {"status": "Pulling fs layer", "progressDetail": {}, "id": "b2"},
    {"status": "Downloading", "progressDetail": {"current": 50, "total": 200}, "id": "a1"},
    {"status": "Download complete", "progressDetail": {}, "id": "a1"},
    {"status": "Pull complete", "progressDetail": {}, "id": "a1"},
    {"status": "Already exists", "progressDetail": {}, "id": "b2"},
    {"status": "Digest: sha256:" + "0" * 64},
    {"status": "Status: Downloaded newer image for nginx:latest"},
]


def test_pull_events_fold_into_one_line_per_layer() -> None:
    progress = Progress()
    for event in PULL_EVENTS[:4]:
        progress.feed(event)
    assert progress.layers["a1"].current == 50 and progress.layers["a1"].total == 200
    assert '<progress value="50" max="200"' in progress.html()
    for event in PULL_EVENTS[4:]:
        progress.feed(event)
    assert list(progress.layers) == ["a1", "b2"]
    assert progress.done == 2
    text = progress.text()
    assert "a1: Pull complete" in text and "b2: Already exists" in text
    assert text.startswith("latest: Pulling from library/nginx\na1: Pull complete")
    assert text.endswith("Status: Downloaded newer image for nginx:latest")
    assert progress.error is None


def test_an_error_chunk_is_recorded_not_lost() -> None:
    # docker-py's push and pull streams report failure as a chunk, not an exception.
    progress = Progress()
    progress.feed({"status": "Preparing", "id": "c3"})
    progress.feed({"errorDetail": {"message": "unauthorized: authentication required"},
                   "error": "unauthorized: authentication required"})
    assert progress.error == "unauthorized: authentication required"
    assert "error: unauthorized" in progress.text()


def test_build_stream_keeps_whole_lines() -> None:
    progress = Progress()
    for chunk in ("Step 1/2 : FROM busybox\n", " ---> abc\n", "Step 2/2 : RUN ", "echo hi\n"):
        progress.feed({"stream": chunk})
    progress.feed({"aux": {"ID": "sha256:123"}})
    assert progress.messages[-1] == "Step 2/2 : RUN echo hi\n"
    assert progress.aux == {"ID": "sha256:123"}


def test_tables_escape_what_containers_report() -> None:
    html = render.table_html(["NAMES"], [{"NAMES": "<script>alert(1)</script>"}])
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "(none)" in render.table_html(["NAMES"], [])


def test_ps_row_matches_the_cli_columns_and_links_published_ports() -> None:
    row = ps_row({
        "Id": "f" * 64, "Image": "nginx", "Command": "/docker-entrypoint.sh nginx -g 'daemon off;'",
        "Created": 0, "Status": "Up 2 minutes", "Names": ["/web"],
        "Ports": [{"IP": "127.0.0.1", "PrivatePort": 80, "PublicPort": 8080, "Type": "tcp"},
                  {"PrivatePort": 443, "Type": "tcp"}],
    })
    assert row["CONTAINER ID"] == "f" * 12
    assert row["NAMES"] == "web"
    assert row["COMMAND"] == '"/docker-entrypoint.…"'
    link, unpublished = row["PORTS"]
    assert (str(link), link.href) == ("127.0.0.1:8080->80/tcp", "http://127.0.0.1:8080")
    assert unpublished == "443/tcp"
    untagged = ps_row({"Id": "e" * 64, "Image": "sha256:" + "ab" * 32, "Names": ["/x"]})
    assert untagged["IMAGE"] == "ab" * 6  # as `docker ps` shows an image known by its ID


@pytest.mark.parametrize(("seconds", "text"), [
    (0.2, "Less than a second ago"), (1, "1 second ago"), (5, "5 seconds ago"),
    (60, "1 minute ago"), (7200, "2 hours ago"), (2 * 86400, "2 days ago"),
])
def test_ages_read_like_docker_ps(seconds: float, text: str, monkeypatch) -> None:
    monkeypatch.setattr("docdocker.base.render.time.time", lambda: 1_000_000.0)
    assert ago(1_000_000.0 - seconds) == text


def api_error(message: str, status: int = 500) -> docker.errors.APIError:
    class Response:
        status_code = status
        reason = "error"
        url = "http+docker://localhost/v1.41/containers/create"

    return docker.errors.APIError(message, response=Response(), explanation=message)


def test_no_space_left_is_translated_with_a_fix() -> None:
    step = Run(image="nginx")
    err = translate_error(api_error("write /var/lib/docker/tmp: no space left on device"),
                          step, None)
    assert isinstance(err, errors.NoSpaceLeft)
    assert "docker system df" in err.fix
    assert err.cli == "docker run nginx"


def test_socket_permission_denied_points_to_the_docker_group() -> None:
    err = translate_error(
        docker.errors.DockerException(
            "Error while fetching server API version: ('Connection aborted.', "
            "PermissionError(13, 'Permission denied'))"),
        None, None)
    assert isinstance(err, errors.EngineUnavailable)
    assert "Permission denied on the Docker socket" in err.message
    assert "usermod -aG docker" in err.fix


def test_unreachable_registry_is_not_called_a_missing_image() -> None:
    err = translate_error(api_error('Get "https://registry-1.docker.io/v2/": dial tcp: '
                                    "lookup registry-1.docker.io: no such host"),
                          Pull(image="nginx"), None)
    assert type(err) is errors.StepFailed
    assert "Could not reach the registry" in err.message
    assert "network" in err.fix


def test_programming_errors_are_left_alone() -> None:
    assert translate_error(TypeError("bad argument"), Stop(container="web"), None) is None


def test_a_streamed_run_summarises_instead_of_repeating_its_output() -> None:
    result = StepResult(Run(image="busybox"), output="hello\n", exit_code=0, streamed=True)
    assert repr(result) == "container the container exited with code 0"
    assert "hello" not in result._repr_html_()
    stopped = StepResult(Run(image="busybox"), output="", exit_code=137, streamed=True,
                         stopped_after=3)
    assert "stopped after 3 s (exit code 137)" in repr(stopped)


def test_error_html_shows_message_fix_and_command_escaped() -> None:
    err = errors.StepFailed("Bad <value>", fix="Do <this>", command=["docker", "run", "<x>"])
    html = err._repr_html_()
    assert "Bad &lt;value&gt;" in html and "Do &lt;this&gt;" in html
    assert "docker run &#x27;&lt;x&gt;&#x27;" in html or "docker run '&lt;x&gt;'" in html
    assert str(err) == "Bad <value>\nFix: Do <this>\nCommand: $ docker run '<x>'"


def test_binder_sessions_are_told_to_read_the_saved_outputs(monkeypatch) -> None:
    monkeypatch.setenv("BINDER_REPO_URL", "https://example.org/docdocker")
    err = translate_error(
        docker.errors.DockerException("Error while fetching server API version: "
                                      "('Connection aborted.', FileNotFoundError(2, "
                                      "'No such file or directory'))"),
        None, None)
    assert isinstance(err, errors.EngineUnavailable)
    assert "Binder has no Docker Engine" in err.message
    assert "saved with the outputs of a real run" in err.message


COUNTER = ("docker run --name counter --label org.docdocker.notebook=01-containers "
           "--label org.docdocker.owner=container busybox sh -c "
           "'i=0; while true; do i=$((i+1)); echo tick $i; sleep 1; done'")


def _visible_text(html: str) -> str:
    import re
    from html import unescape

    return unescape(re.sub(r"<[^>]+>", "", html))


def test_the_echo_is_out_of_reach_of_math_and_markdown_and_reads_as_the_command() -> None:
    html = render.command_html(COUNTER)
    # MathJax skips <pre>/<code> and these classes; nothing else in the line is markup.
    assert html.startswith('<pre class="docdocker-command mathjax_ignore tex2jax_ignore"')
    assert '<code class="docdocker-cli"' in html
    assert _visible_text(html) == "$ " + COUNTER
    assert "user-select:none" in html.split("</span>")[0]  # the prompt is not copied


def test_the_labels_are_dimmed_but_kept_word_for_word() -> None:
    html = render.command_html(COUNTER)
    dimmed = [m for m in html.split('<span class="docdocker-bookkeeping"')[1:]]
    assert len(dimmed) == 2
    assert _visible_text(dimmed[0].split("</span>")[0] + "</span>").endswith(
        "--label org.docdocker.notebook=01-containers")
    # A flag that only looks like ours, or a line shlex did not make, is left alone.
    assert "bookkeeping" not in render.command_html("docker run --label team=web nginx")
    odd = "docker run --label  org.docdocker.notebook=x nginx"
    assert _visible_text(render.command_html(odd)) == "$ " + odd


def test_outputs_tables_and_errors_are_kept_from_math_too() -> None:
    assert render.output_html("cost: $5 and $6").startswith("<pre")
    assert "mathjax_ignore" in render.table_html(["COMMAND"], [{"COMMAND": '"echo $HOME"'}])
    err = errors.PortAllocated("Port 8080 is already in use.", fix="Run `docker stop web`.",
                               command=["docker", "run", "nginx"],
                               stderr="Bind for 127.0.0.1:8080 failed: port is already allocated")
    html = err._repr_html_()
    assert "mathjax_ignore" in html and "✘ Port already in use" in html
    assert "<code>docker stop web</code>" in html
    assert "Docker said:" in html and "port is already allocated" in html


def test_id_name_and_port_columns_never_wrap_other_columns_may() -> None:
    html = render.table_html(["NAMES", "STATUS"], [{"NAMES": "web", "STATUS": "Up 2 minutes"}])
    names_cell, status_cell = html.split("<tbody>")[1].split("</td>")[:2]
    assert "nowrap" in names_cell and "nowrap" not in status_cell


@pytest.mark.parametrize(("template", "expected"), [
    ("{{.State.ExitCode}}", "137"),
    ("{{.Config.StopSignal}}", "SIGQUIT"),
    ("{{json .Config.Cmd}}", '["nginx","-g","daemon off;"]'),
    ("{{.Config.Cmd}}", "[nginx -g daemon off;]"),
    ("exit={{.State.ExitCode}} running={{.State.Running}}", "exit=137 running=false"),
    ("{{.Config.ExposedPorts}}", "map[80/tcp:{}]"),
    ("{{.Config.Labels}}", "map[]"),
    ("{{.Config.User}}", ""),
])
def test_inspect_templates_print_as_go_prints_them(template: str, expected: str) -> None:
    from docdocker.concepts.inspect import format_template

    data = {"State": {"ExitCode": 137, "Running": False},
            "Config": {"StopSignal": "SIGQUIT", "Cmd": ["nginx", "-g", "daemon off;"],
                       "ExposedPorts": {"80/tcp": {}}, "Labels": {}}}
    assert format_template(template, data) == expected


@pytest.mark.parametrize(("template", "words"), [
    ("{{range .Config.Env}}{{.}}{{end}}", "field paths"),
    ("{{.State.ExitCode}", "without its"),
    ("{{.State.exitCode}}", "case-sensitive"),
    ("{{.Nope.ExitCode}}", "map has no entry"),
])
def test_inspect_templates_it_cannot_evaluate_are_explained(template: str, words: str) -> None:
    from docdocker.concepts.inspect import format_template

    with pytest.raises(errors.InvalidTemplate, match=words) as caught:
        format_template(template, {"State": {"ExitCode": 0}}, command=["docker", "inspect"])
    assert caught.value.fix and caught.value.cli == "docker inspect"


def test_long_tables_say_how_many_rows_they_leave_out() -> None:
    rows = [{"NAMES": f"c{i}"} for i in range(render.MAX_ROWS + 3)]
    html, text = render.table_html(["NAMES"], rows), render.table_text(["NAMES"], rows)
    assert f"c{render.MAX_ROWS - 1}<" in html and f"c{render.MAX_ROWS}<" not in html
    assert "… and 3 more rows, not shown here" in html
    assert text.splitlines()[-1].startswith("… and 3 more rows")
    assert "more row" not in render.table_text(["NAMES"], rows[:render.MAX_ROWS])
