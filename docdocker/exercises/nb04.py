"""Exercises of 04-data-and-networks: data in a named volume, two containers that talk by name."""

from __future__ import annotations

from typing import Any

from docdocker.base import errors
from docdocker.concepts.containers import Exec
from docdocker.exercises import state
from docdocker.exercises.base import (
    INSIDE_SECONDS,
    Context,
    Exercise,
    Named,
    Result,
    Status,
    definition,
)
from docdocker.exercises.predict import Question

NOTEBOOK = "04-data-and-networks"


def _image_repository(attrs: dict[str, Any]) -> str:
    image = str((attrs.get("Config") or {}).get("Image") or "")
    return image.rsplit("/", 1)[-1].split(":", 1)[0].split("@", 1)[0]


def _mount_at(attrs: dict[str, Any], path: str) -> dict[str, Any] | None:
    for mount in attrs.get("Mounts") or []:
        if mount.get("Destination") == path:
            return dict(mount)
    return None


@definition
def redis_volume(name: str = "my-redis", volume: str = "my-data") -> Exercise:
    """Run Redis with its data in a named volume, so the data outlives the container."""
    again = (f"A container's mounts are fixed when it is created: remove it (`docker rm "
             f"--force --volumes {name}`; your volume {volume} stays) and run it again with "
             f"`-v {volume}:/data`.")

    def check(ctx: Context) -> Result:
        attrs = state.container(ctx.engine, name)
        if attrs is None:
            return Result(Status.NOT_YET, f"There is no container named {name} yet.")
        if _image_repository(attrs) != "redis":
            return Result(Status.NEAR_MISS,
                          f"{name} runs {(attrs.get('Config') or {}).get('Image')}, not redis.",
                          hint=f"Remove it (`docker rm --force {name}`) and run `redis:7`.")
        at_data = _mount_at(attrs, "/data")
        named = [m for m in attrs.get("Mounts") or [] if m.get("Name") == volume]
        elsewhere = [m for m in named if m.get("Destination") != "/data"]
        if elsewhere and (at_data is None or at_data.get("Name") != volume):
            # The image's VOLUME then gave /data an anonymous volume of its own.
            where = elsewhere[0].get("Destination")
            return Result(Status.NEAR_MISS,
                          f"{volume} is mounted at {where}, but Redis writes its data to "
                          "/data.", hint=again)
        if at_data is None:
            return Result(Status.NEAR_MISS, f"{name} has nothing mounted at /data.", hint=again)
        if at_data.get("Type") == "bind":
            return Result(Status.NEAR_MISS,
                          f"/data in {name} is the host folder {at_data.get('Source')} (a bind "
                          f"mount), not the volume {volume}.", hint=again)
        if at_data.get("Name") != volume:
            mounted = str(at_data.get("Name") or "")
            anonymous = len(mounted) == 64
            what = (f"an anonymous volume ({mounted[:12]}…), which the image's `VOLUME /data` "
                    "made because no volume was named" if anonymous
                    else f"the volume {mounted}")
            return Result(Status.NEAR_MISS, f"/data in {name} is {what}, not {volume}.",
                          hint=again)
        current = state.status(attrs)
        if current != "running":
            return Result(Status.NEAR_MISS,
                          f"{name} keeps its data in {volume}, but it has {current}.",
                          hint=f"Start it again: `docker start {name}`.")
        return Result(Status.DONE, f"{name} runs Redis with /data in the volume {volume}: "
                                   "remove the container, and the data is still there.")

    return Exercise(
        id="04-redis-volume", notebook=NOTEBOOK,
        title=f"Redis {name} keeps its data in {volume}",
        task=(f"Start a `redis:7` container named `{name}`, in the background, whose data "
              f"directory `/data` is the named volume `{volume}`."),
        check_fn=check,
        hints=("Redis writes its data to /data; `-v VOLUME:/data` mounts a named volume there.",
               "`docker run` creates the named volume if it does not exist yet (or create it "
               f"first: `docker volume create {volume}`).",
               f"Type `docker run -d --name {name} -v {volume}:/data redis:7`."),
        solution=(f"docker volume create {volume}",
                  f"docker run -d --name {name} -v {volume}:/data redis:7"),
        # The volume is not listed: it holds the learner's data, and the tutorial never
        # offers to remove a volume it did not create.
        objects=(Named("container", name),),
    )


