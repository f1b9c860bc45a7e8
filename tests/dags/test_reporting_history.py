"""The reporting views, the send-list export and the report on a simulated history whose truth
is known: the real nightly DAG runs day after day against ``bandit_core.world`` (3,000 users,
12 answered send dates), which records its true click rates. On the last answered date the
simulated CRM fails to deliver 60% of one template's sends, so the sample-ratio check has
something to find.

The history is built once for the module (about 45 s) and only read by the tests.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from bandit_core.campaigns import apply_campaign
from bandit_core.config import load_campaign
from bandit_core.db import connect
from bandit_core.simulation_truth import record_truth
from smartarm.airflow_runner import run_nightly
from smartarm.demo import DEMO_CONFIG, demo_world

START = dt.date(2026, 1, 1)
DAYS = 12  # answered send dates
USERS = 3_000
BROKEN_DATE = START + dt.timedelta(days=DAYS - 1)
BROKEN_TEMPLATE = "discount_first"  # the best template of the largest segment, 18-34
KEEP_DAYS = 3  # staged windows kept: most of the history's windows leave staging


@dataclass(frozen=True)
class History:
    url: str
    reports: Path
    exports: Path
    world_regret: dict[dt.date, float]  # the world's own account of each date's true regret


def _database(server_url: str, name: str) -> str:
    params: dict[str, Any] = {k: v for k, v in conninfo_to_dict(server_url).items() if v}
    params["dbname"] = name
    return make_conninfo(**params)


def _break_delivery(landing: Path, send_date: dt.date, template_id: str) -> int:
    """Drop every event of 60% of ``template_id``'s sends of ``send_date``: never delivered."""
    dropped = 0
    for path in landing.glob(f"*/crm-export-sent-{send_date.isoformat()}.csv"):
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
        kept = [rows[0]]
        for row in rows[1:]:
            lost = int(hashlib.md5(row[1].encode()).hexdigest(), 16) % 10 < 6
            if row[4] == template_id and lost:
                dropped += 1
            else:
                kept.append(row)
        with path.open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows(kept)
    return dropped


@pytest.fixture(scope="module")
def history(
    server_url: str, template_url: str, airflow_metadata: None, tmp_path_factory: Any
) -> Iterator[History]:
    name = f"smartarm_reporting_{os.getpid()}"
    template = conninfo_to_dict(template_url)["dbname"]
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(
            sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name))
        )
        admin.execute(
            sql.SQL("create database {} template {}").format(
                sql.Identifier(name), sql.Identifier(str(template))
            )
        )
    url = _database(server_url, name)
    root = tmp_path_factory.mktemp("reporting")
    landing, reports, exports = root / "landing", root / "reports", root / "exports"
    config = load_campaign(DEMO_CONFIG)
    world = demo_world(config.campaign_id, users=USERS, attribution_days=2, seed=3)
    with connect(url) as conn:
        apply_campaign(conn, config)
        record_truth(conn, world.config)
    world.deliver_users(landing, START - dt.timedelta(days=1))
    regret: dict[dt.date, float] = {}
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SMARTARM_DATABASE_URL", url)
        env.setenv("SMARTARM_EXPORT_DIR", str(exports))
        env.setenv("SMARTARM_STAGING_KEEP_DAYS", str(KEEP_DAYS))
        for i in range(DAYS + 1):
            window = START - dt.timedelta(days=1) + dt.timedelta(days=i)
            run = run_nightly(window, landing_dir=landing, report_dir=reports)
            assert run.state == "success", run.failures
            if i == DAYS:
                break  # the last run learns from the last answered date
            send_date = window + dt.timedelta(days=1)
            with connect(url) as conn:
                regret[send_date] = world.respond(conn, send_date, landing).regret
            if send_date == BROKEN_DATE:
                assert _break_delivery(landing, send_date, BROKEN_TEMPLATE) > 100
    yield History(url, reports, exports, regret)
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(
            sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name))
        )


