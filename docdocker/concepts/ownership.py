"""Ownership: the one rule every clean-up path asks whether an object is the tutorial's.

``reset``, ``clean_up``, ``container_prune``, ``image_prune`` and the dashboard
remove only what docdocker itself created. Labels alone do not prove that: ``FROM``
and ``docker commit`` copy an image's labels into the learner's own images and
containers. An object is the tutorial's when it carries both marks
(:data:`~docdocker.core.steps.LABEL` and the :data:`~docdocker.core.steps.OWNER`
value only docdocker's own create call sets) and, for containers and images, one
more proof: a container's image is not a commit of a tutorial container
(:func:`owned_containers`); an image is one docdocker recorded building, or still
has the tag it was built as (:func:`tutorial_image`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping
from typing import Any

from docdocker.core import tagrecord
from docdocker.core.engine import Engine
from docdocker.core.steps import LABEL, OWNER

#: The :data:`~docdocker.core.steps.OWNER` value of the containers docdocker creates.
CONTAINER_OWNER = "container"
#: The ownership mark of containers (and so of a ``docker commit`` of one).
CONTAINER_MARK = CONTAINER_OWNER
#: The :data:`~docdocker.core.steps.OWNER` value of the volumes docdocker creates.
VOLUME_OWNER = "volume"
#: The :data:`~docdocker.core.steps.OWNER` value of the networks docdocker creates.
NETWORK_OWNER = "network"


# ---------------------------------------------------------- containers, volumes, networks
def made_by_tutorial(labels: Mapping[str, str] | None, notebook: str | None = None, *,
                     owner: str = CONTAINER_OWNER) -> bool:
    """True for a container docdocker itself created (for ``notebook``, or any notebook).

    A container run by the learner from an image the tutorial built inherits that
    image's labels, :data:`~docdocker.core.steps.LABEL` included; only docdocker's own
    create call sets the :data:`~docdocker.core.steps.OWNER` mark to ``container``.
    The same rule, with ``owner`` the mark a volume (:data:`VOLUME_OWNER`) or a
    network (:data:`NETWORK_OWNER`) gets, tells the tutorial's volumes and networks.
    """
    labels = labels or {}
    if labels.get(OWNER) != owner or LABEL not in labels:
        return False
    return notebook is None or labels[LABEL] == notebook


def committed_images(engine: Engine) -> set[str]:
    """IDs of the images that carry a container's ownership mark themselves.

    ``docker commit`` of a tutorial container makes an image carrying both marks
    exactly as that container had them, and every container run from it inherits
    them: the marks of such a container prove nothing.

    Equivalent CLI: ``docker images --all --filter label=org.docdocker.owner=container``
    """
    with engine.translate(None):
        listed = engine.client.api.images(
            all=True, filters={"label": f"{OWNER}={CONTAINER_OWNER}"}) or []
    return {str(i["Id"]) for i in listed}


def owned_containers(engine: Engine, listed: Iterable[Mapping[str, Any]],
                     notebook: str | None = None) -> list[Mapping[str, Any]]:
    """The containers of ``listed`` that docdocker itself created: the one rule of
    every clean-up path (``reset``, ``clean_up``, ``container_prune``, the dashboard).

    A container is the tutorial's when it carries both marks
    (:func:`made_by_tutorial`) and its image does not carry the container mark
    itself (:func:`committed_images`): a container run from a ``docker commit`` of
    a tutorial container has the same labels, and is the learner's. Even one
    docdocker ran from such an image is left alone: leaving one behind is the safe
    mistake.

    Args:
        engine: Where to look up the committed images.
        listed: ``docker ps`` entries (``Labels``, ``ImageID``) or ``docker inspect``
            results (``Config.Labels``, ``Image``).
        notebook: Only this notebook's containers (None: any notebook's).
    """
    listed = list(listed)
    if not listed:
        return []
    inherited = committed_images(engine)
    mine = []
    for c in listed:
        labels = c.get("Labels") if "Labels" in c else (c.get("Config") or {}).get("Labels")
        image = c.get("ImageID") if "ImageID" in c else c.get("Image")
        if made_by_tutorial(labels, notebook) and str(image) not in inherited:
            mine.append(c)
    return mine


# ------------------------------------------------------------------------------ images
def image_tag_of_tutorial(labels: Any, repo_tags: Any) -> str | None:
    """The tag docdocker built an image as, if the image still carries it; else None.

    A child image inherits the ownership mark, but not its parent's tag.
    """
    owned = str((labels or {}).get(OWNER) or "")
    if not owned or owned == CONTAINER_MARK or LABEL not in (labels or {}):
        return None  # CONTAINER_MARK: a commit of a container, not a build
    tags = set(repo_tags or [])
    for candidate in (owned, f"{owned}:latest"):
        if candidate in tags:
            return candidate
    return None


def replaced_compose_build(labels: Any, repo_tags: Any) -> bool:
    """True for an untagged image Compose built for the tutorial and a rebuild replaced.

    ``docker compose up --build`` moves the tag to the new image and leaves the old
    one behind without a name, still carrying the tutorial's build labels. It is
    recognised by those labels agreeing with Compose's own: the ownership mark is
    the ``<project>-<service>`` image name Compose gave it.
    """
    labels = labels or {}
    if any(t != "<none>:<none>" for t in repo_tags or []) or LABEL not in labels:
        return False
    project = labels.get("com.docker.compose.project")
    service = labels.get("com.docker.compose.service")
    return bool(project and service and labels.get(OWNER) == f"{project}-{service}")


def tutorial_image(entry: Mapping[str, Any], notebook: str | None = None) -> bool:
    """True when docdocker itself built this image (for ``notebook``, or any notebook).

    ``entry`` is an item of ``docker images`` (``Id``, ``Labels``, ``RepoTags``).
    Both marks must be there, and then one proof that the image is the very one
    docdocker built: its ID is in docdocker's record of its builds, it still carries
    the tag it was built as (a child built ``FROM`` it has the labels, never that
    tag), or it is a tutorial Compose build a rebuild replaced. A ``docker commit``
    of a tutorial container carries the container's mark and is never the tutorial's.
    """
    labels = entry.get("Labels") or {}
    if LABEL not in labels or (notebook is not None and labels.get(LABEL) != notebook):
        return False
    owned = str(labels.get(OWNER) or "")
    if not owned or owned == CONTAINER_MARK:
        return False
    tags = entry.get("RepoTags")
    with _quietly():
        if str(entry.get("Id")) in tagrecord.built():
            return True
    return (image_tag_of_tutorial(labels, tags) is not None
            or replaced_compose_build(labels, tags))


def tutorial_image_names(entry: Mapping[str, Any], notebook: str | None = None) -> list[str]:
    """The names to remove an image of the tutorial's by, or [] when it is not all ours.

    An image is removed only when every name it has is the tutorial's (the tag it was
    built as, or a tag recorded in :mod:`docdocker.core.tagrecord` for this very image):
    pruning an image also removes the learner's own tags on it. An untagged image of
    the tutorial's is named by its short ID.
    """
    if not tutorial_image(entry, notebook):
        return []
    image_id = str(entry.get("Id"))
    tags = [t for t in entry.get("RepoTags") or [] if t != "<none>:<none>"]
    if not tags:
        return [image_id.split(":")[-1][:12]]
    ours = {image_tag_of_tutorial(entry.get("Labels"), tags)}
    with _quietly():
        ours |= {r.tag for r in tagrecord.recorded() if r.image_id == image_id}
    return tags if set(tags) <= ours else []


def _quietly() -> contextlib.suppress:
    """Reading docdocker's own records may fail (a read-only home): then prove nothing."""
    return contextlib.suppress(OSError)
