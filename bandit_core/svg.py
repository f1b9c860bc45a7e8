"""Small inline-SVG charts for self-contained HTML reports (no JavaScript, no CDN)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

__all__ = ["PALETTE", "line_chart", "stacked_area"]

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


def _tick(value: float, y_max: float, y_format: str | None) -> str:
    if y_format is not None:
        return format(value, y_format)
    if y_max >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def _frame(
    title: str, y_max: float, y_format: str | None, x_labels: Sequence[str]
) -> list[str]:
    plot_w, plot_h = _W - _LEFT - _RIGHT, _H - _TOP - _BOTTOM
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_W} {_H}" '
        f'role="img" aria-label="{escape(title)}" class="chart">',
        f'<text x="{_LEFT}" y="16" class="title">{escape(title)}</text>',
    ]
    for i in range(5):
        value = y_max * i / 4
        y = _TOP + plot_h - plot_h * i / 4
        parts.append(
            f'<line x1="{_LEFT}" x2="{_LEFT + plot_w}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
            f'<text x="{_LEFT - 6}" y="{y + 4:.1f}" class="axis" text-anchor="end">'
            f"{_tick(value, y_max, y_format)}</text>"
        )
    step = max(1, len(x_labels) // 7)
    last = len(x_labels) - 1
    for i, label in enumerate(x_labels):
        # every step-th label, and the last one unless it would overlap its neighbour
        if i % step == 0 and (i == last or last - i >= step / 2) or i == last:
            parts.append(
                f'<text x="{_x(i, len(x_labels)):.1f}" y="{_H - 12}" class="axis" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    return parts


def _x(i: int, n: int) -> float:
    plot_w = _W - _LEFT - _RIGHT
    return _LEFT + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)


def _y(value: float, y_max: float) -> float:
    plot_h = _H - _TOP - _BOTTOM
    return _TOP + plot_h - plot_h * (value / y_max if y_max > 0 else 0)


def _legend(names: Sequence[str]) -> list[str]:
    x = _W - _RIGHT + 12
    return [
        f'<rect x="{x}" y="{_TOP + 18 * i}" width="10" height="10" '
        f'fill="{PALETTE[i % len(PALETTE)]}"/>'
        f'<text x="{x + 16}" y="{_TOP + 18 * i + 9}" class="legend">{escape(name)}</text>'
        for i, name in enumerate(names)
    ]


def line_chart(
    series: Mapping[str, Sequence[float | None]],
    x_labels: Sequence[str],
    *,
    title: str,
    y_format: str | None = None,
) -> str:
    """One line per series over ``x_labels``; ``None`` leaves a gap."""
    values = [v for points in series.values() for v in points if v is not None]
    y_max = max(values, default=1.0) * 1.1 or 1.0
    parts = _frame(title, y_max, y_format, x_labels)
    for i, (name, points) in enumerate(series.items()):
        color = PALETTE[i % len(PALETTE)]
        segments: list[list[str]] = [[]]
        for j, value in enumerate(points):
            if value is None:
                segments.append([])
                continue
            segments[-1].append(f"{_x(j, len(x_labels)):.1f},{_y(value, y_max):.1f}")
        for segment in segments:
            if len(segment) > 1:
                parts.append(
                    f'<polyline fill="none" stroke="{color}" stroke-width="2" '
                    f'points="{" ".join(segment)}"><title>{escape(name)}</title></polyline>'
                )
            elif segment:
                cx, cy = segment[0].split(",")
                parts.append(f'<circle cx="{cx}" cy="{cy}" r="2.5" fill="{color}"/>')
    parts += _legend(list(series))
    parts.append("</svg>")
    return "".join(parts)


def stacked_area(
    shares: Mapping[str, Sequence[float]], x_labels: Sequence[str], *, title: str
) -> str:
    """Shares (each column summing to 1) stacked over ``x_labels``."""
    parts = _frame(title, 1.0, ".0%", x_labels)
    n = len(x_labels)
    base = [0.0] * n
    for i, (name, values) in enumerate(shares.items()):
        top = [b + v for b, v in zip(base, values, strict=True)]
        upper = [f"{_x(j, n):.1f},{_y(top[j], 1.0):.1f}" for j in range(n)]
        lower = [f"{_x(j, n):.1f},{_y(base[j], 1.0):.1f}" for j in reversed(range(n))]
        if n == 1:  # a single day: draw a bar
            width = 24
            parts.append(
                f'<rect x="{_x(0, 1) - width / 2:.1f}" y="{_y(top[0], 1.0):.1f}" width="{width}" '
                f'height="{_y(base[0], 1.0) - _y(top[0], 1.0):.1f}" '
                f'fill="{PALETTE[i % len(PALETTE)]}"/>'
            )
        else:
            parts.append(
                f'<polygon points="{" ".join(upper + lower)}" '
                f'fill="{PALETTE[i % len(PALETTE)]}" fill-opacity="0.85">'
                f"<title>{escape(name)}</title></polygon>"
            )
        base = top
    parts += _legend(list(shares))
    parts.append("</svg>")
    return "".join(parts)