@definition
def reach_by_name(network: str = "my-net", server: str = "my-server",
                  client: str = "my-client") -> Exercise:
    """Two containers on a network of the learner's: one reaches the other by its name."""
    fetch = f"wget -q -O - http://{server}/"
    # What the check runs: the learner's command under `timeout` where the client has it
    # (busybox and coreutils do), so that a server that accepts and never answers ends the
    # wget inside the container too, not only the check.
    bounded_fetch = ("sh", "-c", f"if command -v timeout >/dev/null; then exec timeout "
                                 f"{INSIDE_SECONDS} {fetch}; else exec {fetch}; fi")

    def check(ctx: Context) -> Result:
        missing = [n for n in (server, client) if state.container(ctx.engine, n) is None]
        if missing:
            return Result(Status.NOT_YET, f"There is no container named {' or '.join(missing)} "
                                          "yet.")
        server_attrs = state.container(ctx.engine, server) or {}
        client_attrs = state.container(ctx.engine, client) or {}
        for name, attrs in ((server, server_attrs), (client, client_attrs)):
            if state.status(attrs) != "running":
                return Result(Status.NEAR_MISS, f"{name} has {state.status(attrs)}.",
                              hint=f"Read why with `docker logs {name}`; a busybox client "
                                   "needs a command that keeps running, such as `sleep 3600`.")
        for name, attrs in ((server, server_attrs), (client, client_attrs)):
            networks = ((attrs.get("NetworkSettings") or {}).get("Networks") or {})
            if network not in networks:
                on = ", ".join(sorted(networks)) or "no network"
                extra = (" On the default bridge, containers cannot find each other by name."
                         if "bridge" in networks else "")
                return Result(Status.NEAR_MISS, f"{name} is on {on}, not on {network}.{extra}",
                              hint=f"Attach it: `docker network connect {network} {name}`.")
        try:
            page = ctx.engine.query(Exec(container=client, cmd=bounded_fetch),
                                    within=INSIDE_SECONDS + 5).output
        except errors.EngineUnavailable:
            return Result(Status.NEAR_MISS,
                          f"Both are on {network}, but {server} did not answer {client} within "
                          f"{INSIDE_SECONDS} s (`{fetch}` inside {client} waited).",
                          hint=f"Is {server} a web server that answers on port 80 (`nginx`)? "
                               f"`docker logs {server}` shows what it does.")
        except errors.StepFailed as err:
            if err.exit_code in (124, 143):  # `timeout` ended it: TERM, or 124 from coreutils
                return Result(Status.NEAR_MISS,
                              f"Both are on {network}, but {server} did not answer `{fetch}` "
                              f"inside {client} within {INSIDE_SECONDS} s.",
                              hint=f"Is {server} a web server that answers on port 80 "
                                   f"(`nginx`)? `docker logs {server}` shows what it does.")
            said = (err.stderr or err.message).strip().splitlines()
            return Result(Status.NEAR_MISS,
                          f"Both are on {network}, but `{fetch}` inside {client} failed: "
                          f"{said[-1].rstrip('.') if said else 'no answer'}.",
                          hint=f"Is {server} a web server on port 80 (`nginx`)? Is {client} a "
                               "`busybox`, which has `wget`?")
        if "welcome to nginx" not in page.lower():
            return Result(Status.NEAR_MISS, f"{server} answered {client}, but not with nginx's "
                                            "page.", hint=f"Run `nginx` as {server}.")
        return Result(Status.DONE, f"{client} fetched http://{server}/ by name over {network}: "
                                   "Docker's DNS on your network answers container names.")

    return Exercise(
        id="04-reach-by-name", notebook=NOTEBOOK,
        title=f"{client} reaches {server} by name on {network}",
        task=(f"Create a network `{network}`. On it, start `nginx` named `{server}` and "
              f"`busybox` named `{client}` (running `sleep 3600`), both in the background, so "
              f"that `docker exec {client} wget -q -O - http://{server}/` shows nginx's page. "
              f"No `-p`: traffic between containers needs none."),
        check_fn=check,
        hints=("`docker network create NAME` makes a network on which container names resolve.",
               "`--network NAME` on `docker run` starts a container on it; "
               "`docker network connect NAME CONTAINER` attaches a running one.",
               f"`docker network create {network}`, then `docker run -d --name {server} "
               f"--network {network} nginx` and `docker run -d --name {client} --network "
               f"{network} busybox sleep 3600`."),
        solution=(f"docker network create {network}",
                  f"docker run -d --name {server} --network {network} nginx",
                  f"docker run -d --name {client} --network {network} busybox sleep 3600",
                  f"docker exec {client} wget -q -O - http://{server}/"),
        objects=(Named("container", client), Named("container", server),
                 Named("network", network)),
    )


def exercises() -> list[Exercise]:
    """The exercises of 04-data-and-networks."""
    return [redis_volume(), reach_by_name()]


def questions() -> list[Question]:
    """The “predict, then run” questions of 04-data-and-networks (none yet)."""
    return []
