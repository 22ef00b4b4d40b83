"""Exercises of 05-compose: bring the whole app up as one Compose project."""

from __future__ import annotations

from docdocker.concepts.containers import Ps
from docdocker.concepts.inspect import ContainerInspect
from docdocker.concepts.volumes import VolumeLs
from docdocker.exercises import state
from docdocker.exercises.base import Context, Exercise, Named, Result, Status, definition
from docdocker.exercises.predict import Question

NOTEBOOK = "05-compose"
PROJECT_LABEL = "com.docker.compose.project"
SERVICE_LABEL = "com.docker.compose.service"


@definition
def compose_up(project: str = "my-app", file: str = "apps/friendlyhello/compose.yaml",
               services: tuple[str, ...] = ("redis", "web")) -> Exercise:
    """Start every service of the app's compose file as the project the task names."""

    def check(ctx: Context) -> Result:
        listed = ctx.engine.query(
            Ps(all=True, filters={"label": f"{PROJECT_LABEL}={project}"})).value or []
        by_service = {(c.get("Labels") or {}).get(SERVICE_LABEL, ""): c for c in listed}
        if not by_service:
            return Result(Status.NOT_YET, f"No container belongs to a Compose project named "
                                          f"{project} yet.")
        missing = [s for s in services if s not in by_service]
        if missing:
            return Result(Status.NEAR_MISS,
                          f"Project {project} has no {', '.join(missing)} container.",
                          hint=f"Start the whole file: `docker compose -p {project} -f {file} "
                               "up -d`.")
        down = {s: by_service[s] for s in services if by_service[s].get("State") != "running"}
        for service, entry in down.items():
            held = _port_held(ctx, entry, project)
            if held is not None:
                port, holder = held
                other = (holder.get("Labels") or {}).get(PROJECT_LABEL)
                free = (f"`docker compose -p {other} down` (in its folder) frees it" if other
                        else f"`docker stop {state.name_of(holder)}` frees it")
                return Result(
                    Status.NEAR_MISS,
                    f"In project {project}, {service} could not start: host port {port} is "
                    f"held by container {state.name_of(holder)}"
                    + (f" of another Compose project, {other}" if other else "") + ".",
                    hint=f"{free}; then `docker compose -p {project} -f {file} up -d` again.")
        if down:
            shown = ", ".join(f"{s} ({c.get('Status')})" for s, c in down.items())
            first = next(iter(down))
            return Result(Status.NEAR_MISS, f"In project {project}, not running: {shown}.",
                          hint=f"Read why: `docker compose -p {project} -f {file} logs {first}`; "
                               f"then `docker compose -p {project} -f {file} up -d` again.")
        names = ", ".join(state.name_of(by_service[s]) for s in services)
        return Result(Status.DONE, f"Project {project} is up: {names} running.")

    return Exercise(
        id="05-compose-up", notebook=NOTEBOOK, title=f"Bring the app up as project {project}",
        task=(f"From a terminal in the `notebooks` folder, start every service of `{file}` in "
              f"the background, as a Compose project named `{project}`."),
        check_fn=check,
        hints=("`docker compose up` starts every service of a compose file; `-d` returns at "
               "once.",
               "`-f FILE` names the compose file; `-p NAME` names the project (by default, "
               "the folder's name).",
               f"Type `docker compose -p {project} -f {file} up -d`."),
        solution=(f"docker compose -p {project} -f {file} up -d",),
        objects=(Named("compose project", project),),
    )


def _port_held(ctx: Context, entry: dict, project: str) -> tuple[int, dict] | None:
    """The host port a stopped service container wants and the running container holding it.

    A service that never started has empty logs: what stops it is another container
    (often the first try, as another project) publishing the same host port.
    """
    attrs = ctx.engine.query(ContainerInspect(container=str(entry.get("Id")))).value or {}
    bindings = (attrs.get("HostConfig") or {}).get("PortBindings") or {}
    for wanted in bindings.values():
        for binding in wanted or []:
            if not str(binding.get("HostPort") or "").isdigit():
                continue
            port = int(binding["HostPort"])
            for holder in state.publishing(ctx.engine, port):
                if (holder.get("Labels") or {}).get(PROJECT_LABEL) != project:
                    return port, holder
    return None


@definition
def compose_down_keep_data(project: str = "my-app",
                           file: str = "apps/friendlyhello/compose.yaml",
                           volume: str = "redis-data") -> Exercise:
    """Take the project down and keep Redis's data (``down`` without ``-v``)."""
    kept = f"{project}_{volume}"
    first = compose_up(project=project, file=file).id

    def check(ctx: Context) -> Result:
        label = {"label": f"{PROJECT_LABEL}={project}"}
        listed = ctx.engine.query(Ps(all=True, filters=label)).value or []
        volumes = ctx.engine.query(VolumeLs(filters=label)).value or []
        if listed:
            names = ", ".join(sorted(state.name_of(c) for c in listed))
            return Result(Status.NOT_YET, f"Project {project} still has containers: {names}.")
        if any(v.get("Name") == kept for v in volumes):
            return Result(Status.DONE, f"Project {project} is down; its volume {kept} is "
                                       "kept, so the counter survives the next `up`.")
        if ctx.done_before(first):
            return Result(Status.NEAR_MISS,
                          f"Project {project} is down, but its volume {kept} is gone too: "
                          "`-v` deleted Redis's data, and the counter starts again from 1.",
                          hint=f"Bring it up again (`docker compose -p {project} -f {file} "
                               f"up -d`), then take it down without `-v`.")
        return Result(Status.NOT_YET, f"No Compose project named {project} exists: start it "
                                      "first (the exercise above).")

    return Exercise(
        id="05-compose-down-keep-data", notebook=NOTEBOOK,
        title=f"Take {project} down, keep its data",
        task=(f"Stop and remove the containers and network of project `{project}`, but keep "
              f"its volume `{kept}` (the visit counter)."),
        check_fn=check,
        hints=("`docker compose down` removes the containers and the network of a project.",
               "`-v` (`--volumes`) would also delete the named volumes: leave it out.",
               f"Type `docker compose -p {project} -f {file} down`."),
        solution=(f"docker compose -p {project} -f {file} down",),
        objects=(Named("compose project", project),),
        requires=first,
    )


def exercises() -> list[Exercise]:
    """The exercises of 05-compose."""
    return [compose_up(), compose_down_keep_data()]


def questions() -> list[Question]:
    """The “predict, then run” questions of 05-compose (none yet)."""
    return []
