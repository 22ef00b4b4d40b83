"""Images: what is on this machine, what an image declares, its layers, its removal.

Each step is declared once and registered with the function that executes it;
:class:`ImageCommands` adds the matching verbs to the engine, ``build`` among
them (its step lives in :mod:`docdocker.concepts.build`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, cast

import docker.errors

from docdocker.base import errors, render
from docdocker.concepts.build import SILENCE, TIME_LIMIT, Build, BuildResult, builder
from docdocker.concepts.ownership import (
    _quietly,
    image_tag_of_tutorial,
    tutorial_image,
    tutorial_image_names,
)
from docdocker.core import tagrecord
from docdocker.core.engine import Engine, StepResult, handles
from docdocker.core.steps import (
    COMMAND_LINE,
    POSITIONAL,
    TARGET,
    Step,
    arg,
    label_filter,
    pairs,
)
from docdocker.grammar import reference


@dataclass(frozen=True)
class ImageInspect(Step):
    """Show an image's configuration; ``value`` is None when it is not on this machine.

    Equivalent CLI: ``docker image inspect IMAGE``
    """

    command: ClassVar[tuple[str, ...]] = ("image", "inspect")

    image: str = arg(POSITIONAL, TARGET, default="")


@handles(ImageInspect)
def inspect_image(engine: Engine, step: ImageInspect) -> StepResult:
    """``images.get(IMAGE).attrs``; a missing image is an answer here, not an error."""
    try:
        attrs = engine.client.images.get(step.image).attrs
    except docker.errors.ImageNotFound:
        return StepResult(step, output=f"Error: No such image: {step.image}\n", value=None)
    return StepResult(step, value=attrs)


def exposed_ports(attrs: Mapping[str, Any]) -> list[tuple[int, str]]:
    """An image's ``EXPOSE`` ports as sorted ``(port, protocol)`` pairs."""
    exposed = (attrs.get("Config") or {}).get("ExposedPorts") or {}
    found = []
    for key in exposed:
        number, _, protocol = key.partition("/")
        if number.isascii() and number.isdigit():
            found.append((int(number), (protocol or "tcp").lower()))
    return sorted(found)


