"""The notebooks as saved in the repository: small, free of widget state, honest, no secrets.

Readers on GitHub, nbviewer and Binder see the saved outputs before any kernel runs,
so these are checked as files, without an engine.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))
#: A saved notebook stays below this size: outputs of a real run, without a widget blob.
MAX_BYTES = 80_000
#: The longer lessons: 02 saves the logs of eight real BuildKit builds (a line per step and
#: its output) and a sidebar with the classic builder's, 03 a dozen registry tables and
#: pushes, 05 a Compose build log and the Map's picture, 06 the logs of the six builds it
#: compares. Their text alone is about twice that of 01; a widget blob or a runaway output
#: would still push them far over.
LONGER_LESSONS = {"02-dockerfiles": 144_000, "03-registries": 128_000, "05-compose": 90_000,
                  "06-better-images": 112_000}
RECORD = "python tests/record_notebooks.py notebooks/{name}"

#: What a password, a token or a password hash looks like when it leaks into a cell.
SECRETS = [
    # A value, not code: `password = Secret(...)` and `widgets.Password(` are fine.
    # A value, not the mask docdocker shows in its place (`PASSWORD=******`).
    re.compile(r"(?i)(?<![a-z])(password|passwd|pwd|secret|token)(?![a-z])"
               r"\s*[=:]\s*['\"]?(?!<|\*{6}(?![^\s'\"<>{}().]))[^\s'\"<>{}().]{4,}(?![(.\w])"),
    re.compile(r"--password(?!-stdin)[ =]\S+"),
    re.compile(r"\bdocker login\b[^\n]*\s-p\s+\S+"),
    re.compile(r"\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}"),  # bcrypt, as htpasswd writes it
    re.compile(r"(?i)authorization:\s*basic\s+[A-Za-z0-9+/=]{8,}"),
]


def _outputs_text(nb: dict) -> str:
    return json.dumps([c.get("outputs", []) for c in nb["cells"] if c["cell_type"] == "code"])


@pytest.mark.parametrize("path", NOTEBOOKS,
                         ids=lambda p: getattr(p, "stem", str(p)))
def test_saved_notebook_is_small_and_carries_no_widget_state(path: Path) -> None:
    nb = json.loads(path.read_text())
    assert "widgets" not in nb["metadata"], (
        f"{path.name} carries a widget-state blob; re-record it with " + RECORD.format(
            name=path.name) + " (or delete metadata.widgets)")
    assert "application/vnd.jupyter.widget-state+json" not in path.read_text()
    size, limit = path.stat().st_size, LONGER_LESSONS.get(path.stem, MAX_BYTES)
    assert size < limit, (
        f"{path.name} is {size:,} bytes; this saved notebook must stay under {limit:,}. "
        "Record it with " + RECORD.format(name=path.name) + ", and look for long tables or "
        "repeated outputs.")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_saved_output_mentions_the_test_engines_stand_in_images(path: Path) -> None:
    # The development engine runs stand-ins for some official images; what a learner
    # reads must be what the official images print.
    outputs = _outputs_text(json.loads(path.read_text()))
    assert not re.search(r"(?i)stand-?in", outputs), (
        f"{path.name} has an output that mentions a stand-in image: re-record it on an "
        "engine with the official images' behaviour")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_password_looking_string_is_saved(path: Path) -> None:
    text = path.read_text()
    found = [m.group(0) for pattern in SECRETS for m in pattern.finditer(text)]
    assert found == [], f"{path.name} contains what looks like a secret: {found[:3]}"


def test_the_secret_patterns_catch_what_they_are_for() -> None:
    leaks = ["REGISTRY_PASSWORD: hunter22", "password=s3cr3t!", "PASSWORD=******x1",
             "docker login -u me -p hunter22", "--password hunter22", "admin:$2y$05$" + "a" * 53,
             "Authorization: Basic YWRtaW46aHVudGVy"]
    fine = ["--password-stdin", "password: <hidden>", "the password is never shown",
            "token={{ token }}", "password = widgets.Password(description=",
            "password = Secret(new_password.value)", "--build-arg PASSWORD=******",
            "RUN |1 PASSWORD=****** /bin/sh"]
    for text in leaks:
        assert any(p.search(text) for p in SECRETS), text
    for text in fine:
        assert not any(p.search(text) for p in SECRETS), text