def _rows(url: str, query: str, *params: Any) -> list[dict[str, Any]]:
    with connect(url) as conn, conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        cur.execute(query, params)
        return cur.fetchall()


# -- regret ------------------------------------------------------------------------------


def test_true_regret_is_the_worlds_own_account(history: History) -> None:
    rows = _rows(
        history.url,
        "select send_date, regret, cumulative_regret from reporting.regret_true order by 1",
    )
    by_date = {r["send_date"]: r for r in rows}
    running = 0.0
    for send_date, regret in sorted(history.world_regret.items()):
        running += regret
        assert by_date[send_date]["regret"] == pytest.approx(regret, abs=1e-6)
        assert by_date[send_date]["cumulative_regret"] == pytest.approx(running, abs=1e-6)


@pytest.mark.parametrize(
    ("view", "coverage"),
    [
        pytest.param("reporting.regret_posterior", 0.8, id="posterior-expected"),
        pytest.param("reporting.regret_epoch", 0.7, id="epoch-stratified"),
    ],
)
def test_true_regret_lies_in_the_estimated_interval_most_days(
    history: History, view: str, coverage: float
) -> None:
    rows = _rows(
        history.url,
        f"select estimate.send_date, estimate.cumulative_low, estimate.cumulative_high,"
        f" estimate.cumulative_regret, truth.cumulative_regret as truth"
        f" from {view} as estimate inner join reporting.regret_true as truth"
        f" using (campaign_id, send_date) order by 1",
    )
    assert len(rows) == DAYS + 1  # the unanswered last list is decided, so it is charged too
    inside = [r["cumulative_low"] <= r["truth"] <= r["cumulative_high"] for r in rows]
    assert sum(inside) / len(inside) >= coverage, rows
    # an interval that always covers because it is uselessly wide would prove nothing
    last = rows[-1]
    assert (last["cumulative_high"] - last["cumulative_low"]) / last["cumulative_regret"] < 0.6


def test_posterior_expected_regret_is_the_allocation_steps_expectation(history: History) -> None:
    rows = _rows(
        history.url,
        "select p.cumulative_regret, p.cumulative_uniform_regret,"
        " e.cumulative_expected_regret, e.cumulative_uniform_expected_regret"
        " from reporting.regret_posterior p"
        " join reporting.regret_estimate e using (campaign_id, send_date) order by send_date",
    )
    assert len(rows) == DAYS + 1
    for i, row in enumerate(rows):
        assert row["cumulative_regret"] == pytest.approx(row["cumulative_expected_regret"])
        assert row["cumulative_uniform_regret"] == pytest.approx(
            row["cumulative_uniform_expected_regret"]
        )
        if i >= 2:  # the first two dates are allocated uniformly: no learning yet
            assert row["cumulative_regret"] < row["cumulative_uniform_regret"]


# -- lift --------------------------------------------------------------------------------


@pytest.mark.parametrize("estimator", ["ips", "snips", "holdout"])
def test_lift_estimates_are_near_the_true_lift(history: History, estimator: str) -> None:
    rows = _rows(
        history.url,
        "select lift.send_date, lift.lift, lift.std_error, lift.lift_low, lift.lift_high,"
        " truth.cumulative_true_lift as truth"
        " from reporting.lift as lift join reporting.regret_true as truth"
        " using (campaign_id, send_date)"
        " where lift.estimator = %s and lift.scope = 'cumulative' order by 1",
        estimator,
    )
    matured_dates = DAYS - 1  # the two-day attribution window of the last date is still open
    assert len(rows) == matured_dates
    last = rows[-1]
    assert abs(last["lift"] - last["truth"]) < 3 * last["std_error"], last
    assert last["lift_low"] > 0  # the bandit beat an equal split, and the data say so
    # (on the first, uniformly allocated dates ips is exactly 0 with no error, as is the truth)
    inside = [r["lift_low"] - 1e-9 <= r["truth"] <= r["lift_high"] + 1e-9 for r in rows]
    assert sum(inside) >= 0.8 * len(rows), rows


