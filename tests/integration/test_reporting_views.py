"""Reporting views against numbers computed by hand from a few sends (real PostgreSQL).

The simulated-history tests (tests/dags/test_reporting_history.py) check the views against
the truth of a world; these pin the formulas: every expected value here is computed in
Python from the same rows, independently of the SQL.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import numpy as np
import psycopg
import pytest
from psycopg.types.json import Jsonb
from scipy import stats

from bandit_core.outcomes import refresh_outcomes
from bandit_core.window import Window
from tests.support import apply, campaign_config

D = dt.date(2026, 1, 5)
_ids = itertools.count()


def _allocate(
    conn: psycopg.Connection[Any],
    probabilities: dict[str, float],
    *,
    send_date: dt.date = D,
    holdout_share: float = 0.2,
    segment: str = "{}",
) -> None:
    low = 0.0
    for template_id, p in probabilities.items():
        conn.execute(
            "insert into bandit.allocations (campaign_id, send_date, segment, template_id, as_of,"
            " policy, policy_params, seed, policy_probability, probability, cum_low, cum_high,"
            " posterior_mean, expected_regret, holdout_share, model_version)"
            " values ('c1', %s, %s, %s, %s, 'thompson_sampling', %s, 1, %s, %s, %s, %s, 0.1,"
            " 0.01, %s, 'v1')",
            (
                send_date,
                segment,
                template_id,
                send_date - dt.timedelta(days=1),
                Jsonb({}),
                p,
                p,
                low,
                low + p,
                holdout_share,
            ),
        )
        low += p


def _send(
    conn: psycopg.Connection[Any],
    template_id: str,
    *,
    holdout: bool,
    propensity: float,
    events: tuple[tuple[str, float | None, int], ...] = (("delivered", None, 0),),
    send_date: dt.date = D,
    segment: str = "{}",
) -> str:
    """One send and its events as (event type, value, hours after the send date starts)."""
    n = next(_ids)
    send_id = f"s{n}"
    conn.execute(
        "insert into core.sends values (%s, %s, 'c1', %s, %s, %s, %s, %s, 'v1')",
        (send_id, send_date, f"u{n}", template_id, segment, propensity, holdout),
    )
    for i, (event_type, value, hours) in enumerate(events):
        at = dt.datetime.combine(send_date, dt.time(), tzinfo=dt.UTC) + dt.timedelta(hours=hours)
        conn.execute(
            "insert into core.events values (%s, %s, 'c1', %s, %s, %s, %s, %s, %s, 'f.csv', 1)",
            (f"{send_id}-{i}", send_id, f"u{n}", template_id, event_type, at, value, at.date()),
        )
    return send_id


def _learned(conn: psycopg.Connection[Any], as_of: dt.date) -> None:
    """Mark the campaign as having learned up to ``as_of`` (what decides maturity)."""
    conn.execute("insert into bandit.arm_state values ('c1', '{}', 'a', %s, 0, 0, 0, 0)", (as_of,))


def _one(conn: psycopg.Connection[Any], query: str, *params: Any) -> dict[str, Any]:
    with conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        cur.execute(query, params)
        rows = cur.fetchall()
    assert len(rows) == 1, rows
    return rows[0]


@pytest.fixture
def campaign(conn: psycopg.Connection[Any]) -> psycopg.Connection[Any]:
    apply(conn, campaign_config(attribution_days=1, holdout_share=0.2))
    _learned(conn, D)
    return conn


# the sends of the lift and sample-ratio tests: (template, holdout, propensity, sends, clicks,
# delivered)
SENDS = [
    ("a", False, 0.75, 60, 12, 10),
    ("b", False, 0.25, 20, 2, 20),
    ("a", True, 0.5, 10, 2, 10),
    ("b", True, 0.5, 10, 1, 10),
]


def _populate(conn: psycopg.Connection[Any]) -> list[tuple[bool, float, float]]:
    """The SENDS above; returns (holdout, propensity, reward) per send."""
    _allocate(conn, {"a": 0.75, "b": 0.25})
    rows = []
    for template_id, holdout, propensity, n, clicks, delivered in SENDS:
        for i in range(n):
            events = (("delivered", None, 9),) if i < delivered else ()
            if i < clicks:
                events += (("click", None, 12),)
            _send(conn, template_id, holdout=holdout, propensity=propensity, events=events)
            rows.append((holdout, propensity, float(i < clicks)))
    refresh_outcomes(conn, "c1", Window(D), attribution_days=1)  # the nightly report step's
    conn.commit()
    return rows


def test_lift_by_ips_snips_and_holdout_matches_a_hand_computation(
    campaign: psycopg.Connection[Any],
) -> None:
    rows = _populate(campaign)
    bandit = np.array([(p, r) for holdout, p, r in rows if not holdout])
    held = np.array([r for holdout, _p, r in rows if holdout])
    r, w = bandit[:, 1], 0.5 / bandit[:, 0]  # two templates: an equal split is 1/2 each
    n = len(r)

    ips = _one(campaign, "select * from reporting.lift where estimator = 'ips' and scope = 'day'")
    d = r * (1 - w)
    assert ips["lift"] == pytest.approx(d.mean())
    assert ips["std_error"] == pytest.approx(d.std(ddof=1) / np.sqrt(n))
    assert ips["baseline_value"] == pytest.approx(np.mean(r * w))

    snips = _one(
        campaign, "select * from reporting.lift where estimator = 'snips' and scope = 'day'"
    )
    v_snips = np.sum(r * w) / np.sum(w)
    assert snips["lift"] == pytest.approx(r.mean() - v_snips)
    influence = (r - r.mean()) - w * (r - v_snips) / w.mean()
    assert snips["std_error"] == pytest.approx(np.sqrt(np.sum(influence**2)) / n)

    holdout = _one(
        campaign, "select * from reporting.lift where estimator = 'holdout' and scope = 'day'"
    )
    assert holdout["lift"] == pytest.approx(r.mean() - held.mean())
    se = np.sqrt(r.var(ddof=1) / n + held.var(ddof=1) / len(held))
    assert holdout["std_error"] == pytest.approx(se)
    assert holdout["lift_low"] == pytest.approx(holdout["lift"] - 1.96 * se)
    # one day: the cumulative rows are the day's
    cumulative = _one(
        campaign,
        "select lift from reporting.lift where estimator = 'holdout' and scope = 'cumulative'",
    )
    assert cumulative["lift"] == pytest.approx(holdout["lift"])


def test_sample_ratio_is_pearsons_chi_square_on_listed_and_delivered_counts(
    campaign: psycopg.Connection[Any],
) -> None:
    _populate(campaign)
    row = _one(campaign, "select * from reporting.sample_ratio")
    intended = np.array([0.8 * 0.75, 0.8 * 0.25, 0.1, 0.1])  # bandit a, b; holdout a, b
    listed = np.array([60, 20, 10, 10])
    delivered = np.array([10, 20, 10, 10])  # the CRM lost 50 of template a's bandit sends
    expected_listed = stats.chisquare(listed, listed.sum() * intended)
    expected_delivered = stats.chisquare(delivered, delivered.sum() * intended)
    assert row["df"] == 3
    assert row["listed_chi_square"] == pytest.approx(expected_listed.statistic, abs=1e-9)
    assert row["listed_p_value"] == pytest.approx(expected_listed.pvalue, abs=1e-6)
    assert row["delivered_chi_square"] == pytest.approx(expected_delivered.statistic)
    assert row["delivered_p_value"] == pytest.approx(expected_delivered.pvalue, rel=1e-5)
    assert expected_delivered.pvalue < 0.001 < expected_listed.pvalue and row["flagged"]
    assert (row["worst_template_id"], row["worst_is_holdout"]) == ("a", False)
    assert row["worst_delivered_rate"] == pytest.approx(10 / 60)


@pytest.mark.parametrize(
    ("x", "df"),
    [(0.0, 1), (0.3, 1), (3.84, 1), (12.0, 2), (7.0, 3), (25.0, 6), (40.0, 11), (1e5, 4)],
)
def test_the_chi_square_tail_function_agrees_with_scipy(
    conn: psycopg.Connection[Any], x: float, df: int
) -> None:
    value = conn.execute("select bandit.chi_square_sf(%s, %s)", (x, df)).fetchone()
    assert value is not None
    assert value[0] == pytest.approx(stats.chi2.sf(x, df), abs=2e-7)


def test_rewards_are_attributed_as_the_posterior_update_counts_them(
    conn: psycopg.Connection[Any],
) -> None:
    apply(conn, campaign_config(attribution_days=1, value_cap=100))
    _learned(conn, D)
    capped = _send(
        conn, "a", holdout=False, propensity=0.5, events=(("click", 30.0, 10), ("click", 90.0, 20))
    )
    partial = _send(conn, "a", holdout=False, propensity=0.5, events=(("click", 30.0, 10),))
    late = _send(conn, "b", holdout=False, propensity=0.5, events=(("click", 80.0, 30),))
    other_event = _send(conn, "b", holdout=False, propensity=0.5, events=(("open", 50.0, 2),))
    unmatured = _send(
        conn,
        "a",
        holdout=False,
        propensity=0.5,
        send_date=D + dt.timedelta(days=1),
        events=(("click", 100.0, 3),),
    )
    conn.commit()
    rewards = dict(
        conn.execute("select send_id, reward from reporting.attributed_sends").fetchall()
    )
    assert rewards == {capped: 1.0, partial: 0.3, late: 0.0, other_event: 0.0, unmatured: 0.0}
    matured = dict(
        conn.execute("select send_id, matured from reporting.attributed_sends").fetchall()
    )
    assert [s for s, m in matured.items() if not m] == [unmatured]


def test_refreshed_outcomes_count_only_reward_events_within_the_window(
    conn: psycopg.Connection[Any],
) -> None:
    # events a day after their send, as a longer attribution window loaded them: the refresh
    # sums each send's events before the join, and recounts the sends whose events stray
    apply(conn, campaign_config(attribution_days=1, value_cap=100))
    _learned(conn, D + dt.timedelta(days=1))  # the late events have arrived by then
    delivered_click = (("delivered", None, 1),)
    _send(
        conn,
        "a",
        holdout=False,
        propensity=0.5,
        events=delivered_click + (("click", 30.0, 10), ("click", 90.0, 20)),
    )  # 1.0: capped
    _send(
        conn, "a", holdout=False, propensity=0.5, events=(("click", 30.0, 10), ("click", 50.0, 30))
    )  # 0.3: the second click is a day late
    _send(conn, "b", holdout=False, propensity=0.5, events=(("click", 80.0, 30),))  # 0.0
    _send(
        conn, "b", holdout=False, propensity=0.5, events=delivered_click + (("open", 50.0, 2),)
    )  # 0.0
    refresh_outcomes(conn, "c1", Window(D + dt.timedelta(days=1)), attribution_days=1)
    conn.commit()
    cells = {
        row[0]: row[1:]
        for row in conn.execute(
            "select template_id, sends, delivered_sends, matured_sends, rewards, reward_sq_sum"
            " from bandit.daily_outcomes"
        ).fetchall()
    }
    assert cells.keys() == {"a", "b"}
    assert cells["a"][:3] == (2, 1, 2) and cells["b"][:3] == (2, 1, 2)
    assert cells["a"][3:] == pytest.approx((1.3, 1.09))
    assert cells["b"][3:] == (0.0, 0.0)
    # the same rewards as the view that counts every send's events one by one
    by_view = dict(
        conn.execute(
            "select template_id, sum(reward) from reporting.attributed_sends group by 1"
        ).fetchall()
    )
    assert by_view == pytest.approx({"a": 1.3, "b": 0.0})


def test_window_outcomes_show_the_latest_run_of_a_window(conn: psycopg.Connection[Any]) -> None:
    window = dt.date(2026, 1, 4)
    at = dt.datetime(2026, 1, 5, 1, tzinfo=dt.UTC)
    # what each extract staged is in its audit details: the counts outlive staging's rows
    staged = {"events": {"rows": 12}, "users": {"rows": 3}}
    restaged = {"events": {"rows": 10}, "users": {"rows": 2}}
    runs = [
        ("first", "extract", "success", None, at, staged),
        # what a validation loaded is in its details too; a failed gate loads nothing, so
        # the window keeps what the first run loaded
        (
            "first",
            "validate",
            "success",
            None,
            at + dt.timedelta(minutes=1),
            {"events": {"rows": 12, "loaded": 7}},
        ),
        ("rerun", "extract", "success", None, at + dt.timedelta(hours=1), restaged),
        (
            "rerun",
            "validate",
            "failed",
            "DataQualityError: 9 of 10 rows broke a rule",
            at + dt.timedelta(hours=1, minutes=1),
            {},
        ),
    ]
    for run_id, step, status, error, started, details in runs:
        conn.execute(
            "insert into audit.runs (dag_run_id, window_date, step, status, started_at,"
            " finished_at, error, details) values (%s, %s, %s, %s, %s, %s, %s, %s)",
            (run_id, window, step, status, started, started, error, Jsonb(details)),
        )
    for line, rules in enumerate((["bad_timestamp"], ["bad_timestamp", "unknown_send"]), 1):
        conn.execute(
            "insert into quarantine.events (window_date, source_file, line_no, rules)"
            " values (%s, 'x.csv', %s, %s)",
            (window, line, rules),
        )
    conn.execute(
        "insert into audit.validation_results values (%s, 'events', 'quarantine_share',"
        " 'table', false, 0.9, 0.05, '{}')",
        (window,),
    )
    conn.commit()
    row = _one(conn, "select * from reporting.window_outcomes")
    assert row["dag_run_id"] == "rerun" and row["status"] == "failed"
    assert row["failed_steps"] == ["validate"] and "9 of 10" in row["first_error"]
    assert row["events_quarantined"] == 2
    assert (row["events_received"], row["user_rows_received"]) == (10, 2)
    assert row["quarantined_by_rule"] == {"bad_timestamp": 2, "unknown_send": 1}
    assert row["gates_failed"] == ["events.quarantine_share"] and row["checks_failed"] == 1
    assert row["events_loaded"] == 7


def test_window_outcomes_count_the_loaded_events_of_a_window_validated_without_the_count(
    conn: psycopg.Connection[Any],
) -> None:
    # audit details written before validation recorded what it loaded: the window's events
    # are counted instead
    window = dt.date(2026, 1, 4)
    at = dt.datetime(2026, 1, 5, 1, tzinfo=dt.UTC)
    for step in ("extract", "validate"):
        conn.execute(
            "insert into audit.runs (dag_run_id, window_date, step, status, started_at,"
            " finished_at, details) values ('old', %s, %s, 'success', %s, %s, '{}')",
            (window, step, at, at),
        )
    for n in range(3):
        conn.execute(
            "insert into core.events values (%s, 's', 'c1', 'u', 'a', 'click', %s, null, %s,"
            " 'f.csv', %s)",
            (f"e{n}", at, window, n + 1),
        )
    conn.commit()
    assert _one(conn, "select events_loaded from reporting.window_outcomes")["events_loaded"] == 3


def test_a_night_recomputes_only_the_send_dates_it_touched(conn: psycopg.Connection[Any]) -> None:
    apply(conn, campaign_config(attribution_days=2))
    days = [D - dt.timedelta(days=i) for i in range(10)]  # ten send dates up to D
    sent = {day: _send(conn, "a", holdout=False, propensity=1.0, send_date=day) for day in days}
    _learned(conn, D)
    conn.commit()
    assert refresh_outcomes(conn, "c1", Window(D), attribution_days=2) == 10  # first: in full

    # the next night: a late click for a send of 9 days ago, and tomorrow's list
    late = dt.datetime.combine(days[-1], dt.time(12), tzinfo=dt.UTC)
    conn.execute(
        "insert into core.events values ('late', %s, 'c1', 'u', 'a', 'click', %s, null, %s,"
        " 'f.csv', 1)",
        (sent[days[-1]], late, D + dt.timedelta(days=1)),
    )
    _send(conn, "a", holdout=False, propensity=1.0, send_date=D + dt.timedelta(days=2))
    _learned(conn, D + dt.timedelta(days=1))
    conn.commit()
    touched = refresh_outcomes(conn, "c1", Window(D + dt.timedelta(days=1)), attribution_days=2)
    # the W dates whose sends the late click could answer (its own and the day before), D
    # (matured now that the campaign learned D + 1), and D + 1 and D + 2 (published since)
    assert touched == 2 + 3
    kept = conn.execute(
        "select send_date, sends, matured_sends, rewards from bandit.daily_outcomes order by 1"
    ).fetchall()
    rebuilt = conn.execute(
        "select send_date, count(*), count(*) filter (where matured),"
        " coalesce(sum(reward) filter (where matured), 0)"
        " from reporting.attributed_sends group by 1 order by 1"
    ).fetchall()
    assert kept == rebuilt


def test_a_reward_that_counts_only_once_the_campaign_learned_its_night_is_taken_in(
    conn: psycopg.Connection[Any],
) -> None:
    apply(conn, campaign_config(attribution_days=1))
    yesterday = D - dt.timedelta(days=1)
    # a click on yesterday's send that arrived today, refreshed while the campaign had learned
    # only up to yesterday: not a reward yet
    send = _send(conn, "a", holdout=False, propensity=1.0, send_date=yesterday)
    conn.execute(
        "insert into core.events values ('click', %s, 'c1', 'u', 'a', 'click', %s, null, %s,"
        " 'f.csv', 1)",
        (send, dt.datetime.combine(yesterday, dt.time(12), tzinfo=dt.UTC), D),
    )
    _learned(conn, yesterday)
    conn.commit()
    refresh_outcomes(conn, "c1", Window(D), attribution_days=1)
    reward = "select rewards from bandit.daily_outcomes where send_date = %s"
    assert _one(conn, reward, yesterday) == {"rewards": 0.0}
    # the next night, no new event: the campaign has learned D, so the click counts now
    _learned(conn, D + dt.timedelta(days=1))
    conn.commit()
    refresh_outcomes(conn, "c1", Window(D + dt.timedelta(days=1)), attribution_days=1)
    assert _one(conn, reward, yesterday) == {"rewards": 1.0}


def test_a_rerun_whose_files_lost_an_event_rebuilds_in_full(conn: psycopg.Connection[Any]) -> None:
    apply(conn, campaign_config(attribution_days=1))
    days = [D - dt.timedelta(days=i) for i in range(5)]
    sent = {day: _send(conn, "a", holdout=False, propensity=1.0, send_date=day) for day in days}
    _learned(conn, D)
    conn.commit()
    refresh_outcomes(conn, "c1", Window(D), attribution_days=1)
    # the next night brings a late click for the oldest send ...
    late = dt.datetime.combine(days[-1], dt.time(12), tzinfo=dt.UTC)
    conn.execute(
        "insert into core.events values ('late', %s, 'c1', 'u', 'a', 'click', %s, null, %s,"
        " 'f.csv', 1)",
        (sent[days[-1]], late, D + dt.timedelta(days=1)),
    )
    _learned(conn, D + dt.timedelta(days=1))
    conn.commit()
    refresh_outcomes(conn, "c1", Window(D + dt.timedelta(days=1)), attribution_days=1)
    assert _one(
        conn, "select rewards from bandit.daily_outcomes where send_date = %s", days[-1]
    ) == {"rewards": 1.0}
    # ... then that night is rerun with corrected files that no longer hold it
    conn.execute("delete from core.events where event_id = 'late'")
    conn.commit()
    assert refresh_outcomes(conn, "c1", Window(D + dt.timedelta(days=1)), attribution_days=1) == 5
    assert _one(
        conn, "select rewards from bandit.daily_outcomes where send_date = %s", days[-1]
    ) == {"rewards": 0.0}


def test_a_changed_attribution_window_rebuilds_in_full(conn: psycopg.Connection[Any]) -> None:
    apply(conn, campaign_config(attribution_days=1))
    days = [D - dt.timedelta(days=i) for i in range(5)]
    for day in days:
        _send(conn, "a", holdout=False, propensity=1.0, send_date=day)
    _learned(conn, D)
    conn.commit()
    refresh_outcomes(conn, "c1", Window(D), attribution_days=1)
    _learned(conn, D + dt.timedelta(days=1))
    conn.commit()
    # the same window length: only the touched dates; a new one: every send date
    assert refresh_outcomes(conn, "c1", Window(D + dt.timedelta(days=1)), attribution_days=1) < 5
    _learned(conn, D + dt.timedelta(days=2))
    conn.commit()
    assert refresh_outcomes(conn, "c1", Window(D + dt.timedelta(days=2)), attribution_days=3) == 5