class ImageCommands(Engine):
    """The image verbs of :class:`docdocker.session.tutorial.Tutorial`."""

    def image_inspect(self, image: str) -> StepResult:
        """An image's configuration. Equivalent CLI: ``docker image inspect IMAGE``"""
        return self.execute(ImageInspect(image=image))

    # Build, list, history, remove, prune: the steps are declared further down.

    def build(
        self,
        path: str,
        *,
        tag: str,
        dockerfile: str | None = None,
        buildargs: Mapping[str, str] | None = None,
        nocache: bool = False,
        force_rm: bool = True,
        target: str = "",
        secrets: tuple[str, ...] = (),
        silence: float = SILENCE,
        timeout: float = TIME_LIMIT,
    ) -> BuildResult:
        """Build an image with the builder ``docker build`` runs here, streaming its log.

        Equivalent CLI: ``docker build -t TAG [-f DOCKERFILE] [--no-cache] [--target STAGE]
        [--secret id=ID,src=FILE] PATH``
        (``--force-rm`` too with the classic builder; BuildKit leaves no container)

        Args:
            path: The build context: the folder whose files ``COPY`` can see.
            tag: The image's name, e.g. ``"friendlyhello"`` or ``"friendlyhello:v2"``.
            dockerfile: The Dockerfile, relative to the current folder as with
                ``docker build -f`` (default: ``PATH/Dockerfile``).
            buildargs: Values for the Dockerfile's ``ARG`` instructions.
            nocache: Run every step again instead of reusing cached layers.
            force_rm: With the classic builder, remove the container of a failed
                step too (``--force-rm``), so a failed build leaves nothing behind.
                BuildKit runs steps in no container the engine lists, so the flag
                would do nothing there and is not echoed.
            target: Build only up to this stage of a multi-stage Dockerfile
                (``--target``, ``FROM ... AS STAGE``).
            secrets: Build secrets, each ``id=ID,src=FILE`` (``--secret``): a
                ``RUN --mount=type=secret,id=ID`` step reads the file, and no layer
                keeps it. BuildKit only: the classic builder refuses them.
            silence: Stop the build after this many seconds without output while
                the engine answers (default 300).
            timeout: Stop the build after this many seconds (default 1800).

        Returns:
            A result whose ``value`` is the new image's ID, with its ``steps``
            (``cached`` and ``ran`` list them) and the build's ``seconds``.

        Raises:
            docdocker.base.errors.InvalidReference: The tag is not a valid image name
                (refused before the engine is called).
            docdocker.base.errors.BuildFailed: The Dockerfile is missing or broken, or a
                step failed; the message names the line.
        """
        result = self.execute(Build(path=path, tag=tag, dockerfile=dockerfile,
                                    buildargs=dict(buildargs or {}), nocache=nocache,
                                    force_rm=force_rm and not builder().buildkit,
                                    stage=target, secrets=tuple(secrets)),
                              silence=silence, timeout=timeout)
        # A read-along session replays a recorded result instead (no steps, no timing).
        return cast(BuildResult, result)

    def images(
        self, repository: str | None = None, *, all: bool = False, everything: bool = False,
        dangling: bool = False, notebook_only: bool = False, digests: bool = False,
    ) -> StepResult:
        """List the tutorial's images (or every image on the engine).

        Equivalent CLI: ``docker images --filter label=org.docdocker.notebook [REPOSITORY]``

        Args:
            repository: Only this repository (``friendlyhello``), or ``name:tag``.
            all: Include intermediate images (``--all``).
            everything: Drop the label filter: images not made by the tutorial too.
            dangling: Only images left without a tag (``--filter dangling=true``),
                what ``docker image prune`` removes.
            notebook_only: Only this notebook's images (its label value).
            digests: Add each image's repository digest (``--digests``), the
                ``sha256:...`` a ``FROM name@sha256:...`` pins.
        """
        filters: dict[str, Any] = (
            {} if everything else label_filter(self.notebook if notebook_only else None))
        if dangling:
            filters["dangling"] = "true"
        return self.execute(Images(repository=repository, all=all, filters=filters,
                                   digests=digests))

    def history(self, image: str, *, no_trunc: bool = False) -> StepResult:
        """An image's layers, newest first. Equivalent CLI: ``docker history IMAGE``

        Args:
            image: The image, e.g. ``"friendlyhello"``.
            no_trunc: Show each layer's whole CREATED BY (``--no-trunc``).
        """
        return self.execute(History(image=image, no_trunc=no_trunc))

    def rmi(self, image: str, *, force: bool = False) -> StepResult:
        """Remove an image, or only this tag when the image has others.

        Equivalent CLI: ``docker rmi [--force] IMAGE``
        """
        return self.execute(Rmi(image=image, force=force))

    def image_prune(self, notebook: str | None = None, *, all: bool = False) -> StepResult:
        """Remove the unused images one notebook (default: this one) built.

        Never unscoped: the label filter is always there. A label does not prove the
        image is the tutorial's (``FROM`` and ``docker commit`` copy it into the
        learner's images), so the engine's prune runs only when everything it would
        remove passes :func:`tutorial_image`; otherwise docdocker removes the
        tutorial's images one by one with ``docker rmi`` (each echoed) and says which
        images it kept and why.

        Equivalent CLI: ``docker image prune --force --filter label=org.docdocker.notebook=NB``
        (or ``docker rmi NAME`` for each of the tutorial's images)

        Args:
            notebook: Whose images; default this engine's notebook.
            all: Every unused image of it (``--all``), not only the dangling ones.
        """
        scope = notebook or self.notebook
        step = ImagePrune(all=all, filters=label_filter(scope))
        if self.replaying:
            return self.execute(step)
        candidates = prune_candidates(self, step)
        names = {str(c["Id"]): tutorial_image_names(c, scope) for c in candidates}
        # (``all`` is the parameter here, not the builtin.)
        if not [image_id for image_id, found in names.items() if not found]:
            return self.execute(step)
        return self._remove_one_by_one(step, candidates, names)

    def _remove_one_by_one(self, step: ImagePrune, candidates: list[Mapping[str, Any]],
                           names: Mapping[str, list[str]]) -> StepResult:
        kept = [c for c in candidates if not names[str(c["Id"])]]
        self.console.text(
            f"Not running `{step.cli}`: it would also remove "
            + ", ".join(_image_name(c) for c in kept)
            + ": images docdocker did not build (one made FROM a tutorial image, or with "
            "docker commit, carries its labels) or names it did not give. Removing the "
            "tutorial's own images instead:\n")
        lines: list[str] = []
        for image_id, to_remove in names.items():
            for name in to_remove:
                try:
                    lines.append(self.execute(Rmi(image=name)).output.rstrip("\n"))
                except errors.StepFailed as err:
                    lines.append(f"kept {name}: {err.message}")
            if to_remove:
                with _quietly():
                    tagrecord.forget_built({image_id})
        lines += [f"kept {_image_name(c)}: {_why_kept(c)}" for c in kept]
        return StepResult(step, output="\n".join(x for x in lines if x) + "\n",
                          value={"kept": [str(c["Id"]) for c in kept]})


