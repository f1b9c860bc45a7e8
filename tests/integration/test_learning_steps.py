"""Posterior update, allocation, assignment and publish on a real database, against numbers
computed by hand."""

from __future__ import annotations

import datetime as dt
from typing import Any

import psycopg
import pytest

from bandit_core.allocation import allocate_campaign
from bandit_core.assignment import assign_campaign, assignment_key, unit_hash
from bandit_core.campaigns import load_stored
from bandit_core.errors import StateError
from bandit_core.posterior import update_arm_state
from bandit_core.publish import publish_campaign
from bandit_core.window import Window
from tests.support import add_sends, add_users, apply, campaign_config, day


def _event(
    conn: psycopg.Connection[Any],
    event_id: str,
    send_id: str,
    ts: str,
    arrival: str,
    value: float | None = None,
    event_type: str = "click",
) -> None:
    conn.execute(
        "insert into core.events select %s, send_id, campaign_id, user_id, template_id, %s,"
        " %s::timestamptz, %s, %s, 'test.csv', 1 from core.sends where send_id = %s",
        (event_id, event_type, ts, value, arrival, send_id),
    )
    conn.commit()


def _state(conn: psycopg.Connection[Any], as_of: str) -> dict[str, tuple[int, int, float]]:
    rows = conn.execute(
        "select template_id, sends, matured, reward_sum from bandit.arm_state"
        " where as_of = %s order by template_id",
        (as_of,),
    ).fetchall()
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


@pytest.fixture
def history(conn: psycopg.Connection[Any]) -> psycopg.Connection[Any]:
    apply(conn, campaign_config(attribution_days=2))
    add_users(conn, [("u1", {}), ("u2", {}), ("u3", {})])
    add_sends(
        conn,
        [
            ("s1", "2026-01-01", "u1", "a", "{}"),
            ("s2", "2026-01-01", "u2", "a", "{}"),
            ("s3", "2026-01-01", "u3", "b", "{}"),
            ("s4", "2026-01-02", "u1", "a", "{}"),
        ],
    )
    _event(conn, "e1", "s1", "2026-01-01T12:00Z", "2026-01-01")
    _event(conn, "e2", "s3", "2026-01-02T08:00Z", "2026-01-02")
    _event(conn, "e3", "s4", "2026-01-02T09:00Z", "2026-01-02")
    # s2's click happened inside its window but arrived a day after the window closed
    _event(conn, "e4", "s2", "2026-01-02T23:00Z", "2026-01-03")
    # an open is not the reward event
    _event(conn, "e5", "s2", "2026-01-01T13:00Z", "2026-01-01", event_type="open")
    return conn


def _run(conn: psycopg.Connection[Any], *days: str) -> None:
    config = load_stored(conn, "c1").config
    for d in days:
        update_arm_state(conn, config, Window(day(d)))


def test_sends_count_only_once_their_window_closes_and_late_rewards_once(
    history: psycopg.Connection[Any],
) -> None:
    _run(history, "2025-12-31", "2026-01-01", "2026-01-02", "2026-01-03", "2026-01-04")
    assert _state(history, "2025-12-31") == {}
    # sent, none matured: nothing is learned from early clicks (e1) yet
    assert _state(history, "2026-01-01") == {"a": (2, 0, 0.0), "b": (1, 0, 0.0)}
    # the 01-01 cohort matures: s1 clicked, s2 not yet known to have, s3 clicked
    assert _state(history, "2026-01-02") == {"a": (3, 2, 1.0), "b": (1, 1, 1.0)}
    # s4 matures with its click, and s2's late click is added exactly once
    assert _state(history, "2026-01-03") == {"a": (3, 3, 3.0), "b": (1, 1, 1.0)}
    assert _state(history, "2026-01-04") == {"a": (3, 3, 3.0), "b": (1, 1, 1.0)}


def test_rerunning_a_day_rewrites_the_same_state(history: psycopg.Connection[Any]) -> None:
    _run(history, "2026-01-01", "2026-01-02", "2026-01-03")
    before = history.execute("select * from bandit.arm_state order by 1,2,3,4").fetchall()
    _run(history, "2026-01-02", "2026-01-02", "2026-01-03")
    after = history.execute("select * from bandit.arm_state order by 1,2,3,4").fetchall()
    assert after == before


def test_days_must_run_in_order(history: psycopg.Connection[Any]) -> None:
    _run(history, "2026-01-01")
    with pytest.raises(
        StateError, match=r"no arm state as of 2026-01-02 .* run the nightly windows in order"
    ):
        _run(history, "2026-01-03")


def test_value_cap_maps_summed_values_into_unit_rewards(conn: psycopg.Connection[Any]) -> None:
    apply(conn, campaign_config(attribution_days=1, value_cap=100))
    add_users(conn, [("u1", {}), ("u2", {})])
    add_sends(conn, [("s1", "2026-01-01", "u1", "a", "{}"), ("s2", "2026-01-01", "u2", "a", "{}")])
    _event(conn, "e1", "s1", "2026-01-01T10:00Z", "2026-01-01", value=30)
    _event(conn, "e2", "s1", "2026-01-01T11:00Z", "2026-01-01", value=90)
    _event(conn, "e3", "s2", "2026-01-01T11:00Z", "2026-01-01", value=50)
    _run(conn, "2026-01-01")
    row = conn.execute("select matured, reward_sum, reward_sq_sum from bandit.arm_state").fetchone()
    assert row == (2, 1.5, 1.25)


