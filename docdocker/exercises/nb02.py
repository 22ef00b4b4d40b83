"""Exercises of 02-dockerfiles: build the app's image under a tag."""

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


def exercises() -> list[Exercise]:
    """The exercises of 02-dockerfiles."""
    return [build()]


def questions() -> list[Question]:
    """The “predict, then run” questions of 02-dockerfiles (none yet)."""
    return []