@dataclass(frozen=True)
class Images(Step):
    """List images.

    Equivalent CLI: ``docker images [--all] [--digests] [--filter KEY=VALUE]
    [REPOSITORY[:TAG]]``
    """

    command: ClassVar[tuple[str, ...]] = ("images",)

    repository: str | None = arg(POSITIONAL, "name")
    all: bool = arg("--all", "all", default=False)
    # Only a column of the listing: the engine's list always carries RepoDigests, so
    # the flag has no SDK keyword; the handler adds the column.
    digests: bool = arg("--digests", COMMAND_LINE, default=False)
    filters: Mapping[str, Any] = arg(
        "--filter", "filters", default_factory=dict, cli_value=pairs, sdk_value=dict
    )


@dataclass(frozen=True)
class Rmi(Step):
    """Remove an image, or just one of its tags when it has others.

    Equivalent CLI: ``docker rmi [--force] IMAGE``
    """

    command: ClassVar[tuple[str, ...]] = ("rmi",)

    image: str = arg(POSITIONAL, TARGET, default="")
    force: bool = arg("--force", "force", default=False)


#: Columns of ``docker images``, in the CLI's order.
IMAGES_COLUMNS = ("REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE")


@handles(Images)
def list_images(engine: Engine, step: Images) -> StepResult:
    """``api.images``: one row per tag, as ``docker images`` prints them."""
    listed = engine.client.api.images(**step.sdk_kwargs)
    rows = [row for i in listed for row in image_rows(i)]
    columns: tuple[str, ...] = IMAGES_COLUMNS
    if step.digests:
        columns = (*IMAGES_COLUMNS[:2], "DIGEST", *IMAGES_COLUMNS[2:])
    return StepResult(step, rows=rows, columns=columns, value=listed)


@handles(Rmi)
def remove_image(engine: Engine, step: Rmi) -> StepResult:
    """``api.remove_image``, reported as the CLI reports it (Untagged / Deleted lines)."""
    report = engine.client.api.remove_image(step.image, **step.sdk_kwargs) or []
    lines = [f"{key}: {value}" for entry in report for key, value in entry.items()]
    return StepResult(step, output="\n".join(lines) + "\n" if lines else "")


