"""Entrypoint of the tutorial image: join the socket's group, seed the work volume, run.

It starts as root for one reason: the group that owns the mounted Docker socket
differs from machine to machine (``docker`` on Linux, often a number with no name
inside the container), so only at start can the ``learner`` user be given it. Then
it drops to ``learner`` for good and runs the command (JupyterLab by default).

Equivalent CLI: ``docker run --network host -v /var/run/docker.sock:/var/run/docker.sock
-v docdocker-work:/home/learner/work docdocker``
"""

from __future__ import annotations

import grp
import hashlib
import json
import os
import pwd
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

USER = "learner"
#: The notebooks as the image ships them.
SEED = Path("/opt/docdocker/notebooks")
#: The learner's work: the named volume.
WORK = Path("/home/learner/work")
#: Which file of WORK came from which version of SEED (relative path -> sha256).
MANIFEST = ".docdocker-seeded.json"
#: What this entrypoint found about the network, for doctor and ``dd.web.fetch``.
NETWORK_FILE = Path("/opt/docdocker/network.json")
#: Docker Desktop's name for the host, from inside a container.
DESKTOP_HOST = "host.docker.internal"


def socket_path() -> Path:
    """The Docker socket this container talks to: ``DOCKER_HOST`` when it is a unix one."""
    host = os.environ.get("DOCKER_HOST", "")
    if host.startswith("unix://"):
        return Path(host[len("unix://"):])
    return Path("/var/run/docker.sock")


def own_container_id(mountinfo: str) -> str | None:
    """This container's ID, read from the bind mount Docker makes for /etc/hostname."""
    for line in mountinfo.splitlines():
        found = re.search(r"/containers/([0-9a-f]{64})/hostname ", line)
        if found:
            return found.group(1)
    return None


def network_mode() -> tuple[str, bool]:
    """This container's network and whether the engine is Docker Desktop's.

    The network is ``host``, the network's name (``bridge``, ...), or ``unknown`` when
    it cannot tell. Asks the engine about this very container, because nothing
    inside a container says reliably whether its network namespace is the host's.

    Equivalent CLI: ``docker inspect --format '{{.HostConfig.NetworkMode}}' CONTAINER``
    and ``docker info --format '{{.OperatingSystem}}'``
    """
    try:
        container = own_container_id(Path("/proc/self/mountinfo").read_text())
        if container is None or not socket_path().exists():
            return "unknown", False
        import docker  # the image's own SDK; imported late so the tests need no engine

        client = docker.DockerClient(base_url=f"unix://{socket_path()}", timeout=5)
        try:
            mode = client.api.inspect_container(container)["HostConfig"]["NetworkMode"]
            desktop = "Docker Desktop" in str(client.info().get("OperatingSystem", ""))
        finally:
            client.close()
        return ("host" if mode == "host" else str(mode or "unknown")), desktop
    except Exception:  # any failure means "cannot tell"; the safe defaults follow from it
        return "unknown", False


def host_loopback(mode: str, desktop: bool) -> str | None:
    """The address that reaches the host's 127.0.0.1 from here (None: 127.0.0.1 itself).

    With ``--network host`` the container shares the host's loopback. Otherwise
    only Docker Desktop routes its ``host.docker.internal`` to the host's own
    services; on Linux that name (with ``--add-host ...:host-gateway``) is the
    bridge's gateway, where ports published on 127.0.0.1 do not answer, so it
    is not used there.
    """
    if mode == "host" or not desktop:
        return None
    try:
        socket.getaddrinfo(DESKTOP_HOST, None)
    except OSError:
        return None
    return DESKTOP_HOST


