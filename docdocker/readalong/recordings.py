"""Recorded outputs: what each step printed in a real run, for reading along without an engine.

``python -m docdocker record`` runs the notebooks on a live engine with recording on
(:data:`RECORD_ENV` names the folder); every step's echo, streamed output and result
are stored in ``notebooks/recordings/<notebook>.json``, keyed by the step's command
line. Where no engine is reachable (Binder), :func:`docdocker.connect` returns a
read-along session that replays them, each marked as recorded, with the Docker
version and date of the recording. A step whose command line changed since the
recording says so instead of showing a stale output.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import os
import re
import threading
from collections import defaultdict, deque
from dataclasses import asdict, dataclass, field
from html import escape
from pathlib import Path
from typing import Any

from docdocker.base import errors, render
from docdocker.base.masking import mask_data, mask_text
from docdocker.core.console import Console
from docdocker.core.engine import StepResult
from docdocker.core.progress import Progress
from docdocker.core.steps import Step

#: Set to a folder: every step run by the notebooks is recorded there.
RECORD_ENV = "DOCDOCKER_RECORD"
#: Set to ``1``: read along (replay recordings) even where an engine answers.
READALONG_ENV = "DOCDOCKER_READALONG"
#: Where recordings are read from (default: ``recordings/`` beside the notebooks).
RECORDINGS_ENV = "DOCDOCKER_RECORDINGS"

# Parts of a command line chosen at run time: host ports picked free, IDs, temp folders.
_VOLATILE = (
    (re.compile(r"(127\.0\.0\.1|localhost|0\.0\.0\.0):\d{2,5}"), r"\1:<PORT>"),
    (re.compile(r"\b[0-9a-f]{12,64}\b"), "<ID>"),
    (re.compile(r"/tmp/[^\s'\"]+"), "<TMP>"),
    # The classic builder's `docker build` gets --force-rm, BuildKit's does not: a reader
    # without buildx (Binder has no docker at all) replays the BuildKit recording.
    (re.compile(r" --force-rm(?= )"), ""),
)


def key(line: str) -> str:
    """A command line with its run-time choices (ports, IDs, temp paths, the builder's
    --force-rm) blanked."""
    for pattern, replacement in _VOLATILE:
        line = pattern.sub(replacement, line)
    return line


@dataclass
class Entry:
    """One recorded step: its command line and everything it showed."""

    cli: str
    text: str = ""
    html: str = ""
    streamed: str = ""
    output: str = ""
    exit_code: int | None = None
    error: dict[str, Any] | None = None
    #: Pages the result could be opened at: ``[text, href]`` pairs.
    links: list[list[str]] = field(default_factory=list)
    #: The result's ``value`` when it is plain data (an address, an image ID, an inspect
    #: document).
    value: Any = None
    #: What a kind of result adds (a build's ``seconds``, ``steps``...), as plain values.
    extra: dict[str, Any] = field(default_factory=dict)
    #: A ``value`` that is an object (a push's report): its attributes, as plain values.
    value_attrs: dict[str, Any] | None = None


@dataclass
class Page:
    """One recorded page fetch (``curl URL``) or registry API answer (``GET URL``)."""

    url: str
    status: int
    body: str
    #: The response headers a caller reads (a registry's ``Docker-Content-Digest``).
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Recording:
    """A notebook's recorded steps and pages, in the order they ran."""

    notebook: str
    docker: str = ""
    recorded: str = ""
    steps: list[Entry] = field(default_factory=list)
    pages: list[Page] = field(default_factory=list)
    #: The Dashboard's rows as last seen while recording (its final state).
    dashboard: list[dict[str, Any]] = field(default_factory=list)
    #: The Map's graph as last seen while recording (nodes and edges as plain data).
    map: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._queues: dict[str, deque[Entry]] = defaultdict(deque)
        self._last: dict[str, Entry] = {}
        for entry in self.steps:
            self._queues[key(entry.cli)].append(entry)

    @property
    def stamp(self) -> str:
        """``Docker 20.10.24, 2026-11-27``: what the marker says."""
        return f"Docker {self.docker or '?'}, {self.recorded or '?'}"

    def take(self, cli: str) -> Entry | None:
        """The next recorded run of this command line (the last one again when re-run)."""
        queue = self._queues.get(key(cli))
        if queue:
            self._last[key(cli)] = queue.popleft()
        return self._last.get(key(cli))

    def page(self, url: str) -> Page | None:
        """The next recorded answer for this address (ports ignored), the last one again
        once they are used up."""
        if not hasattr(self, "_page_queues"):
            self._page_queues: dict[str, deque[Page]] = defaultdict(deque)
            self._last_page: dict[str, Page] = {}
            for page in self.pages:
                self._page_queues[key(page.url)].append(page)
        queue = self._page_queues.get(key(url))
        if queue:
            self._last_page[key(url)] = queue.popleft()
        return self._last_page.get(key(url))

    @classmethod
    def load(cls, path: Path) -> Recording:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            notebook=data["notebook"], docker=data.get("docker", ""),
            recorded=data.get("recorded", ""),
            steps=[Entry(**e) for e in data.get("steps", [])],
            pages=[Page(**p) for p in data.get("pages", [])],
            dashboard=list(data.get("dashboard", [])),
            map=dict(data.get("map") or {}),
        )

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        data: dict[str, Any] = {
            "notebook": self.notebook, "docker": self.docker, "recorded": self.recorded,
            "steps": [asdict(e) for e in self.steps],
            "pages": [asdict(p) for p in self.pages], "dashboard": self.dashboard}
        if self.map:  # only notebooks that show a Map record one
            data["map"] = self.map
        path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def folder() -> Path:
    """Where recordings live: ``$DOCDOCKER_RECORDINGS``, else beside the notebooks."""
    if os.environ.get(RECORDINGS_ENV):
        return Path(os.environ[RECORDINGS_ENV])
    here = Path.cwd() / "recordings"
    if here.is_dir():
        return here
    return Path(__file__).resolve().parents[2] / "notebooks" / "recordings"