def image_rows(entry: Mapping[str, Any]) -> list[dict[str, Any]]:
    """``docker images`` rows for one engine list entry (one per tag)."""
    image_id = str(entry.get("Id", "")).split(":")[-1][:12]
    tags = [t for t in entry.get("RepoTags") or [] if t != "<none>:<none>"] or ["<none>:<none>"]
    # A repository's digest (name@sha256:...): what a pinned FROM names.
    digests = {d.partition("@")[0]: d.partition("@")[2]
               for d in entry.get("RepoDigests") or [] if "@" in d}
    rows = []
    for tag in tags:
        repository, _, name = tag.rpartition(":")
        rows.append({"REPOSITORY": repository, "TAG": name,
                     "DIGEST": digests.get(repository, "<none>"), "IMAGE ID": image_id,
                     "CREATED": render.ago(entry.get("Created")),
                     "SIZE": render.size_text(entry.get("Size") or 0),
                     "LABELS": entry.get("Labels") or {}})
    return rows


# ------------------------------------------------------------- layers, removal
@dataclass(frozen=True)
class History(Step):
    """Show the layers of an image, newest first, and the instruction that made each.

    Equivalent CLI: ``docker history [--no-trunc] IMAGE``
    """

    command: ClassVar[tuple[str, ...]] = ("history",)

    image: str = arg(POSITIONAL, TARGET, default="")
    no_trunc: bool = arg("--no-trunc", "no_trunc", default=False)


@dataclass(frozen=True)
class ImagePrune(Step):
    """Remove unused images matching the filters: dangling ones, or (``--all``) any unused.

    Equivalent CLI: ``docker image prune --force [--all] [--filter KEY=VALUE]``
    """

    # Like ``container prune``: the CLI asks "Are you sure?" unless --force is
    # given, and the SDK never asks, so the echo carries --force.
    command: ClassVar[tuple[str, ...]] = ("image", "prune", "--force")

    all: bool = arg("--all", "all", default=False)
    filters: Mapping[str, Any] = arg(
        "--filter", "filters", default_factory=dict, cli_value=pairs, sdk_value=dict
    )


#: Columns of ``docker history``, in the CLI's order.
HISTORY_COLUMNS = ("IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT")
#: How wide ``docker history`` lets CREATED BY be without ``--no-trunc``.
CREATED_BY_WIDTH = 45


@handles(History)
def image_history(engine: Engine, step: History) -> StepResult:
    """``api.history``: one row per layer, as ``docker history`` prints them."""
    layers = engine.client.api.history(step.image)
    return StepResult(step, rows=[history_row(layer, truncate=not step.no_trunc)
                                  for layer in layers],
                      columns=HISTORY_COLUMNS, value=layers)


def history_row(layer: Mapping[str, Any], *, truncate: bool = True) -> dict[str, Any]:
    """One ``docker history`` row from the engine's entry for a layer.

    ``<missing>`` marks layers that came with a pulled image: their
    intermediate images exist only on the machine that built it.
    """
    layer_id = str(layer.get("Id") or "")
    created_by = str(layer.get("CreatedBy") or "").replace("\t", " ")
    if truncate and len(created_by) > CREATED_BY_WIDTH:
        created_by = created_by[:CREATED_BY_WIDTH - 1] + "…"
    return {
        "IMAGE": layer_id if layer_id == "<missing>" else layer_id.split(":")[-1][:12],
        "CREATED": render.ago(layer.get("Created")),
        "CREATED BY": created_by,
        "SIZE": render.size_text(layer.get("Size") or 0),
        "COMMENT": layer.get("Comment") or "",
    }


@handles(ImagePrune)
def prune_images(engine: Engine, step: ImagePrune) -> StepResult:
    """``images.prune``, reported as the CLI reports it.

    The SDK has no ``all`` keyword: like the CLI, ``--all`` becomes the filter
    ``dangling=false`` (any unused image), and its absence ``dangling=true``.
    """
    filters = dict(step.filters)
    filters["dangling"] = "false" if step.all else "true"
    report = engine.client.images.prune(filters=filters) or {}
    lines: list[str] = []
    deleted = report.get("ImagesDeleted") or []
    if deleted:
        lines.append("Deleted Images:")
        lines += [f"{key.lower()}: {value}" for entry in deleted for key, value in entry.items()]
        lines.append("")
    lines.append(f"Total reclaimed space: {render.size_text(report.get('SpaceReclaimed') or 0)}")
    return StepResult(step, output="\n".join(lines) + "\n", value=report)


