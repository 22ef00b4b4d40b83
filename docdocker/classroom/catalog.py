"""Which images the tutorial uses, read from the notebooks and their apps.

Nothing here is a hand-kept list. The images come from three places:

* the notebooks' code cells: the image argument of ``run``/``pull`` calls, of the
  ``Run``/``Pull`` steps and of ``PortMapper(image=...)`` (a literal, or a name or
  f-string made of literals assigned in the same notebook);
* every ``Dockerfile`` under ``notebooks/apps``: its ``FROM`` lines;
* every Compose file under ``notebooks/apps``: the services' ``image:``.

Images the tutorial makes itself are left out: tags given to ``build``/``tag``
calls, Compose services that are built, and names on another registry
(``127.0.0.1:5000/friendlyhello`` is pushed by the notebooks, not pulled). Calls
inside ``with dd.expect_error(...)`` and cells tagged ``raises-exception`` are
mistakes made on purpose, not images to prepare.

Pure: it reads files and never talks to the engine.
"""

from __future__ import annotations

import ast
import inspect
import json
import re
import shlex
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from docdocker.base import errors
from docdocker.grammar import reference

#: The tutorial's notebooks folder, next to the package in a checkout.
NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
#: Calls whose first argument (or ``image=``) is an image the step pulls if missing.
IMAGE_CALLS = frozenset({"run", "pull", "create", "Run", "Pull", "Create", "PortMapper"})
#: Calls whose ``tag=`` (or second argument, for ``tag``) names an image made here.
MADE_CALLS = frozenset({"build", "Build", "tag", "Tag", "TagBuilder"})
COMPOSE_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")


@dataclass(frozen=True)
class Use:
    """One place an image is used: a notebook cell, a Dockerfile or a Compose file."""

    image: str
    where: str


@dataclass
class Catalog:
    """The tutorial's images and where each is used.

    Attributes:
        uses: Every use found, in reading order.
        made: Images the tutorial builds or tags itself (normalized names).
        unresolved: Calls whose image argument is not a literal (``where`` and source).
    """

    uses: list[Use] = field(default_factory=list)
    made: set[str] = field(default_factory=set)
    unresolved: list[Use] = field(default_factory=list)

    @property
    def images(self) -> list[str]:
        """The images to prepare: pulled from Docker Hub, not made here; familiar names, sorted."""
        found: dict[str, str] = {}
        for use in self.uses:
            ref = hub_reference(use.image)
            if ref is None or ref.normalized in self.made:
                continue
            found.setdefault(ref.normalized, familiar(ref))
        return sorted(found.values())

    def where(self, image: str) -> list[str]:
        """Where an image (any spelling) is used."""
        key = normalize(image)
        return [u.where for u in self.uses if normalize(u.image) == key]


def normalize(image: str) -> str:
    """``nginx`` -> ``docker.io/library/nginx:latest``; text that does not parse is kept."""
    try:
        return reference.parse(image).normalized
    except errors.InvalidReference:
        return image


def familiar(ref: reference.ImageRef) -> str:
    """The short name with its tag, as ``docker images`` shows it (``nginx:latest``)."""
    return reference.parse(ref.normalized).familiar


_IMAGE_ID = re.compile(r"sha256:[0-9a-f]{64}")


def hub_reference(image: str) -> reference.ImageRef | None:
    """The reference when ``image`` is pulled from Docker Hub; None otherwise.

    ``scratch`` (no image at all), names on another registry, image IDs
    (``sha256:...``, which the builder's own step containers are created from) and
    text that is not an image reference are not Docker Hub images.
    """
    if image == "scratch" or "$" in image or _IMAGE_ID.fullmatch(image):
        return None
    try:
        ref = reference.parse(image)
    except errors.InvalidReference:
        return None
    return ref if ref.registry == reference.DEFAULT_REGISTRY else None


