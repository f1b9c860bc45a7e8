"""Rows, tables, CSV files and SVG plots of simulation results.

A result row (``result_row``) is the JSON-lines contract of ``smartarm paper`` and ``smartarm
simulate``: ``scenario``, ``architecture``, ``traffic_per_day``, ``policy``, ``reps``,
``decisions``, ``pseudo_regret_mean``, ``pseudo_regret_sd``, ``realized_regret_mean``,
``realized_regret_sd`` and, for paper cells, ``table``, ``row``, ``published_mean`` and
``published_sd``. The plots are hand-written SVG (no plotting library needed).
"""

from __future__ import annotations

import csv
import html
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bandit_core.study.runner import CellResult

__all__ = [
    "CSV_FIELDS",
    "CURVE_FIELDS",
    "RESULT_FIELDS",
    "curve_rows",
    "result_row",
    "svg_plot",
    "write_csv",
    "write_svg",
]

RESULT_FIELDS = (
    "scenario",
    "architecture",
    "traffic_per_day",
    "policy",
    "reps",
    "decisions",
    "pseudo_regret_mean",
    "pseudo_regret_sd",
    "realized_regret_mean",
    "realized_regret_sd",
)
CSV_FIELDS = ("table", "column", "row", *RESULT_FIELDS, "published_mean", "published_sd", "seconds")
CURVE_FIELDS = (
    "cell",
    "policy",
    "decisions",
    "pseudo_regret_mean",
    "pseudo_regret_sd",
    "realized_regret_mean",
    "realized_regret_sd",
)


def result_row(result: CellResult, **extra: Any) -> dict[str, Any]:
    """The contract row of one result (``extra`` adds paper fields)."""
    scenario = result.cell.scenario
    row: dict[str, Any] = {
        "scenario": scenario.name,
        "architecture": scenario.describe_architecture(),
        "traffic_per_day": round(scenario.traffic.daily_total(), 1),
        "policy": result.cell.policy_name,
        "reps": result.samples.reps,
        "decisions": scenario.decisions,
    }
    row.update({k: round(v, 3) for k, v in result.samples.summary().items()})
    row.update(extra)
    return row


def write_csv(
    path: Path, rows: Iterable[dict[str, Any]], fields: Sequence[str] = CSV_FIELDS
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(fields), extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow(row)


def curve_rows(results: Sequence[CellResult], label: str) -> list[dict[str, Any]]:
    """Mean and sd of both regrets at every checkpoint, one row per (policy, checkpoint)."""
    out = []
    for result in results:
        s = result.samples
        ddof = 1 if s.reps > 1 else 0
        for j, n in enumerate(s.checkpoints.tolist()):
            out.append(
                {
                    "cell": label,
                    "policy": result.cell.policy_name,
                    "decisions": n,
                    "pseudo_regret_mean": round(float(np.mean(s.pseudo[:, j])), 3),
                    "pseudo_regret_sd": round(float(np.std(s.pseudo[:, j], ddof=ddof)), 3),
                    "realized_regret_mean": round(float(np.mean(s.realized[:, j])), 3),
                    "realized_regret_sd": round(float(np.std(s.realized[:, j], ddof=ddof)), 3),
                }
            )
    return out


_COLOURS = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd",
)  # fmt: skip


def _nice_step(span: float) -> float:
    raw = span / 5.0
    power = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
    for m in (1, 2, 2.5, 5, 10):
        if m * power >= raw:
            return m * power
    return 10 * power


def svg_plot(
    title: str,
    series: Sequence[tuple[str, np.ndarray, np.ndarray]],
    x_label: str = "decisions",
    y_label: str = "mean cumulative regret",
) -> str:
    """A line chart: each series is (name, x, y). Returns the SVG document."""
    width, height = 860, 520
    left, right, top, bottom = 70, 210, 40, 55
    xs = np.concatenate([np.concatenate([[0.0], x]) for _, x, _ in series])
    ys = np.concatenate([np.concatenate([[0.0], y]) for _, _, y in series])
    x_max = float(np.max(xs)) or 1.0
    y_min = min(0.0, float(np.min(ys)))
    y_max = float(np.max(ys)) or 1.0
    plot_w, plot_h = width - left - right, height - top - bottom

    def px(x: float) -> float:
        return left + plot_w * x / x_max

    def py(y: float) -> float:
        return top + plot_h * (1.0 - (y - y_min) / (y_max - y_min))

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        '<rect width="100%" height="100%" fill="white"/>',
        f'<text x="{left}" y="{top - 15}" font-size="15">{html.escape(title)}</text>',
    ]
    step = _nice_step(y_max - y_min)
    for tick in np.arange(math.ceil(y_min / step) * step, y_max + 1e-9, step).tolist():
        y = py(tick)
        out.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#eee"/>'
        )
        out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{tick:g}</text>')
    base = top + plot_h
    for tick in np.arange(0.0, x_max + 1e-9, _nice_step(x_max)).tolist():
        x = px(tick)
        out.append(f'<line x1="{x:.1f}" y1="{base}" x2="{x:.1f}" y2="{base + 5}" stroke="black"/>')
        out.append(f'<text x="{x:.1f}" y="{base + 18}" text-anchor="middle">{tick:g}</text>')
    frame = f'x="{left}" y="{top}" width="{plot_w}" height="{plot_h}"'
    out.append(f'<rect {frame} fill="none" stroke="black"/>')
    label = html.escape(x_label)
    out.append(
        f'<text x="{left + plot_w / 2}" y="{height - 12}" text-anchor="middle">{label}</text>'
    )
    out.append(
        f'<text transform="translate(16 {top + plot_h / 2}) rotate(-90)" text-anchor="middle">'
        f"{html.escape(y_label)}</text>"
    )
    for i, (name, xs_i, ys_i) in enumerate(series):
        colour = _COLOURS[i % len(_COLOURS)]
        xy = zip([0.0, *xs_i.tolist()], [0.0, *ys_i.tolist()], strict=True)
        points = " ".join(f"{px(a):.1f},{py(b):.1f}" for a, b in xy)
        dash = ' stroke-dasharray="5 3"' if name.startswith("bb_") else ""
        out.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="1.6"{dash}/>'
        )
        ly = top + 14 + 18 * i
        lx = left + plot_w + 12
        out.append(
            f'<line x1="{lx}" y1="{ly - 4}" x2="{lx + 24}" y2="{ly - 4}" '
            f'stroke="{colour}" stroke-width="2"{dash}/>'
        )
        out.append(f'<text x="{lx + 30}" y="{ly}">{html.escape(name)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def write_svg(path: Path, title: str, results: Sequence[CellResult], realized: bool = True) -> None:
    """Plot the mean cumulative regret of every result against decisions."""
    series = []
    for result in results:
        s = result.samples
        y = s.realized if realized else s.pseudo
        series.append(
            (result.cell.policy_name, s.checkpoints.astype(np.float64), np.mean(y, axis=0))
        )
    label = "mean cumulative realized regret" if realized else "mean cumulative pseudo-regret"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(svg_plot(title, series, y_label=label), encoding="utf-8")
