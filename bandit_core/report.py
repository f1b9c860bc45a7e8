"""The campaign report: one self-contained HTML page drawn from the ``reporting`` views.

It shows the KPIs (sends, rewards, rate, lift with its interval, rewards gained against an
equal split), a replay of the allocation with a day slider, the traffic share per template,
the posterior means with their credible intervals, the cumulative regret three ways against
an equal split, the lift over time, the reward dynamics (traffic share against reward rate),
how decided each segment is, and the latest validation and run outcomes. Charts are inline
SVG and the replay a few lines of inline script, so the page opens offline.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import tempfile
from collections import defaultdict
from html import escape
from pathlib import Path
from typing import Any

import psycopg

from bandit_core import svg
from bandit_core.report_data import ReportData, load_report_data
from bandit_core.report_replay import replay_section, segment_label

__all__ = ["render_report", "report_name", "write_report"]

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;
max-width:1000px;color:#222;padding:0 1rem;line-height:1.4}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.1rem;margin-top:2.2rem}
.sub{color:#666;margin-top:.2rem;font-size:.9rem}.kpis{display:flex;gap:.8rem;flex-wrap:wrap}
.kpi{border:1px solid #ddd;border-radius:6px;padding:.5rem .9rem;min-width:8.5rem;font-size:.85rem}
.kpi b{display:block;font-size:1.3rem}.kpi small{color:#666}
.chart{width:100%;max-width:640px;height:auto}.grid2{display:flex;flex-wrap:wrap;gap:0 1rem}
.grid2 .chart{max-width:490px}
.chart .title{font-size:13px;font-weight:600}.chart .axis,.chart .legend{font-size:10px;fill:#444}
.chart .grid{stroke:#eee}table{border-collapse:collapse;font-size:.85rem}
td,th{border-bottom:1px solid #eee;padding:.25rem .6rem;text-align:left}
.ok{color:#2a7}.fail{color:#c33;font-weight:600}.warn{color:#b60}
.replay .controls{display:flex;gap:.8rem;align-items:center;flex-wrap:wrap}
.replay input[type=range]{width:22rem}.replay .caption{font-size:.85rem;color:#444}
.replay button{font-size:.85rem;padding:.2rem .7rem}
.legend-row{font-size:.8rem;margin:.4rem 0}.key{margin-right:1rem}
.key i{display:inline-block;width:10px;height:10px;margin-right:4px}
.replay-chart{width:100%;height:auto}.replay-chart .label{font-size:12px;font-weight:600}
.replay-chart .axis{font-size:10px;fill:#444}
"""


def write_report(conn: psycopg.Connection[Any], campaign_id: str, report_dir: Path) -> Path:
    """Write ``<report_dir>/<campaign>.html`` atomically (temp file, then rename).

    Raises:
        ConfigError: the campaign is unknown.
    """
    report_dir.mkdir(parents=True, exist_ok=True)
    safe = report_name(campaign_id)
    target = report_dir / f"{safe}.html"
    html = render_report(conn, campaign_id)
    fd, tmp = tempfile.mkstemp(dir=report_dir, prefix=f".{safe}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(html)
    os.chmod(tmp, 0o644)  # mkstemp creates it private; a report is meant to be shared
    os.replace(tmp, target)
    return target


def report_name(campaign_id: str) -> str:
    """A file-system-safe name for a campaign's report; distinct ids give distinct names."""
    safe = "".join(
        ch if ch.isascii() and (ch.isalnum() or ch in "-_") else "_" for ch in campaign_id
    )
    if safe == campaign_id:
        return safe
    return f"{safe}-{hashlib.sha256(campaign_id.encode('utf-8')).hexdigest()[:8]}"


def render_report(conn: psycopg.Connection[Any], campaign_id: str) -> str:
    """The report page of one campaign as HTML text.

    Raises:
        ConfigError: the campaign is unknown.
    """
    return _page(load_report_data(conn, campaign_id))


def _page(data: ReportData) -> str:
    dates = data.send_dates
    covered = f"send dates {dates[0]} to {dates[-1]}" if dates else "no send list yet"
    sections = [
        f"<h1>{escape(data.name)} <small>({escape(data.campaign_id)})</small></h1>",
        f'<p class="sub">Policy {escape(data.policy)}, holdout {data.holdout_share:.0%}, '
        f"minimum share {data.min_share:.0%}; reward: a {escape(data.reward_event_type)} within "
        f"{data.attribution_days} days of the send. {escape(covered)}. Every number comes "
        "from the <code>reporting</code> views.</p>",
        _kpis(data),
        "<h2>Replay: how the allocation learned</h2>",
        '<p class="sub">Move the slider (or press play) to see each send date\'s allocation per '
        "segment, what was actually sent, and the posteriors it was decided from.</p>",
        replay_section(data),
        "<h2>Traffic share per template</h2>",
        _share_chart(data),
        "<h2>Posterior mean reward per segment, with 95% credible intervals</h2>",
        _posterior_charts(data),
        "<h2>Cumulative regret against an equal split</h2>",
        _regret_chart(data),
        '<p class="sub">Regret: rewards lost against always sending each segment its best '
        "template. <b>posterior-expected</b> (band: 90% credible interval) assumes the "
        "Beta-Bernoulli model; <b>epoch-stratified</b> uses per-day means with a normal "
        "interval; <b>true</b> exists only in simulations; the <b>equal split</b> is what an "
        "A/B test of the same sends would have lost (posterior-expected).</p>",
        "<h2>Lift over an equal split</h2>",
        _lift_chart(data),
        '<p class="sub">Cumulative difference in mean reward per matured send between the '
        "bandit's users and an equal split: against the uniform holdout, and estimated from "
        "the bandit's own sends by self-normalised inverse propensity weighting (95% "
        "intervals).</p>",
        "<h2>Reward dynamics</h2>",
        _dynamics_charts(data),
        "<p class=\"sub\">Each template's share of the day's sends against its reward rate so "
        "far (matured sends); the large dot is the latest day. A learning bandit moves the "
        "best template right.</p>",
        "<h2>How decided is each segment</h2>",
        _decision_table(data),
        "<h2>Latest validation and runs</h2>",
        _windows_table(data),
        _validation_table(data),
        _sample_ratio_table(data),
    ]
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>SmartArm: {escape(data.campaign_id)}</title><style>{_CSS}</style></head>"
        "<body>" + "\n".join(sections) + "</body></html>"
    )