# ------------------------------------------------------------------ reading
def derive(root: Path = NOTEBOOKS) -> Catalog:
    """Read every notebook under ``root``, every app under ``root/apps``, and, for the
    tutorial's own notebooks, the solutions of its exercises.

    Equivalent CLI: none; it reads files.

    Raises:
        docdocker.base.errors.DocDockerError: ``root`` holds no notebooks (an installed
            package without the tutorial's folder next to it).
    """
    if not any(Path(root).glob("*.ipynb")):
        raise errors.DocDockerError(
            f"No notebooks in {root}: the classroom kit reads the images from them.",
            fix="Run it from the tutorial's folder, where the package was installed with "
                "`pip install -e .` (see README.md).")
    catalog = Catalog()
    for path in sorted(root.glob("*.ipynb")):
        read_notebook(path, catalog)
    apps = root / "apps"
    for path in sorted(apps.rglob("*")) if apps.is_dir() else []:
        if path.name == "Dockerfile" or path.name.endswith(".Dockerfile"):
            for image in dockerfile_bases(path.read_text()):
                catalog.uses.append(Use(image, str(path.relative_to(root))))
        elif path.name in COMPOSE_NAMES:
            read_compose(path, root, catalog)
    if Path(root).resolve() == NOTEBOOKS:
        read_exercises(catalog)
    return catalog


def read_notebook(path: Path, catalog: Catalog) -> None:
    """Add the images a notebook's code cells use (and make) to ``catalog``."""
    cells = json.loads(path.read_text()).get("cells", [])
    sources = []
    for number, cell in enumerate(cells, start=1):
        if cell.get("cell_type") != "code":
            continue
        if "raises-exception" in (cell.get("metadata") or {}).get("tags", []):
            continue
        text = _python_of("".join(cell.get("source", [])))
        try:
            sources.append((number, ast.parse(text)))
        except SyntaxError:
            continue
    names = _assignments(tree for _, tree in sources)
    for number, tree in sources:
        where = f"{path.name} cell {number}"
        for call in _calls_outside_expected_errors(tree):
            _read_call(call, names, where, catalog)
        # A Dockerfile a cell writes (``Path(...).write_text("FROM busybox:1.36\n...")``).
        for node in _outside_expected_errors(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and _FROM_LINE.search(node.value):
                for image in dockerfile_bases(node.value):
                    catalog.uses.append(Use(image, f"{where} (a Dockerfile)"))


def read_exercises(catalog: Catalog) -> None:
    """Add the images the exercises' solutions run, pull or tag from.

    A learner types these commands in a room, so their images must be in the kit
    even when no notebook cell uses them (``docker tag busybox:1.36 ...``).
    """
    from docdocker.exercises.catalog import all_exercises

    for exercise in all_exercises():
        for line in exercise.solution:
            try:
                argv = shlex.split(line)
            except ValueError:
                continue
            where = f"exercise {exercise.id}"
            if argv[:2] == ["docker", "tag"] and len(argv) >= 4:
                catalog.uses.append(Use(argv[2], where))
                catalog.made.add(normalize(argv[3]))
            elif argv[:2] == ["docker", "build"] and "-t" in argv[:-1]:
                catalog.made.add(normalize(argv[argv.index("-t") + 1]))
            elif (image := image_of_command(argv, _RUN_BOOLEANS)) is not None:
                catalog.uses.append(Use(image, where))


#: The boolean flags of ``docker run``/``create`` the exercises' solutions use.
_RUN_BOOLEANS = ("-d", "--detach", "--rm", "-i", "-t", "-it", "--init", "--privileged",
                 "--read-only")
# Upper case only: in a Python string, "FROM image" is a Dockerfile; "from the cache" is not.
_FROM_LINE = re.compile(r"^\s*FROM\s+\S", re.MULTILINE)


#: ``%time CODE`` and ``%%time`` (its cell below) time Python code; other magics are not Python.
_TIMING_MAGIC = re.compile(r"^\s*%{1,2}(time|timeit)\b(\s+-\S+)*\s*")


def _python_of(source: str) -> str:
    lines = []
    for line in source.splitlines():
        timed = _TIMING_MAGIC.match(line)
        if timed:
            lines.append(line[timed.end():])
        elif line.lstrip().startswith(("%", "!")):
            lines.append("")
        else:
            lines.append(line)
    return "\n".join(lines)


def _assignments(trees: Iterable[ast.Module]) -> dict[str, ast.expr]:
    """``NAME = <expression>`` at any depth, the last one winning (as when run top to bottom)."""
    names: dict[str, ast.expr] = {}
    for tree in trees:
        for node in ast.walk(tree):
            if (isinstance(node, ast.Assign) and len(node.targets) == 1
                    and isinstance(node.targets[0], ast.Name)):
                names[node.targets[0].id] = node.value
    return names


#: Stands for a part of a string only known when the notebook runs (``{port}``).
UNKNOWN = "\x00"


def _text(node: ast.expr | None, names: dict[str, ast.expr], depth: int = 0) -> str | None:
    """The string an expression makes, with :data:`UNKNOWN` for parts known only at run
    time; None when it is not a string this can follow (a call, arithmetic...)."""
    if node is None or depth > 10:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name):
        return _text(names.get(node.id), names, depth + 1)
    if isinstance(node, ast.JoinedStr):
        parts = []
        for value in node.values:
            if isinstance(value, ast.FormattedValue):
                inner = _text(value.value, names, depth + 1)
                parts.append(inner if inner is not None else UNKNOWN)
            else:
                parts.append(_text(value, names, depth + 1) or "")
        return "".join(parts)
    return None