def prune_candidates(engine: Engine, step: ImagePrune) -> list[Mapping[str, Any]]:
    """The images ``step`` would remove: its label's dangling images, or (``--all``)
    its label's images no container uses.

    Equivalent CLI: ``docker images --filter label=... [--filter dangling=true]`` and
    ``docker ps --all``
    """
    filters = dict(step.filters)
    if not step.all:
        filters["dangling"] = "true"
    with engine.translate(step):
        listed = engine.client.api.images(filters=filters) or []
        used = ({str(c.get("ImageID")) for c in engine.client.api.containers(all=True)}
                if step.all else set())
    return [i for i in listed if str(i.get("Id")) not in used]


def _why_kept(entry: Mapping[str, Any]) -> str:
    if not tutorial_image(entry):
        return "not built by docdocker"
    tags = [t for t in entry.get("RepoTags") or [] if t != "<none>:<none>"]
    built = image_tag_of_tutorial(entry.get("Labels"), tags)
    yours = [t for t in tags if t != built]
    return (f"it also has the name{'s' if len(yours) > 1 else ''} {', '.join(yours)}, "
            "which docdocker did not give it; `docker rmi NAME` removes one name")


def _image_name(entry: Mapping[str, Any]) -> str:
    tags = [t for t in entry.get("RepoTags") or [] if t != "<none>:<none>"]
    built = image_tag_of_tutorial(entry.get("Labels"), tags)
    if built:
        return built
    return tags[0] if tags else str(entry.get("Id", "")).split(":")[-1][:12]


# ---------------------------------------------------------------- save, load, tag
# ``docker save`` / ``docker load`` move images without a registry (a USB stick in a
# classroom); ``docker tag`` gives an image another name (to push it elsewhere).
# A tag cannot carry a label, so the new names docdocker makes are recorded in
# docdocker.core.tagrecord; clean-up removes such a name, never the image behind it.

#: Bytes read or written per chunk while saving or loading (the SDK's default is 2 MB).
CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Save(Step):
    """Write one or more images, with every layer they need, into a tar archive.

    Equivalent CLI: ``docker save --output FILE IMAGE...``
    """

    command: ClassVar[tuple[str, ...]] = ("save",)

    output: str = arg("--output", "output", default="")
    images: tuple[str, ...] = arg(POSITIONAL, "names", default=())


@handles(Save)
def save_images(engine: Engine, step: Save,
                progress: Callable[[int], None] | None = None) -> StepResult:
    """``GET /images/get?names=...`` streamed into ``output``.

    The SDK's ``Image.save`` takes one image; the engine's endpoint takes many and
    stores a layer shared by several images once, as ``docker save`` does.

    Args:
        progress: Called with the number of bytes written after each chunk.
    """
    api = engine.client.api
    response = api._get(api._url("/images/get"), params={"names": list(step.images)},
                        stream=True)
    written = 0
    with open(step.output, "wb") as out:
        # What api.get_image does for one image (it raises for an error status).
        for chunk in api._stream_raw_result(response, CHUNK, False):
            out.write(chunk)
            written += len(chunk)
            if progress is not None:
                progress(written)
    return StepResult(step, value=written)


@dataclass(frozen=True)
class Load(Step):
    """Load the images of a ``docker save`` archive, with their tags.

    Equivalent CLI: ``docker load --input FILE``
    """

    command: ClassVar[tuple[str, ...]] = ("load",)

    input: str = arg("--input", "data", default="")