def listen_address(mode: str) -> str:
    """Where JupyterLab listens inside the container.

    In the host's network namespace it must be 127.0.0.1 (that is the host's
    loopback: only this machine). In a network of its own the container must listen
    on all of *its* interfaces so that ``-p 127.0.0.1:8888:8888`` can reach it; the
    publishing keeps it to the host's 127.0.0.1. When unsure, 127.0.0.1.
    """
    return "127.0.0.1" if mode in ("host", "unknown") else "0.0.0.0"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def seed(source: Path, work: Path) -> list[str]:
    """Copy the image's notebooks into ``work``, never over a file the learner changed.

    A file is copied when it is missing, or when it is still exactly the version an
    earlier image put there (so a newer image updates the notebooks nobody edited).
    A file the learner changed is kept as it is. Returns one line per kept file.

    Equivalent CLI: ``cp -rn /opt/docdocker/notebooks/. /home/learner/work/`` (plus the
    update of untouched files, which ``cp`` cannot tell apart)
    """
    manifest_path = work / MANIFEST
    try:
        seeded: dict[str, str] = json.loads(manifest_path.read_text())
    except (OSError, ValueError):
        seeded = {}
    kept = []
    for path in sorted(p for p in source.rglob("*") if p.is_file()):
        rel = path.relative_to(source).as_posix()
        target = work / rel
        new = _digest(path)
        if target.exists():
            current = _digest(target)
            if current == new:
                seeded[rel] = new
                continue
            if seeded.get(rel) != current:
                kept.append(f"Kept your {rel}; this image's version is {path}")
                continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        seeded[rel] = new
    manifest_path.write_text(json.dumps(seeded, indent=1, sort_keys=True))
    return kept


def _join_group(gid: int) -> None:
    """Record ``learner`` in group ``gid`` in /etc/group too.

    ``setgroups`` below covers the server and everything it starts; the entry in
    /etc/group covers ``docker exec -u learner ...`` as well, which looks groups up there.
    """
    try:
        name = grp.getgrgid(gid).gr_name
    except KeyError:
        name = "docker-host"
        subprocess.run(["groupadd", "--gid", str(gid), name], check=False)
    subprocess.run(["usermod", "--append", "--groups", name, USER], check=False)


def become_learner(sock: Path) -> None:
    """Drop root for good: run as ``learner``, in the group that owns ``sock``."""
    user = pwd.getpwnam(USER)
    groups = [user.pw_gid]
    if sock.exists():
        # Whatever the group's number (0 on some Docker Desktop versions), membership
        # gives what `docker` group membership gives on Linux: the socket, nothing else
        # of root's.
        groups.append(sock.stat().st_gid)
    if sock.exists():
        _join_group(sock.stat().st_gid)
    os.setgroups(sorted(set(groups)))
    os.setgid(user.pw_gid)
    os.setuid(user.pw_uid)
    os.environ.update(HOME=user.pw_dir, USER=USER, LOGNAME=USER)


def main(argv: list[str]) -> int:
    sock = socket_path()
    if os.getuid() == 0:
        mode, desktop = network_mode()
        found = {"network": mode, "host_loopback": host_loopback(mode, desktop),
                 "socket": str(sock) if sock.exists() else None}
        NETWORK_FILE.write_text(json.dumps(found))
        os.environ.setdefault("DOCDOCKER_LISTEN", listen_address(mode))
        become_learner(sock)
    if not sock.exists():
        print(f"No Docker socket at {sock}: the notebooks will read along (recorded "
              "outputs). To run them live, start the container with "
              f"-v /var/run/docker.sock:{sock}", file=sys.stderr)
    elif not os.access(sock, os.R_OK | os.W_OK):
        print(f"{sock} is mounted but {USER} may not use it (owner {sock.stat().st_uid}, "
              f"group {sock.stat().st_gid}). Run `docdocker doctor` in a JupyterLab "
              "terminal for the fix.", file=sys.stderr)
    if WORK.is_dir() and os.access(WORK, os.W_OK):
        for line in seed(SEED, WORK):
            print(line, file=sys.stderr)
    else:
        print(f"{WORK} is not writable by {USER}: your work would not be kept. Mount a "
              f"named volume there: -v docdocker-work:{WORK}", file=sys.stderr)
    command = argv or ["jupyter", "lab"]
    os.execvp(command[0], command)
    return 1  # not reached: exec replaces this process


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
