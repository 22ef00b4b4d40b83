"""Benchmark: what one keystroke in the TagBuilder costs (validation and preview).

Usage: python benchmarks/tagbuilder.py [ROUNDS]

A learner typing ``localhost:5000/elliot/friendlyhello:1.0`` one character at a
time, into the whole-target field and into each part field, plus a few typos
(uppercase, a colon in the tag, a letter in the port, a 129-character tag).
Every keystroke re-splits or re-joins the name, checks every part, parses the
whole with the reference grammar and rebuilds both command lines. On a shared
machine a single keystroke now and then waits for the CPU; the p99 is the figure
that counts, the max is printed to show that noise. Measured on
the model alone (what runs in the kernel) and through the view's linked
ipywidgets (without a browser), against the bare :func:`docdocker.grammar.reference.parse`
of the same text. The budget is 50 ms per keystroke; the printed ratio says how
far below it the slowest keystroke stays.
"""

from __future__ import annotations

import contextlib
import statistics
import sys
import time
from collections.abc import Callable

from docdocker.base import errors
from docdocker.grammar import reference
from docdocker.widgets.tagbuilder_model import TagBuilderModel

BUDGET_MS = 50.0
TARGET = "localhost:5000/elliot/friendlyhello:1.0"
TYPOS = ["localhost:5000/Elliot/friendlyhello:1.0",
         "localhost:5000/elliot/friendlyhello:1.0:b",
         "localhost:50a0/elliot/friendlyhello:1.0",
         "localhost:5000/elliot/friendlyhello:" + "x" * 129]


def _keystrokes() -> list[str]:
    return [TARGET[:i] for i in range(1, len(TARGET) + 1)] + TYPOS


def _time(action: Callable[[str], object], texts: list[str]) -> list[float]:
    times = []
    for text in texts:
        start = time.perf_counter()
        action(text)
        times.append((time.perf_counter() - start) * 1000)
    return times


def _parse_only(text: str) -> None:
    with contextlib.suppress(errors.InvalidReference):
        reference.parse(text)


def main(rounds: int = 20) -> int:
    texts = _keystrokes()
    model = TagBuilderModel(source="friendlyhello")

    def whole(text: str) -> None:
        model.target = text

    def part(text: str) -> None:
        model.tag = text.rpartition(":")[2][:40]  # typing into the tag field

    contenders: dict[str, Callable[[str], object]] = {
        "reference.parse only": _parse_only,
        "model, whole target typed": whole,
        "model, tag part typed": part,
    }
    from docdocker.core.console import Console
    from docdocker.session.connect import connect
    from docdocker.widgets.tagbuilder import TagBuilder

    # The live engine lists the local images once, when the view is made; typing
    # makes no engine call, so none is timed.
    view = TagBuilder(engine=connect("benchmark", console=Console()), source="friendlyhello")

    def through_view(text: str) -> None:
        view.target_box.value = text

    contenders["view (linked ipywidgets)"] = through_view

    results: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, action in contenders.items():  # interleaved: load affects all alike
            results[name] += _time(action, texts)
    base = statistics.median(results["reference.parse only"])
    print(f"{len(texts)} keystrokes x {rounds} rounds; budget {BUDGET_MS:.0f} ms per keystroke")
    print(f"{'contender':<28}{'median ms':>10}{'p99 ms':>10}{'max ms':>10}"
          f"{'x parse':>10}{'budget/p99':>12}")
    worst = 0.0
    for name, times in results.items():
        times.sort()
        p99 = times[int(len(times) * 0.99) - 1]
        worst = max(worst, p99)
        print(f"{name:<28}{statistics.median(times):>10.3f}{p99:>10.3f}{times[-1]:>10.3f}"
              f"{statistics.median(times) / base:>10.1f}{BUDGET_MS / p99:>12.0f}")
    ok = worst < BUDGET_MS
    print("within budget" if ok else "OVER BUDGET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 20))
