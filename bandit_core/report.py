"""The campaign report: a self-contained HTML page drawn from the ``reporting`` views.

It shows the KPIs, the traffic share of each template over time, the posterior means per
segment over time, the posterior-expected cumulative regret against an equal split, and the
latest validation outcome. Everything is inline (SVG, CSS), so it opens offline.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections import defaultdict
from html import escape
from pathlib import Path
from typing import Any

import psycopg

from bandit_core import db, svg

__all__ = ["render_report", "write_report"]

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;
max-width:1000px;color:#222;padding:0 1rem}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.1rem;margin-top:2rem}
.sub{color:#666;margin-top:0}.kpis{display:flex;gap:1rem;flex-wrap:wrap}
.kpi{border:1px solid #ddd;border-radius:6px;padding:.6rem 1rem;min-width:8rem}
.kpi b{display:block;font-size:1.3rem}.chart{width:100%;max-width:640px;height:auto}
.chart .title{font-size:13px;font-weight:600}.chart .axis,.chart .legend{font-size:10px;fill:#444}
.chart .grid{stroke:#eee}table{border-collapse:collapse;font-size:.9rem}
td,th{border-bottom:1px solid #eee;padding:.25rem .6rem;text-align:left}
.ok{color:#2a7}.fail{color:#c33;font-weight:600}
"""


def write_report(conn: psycopg.Connection[Any], campaign_id: str, report_dir: Path) -> Path:
    """Write ``<report_dir>/<campaign>.html`` atomically (temp file, then rename)."""
    report_dir.mkdir(parents=True, exist_ok=True)
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in campaign_id)
    target = report_dir / f"{safe}.html"
    html = render_report(conn, campaign_id)
    fd, tmp = tempfile.mkstemp(dir=report_dir, prefix=f".{safe}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(html)
    os.chmod(tmp, 0o644)  # mkstemp creates it private; a report is meant to be shared
    os.replace(tmp, target)
    return target


def render_report(conn: psycopg.Connection[Any], campaign_id: str) -> str:
    """The report page of one campaign as HTML text."""
    params = {"campaign_id": campaign_id}
    shares = db.fetch_all(conn, "report_daily_shares", params)
    posteriors = db.fetch_all(conn, "report_posteriors", params)
    regret = db.fetch_all(conn, "report_regret", params)
    validation = db.fetch_all(conn, "report_latest_validation", params)
    conn.commit()

    sections = [
        f"<h1>SmartArm report: {escape(campaign_id)}</h1>",
        f'<p class="sub">Generated from the reporting views; data up to '
        f"{escape(str(max((r[0] for r in shares), default='no sends yet')))}.</p>",
        _kpis(shares, posteriors),
        "<h2>Traffic share per template</h2>",
        _share_chart(shares),
        "<h2>Posterior mean reward per segment</h2>",
        _posterior_charts(posteriors),
        "<h2>Cumulative regret, posterior-expected</h2>",
        _regret_chart(regret),
        '<p class="sub">Each send so far costs E[max θ] − E[θ of its template] under the '
        "latest posterior of its segment; the uniform line is an equal split of the same "
        "sends. A model estimate, not the true regret.</p>",
        "<h2>Latest validation</h2>",
        _validation_table(validation),
    ]
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>SmartArm: {escape(campaign_id)}</title><style>{_CSS}</style></head><body>"
        + "\n".join(sections)
        + "</body></html>"
    )


def _kpis(shares: list[tuple[Any, ...]], posteriors: list[tuple[Any, ...]]) -> str:
    sends = sum(int(r[2]) for r in shares)
    latest = max((r[0] for r in posteriors), default=None)
    matured = sum(int(r[4]) for r in posteriors if r[0] == latest)
    rewards = sum(float(r[5]) for r in posteriors if r[0] == latest)
    rate = f"{rewards / matured:.2%}" if matured else "n/a"
    items = [
        ("sends", f"{sends:,}"),
        ("matured sends", f"{matured:,}"),
        ("rewards", f"{rewards:,.0f}"),
        ("reward rate", rate),
    ]
    return (
        '<div class="kpis">'
        + "".join(
            f'<div class="kpi">{escape(label)}<b>{escape(value)}</b></div>'
            for label, value in items
        )
        + "</div>"
    )


def _dates(values: list[dt.date]) -> list[str]:
    return [d.strftime("%m-%d") for d in values]


def _share_chart(rows: list[tuple[Any, ...]]) -> str:
    if not rows:
        return "<p>No sends yet.</p>"
    dates = sorted({r[0] for r in rows})
    templates = sorted({r[1] for r in rows})
    counts: dict[tuple[dt.date, str], float] = {(r[0], r[1]): float(r[2]) for r in rows}
    totals = {d: sum(counts.get((d, t), 0.0) for t in templates) or 1.0 for d in dates}
    shares = {t: [counts.get((d, t), 0.0) / totals[d] for d in dates] for t in templates}
    return svg.stacked_area(shares, _dates(dates), title="Share of sends by template")


def _posterior_charts(rows: list[tuple[Any, ...]]) -> str:
    dates = sorted({r[0] for r in rows if r[4] > 0})
    if not dates:
        return "<p>No matured sends yet: the posterior is still the prior.</p>"
    by_segment: dict[str, dict[str, dict[dt.date, float]]] = defaultdict(lambda: defaultdict(dict))
    for as_of, segment, template_id, mean, matured, _rewards in rows:
        # before any send matured the posterior is the prior: not worth a point
        if matured > 0:
            by_segment[segment][template_id][as_of] = float(mean)
    charts = []
    for segment in sorted(by_segment):
        series = {
            template: [values.get(d) for d in dates]
            for template, values in sorted(by_segment[segment].items())
        }
        charts.append(svg.line_chart(series, _dates(dates), title=f"segment {segment}"))
    return "\n".join(charts)


def _regret_chart(rows: list[tuple[Any, ...]]) -> str:
    if not rows:
        return "<p>No sends yet.</p>"
    dates = [r[0] for r in rows]
    series = {
        "policy": [float(r[2]) for r in rows],
        "uniform split": [float(r[3]) for r in rows],
    }
    return svg.line_chart(series, _dates(dates), title="Cumulative expected regret (rewards)")


def _validation_table(rows: list[tuple[Any, ...]]) -> str:
    if not rows:
        return "<p>No validation has run yet.</p>"
    body = "".join(
        f"<tr><td>{escape(str(r[0]))}</td><td>{escape(r[1])}</td><td>{escape(r[2])}</td>"
        f'<td class="{"ok" if r[3] else "fail"}">{"pass" if r[3] else "FAIL"}</td>'
        f"<td>{r[4]:g}</td><td>{r[5]:g}</td></tr>"
        for r in rows
    )
    return (
        "<table><tr><th>window</th><th>check</th><th>kind</th><th>result</th>"
        f"<th>observed</th><th>limit</th></tr>{body}</table>"
    )