def _names_another_registry(text: str) -> bool:
    """``localhost:{port}/me/app`` or ``127.0.0.1:5000/app``: not an image from Docker Hub."""
    first, slash, _ = text.partition("/")
    if not slash:
        return False
    if first.startswith(("localhost", "127.")):
        return True
    # A registry host has a dot or a port; a part known only at run time could be anything.
    return ("." in first or ":" in first) and UNKNOWN not in first.split(":")[0]


def _calls_outside_expected_errors(tree: ast.AST) -> Iterator[ast.Call]:
    for node in _outside_expected_errors(tree):
        if isinstance(node, ast.Call):
            yield node


def _outside_expected_errors(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node but those inside ``with dd.expect_error(...)`` (deliberate mistakes)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.With) and any(
            "expect_error" in ast.unparse(item.context_expr) for item in node.items
        ):
            continue
        yield node
        yield from _outside_expected_errors(node)


def _call_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _argument(call: ast.Call, keyword: str, position: int) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg == keyword:
            return kw.value
    return call.args[position] if len(call.args) > position else None


def _read_call(call: ast.Call, names: dict[str, ast.expr], where: str,
               catalog: Catalog) -> None:
    name = _call_name(call)
    if name == "doctor":
        # The check-up pulls an image too (hello-world unless told otherwise).
        node = _argument(call, "pull_image", len(call.args))
        image = _text(node, names) if node is not None else _doctor_default()
        if image and UNKNOWN not in image:
            catalog.uses.append(Use(image, where + " (doctor)"))
    elif name in IMAGE_CALLS:
        node = _argument(call, "image", 0)
        if node is None:
            return
        value = _text(node, names)
        if value is not None and UNKNOWN not in value:
            catalog.uses.append(Use(value, where))
        elif value is None or not _names_another_registry(value):
            catalog.unresolved.append(Use(ast.unparse(node), where))
    elif name in MADE_CALLS:
        # build(PATH, tag=NAME) names its image by keyword only; tag(IMAGE, NEW_NAME);
        # the tag widget, TagBuilder(source=..., target=...).
        if name in ("build", "Build"):
            node = _argument(call, "tag", len(call.args))
        elif name == "TagBuilder":
            node = _argument(call, "target", len(call.args))
        else:
            node = _argument(call, "new_image", 1)
        value = _text(node, names) if node is not None else None
        if value is not None and UNKNOWN not in value:
            catalog.made.add(normalize(value))


