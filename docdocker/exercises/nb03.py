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
        pushed = [d for d in attrs.get("RepoDigests") or []
                  if str(d).startswith(f"{registry}/{repository}@")]
        if pushed:
            digest = str(pushed[0]).partition("@")[2]
            return Result(Status.DONE, f"{target} is in the registry at {registry} "
                                       f"(digest {digest[:19]}…).")
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
        task=(f"Put your image `{source}` into the registry running at `{registry}`, as "
              f"`{repository}:{tag}`."),
        check_fn=check,
        hints=("An image goes to the registry its name starts with.",
               f"First give it a second name that starts with `{registry}/` (`docker tag`), "
               "then push that name.",
               f"`docker tag {source} {target}`, then `docker push {target}`."),
        solution=(f"docker tag {source} {target}", f"docker push {target}"),
        objects=(Named("image", target),),
    )


def exercises() -> list[Exercise]:
    """The exercises of 03-registries."""
    return [push()]


def questions() -> list[Question]:
    """The “predict, then run” questions of 03-registries (none yet)."""
    return []