def test_ips_lift_is_zero_while_the_allocation_is_uniform(history: History) -> None:
    # the first send date is allocated uniformly: every weight is 1
    rows = _rows(
        history.url,
        "select estimator, lift, std_error from reporting.lift"
        " where send_date = %s and scope = 'day' and estimator in ('ips', 'snips')",
        START,
    )
    assert len(rows) == 2
    for row in rows:
        assert row["lift"] == pytest.approx(0.0, abs=1e-12)


def test_nightly_outcome_refreshes_equal_a_rebuild_from_every_send(history: History) -> None:
    # each report step recomputed only the send dates its night touched; late events,
    # maturing dates and the broken delivery must all have been taken in
    live = _rows(
        history.url,
        "select send_date, segment, template_id, is_holdout, count(*) as sends,"
        " count(*) filter (where delivered) as delivered_sends,"
        " count(*) filter (where matured) as matured_sends,"
        " coalesce(sum(reward) filter (where matured), 0) as rewards"
        " from reporting.attributed_sends group by 1, 2, 3, 4 order by 1, 2, 3, 4",
    )
    kept = _rows(
        history.url,
        "select send_date, segment, template_id, is_holdout, sends, delivered_sends,"
        " matured_sends, rewards from reporting.daily_outcomes order by 1, 2, 3, 4",
    )
    assert kept == live
    assert len(kept) > 0.95 * (DAYS + 1) * 3 * 4 * 2  # nearly every date x segment x cell


# -- allocation history and the sample-ratio check -------------------------------------------


def test_the_sample_ratio_check_fires_where_delivery_broke_and_nowhere_else(
    history: History,
) -> None:
    rows = _rows(
        history.url,
        "select send_date, segment, flagged, listed_p_value, delivered_p_value,"
        " delivered_rate, worst_template_id, worst_is_holdout, worst_delivered_rate"
        " from reporting.sample_ratio order by send_date, segment",
    )
    assert {r["send_date"] for r in rows} == {START + dt.timedelta(days=i) for i in range(DAYS + 1)}
    flagged = [r for r in rows if r["flagged"]]
    assert {r["send_date"] for r in flagged} == {BROKEN_DATE}, flagged
    young = next(r for r in flagged if "18-34" in r["segment"])
    assert young["worst_template_id"] == BROKEN_TEMPLATE  # in either cohort: both lost 60%
    assert young["worst_delivered_rate"] < 0.5  # 60% of it never arrived
    assert young["delivered_p_value"] < 1e-6 and young["listed_p_value"] > 1e-3  # list fine


def test_allocation_history_realised_shares_follow_the_probabilities(history: History) -> None:
    rows = _rows(
        history.url,
        "select probability, realized_share, sends from reporting.allocation_history"
        " where sends > 200",
    )
    assert rows
    for row in rows:
        # binomial noise of the hash assignment: 4 standard errors
        se = (row["probability"] * (1 - row["probability"]) / row["sends"]) ** 0.5
        assert abs(row["realized_share"] - row["probability"]) < 4 * se + 0.02


# -- posteriors over time and decision support ----------------------------------------------


def test_posteriors_over_time_carry_intervals_that_cover_the_truth(history: History) -> None:
    rows = _rows(
        history.url,
        "select a.as_of, a.segment, a.template_id, a.posterior_mean, a.credible_low,"
        " a.credible_high, a.p_best, t.rate"
        " from reporting.arm_daily a"
        " join simulation.true_rates t"
        "   on t.attribute_value = a.segment::jsonb ->> 'age_band'"
        "   and t.template_id = a.template_id and t.campaign_id = a.campaign_id"
        " where a.as_of >= %s order by 1, 2, 3",
        START,
    )
    assert len(rows) == DAYS * 3 * 4
    for row in rows:
        assert row["credible_low"] <= row["posterior_mean"] <= row["credible_high"]
    last = [r for r in rows if r["as_of"] == rows[-1]["as_of"]]
    covered = [r["credible_low"] <= r["rate"] <= r["credible_high"] for r in last]
    assert sum(covered) >= 10, last  # 95% intervals, 12 templates
    by_segment: dict[tuple[dt.date, str], float] = {}
    for row in rows:
        key = (row["as_of"], row["segment"])
        by_segment[key] = by_segment.get(key, 0.0) + row["p_best"]
    assert all(total == pytest.approx(1.0, abs=1e-9) for total in by_segment.values())


