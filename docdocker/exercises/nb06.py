"""Exercises of 06-better-images: a small image that runs as a user, a healthy container."""

from __future__ import annotations

from docdocker.exercises import state
from docdocker.exercises.base import Context, Exercise, Named, Result, Status, definition
from docdocker.exercises.predict import Question

NOTEBOOK = "06-better-images"
DOCKERFILE = "apps/friendlyhello-better/Dockerfile"
CONTEXT = "apps/friendlyhello"
def runs_as_root(user: str) -> bool:
    """True when an image's ``USER`` still means root: none, ``root`` or UID 0, whatever
    group follows the colon (``USER 0:10001`` is root in group 10001)."""
    name = user.split(":", 1)[0].strip()
    return name in ("", "root") or (name.isdigit() and int(name) == 0)


def _mb(size: object) -> str:
    return f"{int(size or 0) / 1e6:.1f} MB"  # type: ignore[call-overload]


@definition
def small_non_root(tag: str = "my-small-app:1.0",
                   than: str = "better-hello:naive") -> Exercise:
    """An image whose configuration runs a user other than root, smaller than ``than``."""
    build = f"docker build -t {tag} -f {DOCKERFILE} {CONTEXT}"

    def check(ctx: Context) -> Result:
        attrs = state.image(ctx.engine, tag)
        if attrs is None:
            return Result(Status.NOT_YET, f"There is no image tagged {tag} yet.")
        user = str((attrs.get("Config") or {}).get("User") or "")
        if runs_as_root(user):
            return Result(Status.NEAR_MISS,
                          f"{tag} runs as root: its configuration has "
                          + (f"USER {user}." if user else "no USER."),
                          hint="Create a user (`RUN useradd --uid 10001 app`) and switch to "
                               f"it with `USER app` near the end of the Dockerfile; {DOCKERFILE} "
                               "does both.")
        reference = state.image(ctx.engine, than)
        if reference is None:
            return Result(Status.NOT_YET,
                          f"{tag} runs as user {user}. To compare sizes, {than} must exist: "
                          "build it in section 1 of the notebook.")
        if int(attrs.get("Size") or 0) >= int(reference.get("Size") or 0):
            return Result(Status.NEAR_MISS,
                          f"{tag} runs as user {user}, but it is {_mb(attrs.get('Size'))}, not "
                          f"smaller than {than} ({_mb(reference.get('Size'))}).",
                          hint="Leave the Git history and secrets out of the context "
                               "(`.dockerignore`) and copy only the builder stage's result.")
        return Result(Status.DONE,
                      f"{tag} runs as user {user} and is {_mb(attrs.get('Size'))}, "
                      f"{_mb(int(reference.get('Size') or 0) - int(attrs.get('Size') or 0))} "
                      f"smaller than {than}.")

    return Exercise(
        id="06-small-non-root", notebook=NOTEBOOK, title=f"A small image, {tag}, not root",
        task=(f"From a terminal in the `notebooks` folder, build an image `{tag}` whose "
              f"configuration runs a user other than root and that is smaller than `{than}`."),
        check_fn=check,
        hints=("`USER NAME` in a Dockerfile sets the user the container runs as; the user "
               "must exist (`RUN useradd ...`).",
               f"`{DOCKERFILE}` is a multi-stage Dockerfile with such a user; `-f` names it, "
               f"and `{CONTEXT}` is the folder it builds.",
               f"Type `{build}`."),
        solution=(build,),
        objects=(Named("image", tag),),
    )


@definition
def healthy(name: str = "my-healthy-app", image: str = "my-small-app:1.0") -> Exercise:
    """A container whose health check Docker reports as healthy."""
    run = f"docker run -d --name {name} {image}"

    def check(ctx: Context) -> Result:
        attrs = state.container(ctx.engine, name)
        if attrs is None:
            return Result(Status.NOT_YET, f"There is no container named {name} yet.")
        status = state.status(attrs)
        health = (attrs.get("State") or {}).get("Health") or {}
        test = ((attrs.get("Config") or {}).get("Healthcheck") or {}).get("Test") or []
        if not health and test[:1] == ["NONE"]:
            return Result(Status.NEAR_MISS,
                          f"{name} ({status}) was started with its health check turned off "
                          "(`--no-healthcheck`, or a HEALTHCHECK NONE), so Docker reports no "
                          "health for it.",
                          hint=f"Run it again without that flag: `docker rm -f {name}` then "
                               f"`{run}`.")
        if not health:
            return Result(Status.NEAR_MISS,
                          f"{name} ({status}) has no health check: its image defines no "
                          "HEALTHCHECK.",
                          hint=f"Run an image that has one, e.g. `docker rm -f {name}` then "
                               f"`{run}` (build {image} first: the exercise above).")
        if status != "running":
            return Result(Status.NEAR_MISS, f"{name} is {status}; a health check runs only "
                                            "while the container runs.",
                          hint=f"`docker start {name}`, or read why it stopped: "
                               f"`docker logs {name}`.")
        health_status = str(health.get("Status") or "")
        if health_status == "starting":
            return Result(Status.NOT_YET, f"{name} is running; its health is still "
                                          "`starting`: check again in a few seconds.")
        if health_status != "healthy":
            checks = health.get("Log") or []
            last = str(checks[-1].get("Output") or "").strip().splitlines()[-1:] if checks else []
            return Result(Status.NEAR_MISS,
                          f"{name} is {health_status}"
                          + (f"; its last check said: {last[0][:160]}" if last else "") + ".",
                          hint=f"The check asks the app for its page: is the app running its "
                               f"web server (`docker logs {name}`)? Run it with the image's own "
                               f"command: `docker rm -f {name}` then `{run}`.")
        return Result(Status.DONE, f"{name} is running and Docker reports it healthy.")

    return Exercise(
        id="06-healthy", notebook=NOTEBOOK, title=f"A healthy container, {name}",
        task=(f"From a terminal, run a container named `{name}` from an image with a health "
              f"check (`{image}` or `better-hello:final`) and wait until Docker reports it "
              "healthy."),
        check_fn=check,
        hints=("An image's `HEALTHCHECK` runs by itself in every container made from it.",
               "`docker ps` shows `(health: starting)`, then `(healthy)`, in STATUS.",
               f"Type `{run}`."),
        solution=(f"docker build -t {image} -f {DOCKERFILE} {CONTEXT}", run),
        objects=(Named("container", name),),
    )


def exercises() -> list[Exercise]:
    """The exercises of 06-better-images."""
    return [small_non_root(), healthy()]


def questions() -> list[Question]:
    """The “predict, then run” questions of 06-better-images (none yet)."""
    return []
