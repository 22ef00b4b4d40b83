"""Exercises of 02-dockerfiles: build the app's image under a tag, run it greeting you."""

from __future__ import annotations

from docdocker.exercises import state
from docdocker.exercises.base import Context, Exercise, Named, Result, Status, definition
from docdocker.exercises.predict import Question

NOTEBOOK = "02-dockerfiles"


def _tags(entries: list[dict[str, object]]) -> list[str]:
    return sorted(str(t) for e in entries for t in (e.get("RepoTags") or [])  # type: ignore[attr-defined]
                  if t != "<none>:<none>")


@definition
def build(tag: str = "my-hello-app:1.0", context: str = "apps/friendlyhello") -> Exercise:
    """Build the friendlyhello app from its Dockerfile, tagged as the task says."""
    repository = tag.rpartition(":")[0] or tag

    def check(ctx: Context) -> Result:
        attrs = state.image(ctx.engine, tag)
        if attrs is None:
            others = _tags(state.images(ctx.engine, repository))
            if others:
                return Result(Status.NEAR_MISS,
                              f"You built {repository}, but tagged it {', '.join(others)}, "
                              f"not {tag}.",
                              hint=f"Add the tag: `docker tag {others[0]} {tag}` (or build "
                                   f"again with `-t {tag}`: the cache makes it quick).")
            return Result(Status.NOT_YET, f"There is no image tagged {tag} yet.")
        config = attrs.get("Config") or {}
        if list(config.get("Cmd") or []) != ["python", "app.py"]:
            shown = " ".join(config.get("Cmd") or []) or "nothing"
            return Result(Status.NEAR_MISS,
                          f"{tag} exists, but it is not the app: its command is {shown!r}, "
                          "where the app's Dockerfile says `CMD [\"python\", \"app.py\"]`.",
                          hint=f"Build from the app's folder, which holds its Dockerfile: "
                               f"`docker build -t {tag} {context}`.")
        return Result(Status.DONE, f"{tag} is built from the app's Dockerfile "
                                   "(its command is `python app.py`).")

    return Exercise(
        id="02-build", notebook=NOTEBOOK, title=f"Build the app as {tag}",
        task=(f"From a terminal in the `notebooks` folder, build the image of the app in "
              f"`{context}` and tag it `{tag}`."),
        check_fn=check,
        hints=("`docker build` takes the folder holding the Dockerfile (the build context).",
               "`-t NAME:TAG` tags the image it builds.",
               f"Type `docker build -t {tag} {context}`."),
        solution=(f"docker build -t {tag} {context}",),
        objects=(Named("image", tag),),
    )


def _env(attrs: dict[str, object], key: str) -> str | None:
    config = attrs.get("Config") or {}
    for item in config.get("Env") or []:  # type: ignore[attr-defined]
        name, _, value = str(item).partition("=")
        if name == key:
            return value
    return None


@definition
def greet(name: str = "hello-me", port: int = 8092, image: str = "friendlyhello") -> Exercise:
    """Run the app's image with your own NAME, published on 127.0.0.1 only."""
    again = (f"Options are fixed when a container is created: `docker rm --force {name}`, "
             f"then `docker run -d --name {name} -p 127.0.0.1:{port}:80 -e NAME=YourName "
             f"{image}`.")

    def check(ctx: Context) -> Result:
        attrs = state.container(ctx.engine, name)
        if attrs is None:
            if state.image(ctx.engine, image) is None:
                return Result(Status.NOT_YET, f"There is no image {image} yet: build it first "
                                              "(section 3 of the notebook).")
            return Result(Status.NOT_YET, f"There is no container named {name} yet.")
        if not state.runs_image(ctx.engine, attrs, image):
            shown = (attrs.get("Config") or {}).get("Image") or "another image"
            return Result(Status.NEAR_MISS, f"{name} runs {shown}, not {image}.", hint=again)
        greeting = _env(attrs, "NAME")
        if greeting in (None, "", "World"):
            return Result(Status.NEAR_MISS,
                          f"{name} greets World: the image's `ENV NAME=World` is still in "
                          "force.",
                          hint=f"`-e NAME=YourName` goes before the image name. {again}")
        bound = [b for b in state.bindings(attrs)
                 if b.protocol == "tcp" and b.host_port == port and b.container_port == 80]
        if not bound:
            return Result(Status.NEAR_MISS,
                          f"{name} does not publish port 80 of the container on host port "
                          f"{port}.", hint=again)
        if bound[0].host_ip != "127.0.0.1":
            return Result(Status.NEAR_MISS,
                          f"{name} is published on {bound[0].host_ip or 'every interface'}, "
                          "not 127.0.0.1 (this machine only).", hint=again)
        current = state.status(attrs)
        if current != "running":
            return Result(Status.NEAR_MISS, f"{name} is set up right but is {current}.",
                          hint=f"Start it: `docker start {name}`.")
        url = f"http://127.0.0.1:{port}"
        if state.answers(url) is None:
            return Result(Status.NOT_YET, f"{name} is running, but nothing answers at {url} "
                                          "yet; check again in a moment.")
        return Result(Status.DONE, f"{name} greets {greeting} at {url}, on this machine only.")

    return Exercise(
        id="02-greet", notebook=NOTEBOOK, title=f"Run {image} as {name}, greeting you",
        task=(f"In a terminal, run the `{image}` image in the background as a container "
              f"named `{name}`, answering on `http://127.0.0.1:{port}`, with the environment "
              "variable `NAME` set to your name."),
        check_fn=check,
        hints=("`-e NAME=value` sets an environment variable for one container; it overrides "
               "the image's `ENV`.",
               f"`-p 127.0.0.1:{port}:80` publishes the app's port 80 on this machine only.",
               "Every option goes before the image name: what follows it is the command."),
        solution=(f"docker run -d --name {name} -p 127.0.0.1:{port}:80 -e NAME=Ada {image}",),
        objects=(Named("container", name),),
    )


def exercises() -> list[Exercise]:
    """The exercises of 02-dockerfiles."""
    return [build(), greet()]


def questions() -> list[Question]:
    """The “predict, then run” questions of 02-dockerfiles."""
    return [
        Question(
            id="02-cache",
            question="You change one line of `app.py` and build the app's Dockerfile again. "
                     "Which is the first step that runs again instead of coming from the "
                     "cache?",
            choices=("WORKDIR /app", "RUN pip install", "COPY . /app", "none of them"),
            answer="COPY . /app",
            why="The steps before it have the same instruction on the same layer, and "
                "`COPY requirements.txt` copies an unchanged file, so they are reused. "
                "`COPY . /app` copies the changed `app.py`: it runs again, and so does every "
                "step after it, since each layer sits on the one before."),
    ]
