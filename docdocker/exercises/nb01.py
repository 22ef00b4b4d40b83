"""Exercises of 01-containers: publish a web server, stop it cleanly, remove it."""

from __future__ import annotations

from typing import Any

from docdocker.exercises import state
from docdocker.exercises.base import Context, Exercise, Named, Result, Status, definition
from docdocker.exercises.predict import Question

NOTEBOOK = "01-containers"


def _image_shown(attrs: dict[str, Any]) -> str:
    return str((attrs.get("Config") or {}).get("Image") or "another image")


def _nobody_named(ctx: Context, name: str, port: int) -> Result:
    """No container has the name: is the right server running under another one?"""
    for holder in state.publishing(ctx.engine, port):
        other = state.name_of(holder)
        attrs = state.container(ctx.engine, other)
        if attrs is not None and state.runs_image(ctx.engine, attrs, "nginx"):
            return Result(Status.NEAR_MISS,
                          f"An nginx container publishes port {port}, but it is called "
                          f"{other}, not {name}.",
                          hint=f"Rename it: `docker rename {other} {name}`.")
        return Result(Status.NEAR_MISS,
                      f"Port {port} is taken by the container {other} ({holder.get('Image')}), "
                      f"and there is no container named {name}.",
                      hint=f"Free the port first: `docker rm --force {other}`.")
    return Result(Status.NOT_YET, f"There is no container named {name} yet.")


@definition
def my_web(name: str = "my-web", port: int = 8090) -> Exercise:
    """Start nginx in the background, published on 127.0.0.1 only."""
    again = (f"Ports are fixed when a container is created: remove it "
             f"(`docker rm --force {name}`) and run it again with "
             f"`-p 127.0.0.1:{port}:80`.")

    def check(ctx: Context) -> Result:
        attrs = state.container(ctx.engine, name)
        if attrs is None:
            return _nobody_named(ctx, name, port)
        if not state.runs_image(ctx.engine, attrs, "nginx"):
            return Result(Status.NEAR_MISS,
                          f"{name} was created from {_image_shown(attrs)}, not nginx.",
                          hint=f"Remove it (`docker rm --force {name}`) and run the `nginx` "
                               "image under that name.")
        bound = [b for b in state.bindings(attrs) if b.protocol == "tcp"]
        if not bound:
            return Result(Status.NEAR_MISS, f"{name} publishes no port: nothing outside "
                                            "the container can reach nginx.", hint=again)
        on_port = [b for b in bound if b.host_port == port]
        if not on_port:
            shown = ", ".join(f"-p {b.spec}" for b in bound)
            return Result(Status.NEAR_MISS,
                          f"{name} is published with {shown}, not on host port {port}.",
                          hint=f"{again} Read `-p` as host:container; {port} comes first.")
        binding = on_port[0]
        if binding.container_port != 80:
            return Result(Status.NEAR_MISS,
                          f"Host port {port} goes to port {binding.container_port} in the "
                          "container, but nginx listens on port 80.",
                          hint=f"{again} The container port comes last.")
        if binding.everywhere:
            shown = binding.host_ip or "every interface (no address given)"
            return Result(Status.NEAR_MISS,
                          f"{name} is published on {shown}: 0.0.0.0 means every network "
                          "interface, so other machines can reach it, past your firewall.",
                          hint=again)
        if binding.host_ip != "127.0.0.1":
            return Result(Status.NEAR_MISS,
                          f"{name} is published on {binding.host_ip}, not 127.0.0.1.",
                          hint=again)
        current = state.status(attrs)
        if current == "created":
            return Result(Status.NEAR_MISS, f"{name} was created but never started "
                                            "(was the port taken at the time?).",
                          hint=f"Start it: `docker start {name}`.")
        if current != "running":
            return Result(Status.NEAR_MISS,
                          f"{name} is set up right but has {current} "
                          f"(exit code {state.exit_code(attrs)}).",
                          hint=f"Start it again: `docker start {name}` (it keeps its "
                               "name and ports).")
        url = f"http://127.0.0.1:{port}"
        answer = state.answers(url)
        if answer is None:
            return Result(Status.NOT_YET, f"{name} is running, but nothing answers at {url} "
                                          "yet; check again in a moment.")
        return Result(Status.DONE, f"{name} is running nginx and answers at {url} "
                                   f"(HTTP {answer}), on this machine only.")

    return Exercise(
        id="01-my-web", notebook=NOTEBOOK, title=f"Serve nginx as {name} on 127.0.0.1:{port}",
        task=(f"In a terminal (or a cell), start an `nginx` container named `{name}`, in the "
              f"background, that answers on `http://127.0.0.1:{port}` and on no other "
              "network interface."),
        check_fn=check,
        hints=("Three options: `-d` (background), `--name`, and `-p` to publish a port.",
               "`-p` reads host-address:host-port:container-port; nginx listens on port 80.",
               f"`-p 127.0.0.1:{port}:80` publishes port 80 on this machine only."),
        solution=(f"docker run -d --name {name} -p 127.0.0.1:{port}:80 nginx",),
        objects=(Named("container", name),),
    )