def _labels(values: list[dt.date]) -> list[str]:
    return [d.strftime("%m-%d") for d in values]


def _kpi(label: str, value: str, note: str = "") -> str:
    small = f"<small>{escape(note)}</small>" if note else ""
    return f'<div class="kpi">{escape(label)}<b>{escape(value)}</b>{small}</div>'


def _kpis(data: ReportData) -> str:
    sends = sum(int(row[3]) for row in data.outcomes)
    matured = sum(int(row[4]) for row in data.outcomes)
    rewards = sum(float(row[5]) for row in data.outcomes)
    items = [
        _kpi("sends", f"{sends:,}"),
        _kpi("matured sends", f"{matured:,}", "attribution window closed"),
        _kpi("rewards", f"{rewards:,.0f}", "of matured sends"),
        _kpi("reward rate", f"{rewards / matured:.2%}" if matured else "n/a"),
    ]
    latest = {}
    for send_date, estimator, scope, *rest in data.lift:
        if scope == "cumulative":
            latest[estimator] = (send_date, *rest)
    for estimator, label in (("holdout", "lift vs holdout"), ("snips", "lift by SNIPS")):
        if estimator in latest:
            _d, _n, lift, low, high, baseline, _v = latest[estimator]
            relative = f", {lift / baseline:+.0%}" if baseline else ""
            items.append(
                _kpi(
                    label,
                    f"{100 * lift:+.2f} pp",
                    f"95%: [{100 * low:+.2f}, {100 * high:+.2f}] pp per send{relative}",
                )
            )
    if data.regret_saved is not None:
        _as_of, saved, low, high = data.regret_saved
        items.append(
            _kpi(
                "rewards gained",
                f"{saved:+,.1f}",
                f"vs equal split, 90%: [{low:,.1f}, {high:,.1f}]",
            )
        )
    latest_decisions = [
        row for row in data.decisions if row[0] == max(r[0] for r in data.decisions)
    ]
    if latest_decisions:
        decided = sum(1 for row in latest_decisions if row[5])
        items.append(
            _kpi(
                "segments decided",
                f"{decided} of {len(latest_decisions)}",
                "value remaining below 1%",
            )
        )
    return '<div class="kpis">' + "".join(items) + "</div>"


def _share_chart(data: ReportData) -> str:
    if not data.shares:
        return "<p>No sends yet.</p>"
    dates = sorted({row[0] for row in data.shares})
    counts = {(row[0], row[1]): float(row[2]) for row in data.shares}
    totals = {d: sum(counts.get((d, t), 0.0) for t in data.templates) or 1.0 for d in dates}
    shares = {t: [counts.get((d, t), 0.0) / totals[d] for d in dates] for t in data.templates}
    return svg.stacked_area(
        shares,
        _labels(dates),
        title="Share of sends by template (all segments)",
        colors=data.colors,
    )


