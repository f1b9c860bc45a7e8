"""The report's day slider: a replay of how the allocation learned, day by day.

As the Bandit Time Machine's slider does, moving through the send dates shows, for every
segment, the probabilities the day was allocated with (stacked bar), the shares actually sent
(thin bar below), and the posterior each template had when the allocation was made (mean and
95% credible interval), with the day's leader, its P(best) and the value remaining. The data
is embedded as JSON and drawn by a few lines of inline JavaScript (no library, no network);
every other chart of the report is static SVG and needs no script.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from html import escape
from typing import Any

from bandit_core.report_data import ReportData

__all__ = ["replay_payload", "replay_section", "segment_label"]


def segment_label(segment: str) -> str:
    """``{"age_band": "18-34"}`` -> ``age_band 18-34``; ``{}`` -> ``all users``."""
    try:
        values = json.loads(segment)
    except ValueError:
        return segment
    if not isinstance(values, dict) or not values:
        return "all users"
    return ", ".join(f"{key} {value}" for key, value in values.items())


def replay_payload(data: ReportData) -> dict[str, Any]:
    """The per-day numbers the slider draws, JSON-compatible."""
    dates = data.send_dates
    segments = data.segments
    templates = list(data.templates)
    t_index = {t: i for i, t in enumerate(templates)}
    k = len(templates)

    def blank() -> list[float | None]:
        return [None] * k

    alloc: dict[tuple[dt.date, str], dict[str, list[float | None]]] = defaultdict(
        lambda: {"p": blank(), "real": blank()}
    )
    sends: dict[tuple[dt.date, str], int] = defaultdict(int)
    for (
        send_date,
        segment,
        template_id,
        probability,
        realized,
        bandit_n,
        holdout_n,
    ) in data.allocations:
        if template_id in t_index:
            cell = alloc[(send_date, segment)]
            cell["p"][t_index[template_id]] = float(probability)
            cell["real"][t_index[template_id]] = float(realized or 0.0)
            sends[(send_date, segment)] += int(bandit_n) + int(holdout_n)
    posterior: dict[tuple[dt.date, str], dict[str, list[float | None]]] = defaultdict(
        lambda: {"mean": blank(), "low": blank(), "high": blank(), "best": blank()}
    )
    # the posterior axis spans what was learned: a prior's interval (0.025 to 0.975) would
    # squash every later day into a corner, so it is clipped at the edge instead
    scale_max = max(
        (float(row[7]) for row in data.posteriors if row[4] > 0 and row[7] is not None),
        default=1.0,
    )
    for as_of, segment, template_id, mean, _m, _r, low, high, p_best, _s in data.posteriors:
        if template_id in t_index:
            cell = posterior[(as_of + dt.timedelta(days=1), segment)]
            i = t_index[template_id]
            cell["mean"][i] = float(mean)
            cell["low"][i] = None if low is None else float(low)
            cell["high"][i] = None if high is None else float(high)
            cell["best"][i] = None if p_best is None else float(p_best)
    decisions = {(row[0], row[1]): row for row in data.decisions}
    totals: dict[dt.date, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for send_date, _segment, _template, n, matured, rewards in data.outcomes:
        totals[send_date][0] += float(n)
        totals[send_date][1] += float(matured)
        totals[send_date][2] += float(rewards)
    regret = {row[0]: row for row in data.regret if row[1] == "posterior_expected"}

    days = []
    running = [0.0, 0.0, 0.0]
    for send_date in dates:
        running = [a + b for a, b in zip(running, totals[send_date], strict=True)]
        rows = []
        for segment in segments:
            decision = decisions.get((send_date, segment))
            rows.append(
                {
                    **alloc[(send_date, segment)],
                    **posterior[(send_date, segment)],
                    "n": sends[(send_date, segment)],
                    "leader": decision[2] if decision else None,
                    "pLeader": float(decision[3]) if decision else None,
                    "vr": float(decision[4]) if decision else None,
                }
            )
        day_regret = regret.get(send_date)
        days.append(
            {
                "sends": int(totals[send_date][0]),
                "cumSends": int(running[0]),
                "cumMatured": int(running[1]),
                "cumRewards": running[2],
                "regret": float(day_regret[2]) if day_regret else None,
                "uniform": float(day_regret[5]) if day_regret else None,
                "segments": rows,
            }
        )
    return {
        "dates": [d.isoformat() for d in dates],
        "templates": templates,
        "colors": [data.colors[t] for t in templates],
        "segments": [segment_label(s) for s in segments],
        "scaleMax": min(1.0, scale_max * 1.05),
        "days": days,
    }


def replay_section(data: ReportData) -> str:
    """The slider, its panel, the embedded data and the script that draws it."""
    payload = replay_payload(data)
    if not payload["days"]:
        return "<p>No allocation yet: nothing to replay.</p>"
    last = len(payload["days"]) - 1
    # "</" must not appear inside a script element, whatever the data holds
    embedded = json.dumps(payload, separators=(",", ":")).replace("</", "<\\/")
    legend = "".join(
        f'<span class="key"><i style="background:{color}"></i>{escape(template)}</span>'
        for template, color in zip(payload["templates"], payload["colors"], strict=True)
    )
    return (
        '<div class="replay">'
        '<div class="controls"><button type="button" id="replay-play">&#9654; play</button>'
        f'<input type="range" id="replay-day" min="0" max="{last}" value="{last}" step="1" '
        'aria-label="send date">'
        '<span id="replay-caption" class="caption"></span></div>'
        f'<div class="legend-row">{legend}</div>'
        '<div id="replay-panel"></div>'
        f'<script type="application/json" id="replay-data">{embedded}</script>'
        f"<script>{_SCRIPT}</script></div>"
    )


_SCRIPT = r"""
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("replay-data").textContent);
  var slider = document.getElementById("replay-day");
  var button = document.getElementById("replay-play");
  var panel = document.getElementById("replay-panel");
  var caption = document.getElementById("replay-caption");
  var NS = "http://www.w3.org/2000/svg";
  var W = 900, ROW = 78, TOP = 26, BAR_X = 150, BAR_W = 380, POST_X = 570, POST_W = 300;
  var timer = null;
  var highest = data.scaleMax > 0 ? data.scaleMax : 1;

  function node(name, attrs, text) {
    var e = document.createElementNS(NS, name);
    Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) { e.textContent = text; }
    return e;
  }
  function pct(x, digits) { return x === null ? "n/a" : (100 * x).toFixed(digits) + "%"; }
  function stacked(svg, values, y, height, opacity) {
    var x = BAR_X;
    values.forEach(function (v, i) {
      var w = (v || 0) * BAR_W;
      if (w > 0) {
        var r = node("rect", {x: x.toFixed(1), y: y, width: w.toFixed(1), height: height,
          fill: data.colors[i], "fill-opacity": opacity, "class": "share"});
        r.appendChild(node("title", {}, data.templates[i] + ": " + pct(v, 1)));
        svg.appendChild(r);
      }
      x += w;
    });
  }
  function draw(index) {
    var day = data.days[index];
    var height = TOP + ROW * data.segments.length + 18;
    var svg = node("svg", {viewBox: "0 0 " + W + " " + height,
      "class": "replay-chart", role: "img", "aria-label": "allocation on " + data.dates[index]});
    svg.appendChild(node("text", {x: BAR_X, y: 14, "class": "axis"},
      "allocated (bar) and sent (thin bar)"));
    svg.appendChild(node("text", {x: POST_X, y: 14, "class": "axis"},
      "posterior mean, 95% interval (0 to " + pct(highest, 1) + ")"));
    day.segments.forEach(function (s, row) {
      var y = TOP + row * ROW;
      svg.appendChild(node("text", {x: 0, y: y + 16, "class": "label"}, data.segments[row]));
      svg.appendChild(node("text", {x: 0, y: y + 32, "class": "axis"},
        s.n.toLocaleString() + " sends"));
      if (s.leader !== null) {
        svg.appendChild(node("text", {x: 0, y: y + 47, "class": "axis"},
          "leader " + s.leader + " " + pct(s.pLeader, 0)));
        svg.appendChild(node("text", {x: 0, y: y + 61, "class": "axis"},
          "value remaining " + pct(s.vr, 1)));
      }
      stacked(svg, s.p, y + 4, 24, 0.9);
      stacked(svg, s.real, y + 32, 8, 0.6);
      s.mean.forEach(function (m, i) {
        if (m === null) { return; }
        var cy = y + 8 + i * (50 / Math.max(1, data.templates.length - 1));
        var scale = function (v) { return POST_X + POST_W * Math.min(v, highest) / highest; };
        if (s.low[i] !== null && s.high[i] !== null) {
          svg.appendChild(node("line", {x1: scale(s.low[i]).toFixed(1),
            x2: scale(s.high[i]).toFixed(1), y1: cy.toFixed(1), y2: cy.toFixed(1),
            stroke: data.colors[i], "stroke-width": 2, "class": "interval"}));
        }
        var dot = node("circle", {cx: scale(m).toFixed(1), cy: cy.toFixed(1), r: 4,
          fill: data.colors[i], "class": "mean"});
        dot.appendChild(node("title", {}, data.templates[i] + ": mean " + pct(m, 2) +
          (s.best[i] === null ? "" : ", P(best) " + pct(s.best[i], 1))));
        svg.appendChild(dot);
      });
    });
    [0, 0.25, 0.5, 0.75, 1].forEach(function (f) {
      var x = (POST_X + POST_W * f).toFixed(1);
      svg.appendChild(node("line", {x1: x, x2: x, y1: TOP - 4, y2: height - 16, stroke: "#eee"}));
      svg.appendChild(node("text", {x: x, y: height - 4, "class": "axis", "text-anchor": "middle"},
        pct(highest * f, 1)));
    });
    panel.replaceChildren(svg);
    var text = "send date " + data.dates[index] + " (day " + (index + 1) + " of " +
      data.days.length + "): " + day.sends.toLocaleString() + " sends; so far " +
      day.cumSends.toLocaleString() + " sends, which earned " +
      Math.round(day.cumRewards).toLocaleString() + " rewards (" +
      day.cumMatured.toLocaleString() + " of them matured by now)";
    if (day.regret !== null) {
      text += "; expected regret " + day.regret.toFixed(1) + " vs " + day.uniform.toFixed(1) +
        " for an equal split";
    }
    caption.textContent = text;
    panel.setAttribute("data-day", data.dates[index]);
  }
  function stop() {
    if (timer !== null) { clearInterval(timer); timer = null; }
    button.textContent = "\u25b6 play";
  }
  button.addEventListener("click", function () {
    if (timer !== null) { stop(); return; }
    if (+slider.value >= data.days.length - 1) { slider.value = 0; draw(0); }
    button.textContent = "\u275a\u275a pause";
    timer = setInterval(function () {
      var next = +slider.value + 1;
      if (next >= data.days.length) { stop(); return; }
      slider.value = next;
      draw(next);
    }, 700);
  });
  slider.addEventListener("input", function () { stop(); draw(+slider.value); });
  draw(+slider.value);
  document.body.setAttribute("data-replay-ready", "true");
})();
"""
