"""The nightly DAG run through Airflow (``dag.test``) day after day against a simulated
audience, on a real PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from bandit_core.db import connect
from tests.support import START, WALL_CLOCK_COLUMNS, Loop, table_digests


@pytest.fixture
def loop(warehouse_url: str, tmp_path: Path, airflow_metadata: None) -> Loop:
    return Loop(warehouse_url, tmp_path)


def _query(url: str, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with connect(url) as conn:
        return conn.execute(sql, params).fetchall()


def test_each_night_publishes_one_row_per_eligible_user_and_learns(loop: Loop) -> None:
    loop.days(5)
    run = loop.run(START + dt.timedelta(days=4))
    assert run.state == "success", run.failures

    per_date = _query(
        loop.url,
        "select b.send_date, b.row_count, (select count(*) from crm.send_list_v1 l"
        " where l.send_date = b.send_date), (select count(distinct user_id) from crm.send_list_v1 l"
        " where l.send_date = b.send_date) from crm.batches_v1 b order by 1",
    )
    assert [r[0] for r in per_date] == [START + dt.timedelta(days=i) for i in range(6)]
    for send_date, batch_rows, listed, distinct_users in per_date:
        eligible = _query(
            loop.url,
            "select count(*) from core.users where unsubscribed_at is null"
            " or unsubscribed_at >= %s::timestamp at time zone 'UTC'",
            send_date,
        )[0][0]
        assert batch_rows == listed == distinct_users == eligible, send_date
    # every published day's partition has planner statistics for the nights that join it
    analysed = _query(
        loop.url,
        "select count(distinct tablename) from pg_stats"
        " where schemaname = 'core' and tablename like 'sends\\_2%%'",
    )[0][0]
    assert analysed == len(per_date)

    # the posterior has learned from matured sends only: two-day window, five days sent
    matured = _query(
        loop.url,
        "select sum(matured), sum(sends) from bandit.arm_state where as_of = %s",
        START + dt.timedelta(days=4),
    )[0]
    sent_by_day_3 = _query(
        loop.url,
        "select count(*) from core.sends where send_date <= %s",
        START + dt.timedelta(days=3),
    )[0][0]
    assert matured[0] == sent_by_day_3
    assert (
        matured[1]
        == _query(
            loop.url,
            "select count(*) from core.sends where send_date <= %s",
            START + dt.timedelta(days=4),
        )[0][0]
    )

    # every step of every run succeeded and was recorded
    statuses = _query(loop.url, "select step, status, count(*) from audit.runs group by 1, 2")
    assert {status for _, status, _ in statuses} == {"success"}
    assert {step for step, _, _ in statuses} == {
        "extract",
        "validate",
        "update_posteriors",
        "allocate",
        "assign",
        "publish",
        "report",
    }
    report = (loop.reports / "welcome_series.html").read_text(encoding="utf-8")
    assert report.count("<svg") >= 5 and "Latest validation" in report


def test_the_send_list_asset_event_carries_date_and_counts(loop: Loop) -> None:
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    loop.days(1)
    with create_session() as session:
        events = session.execute(
            select(AssetEvent.extra)
            .join(AssetModel, AssetEvent.asset_id == AssetModel.id)
            .where(AssetModel.name == "smartarm_send_list")
        ).all()
    rows = _query(loop.url, "select row_count from crm.batches_v1 where send_date = %s", START)[0][
        0
    ]
    assert {"send_date": START.isoformat(), "campaigns": {"welcome_series": rows}} in [
        e.extra for e in events
    ]


def test_rerunning_dates_leaves_identical_state(loop: Loop) -> None:
    loop.days(3)
    last = START + dt.timedelta(days=2)
    assert loop.run(last).state == "success"
    with connect(loop.url) as conn:
        once = table_digests(conn)
    for day in (last, last, START + dt.timedelta(days=1), last):
        assert loop.run(day).state == "success"
    with connect(loop.url) as conn:
        again = table_digests(conn)
    assert again == once


def test_a_failed_gate_stops_learning_and_keeps_yesterdays_list(loop: Loop) -> None:
    import shutil

    loop.days(2)
    window = START + dt.timedelta(days=1)
    shutil.rmtree(loop.landing / window.isoformat())  # the day's export never arrived
    run = loop.run(window)
    assert run.state == "failed"
    assert any("validate" in f and "no event rows for window" in f for f in run.failures), (
        run.failures
    )

    published = [r[0] for r in _query(loop.url, "select send_date from crm.batches_v1 order by 1")]
    assert published == [START, START + dt.timedelta(days=1)]  # nothing for the failed night
    assert (
        _query(loop.url, "select count(*) from bandit.arm_state where as_of = %s", window)[0][0]
        == 0
    )
    failures = _query(
        loop.url,
        "select step, status, error from reporting.run_status"
        " where window_date = %s and status = 'failed'",
        window,
    )
    assert [(step, status) for step, status, _ in failures] == [("validate", "failed")]
    gate = _query(
        loop.url,
        "select success from reporting.validation_results where window_date = %s"
        " and check_name = 'events_present'",
        window,
    )
    assert gate == [(False,)]


def test_backfilling_after_the_fact_gives_the_nightly_state(
    loop: Loop, clone_database: Any, tmp_path: Path
) -> None:
    # the empty twin is taken before any night ran: same config, same users file to come
    empty = clone_database(loop.url)
    loop.days(4)
    last = START + dt.timedelta(days=3)
    assert loop.run(last).state == "success"
    # every file of those nights is now in the landing folder: run the range in order
    for i in range(5):
        assert (
            loop.run(START - dt.timedelta(days=1) + dt.timedelta(days=i), url=empty).state
            == "success"
        )
    with connect(loop.url) as conn:
        nightly_state = table_digests(conn, ignore=WALL_CLOCK_COLUMNS)
    with connect(empty) as conn:
        backfilled = table_digests(conn, ignore=WALL_CLOCK_COLUMNS)
    assert backfilled == nightly_state


def test_a_bad_staging_keep_days_setting_fails_extract_naming_what_it_expected(
    loop: Loop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from smartarm.airflow_runner import run_nightly

    monkeypatch.setenv("SMARTARM_STAGING_KEEP_DAYS", "weekly")
    log = tmp_path / "nightly.log"
    run = run_nightly(
        START - dt.timedelta(days=1), landing_dir=loop.landing, url=loop.url, log_file=log
    )
    assert run.state == "failed" and "task extract: failed" in run.failures, run.failures
    assert (
        "SMARTARM_STAGING_KEEP_DAYS): expected a whole number of at least 1, found 'weekly'"
        in log.read_text(encoding="utf-8")
    )
    assert _query(loop.url, "select count(*) from staging.events") == [(0,)]


def test_late_rewards_count_exactly_once(loop: Loop) -> None:
    """The incremental state equals a recomputation from scratch over every loaded event."""
    loop.days(5)
    as_of = START + dt.timedelta(days=4)
    assert loop.run(as_of).state == "success"
    late = _query(
        loop.url,
        "select count(*) from core.events where event_type = 'click'"
        " and arrival_date > event_ts::date",
    )[0][0]
    assert late > 0  # the world delivered some clicks a day late
    incremental = _query(
        loop.url,
        "select segment, template_id, matured, reward_sum from bandit.arm_state"
        " where as_of = %s order by 1, 2",
        as_of,
    )
    from_scratch = _query(
        loop.url,
        """
        select send.segment, send.template_id, count(*),
            count(*) filter (where exists (
                select 1 from core.events as event
                where event.send_id = send.send_id and event.event_type = 'click'
                    and event.arrival_date <= %(as_of)s
                    and event.event_ts < (send.send_date + 2)::timestamp at time zone 'UTC'
            ))::double precision
        from core.sends as send
        where send.send_date <= %(as_of)s::date + 1 - 2
        group by 1, 2 order by 1, 2
        """.replace("%(as_of)s", "%s"),
        as_of,
        as_of,
    )
    assert incremental == from_scratch
    # the report step's outcome cells (the reward as reporting.attributed_sends defines it)
    # agree with what the posteriors learned
    reported = _query(
        loop.url,
        "select segment, template_id, sum(matured_sends)::bigint, sum(rewards)"
        " from reporting.daily_outcomes group by 1, 2 order by 1, 2",
    )
    assert reported == incremental


def test_hostile_names_pass_through_as_data(
    warehouse_url: str, tmp_path: Path, airflow_metadata: None
) -> None:
    import json

    from bandit_core.campaigns import apply_campaign
    from bandit_core.config import load_campaign, parse_campaign
    from bandit_core.world import World, WorldConfig
    from smartarm.demo import DEMO_CONFIG

    hostile_campaign = "c'); drop table core.sends; --"
    templates = ['t"1; select 1', "t2 ünïcödé 🚀", "t3\\'\\\\"]
    segments = {"a'b": 0.5, '"; delete from x; --': 0.5}
    spec = dict(load_campaign(DEMO_CONFIG).spec)
    spec.update(
        campaign_id=hostile_campaign,
        templates=[{"id": t, "channel": "e'mail", "features": {"k'": "v;"}} for t in templates],
        segmentation={"attributes": ["séğ'ment"]},
    )
    config = parse_campaign(json.dumps(spec, ensure_ascii=False))
    world = World(
        WorldConfig(
            campaign_id=hostile_campaign,
            users=200,
            segment_attribute="séğ'ment",
            segment_weights=segments,
            click_rates={s: {t: 0.1 * (i + 1) for i, t in enumerate(templates)} for s in segments},
            attribution_days=2,
            seed=5,
        )
    )
    loop = Loop(warehouse_url, tmp_path, users=10)
    loop.config, loop.world = config, world
    with connect(warehouse_url) as conn:
        apply_campaign(conn, config)
    world.deliver_users(loop.landing, START - dt.timedelta(days=1))
    loop.days(3)
    listed = _query(
        warehouse_url,
        "select distinct template_id, channel from crm.send_list_v1 where campaign_id = %s",
        hostile_campaign,
    )
    assert sorted(listed) == sorted((t, "e'mail") for t in templates)
    segments_seen = _query(
        warehouse_url,
        "select distinct segment from core.sends where campaign_id = %s",
        hostile_campaign,
    )
    assert {json.loads(s)["séğ'ment"] for (s,) in segments_seen} == set(segments)
    assert _query(warehouse_url, "select count(*) from core.sends")[0][0] > 0  # table intact
    # the report's file name is made safe; the page shows the id escaped, not as markup
    from html import escape

    from bandit_core.report import report_name

    name = report_name(hostile_campaign)
    assert name.startswith("c____drop_table_core_sends__--") and "'" not in name
    report = tmp_path / "reports" / f"{name}.html"
    page = report.read_text(encoding="utf-8")
    assert escape(hostile_campaign) in page and hostile_campaign not in page
