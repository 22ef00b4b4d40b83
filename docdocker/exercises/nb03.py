"""Exercises of 03-registries: tag an image for a registry and push it there."""

from __future__ import annotations

from docdocker.exercises import state
from docdocker.exercises.base import Context, Exercise, Named, Result, Status, definition
from docdocker.exercises.predict import Question

NOTEBOOK = "03-registries"


@definition
def push(source: str = "friendlyhello", registry: str = "localhost:5000",
         repository: str = "my-hello", tag: str = "1.0") -> Exercise:
    """Tag ``source`` as ``REGISTRY/REPOSITORY:TAG`` and push it to that registry."""
    target = f"{registry}/{repository}:{tag}"

    def check(ctx: Context) -> Result:
        attrs = state.image(ctx.engine, target)
        if attrs is None:
            others = sorted(t for e in state.images(ctx.engine, f"{registry}/{repository}")
                            for t in e.get("RepoTags") or [] if t != "<none>:<none>")
            if others:
                return Result(Status.NEAR_MISS,
                              f"You tagged it {', '.join(others)}, not {target}.",
                              hint=f"Add the right tag: `docker tag {source} {target}`, then "
                                   f"`docker push {target}`.")
            if state.image(ctx.engine, source) is None:
                return Result(Status.NOT_YET, f"There is no {source} image to push yet: "
                                              "run the notebook's build cell first.")
            return Result(Status.NOT_YET, f"There is no image tagged {target} yet.")
        if _pushed(attrs, registry, repository, tag):
            return Result(Status.DONE, f"{target} is in the registry at {registry}.")
        if state.answers(f"http://{registry}/v2/") is None:
            return Result(Status.NEAR_MISS,
                          f"{target} is tagged, but nothing answers at {registry}, so it "
                          "cannot have been pushed.",
                          hint="Start the registry first (notebook 03 shows how), then "
                               f"`docker push {target}`.")
        return Result(Status.NEAR_MISS,
                      f"{target} is tagged on this machine but not pushed: a tag only names "
                      "the image locally.",
                      hint=f"Push it: `docker push {target}` (log in first if the registry "
                           "asks for it).")

    return Exercise(
        id="03-push", notebook=NOTEBOOK, title=f"Push {source} to {registry}",
        task=(f"Put your image `{source}` into the registry running at `{registry}`, in the "
              f"repository `{repository}` with the tag `{tag}`: there, its full name is "
              f"`{target}`."),
        check_fn=check,
        hints=("An image goes to the registry its name starts with.",
               f"First give it a second name that starts with `{registry}/` (`docker tag`), "
               "then push that name.",
               f"`docker tag {source} {target}`, then `docker push {target}`."),
        solution=(f"docker tag {source} {target}", f"docker push {target}"),
        objects=(Named("image", target),),
    )


def _pushed(attrs: dict, registry: str, repository: str, tag: str) -> bool:
    """Whether the registry has the tag: asked of the registry where it is on this machine.

    Else the engine's record of a push, ``RepoDigests``; the classic image store writes
    one only on a push or pull, the containerd store for every name an image has.
    """
    found = state.in_registry(registry, repository, tag)
    if found is not None:
        return found
    return any(str(d).startswith(f"{registry}/{repository}@")
               for d in attrs.get("RepoDigests") or [])


@definition
def second_name(source: str = "busybox:1.36", registry: str = "localhost:5000",
                repository: str = "tools/busybox", tag: str = "1.36") -> Exercise:
    """Give ``source`` a name in ``registry`` and push it: one image ID, two names."""
    target = f"{registry}/{repository}:{tag}"

    def check(ctx: Context) -> Result:
        wanted = state.image_id(ctx.engine, source)
        attrs = state.image(ctx.engine, target)
        if attrs is None:
            return Result(Status.NOT_YET, f"No image is called {target} yet.")
        if wanted is not None and attrs.get("Id") != wanted:
            return Result(Status.NEAR_MISS,
                          f"{target} exists but is another image than {source} (its IMAGE ID "
                          "differs).",
                          hint=f"Point the name at {source}: `docker tag {source} {target}`.")
        if _pushed(attrs, registry, repository, tag):
            return Result(Status.DONE, f"{target} is {source} under a second name, and the "
                                       f"registry at {registry} has it.")
        if state.answers(f"http://127.0.0.1:{registry.rpartition(':')[2]}/v2/") is None:
            return Result(Status.NEAR_MISS,
                          f"{target} is tagged, but no registry answers at {registry}.",
                          hint="Start the registry (section 4 of this notebook), then "
                               f"`docker push {target}`.")
        return Result(Status.NEAR_MISS, f"{target} is tagged on this machine, not pushed yet.",
                      hint=f"`docker push {target}`.")

    return Exercise(
        id="03-second-name", notebook=NOTEBOOK, title=f"Put {source} into your registry",
        task=(f"Give `{source}` a second name in your registry, `{target}`, and push it. "
              "Then look at both names in `docker images`: which IMAGE ID do they show?"),
        check_fn=check,
        hints=("The part before the first '/' decides where a push goes.",
               f"`docker tag {source} {target}` adds the name; `docker push` sends it.",
               f"`docker tag {source} {target}`, then `docker push {target}`."),
        solution=(f"docker tag {source} {target}", f"docker push {target}"),
        objects=(Named("image", target),),
    )


def exercises() -> list[Exercise]:
    """The exercises of 03-registries."""
    return [second_name(), push()]


def questions() -> list[Question]:
    """The “predict, then run” questions of 03-registries (none yet)."""
    return []
