"""The size chart is a pure drawing: bars proportional to the sizes it is given."""

from __future__ import annotations

import re

from docdocker.base import render
from docdocker.tools import lesson


def test_bars_are_proportional_and_labelled_with_the_cli_sizes() -> None:
    svg = render.bar_chart_svg([("single-stage", 200e6), ("multi-stage", 50e6)],
                               title="Image sizes")
    widths = [float(w) for w in re.findall(r'<rect [^>]*width="([\d.]+)"', svg)]
    assert widths[0] == 4 * widths[1]  # the largest fills the width, the others in proportion
    assert ">200MB<" in svg and ">50MB<" in svg and "Image sizes" in svg


def test_labels_are_escaped_and_an_empty_chart_still_draws() -> None:
    svg = render.bar_chart_svg([("<script>", 1.0)])
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert render.bar_chart_svg([]).endswith("</svg>")


def test_the_text_form_reads_in_a_terminal() -> None:
    chart = lesson.size_chart({"naive": 300e6, "final": 100e6}, title="sizes")
    lines = repr(chart).splitlines()
    assert lines[0] == "sizes"
    assert (lines[1].count("#"), lines[2].count("#")) == (40, 13)  # 40 * 1/3, rounded
    assert lines[1].endswith("300MB") and "<svg" in chart._repr_html_()