def test_decision_support_shows_the_campaign_being_decided(history: History) -> None:
    rows = _rows(
        history.url,
        "select send_date, segment, leader_template_id, value_remaining, decided,"
        " matured_needed from reporting.decision_support order by send_date, segment",
    )
    first = [r for r in rows if r["send_date"] == START]
    last = [r for r in rows if r["send_date"] == rows[-1]["send_date"]]
    assert first and all(not r["decided"] and r["value_remaining"] > 0.5 for r in first)
    assert all(r["matured_needed"] is None or r["matured_needed"] > 0 for r in first)
    best = {"18-34": "discount_first", "35-54": "checklist", "55+": "long_story"}
    for row in last:
        assert row["leader_template_id"] == best[json.loads(row["segment"])["age_band"]]
        assert row["value_remaining"] < 0.05


# -- validation and run outcomes -------------------------------------------------------------


def test_window_outcomes_account_for_every_row(history: History) -> None:
    rows = _rows(history.url, "select * from reporting.window_outcomes order by window_date")
    assert [r["window_date"] for r in rows] == [
        START - dt.timedelta(days=1) + dt.timedelta(days=i) for i in range(DAYS + 1)
    ]
    loaded = dict(
        (r["arrival_date"], r["n"])
        for r in _rows(
            history.url, "select arrival_date, count(*) as n from core.events group by 1"
        )
    )
    for row in rows:
        assert row["status"] == "success" and row["failed_steps"] == []
        assert row["campaigns_published"] == 1
        assert row["events_loaded"] == loaded.get(row["window_date"], 0)
        assert row["events_received"] == row["events_loaded"] + row["events_quarantined"]
    # every user arrived in the first window's file, long gone from staging
    assert [r["user_rows_received"] for r in rows] == [USERS] + [0] * DAYS
    assert sum(r["events_received"] for r in rows) > 0


def test_staging_keeps_only_the_last_windows(history: History) -> None:
    last = START - dt.timedelta(days=1) + dt.timedelta(days=DAYS)
    kept = [last - dt.timedelta(days=i) for i in reversed(range(KEEP_DAYS))]
    staged = _rows(history.url, "select distinct window_date from staging.events order by 1")
    assert [r["window_date"] for r in staged] == kept
    partitions = _rows(
        history.url,
        "select count(*) as n from pg_inherits where inhparent = 'staging.events'::regclass",
    )
    assert partitions[0]["n"] == KEEP_DAYS + 1  # and the default partition
    assert _rows(history.url, "select count(*) as n from staging.users")[0]["n"] == 0
    # the events themselves stay: every window's loaded events are in core
    loaded = _rows(history.url, "select count(distinct arrival_date) as n from core.events")
    assert loaded[0]["n"] > KEEP_DAYS


# -- the send-list export ------------------------------------------------------------------