def _posterior_charts(data: ReportData) -> str:
    dates = sorted({row[0] for row in data.posteriors if row[4] > 0})
    if not dates:
        return "<p>No matured sends yet: every posterior is still the prior.</p>"
    cells: dict[str, dict[str, dict[dt.date, tuple[float, Any, Any]]]] = defaultdict(
        lambda: defaultdict(dict)
    )
    for as_of, segment, template_id, mean, matured, _r, low, high, _p, _s in data.posteriors:
        if matured > 0:  # before any send matured the posterior is the prior
            cells[segment][template_id][as_of] = (float(mean), low, high)
    charts = []
    for segment in sorted(cells):
        series: dict[str, list[float | None]] = {}
        bands: dict[str, svg.Band] = {}
        for template in data.templates:
            values = cells[segment].get(template, {})
            points = [values.get(d) for d in dates]
            series[template] = [p[0] if p else None for p in points]
            bands[template] = (
                [p[1] if p else None for p in points],
                [p[2] if p else None for p in points],
            )
        charts.append(
            svg.line_chart(
                series,
                _labels(dates),
                title=segment_label(segment),
                y_format=".1%",
                bands=bands,
                colors=data.colors,
            )
        )
    return '<div class="grid2">' + "\n".join(charts) + "</div>"


def _regret_chart(data: ReportData) -> str:
    dates = sorted({row[0] for row in data.regret})
    if not dates:
        return "<p>No regret computed yet (the nightly report step stores it).</p>"
    by: dict[str, dict[dt.date, tuple[Any, ...]]] = defaultdict(dict)
    for row in data.regret:
        by[row[1]][row[0]] = row

    def column(method: str, i: int) -> list[float | None]:
        return [
            None if (r := by[method].get(d)) is None or r[i] is None else float(r[i]) for d in dates
        ]

    series: dict[str, list[float | None]] = {}
    bands: dict[str, svg.Band] = {}
    colors = {"equal split": "#999999"}
    if by["posterior_expected"]:
        series["posterior-expected"] = column("posterior_expected", 2)
        bands["posterior-expected"] = (
            column("posterior_expected", 3),
            column("posterior_expected", 4),
        )
        series["equal split"] = column("posterior_expected", 5)
    if by["epoch_stratified"]:
        series["epoch-stratified"] = column("epoch_stratified", 2)
    if by["true"]:
        series["true (simulation)"] = column("true", 2)
        colors["true (simulation)"] = "#222222"
    return svg.line_chart(
        series,
        _labels(dates),
        title="Cumulative regret (rewards lost)",
        bands=bands,
        dashed={"equal split", "true (simulation)"},
        colors=colors,
    )


def _lift_chart(data: ReportData) -> str:
    rows = [row for row in data.lift if row[2] == "cumulative"]
    dates = sorted({row[0] for row in rows})
    if not dates:
        return "<p>No matured sends yet: no lift to estimate.</p>"
    by = {(row[0], row[1]): row for row in rows}
    series: dict[str, list[float | None]] = {}
    bands: dict[str, svg.Band] = {}
    for estimator, label in (("holdout", "vs holdout"), ("snips", "SNIPS"), ("ips", "IPS")):
        picked = [by.get((d, estimator)) for d in dates]
        if not any(picked):
            continue
        series[label] = [None if r is None else float(r[4]) for r in picked]
        if estimator != "ips":
            bands[label] = (
                [None if r is None else float(r[5]) for r in picked],
                [None if r is None else float(r[6]) for r in picked],
            )
    return svg.line_chart(
        series,
        _labels(dates),
        title="Cumulative lift in reward per send (percentage points)",
        y_format=".1%",
        bands=bands,
        dashed={"IPS"},
    )


def _dynamics_charts(data: ReportData) -> str:
    by_segment: dict[str, dict[dt.date, dict[str, tuple[float, float, float]]]] = defaultdict(
        lambda: defaultdict(dict)
    )
    for send_date, segment, template_id, sends, matured, rewards in data.outcomes:
        by_segment[segment][send_date][template_id] = (float(sends), float(matured), float(rewards))
    charts = []
    for segment in sorted(by_segment):
        trails: dict[str, list[tuple[float, float]]] = {t: [] for t in data.templates}
        matured = dict.fromkeys(data.templates, 0.0)
        rewards = dict.fromkeys(data.templates, 0.0)
        for send_date in sorted(by_segment[segment]):
            day = by_segment[segment][send_date]
            total = sum(v[0] for v in day.values()) or 1.0
            for template in data.templates:
                sends, m, r = day.get(template, (0.0, 0.0, 0.0))
                matured[template] += m
                rewards[template] += r
                if matured[template] > 0:
                    trails[template].append((sends / total, rewards[template] / matured[template]))
        charts.append(
            svg.scatter_trails(
                trails,
                title=f"{segment_label(segment)}: share of sends vs reward rate",
                x_max=1.0,
                colors=data.colors,
            )
        )
    if not charts:
        return "<p>No sends yet.</p>"
    return '<div class="grid2">' + "\n".join(charts) + "</div>"


