"""Rows, tables, CSV files and SVG plots of simulation results.

A result row (``result_row``) is the JSON-lines contract of ``smartarm paper`` and ``smartarm
simulate``: ``scenario``, ``architecture``, ``traffic_per_day``, ``policy``, ``reps``,
``decisions``, ``pseudo_regret_mean``, ``pseudo_regret_sd``, ``realized_regret_mean``,
``realized_regret_sd`` and, for paper cells, ``table``, ``row``, ``published_mean`` and
``published_sd``. The plots are standalone SVG files drawn with ``bandit_core.svg`` (the
charts of the pipeline's HTML report), so no plotting library is needed.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bandit_core.study.runner import CellResult
from bandit_core.svg import line_chart

__all__ = [
    "CSV_FIELDS",
    "CURVE_FIELDS",
    "RESULT_FIELDS",
    "curve_rows",
    "regret_chart",
    "result_row",
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


_CHART_CSS = (
    ".chart .title{font:600 13px sans-serif}"
    ".chart .axis,.chart .legend{font:10px sans-serif;fill:#444}.chart .grid{stroke:#eee}"
)
_CHART_W, _CHART_H = 640, 260  # the size bandit_core.svg draws at


def _label(n: int) -> str:
    return f"{n / 1000:g}k" if n >= 1000 else str(n)


def regret_chart(title: str, results: Sequence[CellResult], realized: bool = True) -> str:
    """A standalone SVG of the mean cumulative regret against decisions.

    Base policies and their blackbox versions get one chart each (one above the other), so
    that no chart has more lines than the palette has colours.
    """
    what = "realized regret" if realized else "pseudo-regret"
    groups = [
        ("", [r for r in results if not r.cell.policy_name.startswith("bb_")]),
        ("blackbox versions: ", [r for r in results if r.cell.policy_name.startswith("bb_")]),
    ]
    charts = []
    for prefix, group in groups:
        if not group:
            continue
        samples = group[0].samples
        series = {
            r.cell.policy_name: np.mean(
                r.samples.realized if realized else r.samples.pseudo, axis=0
            ).tolist()
            for r in group
        }
        labels = [_label(n) for n in samples.checkpoints.tolist()]
        charts.append(line_chart(series, labels, title=f"{prefix}{title}: mean cumulative {what}"))
    height = _CHART_H * len(charts)
    placed = [
        chart.replace(
            "<svg ", f'<svg x="0" y="{i * _CHART_H}" width="{_CHART_W}" height="{_CHART_H}" ', 1
        )
        for i, chart in enumerate(charts)
    ]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_CHART_W}" height="{height}" '
        f'viewBox="0 0 {_CHART_W} {height}"><rect width="100%" height="100%" fill="white"/>'
        f"<style>{_CHART_CSS}</style>{''.join(placed)}</svg>\n"
    )


def write_svg(path: Path, title: str, results: Sequence[CellResult], realized: bool = True) -> None:
    """Write ``regret_chart`` to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(regret_chart(title, results, realized), encoding="utf-8")
