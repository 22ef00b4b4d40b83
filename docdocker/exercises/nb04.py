"""Exercises of 04-compose: bring the whole app up as one Compose project."""

from __future__ import annotations

from docdocker.containers import Ps
from docdocker.exercises import state
from docdocker.exercises.base import Context, Exercise, Named, Result, Status, definition

NOTEBOOK = "04-compose"
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
        if down:
            shown = ", ".join(f"{s} ({c.get('Status')})" for s, c in down.items())
            first = next(iter(down))
            return Result(Status.NEAR_MISS, f"In project {project}, not running: {shown}.",
                          hint=f"Read why: `docker compose -p {project} -f {file} logs {first}`; "
                               f"then `docker compose -p {project} -f {file} up -d` again.")
        names = ", ".join(state.name_of(by_service[s]) for s in services)
        return Result(Status.DONE, f"Project {project} is up: {names} running.")

    return Exercise(
        id="04-compose-up", notebook=NOTEBOOK, title=f"Bring the app up as project {project}",
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


def exercises() -> list[Exercise]:
    """The exercises of 04-compose."""
    return [compose_up()]