def load(notebook: str) -> Recording:
    """The notebook's recording, or an empty one when it was never recorded."""
    path = folder() / f"{notebook}.json"
    return Recording.load(path) if path.is_file() else Recording(notebook)


# ------------------------------------------------------------------ recording
class Tee(Console):
    """Passes everything to another console and keeps what a step streamed."""

    def __init__(self, inner: Console) -> None:
        self.inner = inner
        self.chunks: list[str] = []
        self.last_progress = ""

    def command(self, cli: str) -> None:
        self.inner.command(cli)

    def progress(self, progress: Progress, *, final: bool = False) -> None:
        self.last_progress = progress.text()
        self.inner.progress(progress, final=final)

    def text(self, chunk: str) -> None:
        self.chunks.append(mask_text(chunk))
        self.inner.text(chunk)

    @property
    def streamed(self) -> str:
        shown = "".join(self.chunks)
        return f"{shown}{self.last_progress}\n" if self.last_progress else shown


class Recorder:
    """Appends each step of one notebook to its recording file as it runs."""

    def __init__(self, notebook: str, target: Path, docker: str) -> None:
        self.path = target / f"{notebook}.json"
        self.recording = Recording(notebook, docker=docker,
                                   recorded=datetime.date.today().isoformat())
        # Widgets record from their own threads too (the Dashboard's refreshes).
        self._lock = threading.Lock()
        self.save()

    def save(self) -> None:
        with self._lock:
            self.recording.save(self.path)

    def result(self, result: StepResult, tee: Tee) -> None:
        # Results are masked as they are made; masking again here also covers results a
        # widget builds itself.
        self.recording.steps.append(Entry(
            cli=result.cli, text=mask_text(repr(result)), html=mask_text(result._repr_html_()),
            streamed=tee.streamed, output=mask_text(result.output), exit_code=result.exit_code,
            links=[[link.text, link.href] for link in result.links],
            value=mask_data(result.value) if _jsonable(result.value) else None,
            extra=_extras(result),
            value_attrs=_extras(result.value) if dataclasses.is_dataclass(result.value)
            else None))
        self.save()

    def dashboard(self, rows: list[dict[str, Any]]) -> None:
        """Keep the Dashboard's latest rows (what a reader sees at the end of the notebook)."""
        kept = [{k: (v if isinstance(v, (str, int, float, bool)) or v is None
                     else [str(x) for x in v] if isinstance(v, (list, tuple)) else str(v))
                 for k, v in row.items() if k != "LABELS"} for row in rows]
        if kept != self.recording.dashboard:
            self.recording.dashboard = kept
            self.save()

    def map(self, graph: dict[str, Any]) -> None:
        """Keep the Map's latest graph (what a reader sees at the end of the notebook)."""
        if graph != self.recording.map:
            self.recording.map = graph
            self.save()

    def error(self, step: Step, error: errors.DocDockerError, tee: Tee) -> None:
        fields = {"class": type(error).__name__, "message": error.message, "fix": error.fix,
                  "command": list(error.command or []),
                  "stderr": mask_text(str(getattr(error, "stderr", "") or "")),
                  "exit_code": getattr(error, "exit_code", None)}
        self.recording.steps.append(Entry(cli=error.cli or step.cli, text=mask_text(str(error)),
                                          html=mask_text(error._repr_html_()),
                                          streamed=tee.streamed,
                                          error=fields))
        self.save()

    def page(self, url: str, status: int, body: str,
             headers: dict[str, str] | None = None) -> None:
        self.recording.pages.append(Page(url, status, body, dict(headers or {})))
        self.save()