def test_every_published_batch_was_exported_with_a_true_manifest(history: History) -> None:
    batches = _rows(
        history.url, "select send_date, row_count, checksum from crm.batches_v1 order by 1"
    )
    folder = history.exports / "welcome_series"
    assert sorted(p.name for p in folder.iterdir()) == [b["send_date"].isoformat() for b in batches]
    for batch in batches:
        batch_dir = folder / batch["send_date"].isoformat()
        manifest = json.loads((batch_dir / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["row_count"] == batch["row_count"]
        assert manifest["batch_checksum"] == batch["checksum"]
        for entry in manifest["files"]:
            data = (batch_dir / entry["name"]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == entry["sha256"]
            assert entry["rows"] == batch["row_count"] and entry["bytes"] == len(data)
    last = folder / batches[-1]["send_date"].isoformat()
    with (last / "send_list_v1.csv").open(newline="", encoding="utf-8") as handle:
        exported = [
            (r["send_id"], r["template_id"], r["is_holdout"]) for r in csv.DictReader(handle)
        ]
    listed = [
        (r["send_id"], r["template_id"], "true" if r["is_holdout"] else "false")
        for r in _rows(
            history.url,
            "select send_id, template_id, is_holdout from crm.send_list_v1"
            " where send_date = %s order by send_id",
            batches[-1]["send_date"],
        )
    ]
    assert exported == listed


# -- the HTML report in a real browser ------------------------------------------------------


def test_the_report_draws_in_headless_chromium_without_errors(history: History) -> None:
    from tests.browser import open_browser

    report = history.reports / "welcome_series.html"
    with open_browser() as browser:
        page, session = browser.load(report.resolve().as_uri())
        assert page.errors == []
        # offline: the page fetched nothing but itself
        assert {url for url in page.requests if not url.startswith("data:")} == {
            report.resolve().as_uri()
        }
        charts = browser.evaluate(
            session,
            "Array.from(document.querySelectorAll('svg.chart')).map(c => ({"
            " title: c.getAttribute('aria-label'),"
            " marks: c.querySelectorAll("
            "   'polyline, polygon, circle, rect:not([width=\"10\"])').length,"
            " width: c.getBoundingClientRect().width}))",
        )
        assert len(charts) >= 9, charts  # shares, 3 posteriors, regret, lift, 3 dynamics
        for chart in charts:
            assert chart["marks"] > 0 and chart["width"] > 200, chart
        assert browser.evaluate(session, "document.body.dataset.replayReady") == "true"

        def replay() -> dict[str, Any]:
            return dict(
                browser.evaluate(
                    session,
                    "({day: document.getElementById('replay-panel').dataset.day,"
                    " caption: document.getElementById('replay-caption').textContent,"
                    " bars: document.querySelectorAll('#replay-panel rect.share').length,"
                    " means: document.querySelectorAll('#replay-panel circle.mean').length,"
                    " value: +document.getElementById('replay-day').value})",
                )
            )

        last = replay()
        assert last["day"] == (START + dt.timedelta(days=DAYS)).isoformat()
        assert last["bars"] > 0 and last["means"] == 3 * 4
        browser.evaluate(
            session,
            "const s = document.getElementById('replay-day');"
            " s.value = 0; s.dispatchEvent(new Event('input')); true",
        )
        first = replay()
        assert first["day"] == START.isoformat() and first["caption"] != last["caption"]
        browser.evaluate(session, "document.getElementById('replay-play').click(); true")
        browser.drain(1.6)  # the replay advances every 0.7 s
        assert replay()["value"] >= 1
        assert browser.page(session).errors == []


# -- the command line ----------------------------------------------------------------------


def test_smartarm_report_writes_the_page_from_the_views(
    history: History, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    from smartarm.cli import main

    monkeypatch.setenv("SMARTARM_DATABASE_URL", history.url)
    out = tmp_path / "page.html"
    assert main(["report", "--campaign", "welcome_series", "--out", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    assert "Replay: how the allocation learned" in html and "<script src" not in html
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert main(["report", "--campaign", "no_such_campaign", "--out", str(out)]) == 2
    assert "no campaign 'no_such_campaign'" in capsys.readouterr().err


def _true_value(url: str, logs: Any, scope: Any) -> float:
    """The target's true mean reward per logged send, from the world's true rates."""
    rates = {
        (r["attribute_value"], r["template_id"]): r["rate"]
        for r in _rows(url, "select attribute_value, template_id, rate from simulation.true_rates")
    }
    contexts = sorted(
        {
            (r["send_date"], r["segment"])
            for r in _rows(
                url,
                "select distinct send_date, segment from bandit.allocations"
                " where send_date between %s and %s",
                scope.first,
                scope.last,
            )
        }
    )
    import numpy as np

    per_context = np.bincount(logs.context, weights=logs.count, minlength=len(contexts))
    value = 0.0
    for c, (_date, segment) in enumerate(contexts):
        band = json.loads(segment)["age_band"]
        value += per_context[c] * sum(
            logs.target[c, k] * rates[(band, t)] for k, t in enumerate(scope.templates)
        )
    return float(value / per_context.sum())


@pytest.mark.parametrize(
    ("policy", "params"),
    [
        pytest.param("uniform", {}, id="uniform"),
        pytest.param("epsilon_greedy", {"epsilon": 0.2}, id="epsilon-greedy"),
        pytest.param("thompson_sampling", {}, id="the-logging-policy"),
    ],
)
def test_off_policy_estimates_cover_the_true_value(
    history: History, policy: str, params: dict[str, Any]
) -> None:
    import numpy as np

    from bandit_core.evaluation import estimate_policy_value
    from bandit_core.evaluation_data import load_logged_sends

    with connect(history.url) as conn:
        logs, scope = load_logged_sends(conn, "welcome_series", policy, params)
    result = estimate_policy_value(logs, np.random.default_rng(1), bootstrap=400)
    truth = _true_value(history.url, logs, scope)
    assert scope.last == BROKEN_DATE - dt.timedelta(days=1)  # the last matured date
    for estimate in (result.ips, result.snips, result.doubly_robust):
        assert estimate.low <= truth <= estimate.high, (estimate, truth)
    assert result.warnings == []


def test_smartarm_evaluate_prints_estimates_and_warns_about_large_weights(
    history: History, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    from smartarm.cli import main

    monkeypatch.setenv("SMARTARM_DATABASE_URL", history.url)
    # UCB1's batch face puts a whole day on one template: far from what was logged
    code = main(
        [
            "evaluate",
            "--campaign",
            "welcome_series",
            "--policy",
            "ucb1",
            "--from",
            "2026-01-04",
            "--to",
            "2026-01-09",
            "--bootstrap",
            "200",
            "--json",
        ]
    )
    captured = capsys.readouterr()
    assert code == 0
    result = json.loads(captured.out)
    assert result["first"] == "2026-01-04" and result["last"] == "2026-01-09"
    assert result["max_weight"] > 20 and "weights too large" in captured.err
    for name in ("ips", "snips", "doubly_robust"):
        assert result[name]["low"] <= result[name]["value"] <= result[name]["high"]
    assert main(["evaluate", "--campaign", "welcome_series", "--policy", "nope"]) == 2
    assert "unknown policy 'nope'" in capsys.readouterr().err


# -- reruns ------------------------------------------------------------------------------------


def test_rerunning_the_last_window_rewrites_the_same_reporting_rows(
    history: History, monkeypatch: pytest.MonkeyPatch
) -> None:
    # last in the module: it reruns a window of the shared history, which must change nothing
    tables = ("bandit.regret_posterior", "bandit.segment_decisions", "bandit.allocations")

    def digests() -> dict[str, str]:
        out = {}
        for table in tables:
            row = _rows(
                history.url,
                f"select md5(string_agg(t::text, ',' order by t::text)) as d from {table} t",
            )
            out[table] = row[0]["d"]
        return out

    batches = sorted((history.exports / "welcome_series").iterdir())
    stamps = {p: (p / "manifest.json").stat().st_mtime_ns for p in batches}
    before = digests()
    monkeypatch.setenv("SMARTARM_DATABASE_URL", history.url)
    monkeypatch.setenv("SMARTARM_EXPORT_DIR", str(history.exports))
    landing = history.reports.parent / "landing"
    run = run_nightly(
        START + dt.timedelta(days=DAYS - 1), landing_dir=landing, report_dir=history.reports
    )
    assert run.state == "success", run.failures
    assert digests() == before
    assert {p: (p / "manifest.json").stat().st_mtime_ns for p in batches} == stamps