def _decision_table(data: ReportData) -> str:
    if not data.decisions:
        return "<p>No allocation yet.</p>"
    latest = max(row[0] for row in data.decisions)
    body = "".join(
        f"<tr><td>{escape(segment_label(segment))}</td><td>{escape(leader)}</td>"
        f"<td>{p_best:.1%}</td><td>{value:.2%}</td>"
        f'<td class="{"ok" if decided else "warn"}">{"decided" if decided else "exploring"}</td>'
        f"<td>{'-' if needed is None and not decided else f'{needed or 0:,.0f}'}</td>"
        f"<td>{'' if days is None else f'{days:,.0f}'}</td></tr>"
        for send_date, segment, leader, p_best, value, decided, needed, days in data.decisions
        if send_date == latest
    )
    return (
        f'<p class="sub">For the send date {latest}. Value remaining: the 95th percentile of '
        "the relative gain any template might still have over the leader (decided below 1%); "
        "matured sends needed: a projection that holds the posterior means still.</p>"
        "<table><tr><th>segment</th><th>leader</th><th>P(best)</th><th>value remaining</th>"
        "<th>status</th><th>matured sends needed</th><th>days at recent traffic</th></tr>"
        f"{body}</table>"
    )


def _windows_table(data: ReportData) -> str:
    if not data.windows:
        return "<p>No nightly run recorded yet.</p>"
    rows = []
    for row in data.windows:
        window, status, failed, error, received, loaded, quarantined, by_rule, gates, running = row
        if status == "running" and running == ["report"]:
            status = "writing this report"  # the report step of this very run
        css = "fail" if status == "failed" else "warn" if status == "running" else "ok"
        rules = ", ".join(f"{rule} {count}" for rule, count in sorted((by_rule or {}).items()))
        problem = "; ".join(
            part
            for part in (
                f"failed: {', '.join(failed)}" if failed else "",
                f"gates: {', '.join(gates)}" if gates else "",
                (error or "")[:160],
            )
            if part
        )
        rows.append(
            f'<tr><td>{window}</td><td class="{css}">{escape(status)}</td><td>{received:,}</td>'
            f"<td>{loaded:,}</td><td>{quarantined:,}</td><td>{escape(rules)}</td>"
            f"<td>{escape(problem)}</td></tr>"
        )
    return (
        "<table><tr><th>window</th><th>run</th><th>events in</th><th>loaded</th>"
        "<th>quarantined</th><th>by rule</th><th>problems</th></tr>" + "".join(rows) + "</table>"
    )


def _validation_table(data: ReportData) -> str:
    if not data.validation:
        return "<p>No validation has run yet.</p>"
    body = "".join(
        f"<tr><td>{escape(str(r[0]))}</td><td>{escape(r[1])}</td><td>{escape(r[2])}</td>"
        f'<td class="{"ok" if r[3] else "fail"}">{"pass" if r[3] else "FAIL"}</td>'
        f"<td>{_number(r[4])}</td><td>{_number(r[5])}</td></tr>"
        for r in data.validation
    )
    return (
        '<h3 class="sub">Checks of the latest window</h3>'
        "<table><tr><th>window</th><th>check</th><th>kind</th><th>result</th>"
        f"<th>observed</th><th>limit</th></tr>{body}</table>"
    )


def _sample_ratio_table(data: ReportData) -> str:
    if not data.sample_ratio:
        return '<p class="ok">Sample-ratio check: every segment-day was sent as allocated.</p>'
    body = "".join(
        f"<tr><td>{send_date}</td><td>{escape(segment_label(segment))}</td>"
        f"<td>{_number(listed)}</td><td>{_number(delivered)}</td><td>{_number(rate)}</td>"
        f"<td>{escape(worst)}{' (holdout)' if holdout else ''}: {_number(worst_rate)}</td></tr>"
        for send_date, segment, listed, delivered, rate, worst, holdout, worst_rate in (
            data.sample_ratio
        )
    )
    return (
        '<p class="fail">Sample-ratio check: these segment-days were not sent as allocated '
        "(p below 0.001).</p><table><tr><th>send date</th><th>segment</th><th>p, list</th>"
        "<th>p, delivered</th><th>delivered</th><th>lowest delivery</th></tr>"
        f"{body}</table>"
    )


def _number(value: Any) -> str:
    if value is None:
        return ""
    number = float(value)
    if number.is_integer() and abs(number) >= 1:
        return f"{number:,.0f}"  # row counts
    return f"{number:.3g}"
