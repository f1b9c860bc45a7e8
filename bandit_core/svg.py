"""Small inline-SVG charts for self-contained HTML reports (no JavaScript, no CDN).

Every chart is a 640 x 260 ``<svg class="chart">`` with a title, a light grid, axis ticks and
a legend on the right, so pages and the study's plot files can place them side by side:

- ``line_chart``: one line per series, with optional shaded intervals and dashed series;
- ``stacked_area``: shares that sum to 1, stacked;
- ``scatter_trails``: each series' path through (x, y) points, its last point emphasised.

Colours follow ``PALETTE`` in series order unless ``colors`` names them, so one report can
give a template the same colour in every chart.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from html import escape

__all__ = ["PALETTE", "line_chart", "scatter_trails", "stacked_area"]

PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
)

_W, _H = 640, 260
_LEFT, _RIGHT, _TOP, _BOTTOM = 56, 150, 28, 36

Band = tuple[Sequence[float | None], Sequence[float | None]]


def _tick(value: float, span: float, y_format: str | None) -> str:
    if y_format is not None:
        return format(value, y_format)
    if span >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"


class _Scale:
    """Maps data values to plot coordinates."""

    def __init__(self, n: int, y_min: float, y_max: float, x_range: tuple[float, float] | None):
        self.n = n
        self.y_min = y_min
        self.y_max = y_max if y_max > y_min else y_min + 1.0
        self.x_range = x_range

    def x(self, i: float) -> float:
        plot_w = _W - _LEFT - _RIGHT
        if self.x_range is not None:
            low, high = self.x_range
            return _LEFT + plot_w * ((i - low) / (high - low) if high > low else 0.5)
        return _LEFT + (plot_w * i / (self.n - 1) if self.n > 1 else plot_w / 2)

    def y(self, value: float) -> float:
        plot_h = _H - _TOP - _BOTTOM
        return _TOP + plot_h - plot_h * (value - self.y_min) / (self.y_max - self.y_min)


def _frame(
    title: str,
    scale: _Scale,
    y_format: str | None,
    x_labels: Sequence[str],
    x_positions: Sequence[float] | None = None,
) -> list[str]:
    plot_w = _W - _LEFT - _RIGHT
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_W} {_H}" '
        f'role="img" aria-label="{escape(title)}" class="chart">',
        f'<text x="{_LEFT}" y="16" class="title">{escape(title)}</text>',
    ]
    span = scale.y_max - scale.y_min
    for i in range(5):
        value = scale.y_min + span * i / 4
        y = scale.y(value)
        parts.append(
            f'<line x1="{_LEFT}" x2="{_LEFT + plot_w}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
            f'<text x="{_LEFT - 6}" y="{y + 4:.1f}" class="axis" text-anchor="end">'
            f"{_tick(value, span, y_format)}</text>"
        )
    if scale.y_min < 0 < scale.y_max:
        zero = scale.y(0.0)
        parts.append(
            f'<line x1="{_LEFT}" x2="{_LEFT + plot_w}" y1="{zero:.1f}" y2="{zero:.1f}" '
            'class="zero" stroke="#999"/>'
        )
    positions = x_positions if x_positions is not None else range(len(x_labels))
    step = max(1, len(x_labels) // 7)
    last = len(x_labels) - 1
    for i, (label, at) in enumerate(zip(x_labels, positions, strict=True)):
        # every step-th label, and the last one unless it would overlap its neighbour
        if i % step == 0 and (i == last or last - i >= step / 2) or i == last:
            parts.append(
                f'<text x="{scale.x(at):.1f}" y="{_H - 12}" class="axis" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    return parts


def _colour(i: int, name: str, colors: Mapping[str, str] | None) -> str:
    if colors is not None and name in colors:
        return colors[name]
    return PALETTE[i % len(PALETTE)]


def _legend(names: Sequence[str], colors: Mapping[str, str] | None = None) -> list[str]:
    x = _W - _RIGHT + 12
    return [
        f'<rect x="{x}" y="{_TOP + 18 * i}" width="10" height="10" '
        f'fill="{_colour(i, name, colors)}"/>'
        f'<text x="{x + 16}" y="{_TOP + 18 * i + 9}" class="legend">{escape(name)}</text>'
        for i, name in enumerate(names)
    ]


def _runs(points: Sequence[float | None]) -> list[list[int]]:
    """Index runs without a gap (``None`` splits a line)."""
    runs: list[list[int]] = [[]]
    for j, value in enumerate(points):
        if value is None:
            runs.append([])
        else:
            runs[-1].append(j)
    return [run for run in runs if run]


def line_chart(
    series: Mapping[str, Sequence[float | None]],
    x_labels: Sequence[str],
    *,
    title: str,
    y_format: str | None = None,
    bands: Mapping[str, Band] | None = None,
    dashed: Collection[str] = (),
    colors: Mapping[str, str] | None = None,
) -> str:
    """One line per series over ``x_labels``; ``None`` leaves a gap.

    Args:
        series: name -> values, one per x label.
        x_labels: the x axis labels.
        title: the chart title.
        y_format: a ``format`` spec for the y ticks (e.g. ``".1%"``).
        bands: name -> (low, high) values: a shaded interval drawn under that series.
        dashed: names of series drawn dashed (e.g. a baseline or the truth).
        colors: name -> colour, overriding the palette.
    """
    bands = bands or {}
    values = [v for points in series.values() for v in points if v is not None]
    values += [v for low, high in bands.values() for v in (*low, *high) if v is not None]
    top = max(values, default=1.0)
    bottom = min(values, default=0.0)
    y_max = top * 1.1 if top > 0 else 0.0
    y_min = bottom * 1.1 if bottom < 0 else 0.0
    if y_max == y_min:
        y_max = y_min + 1.0
    scale = _Scale(len(x_labels), y_min, y_max, None)
    parts = _frame(title, scale, y_format, x_labels)
    for i, name in enumerate(series):
        if name not in bands:
            continue
        low, high = bands[name]
        color = _colour(i, name, colors)
        present = [
            lo if lo is not None and hi is not None else None
            for lo, hi in zip(low, high, strict=True)
        ]
        for run in _runs(present):
            upper = [f"{scale.x(j):.1f},{scale.y(float(high[j] or 0)):.1f}" for j in run]
            lower = [f"{scale.x(j):.1f},{scale.y(float(low[j] or 0)):.1f}" for j in reversed(run)]
            if len(run) > 1:
                parts.append(
                    f'<polygon points="{" ".join(upper + lower)}" fill="{color}" '
                    f'fill-opacity="0.18" class="band"><title>{escape(name)}</title></polygon>'
                )
            else:
                j = run[0]
                parts.append(
                    f'<line x1="{scale.x(j):.1f}" x2="{scale.x(j):.1f}" '
                    f'y1="{scale.y(float(low[j] or 0)):.1f}" '
                    f'y2="{scale.y(float(high[j] or 0)):.1f}" stroke="{color}" '
                    'stroke-opacity="0.4" stroke-width="6" class="band"/>'
                )
    for i, (name, points) in enumerate(series.items()):
        color = _colour(i, name, colors)
        dash = ' stroke-dasharray="5,4"' if name in dashed else ""
        for run in _runs(points):
            coords = [f"{scale.x(j):.1f},{scale.y(float(points[j] or 0)):.1f}" for j in run]
            if len(coords) > 1:
                parts.append(
                    f'<polyline fill="none" stroke="{color}" stroke-width="2"{dash} '
                    f'points="{" ".join(coords)}"><title>{escape(name)}</title></polyline>'
                )
            else:
                cx, cy = coords[0].split(",")
                parts.append(f'<circle cx="{cx}" cy="{cy}" r="2.5" fill="{color}"/>')
    parts += _legend(list(series), colors)
    parts.append("</svg>")
    return "".join(parts)


def stacked_area(
    shares: Mapping[str, Sequence[float]],
    x_labels: Sequence[str],
    *,
    title: str,
    colors: Mapping[str, str] | None = None,
) -> str:
    """Shares (each column summing to 1) stacked over ``x_labels``."""
    scale = _Scale(len(x_labels), 0.0, 1.0, None)
    parts = _frame(title, scale, ".0%", x_labels)
    n = len(x_labels)
    base = [0.0] * n
    for i, (name, values) in enumerate(shares.items()):
        color = _colour(i, name, colors)
        top = [b + v for b, v in zip(base, values, strict=True)]
        upper = [f"{scale.x(j):.1f},{scale.y(top[j]):.1f}" for j in range(n)]
        lower = [f"{scale.x(j):.1f},{scale.y(base[j]):.1f}" for j in reversed(range(n))]
        if n == 1:  # a single day: draw a bar
            width = 24
            parts.append(
                f'<rect x="{scale.x(0) - width / 2:.1f}" y="{scale.y(top[0]):.1f}" '
                f'width="{width}" height="{scale.y(base[0]) - scale.y(top[0]):.1f}" '
                f'fill="{color}"/>'
            )
        else:
            parts.append(
                f'<polygon points="{" ".join(upper + lower)}" fill="{color}" '
                f'fill-opacity="0.85"><title>{escape(name)}</title></polygon>'
            )
        base = top
    parts += _legend(list(shares), colors)
    parts.append("</svg>")
    return "".join(parts)


def scatter_trails(
    trails: Mapping[str, Sequence[tuple[float, float]]],
    *,
    title: str,
    x_format: str = ".0%",
    y_format: str = ".1%",
    x_max: float | None = None,
    colors: Mapping[str, str] | None = None,
) -> str:
    """Each series' path through its (x, y) points, oldest faint, the last one large.

    The x axis runs from 0 to ``x_max`` (default: the largest x), the y axis from 0 up.
    """
    xs = [x for points in trails.values() for x, _ in points]
    ys = [y for points in trails.values() for _, y in points]
    x_max = x_max if x_max is not None else max(max(xs, default=1.0), 1e-9)
    y_max = max(ys, default=1.0) * 1.15 or 1.0
    ticks = [x_max * i / 4 for i in range(5)]
    scale = _Scale(len(ticks), 0.0, y_max, (0.0, x_max))
    parts = _frame(title, scale, y_format, [format(t, x_format) for t in ticks], ticks)
    for i, (name, points) in enumerate(trails.items()):
        if not points:
            continue
        color = _colour(i, name, colors)
        coords = [(scale.x(x), scale.y(y)) for x, y in points]
        if len(coords) > 1:
            parts.append(
                f'<polyline fill="none" stroke="{color}" stroke-width="1.2" stroke-opacity="0.5" '
                f'points="{" ".join(f"{cx:.1f},{cy:.1f}" for cx, cy in coords)}"/>'
            )
        for j, (cx, cy) in enumerate(coords[:-1]):
            opacity = 0.2 + 0.5 * j / max(len(coords) - 1, 1)
            parts.append(
                f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="2" fill="{color}" '
                f'fill-opacity="{opacity:.2f}"/>'
            )
        cx, cy = coords[-1]
        parts.append(
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="5" fill="{color}" stroke="#fff">'
            f"<title>{escape(name)}</title></circle>"
        )
    parts += _legend(list(trails), colors)
    parts.append("</svg>")
    return "".join(parts)
