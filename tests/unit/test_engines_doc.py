"""docs/engines.md names, for each difference between the engines, the test that covers it:
every test it names exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "engines.md"


def test_every_test_the_engines_table_names_exists() -> None:
    rows = [line for line in DOC.read_text().splitlines() if line.startswith("| ")][2:]
    assert len(rows) >= 10
    files = {p.name: p for p in (ROOT / "tests").rglob("test_*.py")}
    for row in rows:
        named = re.findall(r"`(?:tests/unit/)?(test_\w+\.py)(?:::(\w+))?`", row)
        assert named, f"this row names no test: {row[:80]}"
        for file, function in named:
            assert file in files, f"{file} (named in docs/engines.md) does not exist"
            if function:
                assert f"def {function}(" in files[file].read_text(), f"{file}::{function}"