@handles(Load)
def load_images(engine: Engine, step: Load,
                progress: Callable[[int], None] | None = None) -> StepResult:
    """``api.load_image`` fed from ``input`` in chunks; output as ``docker load`` prints it.

    A failure reported inside the stream is raised, so that it reaches the error
    translator (the SDK returns it as an entry instead of raising).

    Args:
        progress: Called with the number of bytes sent after each chunk.
    """

    def chunks() -> Iterator[bytes]:
        sent = 0
        with open(step.input, "rb") as source:
            while block := source.read(CHUNK):
                yield block
                sent += len(block)
                if progress is not None:
                    progress(sent)

    lines: list[str] = []
    for event in engine.client.api.load_image(chunks(), quiet=True) or []:
        if "error" in event or "errorDetail" in event:
            detail = event.get("errorDetail") or {}
            raise docker.errors.APIError(str(event.get("error") or detail.get("message")))
        if event.get("stream"):
            lines.append(str(event["stream"]))
    text = "".join(lines)
    loaded = [line.split(":", 1)[1].strip() for line in text.splitlines()
              if line.startswith(("Loaded image:", "Loaded image ID:"))]
    return StepResult(step, output=text, value=loaded)


@dataclass(frozen=True)
class Tag(Step):
    """Give an image another name (the same image ID under another reference).

    Equivalent CLI: ``docker tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]``
    """

    command: ClassVar[tuple[str, ...]] = ("tag",)

    image: str = arg(POSITIONAL, TARGET, default="")
    new_image: str = arg(POSITIONAL, "repository", default="")

    def validate(self) -> None:
        check_reference(self, self.image, "source image", allow_id=True)
        target = check_reference(self, self.new_image, "target image")
        if target is not None and target.digest is not None:
            raise errors.InvalidReference(
                f"The target {self.new_image!r} has a digest (@...); a tag cannot: the digest "
                "is computed from the content, it is not a name you choose.",
                fix=f"Leave out the @ part: {target.name}:{target.tag or 'latest'}",
                command=self.argv,
            )


_IMAGE_ID = re.compile(r"(sha256:)?[0-9a-f]{12,64}")


def check_reference(step: Step, text: str, what: str, *,
                    allow_id: bool = False) -> reference.ImageRef | None:
    """Parse an image reference a step names, or refuse it with a message naming ``what``."""
    if allow_id and _IMAGE_ID.fullmatch(text or ""):
        return None
    try:
        return reference.parse(text)
    except errors.InvalidReference as err:
        raise errors.InvalidReference(
            f"Invalid {what}: {err.message}.", fix=err.fix, command=step.argv
        ) from err


def tag_name(text: str) -> str:
    """A tag as ``docker images`` lists it: short form, ``:latest`` added when missing."""
    ref = reference.parse(text)
    return ref.with_tag(ref.tag or reference.DEFAULT_TAG).familiar


@handles(Tag)
def tag_image(engine: Engine, step: Tag) -> StepResult:
    """``api.tag(IMAGE, REPOSITORY, TAG)``; prints nothing, as the CLI does.

    A name that did not exist before is recorded as the tutorial's (see
    :mod:`docdocker.core.tagrecord`); moving an existing name back (as restoring a
    classroom bundle does) is not.
    """
    ref = reference.parse(step.new_image)
    name = tag_name(step.new_image)
    try:
        image_id = engine.client.images.get(step.image).id
    except docker.errors.ImageNotFound as err:
        raise errors.ImageNotFound(
            f"There is no image {step.image!r} on this machine to tag.",
            fix="Pick a name from `docker images` (REPOSITORY:TAG or IMAGE ID), or build or "
                "pull the image first.",
            command=step.argv, exit_code=1, stderr=str(err.explanation or err),
        ) from err
    existed = engine.query(ImageInspect(image=name)).value is not None
    engine.client.api.tag(step.image, ref.name, ref.tag or reference.DEFAULT_TAG)
    ours = any(r.tag == name for r in tagrecord.recorded(engine.notebook))
    if not existed or ours:
        tagrecord.remember(engine.notebook, name, image_id)
    return StepResult(step, value={"tag": name, "id": image_id})


class TagCommands(Engine):
    """``docker tag`` for :class:`docdocker.session.tutorial.Tutorial`."""

    def tag(self, image: str, new_image: str) -> StepResult:
        """Give an image another name. Equivalent CLI: ``docker tag SOURCE_IMAGE TARGET_IMAGE``"""
        return self.execute(Tag(image=image, new_image=new_image))