def _doctor_default() -> str:
    from docdocker.tools.doctor import doctor

    default = inspect.signature(doctor).parameters["pull_image"].default
    return str(default) if isinstance(default, str) else ""


#: ``FROM [--platform=...] IMAGE [AS name]`` (case-insensitive, as Docker reads it).
_FROM = re.compile(r"^\s*FROM\s+(?P<rest>.+)$", re.IGNORECASE)


def dockerfile_bases(text: str) -> list[str]:
    """The images a Dockerfile starts ``FROM``, without its own build stages.

    Example:
        >>> dockerfile_bases("FROM python:3.11-slim AS deps\\nFROM deps\\n")
        ['python:3.11-slim']
    """
    # Line continuations join lines, as the Dockerfile parser does.
    joined = re.sub(r"\\\s*\n", " ", text)
    stages: set[str] = set()
    bases: list[str] = []
    for line in joined.splitlines():
        match = _FROM.match(line)
        if not match:
            continue
        words = [w for w in shlex.split(match["rest"], comments=True)
                 if not w.startswith("--")]
        if not words:
            continue
        image = words[0]
        if len(words) >= 3 and words[1].lower() == "as":
            stages.add(words[2].lower())
        if image.lower() not in stages:
            bases.append(image)
    return bases


def read_compose(path: Path, root: Path, catalog: Catalog) -> None:
    """Add a Compose file's service images; a built service's ``image:`` is made here."""
    try:
        document: Any = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError:
        return
    services = document.get("services") if isinstance(document, dict) else None
    for name, service in (services or {}).items():
        if not isinstance(service, dict):
            continue
        image = service.get("image")
        where = f"{path.relative_to(root)} service {name}"
        if isinstance(image, str) and image:
            if "build" in service:
                catalog.made.add(normalize(image))
            else:
                catalog.uses.append(Use(image, where))


# ------------------------------------------------------------------ recorded runs
def recorded_commands(path: Path) -> list[tuple[str, list[str]]]:
    """The ``docker`` commands a notebook's saved outputs echo, as ``(where, argv)``.

    The notebooks are saved with the outputs of a real run, and every engine action
    a cell takes is echoed as ``$ docker ...``: this is what the run actually did.
    """
    found = []
    cells = json.loads(path.read_text()).get("cells", [])
    for number, cell in enumerate(cells, start=1):
        for output in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            text = output.get("text") or (output.get("data") or {}).get("text/plain") or ""
            text = "".join(text) if isinstance(text, list) else str(text)
            for line in text.splitlines():
                if line.startswith("$ docker "):
                    try:
                        argv = shlex.split(line[2:])
                    except ValueError:
                        continue
                    found.append((f"{path.name} cell {number}", argv))
    return found


def image_of_command(argv: list[str], flags_without_value: Iterable[str]) -> str | None:
    """The image a ``docker run``/``create``/``pull`` command line uses, if it is one.

    Args:
        argv: ``["docker", "run", "-d", "--name", "web", "nginx", ...]``.
        flags_without_value: The boolean flags (``-d``, ``--rm``): every other flag
            is followed by its value.
    """
    if len(argv) < 3 or argv[0] != "docker":
        return None
    words = argv[1:]
    # `docker container run` and `docker image pull` are the same commands.
    if len(words) > 1 and (words[0] == "container" or words[:2] == ["image", "pull"]):
        words = words[1:]
    if words[0] not in ("run", "create", "pull"):
        return None
    booleans = set(flags_without_value)
    rest = iter(words[1:])
    for word in rest:
        if word == "--":
            return next(rest, None)
        if word.startswith("-"):
            if word in booleans or "=" in word:
                continue
            next(rest, None)
            continue
        return word
    return None