_PLAIN = (str, int, float, bool, type(None))
_BASE = {f.name for f in dataclasses.fields(StepResult)} | set(dir(StepResult))


def _jsonable(value: Any) -> bool:
    """True for plain data that survives a JSON round trip (an engine's inspect answer)."""
    if value is None or dataclasses.is_dataclass(value):
        return False
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def _extras(result: Any) -> dict[str, Any]:
    """The fields and properties a result's class adds, kept as plain values (lists as text)."""
    kind = type(result)
    names = [f.name for f in dataclasses.fields(result)]
    names += [n for n in dir(kind) if isinstance(getattr(kind, n, None), property)]
    kept: dict[str, Any] = {}
    for name in names:
        if name in _BASE or name.startswith("_"):
            continue
        try:
            value = getattr(result, name)
        except Exception:  # a property that cannot answer is simply not recorded
            continue
        if isinstance(value, _PLAIN):
            kept[name] = value
        elif isinstance(value, (list, tuple)):
            # Objects as a short text: the count and order matter, not every detail.
            kept[name] = [v if isinstance(v, _PLAIN) else str(v)[:80] for v in value]
        elif isinstance(value, dict):
            kept[name] = {str(k): v if isinstance(v, _PLAIN) else str(v)
                          for k, v in value.items()}
    return kept


_recorder: Recorder | None = None
_replaying: Recording | None = None


def start_recording(notebook: str, docker: str) -> Recorder | None:
    """Start recording this notebook if :data:`RECORD_ENV` asks for it."""
    global _recorder
    target = os.environ.get(RECORD_ENV)
    _recorder = Recorder(notebook, Path(target), docker) if target else None
    return _recorder


def recorder() -> Recorder | None:
    """The active recorder, if this kernel is recording."""
    return _recorder


def replay(recording: Recording | None) -> None:
    """Make page fetches replay ``recording`` (None: fetch for real)."""
    global _replaying
    _replaying = recording


def replaying() -> Recording | None:
    """The recording being read along, if any."""
    return _replaying


def reading_along(engine: Any) -> Recording | None:
    """The recording ``engine`` replays when it is a read-along session; None for a live one."""
    recording = getattr(engine, "recording", None)
    return recording if isinstance(recording, Recording) else None


def needs_engine(action: str) -> str:
    """Why a widget's action is off in read-along mode: ``Build needs a Docker Engine...``."""
    return (f"{action} needs a Docker Engine: this notebook is reading along (recorded "
            "outputs, no engine here). Run the tutorial where Docker runs to use it live.")


# --------------------------------------------------------------------- replay
def marker_html(recording: Recording) -> str:
    """The line under every replayed output."""
    return (
        '<div class="docdocker-recorded" style="font-size: 0.85em; opacity: 0.75; '
        'border-left: 3px solid var(--jp-brand-color1, #1976d2); padding-left: 6px;">'
        f"Recorded output ({escape(recording.stamp)}): read-along mode, no engine here.</div>"
    )


def marker_text(recording: Recording) -> str:
    return f"[recorded output, {recording.stamp}: read-along mode, no engine here]"


