"""Exercises of 00-start-here: run a container yourself, give it a command, remove it."""

from __future__ import annotations

from docdocker.exercises import state
from docdocker.exercises.base import Context, Exercise, Named, Result, Status, definition
from docdocker.exercises.predict import Question

NOTEBOOK = "00-start-here"


def _not_started(name: str, attrs: dict[str, object]) -> Result | None:
    """The near miss shared by every "run" task: created (``docker create``) but never started."""
    if state.status(attrs) == "created":
        return Result(Status.NEAR_MISS, f"{name} was created but never started.",
                      hint=f"Start it: `docker start --attach {name}` (`docker run` is "
                           "create + start in one command).")
    return None


@definition
def first_run(name: str = "my-hello") -> Exercise:
    """Run ``hello-world`` in a container with a name of your choosing."""

    def check(ctx: Context) -> Result:
        attrs = state.container(ctx.engine, name)
        if attrs is None:
            return Result(Status.NOT_YET, f"There is no container named {name} yet.")
        if not state.runs_image(ctx.engine, attrs, "hello-world"):
            shown = (attrs.get("Config") or {}).get("Image", "another image")
            return Result(Status.NEAR_MISS,
                          f"{name} exists, but it was created from {shown}, not hello-world.",
                          hint=f"Names are unique: remove it (`docker rm --force {name}`), then "
                               f"`docker run --name {name} hello-world`.")
        if (missed := _not_started(name, attrs)) is not None:
            return missed
        if state.status(attrs) != "exited":
            return Result(Status.NOT_YET, f"{name} is still {state.status(attrs)}; "
                                          "check again in a moment.")
        code = state.exit_code(attrs)
        if code != 0:
            return Result(Status.NEAR_MISS, f"{name} exited with code {code}, not 0.",
                          hint=f"Read what it printed: `docker logs {name}`.")
        return Result(Status.DONE, f"{name} ran hello-world and exited with code 0. "
                                   f"`docker ps --all` lists it as Exited (0).")

    return Exercise(
        id="00-first-run", notebook=NOTEBOOK, title=f"Run hello-world as {name}",
        task=(f"Run the `hello-world` image yourself, in a terminal, in a container named "
              f"`{name}`. Then press **Check**."),
        check_fn=check,
        hints=("`docker run IMAGE` creates and starts a container from an image.",
               "The option that names a container is `--name`; options go before the image.",
               f"Type `docker run --name {name} hello-world`."),
        solution=(f"docker run --name {name} hello-world",),
        objects=(Named("container", name),),
    )


@definition
def own_command(name: str = "my-kernel") -> Exercise:
    """Give a container a command: ``busybox uname -r`` prints the shared kernel."""

    def check(ctx: Context) -> Result:
        attrs = state.container(ctx.engine, name)
        if attrs is None:
            return Result(Status.NOT_YET, f"There is no container named {name} yet.")
        again = f"Remove it (`docker rm --force {name}`) and run again: names are unique."
        if not state.runs_image(ctx.engine, attrs, "busybox"):
            shown = (attrs.get("Config") or {}).get("Image", "another image")
            return Result(Status.NEAR_MISS,
                          f"{name} was created from {shown}, not busybox.",
                          hint=f"{again} busybox has `uname`; many images have no shell tools.")
        if (missed := _not_started(name, attrs)) is not None:
            return missed
        words = state.command(attrs)
        if state.status(attrs) != "exited":
            return Result(Status.NEAR_MISS,
                          f"{name} is still running `{' '.join(words)}`; `uname -r` would "
                          "have printed one line and exited.",
                          hint=f"{again} Put `uname -r` after the image name.")
        if words == ["sh"]:
            return Result(Status.NEAR_MISS,
                          f"{name} ran busybox's default command, `sh`, which found no input "
                          "and exited without printing anything.",
                          hint=f"{again} The command to run goes after the image name: "
                               f"`docker run --name {name} busybox uname -r`.")
        printed = state.logs(ctx.engine, name).strip()
        kernel = state.kernel(ctx.engine)
        if printed != kernel:
            first = printed.splitlines()[0] if printed else "nothing"
            return Result(Status.NEAR_MISS,
                          f"{name} ran `{' '.join(words)}` and printed {first!r}, not the "
                          f"kernel version ({kernel}).",
                          hint=f"{again} `uname -r` prints the kernel's release.")
        return Result(Status.DONE,
                      f"{name} printed {kernel}: the kernel of the machine Docker runs on, "
                      "which every container shares.")

    return Exercise(
        id="00-own-command", notebook=NOTEBOOK, title=f"Print the kernel from {name}",
        task=(f"Run a `busybox` container named `{name}` whose command is `uname -r` (it "
              "prints the kernel version). Compare it with the two kernels shown in "
              "*Containers are not virtual machines* above."),
        check_fn=check,
        hints=("Words after the image name replace the image's default command.",
               "The shape is `docker run --name NAME IMAGE COMMAND ARGS...`.",
               f"Type `docker run --name {name} busybox uname -r`."),
        solution=(f"docker run --name {name} busybox uname -r",),
        objects=(Named("container", name),),
    )


@definition
def remove(name: str = "my-hello") -> Exercise:
    """Remove the stopped container made in the first exercise."""
    first = "00-first-run"

    def check(ctx: Context) -> Result:
        attrs = state.container(ctx.engine, name)
        if attrs is not None:
            return Result(Status.NOT_YET,
                          f"{name} still exists ({state.status(attrs)}).")
        if not ctx.done_before(first):
            return Result(Status.NOT_YET,
                          f"There is no {name} to remove yet: do “Run hello-world as "
                          f"{name}” first (and press its Check).")
        return Result(Status.DONE, f"{name} is gone: `docker ps --all` no longer lists it. "
                                   "The hello-world image is still here for the next run.")

    return Exercise(
        id="00-remove", notebook=NOTEBOOK, title=f"Remove {name}",
        task=(f"`{name}` has exited, but a stopped container stays on disk until you remove "
              f"it. Remove the container `{name}`, then check that `docker ps --all` no longer "
              "lists it."),
        check_fn=check,
        hints=("The verb is short for *remove*.",
               "`docker rm NAME` removes a stopped container.",
               f"Type `docker rm {name}`."),
        solution=(f"docker rm {name}",),
        objects=(Named("container", name),),
        requires=first,
    )


def exercises() -> list[Exercise]:
    """The exercises of 00-start-here, in the notebook's order."""
    return [first_run(), own_command(), remove()]


def questions() -> list[Question]:
    """The “predict, then run” questions of 00-start-here."""
    return [Question(
        id="00-second-run",
        question="You run `docker run hello-world` a second time. What does Docker do?",
        choices=("downloads the image again", "reuses the image, makes a new container",
                 "starts the first container again"),
        answer="reuses the image, makes a new container",
        why="An image is downloaded once and kept; every `docker run` creates a new "
            "container from it. Restarting the old one is `docker start`.")]
