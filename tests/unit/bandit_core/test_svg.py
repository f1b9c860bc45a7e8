"""The report's inline SVG charts (no database, no browser)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from bandit_core import svg

NS = "{http://www.w3.org/2000/svg}"


def _parse(text: str) -> ET.Element:
    return ET.fromstring(text)  # the chart must be well-formed XML to be drawn at all


def test_public_surface() -> None:
    assert sorted(svg.__all__) == ["PALETTE", "line_chart", "scatter_trails", "stacked_area"]


def test_line_chart_draws_bands_gaps_and_dashed_series() -> None:
    chart = _parse(
        svg.line_chart(
            {"a": [0.1, None, 0.3, 0.4], "b<script>": [0.2, 0.2, 0.2, 0.2]},
            ["d1", "d2", "d3", "d4"],
            title="t & u",
            bands={"a": ([0.05, None, 0.2, 0.3], [0.15, None, 0.4, 0.5])},
            dashed={"b<script>"},
            colors={"a": "#123456"},
        )
    )
    polylines = chart.findall(f"{NS}polyline")
    circles = chart.findall(f"{NS}circle")
    bands = [p for p in chart.findall(f"{NS}polygon") if p.get("class") == "band"]
    assert len(polylines) == 2  # a's second run and b; a's first run is a single point
    assert len(circles) == 1 and circles[0].get("fill") == "#123456"
    assert len(bands) == 1 and bands[0].get("fill") == "#123456"
    assert [p.get("stroke-dasharray") for p in polylines] == [None, "5,4"]
    assert chart.find(f"{NS}text").text == "t & u"  # escaped in the source, parsed back


def test_negative_values_get_a_zero_line_below_the_top() -> None:
    text = svg.line_chart({"lift": [-0.02, 0.01, 0.03]}, ["a", "b", "c"], title="lift")
    chart = _parse(text)
    zero = [line for line in chart.findall(f"{NS}line") if line.get("class") == "zero"]
    assert len(zero) == 1
    ys = [float(y) for y in re.findall(r",([\d.]+)", chart.find(f"{NS}polyline").get("points"))]
    assert max(ys) > float(zero[0].get("y1")) > min(ys)  # the line crosses zero


def test_stacked_area_of_one_day_is_a_bar_and_of_many_a_polygon_per_series() -> None:
    one = _parse(svg.stacked_area({"a": [0.3], "b": [0.7]}, ["d1"], title="one"))
    assert len([r for r in one.findall(f"{NS}rect") if r.get("width") == "24"]) == 2
    many = _parse(svg.stacked_area({"a": [0.3, 0.5], "b": [0.7, 0.5]}, ["d1", "d2"], title="m"))
    assert len(many.findall(f"{NS}polygon")) == 2


def test_scatter_trails_end_in_a_large_point() -> None:
    chart = _parse(
        svg.scatter_trails({"a": [(0.25, 0.02), (0.5, 0.03), (0.9, 0.04)], "b": []}, title="s")
    )
    radii = [c.get("r") for c in chart.findall(f"{NS}circle")]
    assert radii == ["2", "2", "5"]


@pytest.mark.parametrize("chart", ["line", "area"])
def test_the_study_plots_keep_their_size(chart: str) -> None:
    text = (
        svg.line_chart({"x": [1.0, 2.0]}, ["a", "b"], title="t")
        if chart == "line"
        else svg.stacked_area({"x": [1.0, 1.0]}, ["a", "b"], title="t")
    )
    assert _parse(text).get("viewBox") == "0 0 640 260"