@pytest.fixture
def audience(conn: psycopg.Connection[Any]) -> psycopg.Connection[Any]:
    apply(
        conn,
        campaign_config(
            templates=("a", "b", "c"),
            holdout_share=0.2,
            min_share=0.05,
            segment_by=("tier",),
            frequency_cap=(1, 2),
        ),
    )
    add_users(conn, [(f"u{i:03d}", {"tier": "gold" if i % 3 else "basic"}) for i in range(600)])
    conn.execute("update core.users set unsubscribed_at = '2025-12-30' where user_id = 'u001'")
    conn.commit()
    add_sends(conn, [("old", "2025-12-31", "u002", "a", '{"tier": "gold"}')])
    return conn


def _allocate_assign(conn: psycopg.Connection[Any], window: Window) -> int:
    stored = load_stored(conn, "c1")
    allocate_campaign(conn, stored, window)
    return assign_campaign(conn, stored, window)


def test_every_eligible_user_gets_one_reproducible_assignment(
    audience: psycopg.Connection[Any],
) -> None:
    conn = audience
    window = Window(day("2025-12-31"))
    rows = _allocate_assign(conn, window)
    assert rows == 598  # 600 users minus one unsubscribed and one under the frequency cap
    allocations = {
        (segment, template): (probability, low, high)
        for segment, template, probability, low, high in conn.execute(
            "select segment, template_id, probability, cum_low, cum_high from bandit.allocations"
        )
    }
    # no data yet: the posterior is flat, so every template is equally likely
    assert all(p == pytest.approx(1 / 3, abs=1e-3) for p, _, _ in allocations.values())
    built = conn.execute(
        "select user_id, template_id, segment, propensity, is_holdout from staging.sends"
    ).fetchall()
    assert {r[0] for r in built} == {f"u{i:03d}" for i in range(600)} - {"u001", "u002"}
    templates = ("a", "b", "c")
    for user_id, template_id, segment, propensity, is_holdout in built:
        u_holdout = unit_hash(assignment_key("c1", user_id, window.send_date, 11, "holdout"))
        u_template = unit_hash(assignment_key("c1", user_id, window.send_date, 11, "template"))
        assert is_holdout == (u_holdout < 0.2)
        if is_holdout:
            assert template_id == templates[int(u_template * 3)]
            assert propensity == pytest.approx(1 / 3)
        else:
            probability, low, high = allocations[(segment, template_id)]
            assert low <= u_template < high
            assert propensity == probability
    holdout = sum(r[4] for r in built)
    assert 80 <= holdout <= 160  # 598 x 0.2 = 120 expected; about 4.5 standard deviations


def test_allocation_follows_the_posterior_within_the_rails(
    audience: psycopg.Connection[Any],
) -> None:
    conn = audience
    conn.execute(
        "insert into bandit.arm_state values"
        " ('c1', '{\"tier\": \"gold\"}', 'a', '2026-01-01', 1000, 1000, 50, 50),"
        " ('c1', '{\"tier\": \"gold\"}', 'b', '2026-01-01', 1000, 1000, 100, 100),"
        " ('c1', '{\"tier\": \"gold\"}', 'c', '2026-01-01', 1000, 1000, 20, 20)"
    )
    conn.commit()
    allocate_campaign(conn, load_stored(conn, "c1"), Window(day("2026-01-01")))
    gold = dict(
        conn.execute(
            "select template_id, probability from bandit.allocations"
            ' where segment = \'{"tier": "gold"}\' order by template_id'
        ).fetchall()
    )
    # b is best with near certainty; a and c keep the 5% floor: 0.05 + 0.85 * P(best)
    assert gold["b"] == pytest.approx(0.90, abs=1e-3)
    assert gold["a"] == pytest.approx(0.05, abs=1e-3)
    assert gold["c"] == pytest.approx(0.05, abs=1e-4)
    assert sum(gold.values()) == pytest.approx(1.0)


def test_publish_swaps_atomically_and_keeps_published_at_when_unchanged(
    audience: psycopg.Connection[Any],
) -> None:
    conn = audience
    window = Window(day("2025-12-31"))
    rows = _allocate_assign(conn, window)
    version = conn.execute("select distinct model_version from bandit.allocations").fetchone()[0]
    first = publish_campaign(conn, "c1", window, expected_rows=rows, model_version=version)
    again = publish_campaign(conn, "c1", window, expected_rows=rows, model_version=version)
    assert (first.rows, first.checksum, first.published_at) == (
        again.rows,
        again.checksum,
        again.published_at,
    )
    listed = conn.execute(
        "select count(*), count(distinct user_id) from crm.send_list_v1 where send_date = %s",
        (window.send_date,),
    ).fetchone()
    assert listed == (rows, rows)

    conn.execute("delete from staging.sends where user_id = 'u003'")
    conn.commit()
    with pytest.raises(StateError, match=f"holds {rows - 1} rows, but assign built {rows}"):
        publish_campaign(conn, "c1", window, expected_rows=rows, model_version=version)
    still = conn.execute("select count(*) from crm.send_list_v1").fetchone()
    assert still == (rows,)


def test_nothing_is_sent_outside_the_campaign_dates(audience: psycopg.Connection[Any]) -> None:
    from bandit_core.campaigns import active_campaigns

    assert active_campaigns(audience, dt.date(2025, 12, 31)) == []
    assert active_campaigns(audience, dt.date(2026, 1, 1)) == ["c1"]