@definition
def clean_stop(name: str = "my-quitter") -> Exercise:
    """Stop a container so that it exits cleanly (0), not killed (137)."""

    def check(ctx: Context) -> Result:
        attrs = state.container(ctx.engine, name)
        if attrs is None:
            return Result(Status.NOT_YET, f"There is no container named {name} yet.")
        if not state.runs_image(ctx.engine, attrs, "nginx"):
            return Result(Status.NEAR_MISS,
                          f"{name} was created from {_image_shown(attrs)}, not nginx.",
                          hint=f"Remove it (`docker rm --force {name}`) and start `nginx` "
                               "under that name, in the background.")
        current = state.status(attrs)
        if current == "created":
            return Result(Status.NEAR_MISS, f"{name} was created but never started.",
                          hint=f"Start it: `docker start {name}`, then stop it.")
        if current == "running":
            return Result(Status.NOT_YET, f"{name} is running: now stop it.")
        code = state.exit_code(attrs)
        if code == 137:
            return Result(Status.NEAR_MISS,
                          f"{name} ended with exit code 137 = 128 + 9: it was killed with "
                          "SIGKILL (by `docker kill`, or by `docker stop` after its grace "
                          "period), so nginx could not finish cleanly.",
                          hint=f"Start it again (`docker start {name}`) and stop it with "
                               f"`docker stop {name}`: nginx then exits with code 0.")
        if code != 0:
            return Result(Status.NEAR_MISS, f"{name} exited with code {code}, not 0.",
                          hint=f"Read why: `docker logs {name}`; then `docker start {name}` "
                               f"and `docker stop {name}`.")
        return Result(Status.DONE, f"{name} exited with code 0: `docker stop` sent nginx its "
                                   "stop signal and nginx shut down cleanly.")

    return Exercise(
        id="01-clean-stop", notebook=NOTEBOOK, title=f"Stop {name} cleanly (exit code 0)",
        task=(f"Start an `nginx` container named `{name}` in the background, then end it so "
              "that it exits **cleanly**, with exit code 0 (`docker ps --all` shows "
              "*Exited (0)*), not 137."),
        check_fn=check,
        hints=("Of `docker stop` and `docker kill`, one lets the program shut down by itself.",
               "`docker stop` sends the image's stop signal first (SIGQUIT for nginx); "
               "`docker kill` sends SIGKILL, which ends with 137.",
               f"`docker run -d --name {name} nginx`, then `docker stop {name}`."),
        solution=(f"docker run -d --name {name} nginx", f"docker stop {name}"),
        objects=(Named("container", name),),
    )


@definition
def remove_running(name: str = "my-web") -> Exercise:
    """Remove the running web server in one command."""
    first = "01-my-web"

    def check(ctx: Context) -> Result:
        attrs = state.container(ctx.engine, name)
        if attrs is not None and state.status(attrs) == "running":
            return Result(Status.NOT_YET, f"{name} is still running.")
        if attrs is not None:
            return Result(Status.NEAR_MISS,
                          f"{name} is stopped ({state.status(attrs)}) but still exists: "
                          "a stopped container keeps its name, its logs and its files.",
                          hint=f"Remove it: `docker rm {name}`. Next time, "
                               f"`docker rm --force {name}` does both at once.")
        if not ctx.done_before(first):
            return Result(Status.NOT_YET, f"There is no {name} to remove yet: do “Serve nginx "
                                          f"as {name}” first (and press its Check).")
        return Result(Status.DONE, f"{name} is gone, and the port it published is free again.")

    return Exercise(
        id="01-remove-running", notebook=NOTEBOOK, title=f"Remove the running {name}",
        task=(f"`{name}` is running. Remove it with **one** command, without stopping it "
              "first."),
        check_fn=check,
        hints=("`docker rm` refuses a running container unless you insist.",
               "The option that insists is `--force` (`-f`): it kills, then removes.",
               f"Type `docker rm --force {name}`."),
        solution=(f"docker rm --force {name}",),
        objects=(Named("container", name),),
        requires=first,
    )


def exercises() -> list[Exercise]:
    """The exercises of 01-containers, in the notebook's order."""
    return [my_web(), clean_stop(), remove_running()]


def questions() -> list[Question]:
    """The “predict, then run” questions of 01-containers."""
    return [
        Question(
            id="01-ps",
            question="`hello-world`, `web` and `counter` have all run. Which of them will a "
                     "plain `docker ps` list?",
            choices=("all three", "only web", "none of them"),
            answer="only web",
            why="`docker ps` lists running containers only. hello-world and counter have "
                "exited; `docker ps --all` shows them too."),
        Question(
            id="01-exit-codes",
            question="`web` (nginx) will get `docker stop`, `ticker` will get `docker kill`. "
                     "Which exit codes will they end with?",
            choices=("0 and 0", "0 and 137", "137 and 137", "143 and 137"),
            answer="0 and 137",
            why="`docker stop` sends nginx its stop signal (SIGQUIT), and nginx exits by "
                "itself with 0. `docker kill` sends SIGKILL (signal 9): the process is ended "
                "at once, and the exit code is 128 + 9 = 137."),
    ]