@dataclass
class RecordedResult(StepResult):
    """A step's result replayed from its recording."""

    recording: Recording | None = None
    entry: Entry | None = None
    #: Rendered in the notebook already (else it is shown when its cell ends).
    shown: bool = False

    def __getattr__(self, name: str) -> Any:
        # What the recorded kind of result added (``seconds`` of a build...).
        entry = self.__dict__.get("entry")
        if entry is not None and name in entry.extra:
            return entry.extra[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def _repr_html_(self) -> str:
        assert self.recording is not None
        self.shown = True
        if self.entry is None:
            return render.status_html(None, (
                "This step has no recorded output: it changed since the notebook was "
                "recorded. Run the notebook on a live engine to see what it does.")
            ) + marker_html(self.recording)
        # A streamed step printed its marker under what it streamed.
        return self.entry.html + ("" if self.entry.streamed else marker_html(self.recording))

    def __repr__(self) -> str:
        assert self.recording is not None
        self.shown = True
        if self.entry is None:
            return ("(no recorded output: this step changed since the notebook was recorded)\n"
                    + marker_text(self.recording))
        if self.entry.streamed:
            return self.entry.text
        return f"{self.entry.text}\n{marker_text(self.recording)}"


_unshown: list[RecordedResult] = []
_hooked = False


def show_when_the_cell_ends(result: RecordedResult) -> None:
    """Show ``result`` at the end of its cell unless the cell shows it itself.

    A live step that is not the cell's last line shows only its echo; read along,
    its recorded output and marker still appear (after the cell's own outputs).
    """
    global _hooked
    _unshown.append(result)
    if not _hooked:
        from IPython import get_ipython

        shell = get_ipython()
        if shell is not None:
            shell.events.register("post_run_cell", _show_unshown)
            _hooked = True


def _show_unshown(*_args: Any) -> None:
    from IPython.display import display

    pending = [result for result in _unshown if not result.shown]
    _unshown.clear()
    for result in pending:
        display(result)


def recorded_error(entry: Entry, recording: Recording) -> errors.DocDockerError:
    """The recorded failure, raised again (so ``expect_error`` blocks read as recorded)."""
    fields = dict(entry.error or {})
    cls = getattr(errors, str(fields.pop("class", "")), errors.DocDockerError)
    if not (isinstance(cls, type) and issubclass(cls, errors.DocDockerError)):
        cls = errors.DocDockerError
    html = entry.html + marker_html(recording)
    marker = marker_text(recording)
    replayed = type(cls.__name__, (cls,), {
        "_repr_html_": lambda self: html,
        "__str__": lambda self: f"{cls.__str__(self)}\n{marker}",
        "__module__": cls.__module__,
    })
    kwargs: dict[str, Any] = {"fix": fields.get("fix"), "command": fields.get("command") or None}
    if issubclass(cls, errors.StepFailed):
        kwargs["stderr"] = fields.get("stderr") or ""
        if fields.get("exit_code") is not None:
            kwargs["exit_code"] = fields["exit_code"]
    return replayed(str(fields.get("message", "")), **kwargs)  # type: ignore[no-any-return]


def banner_html(notebook: str, reason: str, recording: Recording) -> str:
    """The notice at the top of a notebook read along without an engine."""
    when = (f"Every step below shows its command and the output recorded from a real run "
            f"({escape(recording.stamp)}).") if recording.steps else (
            "This notebook has no recording yet, so steps show only their commands.")
    return (
        '<div class="docdocker-banner" style="border: 2px solid '
        'var(--jp-brand-color1, #1976d2); border-radius: 4px; padding: 8px 12px; '
        'margin: 4px 0; background: var(--jp-layout-color2, #eef4fb);">'
        f"<b>Read-along mode: no Docker Engine here.</b> {escape(reason)}<br>{when}<br>"
        "To run the steps live: install Docker Desktop (macOS, Windows, Linux) or Docker "
        "Engine (Linux) and start the tutorial on your machine (see README.md), or point "
        "<code>DOCKER_HOST</code> at an engine you may use (for example one your instructor "
        "provides), then restart the kernel.</div>"
    )


def banner_text(reason: str, recording: Recording) -> str:
    return (f"Read-along mode: no Docker Engine here. {reason} Outputs below are recorded "
            f"({recording.stamp}). To run live: install Docker, or set DOCKER_HOST, "
            "then restart the kernel.")


# ------------------------------------------------------------ making recordings
def record_notebooks(paths: list[Path], target: Path | None = None) -> list[Path]:
    """Run each notebook from the top on the live engine, recording every step.

    Equivalent CLI: ``python -m docdocker record [NOTEBOOK.ipynb ...]``

    Args:
        paths: The notebooks to run (their saved outputs are left as they are).
        target: Where the recordings go (default: ``recordings/`` beside each notebook).

    Returns:
        The recording files written.
    """
    import nbformat
    from nbclient import NotebookClient

    written = []
    previous = os.environ.get(RECORD_ENV)
    try:
        for path in paths:
            where = (target or path.parent / "recordings").resolve()
            where.mkdir(parents=True, exist_ok=True)
            os.environ[RECORD_ENV] = str(where)
            nb = nbformat.read(path, as_version=4)
            NotebookClient(nb, timeout=600, kernel_name="python3",
                           resources={"metadata": {"path": str(path.parent)}}).execute()
            written.append(where / f"{path.stem}.json")
    finally:
        if previous is None:
            os.environ.pop(RECORD_ENV, None)
        else:
            os.environ[RECORD_ENV] = previous
    return written
