"""The nightly DAG run through Airflow (``dag.test``) day after day against a simulated
audience, on a real PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from bandit_core.campaigns import apply_campaign
from bandit_core.config import load_campaign
from bandit_core.db import connect
from smartarm.airflow_runner import NightlyRun, run_nightly
from smartarm.demo import DEMO_CONFIG, demo_world
from tests.support import table_digests

START = dt.date(2026, 1, 1)


class Loop:
    """A campaign, its simulated audience and the folders one test's runs use."""

    def __init__(self, url: str, tmp_path: Path, users: int = 400) -> None:
        self.url = url
        self.landing = tmp_path / "landing"
        self.reports = tmp_path / "reports"
        self.config = load_campaign(DEMO_CONFIG)
        self.world = demo_world(self.config.campaign_id, users=users, attribution_days=2, seed=3)
        with connect(url) as conn:
            apply_campaign(conn, self.config)
        self.world.deliver_users(self.landing, START - dt.timedelta(days=1))

    def run(self, day: dt.date) -> NightlyRun:
        return run_nightly(day, landing_dir=self.landing, report_dir=self.reports)

    def respond(self, send_date: dt.date) -> None:
        with connect(self.url) as conn:
            self.world.respond(conn, send_date, self.landing)

    def days(self, n: int) -> None:
        """Run the windows before START .. START+n-1 and answer each published list."""
        for i in range(n):
            window = START - dt.timedelta(days=1) + dt.timedelta(days=i)
            run = self.run(window)
            assert run.state == "success", run.failures
            self.respond(window + dt.timedelta(days=1))


@pytest.fixture
def loop(
    warehouse_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, airflow_metadata: None
) -> Loop:
    monkeypatch.setenv("SMARTARM_DATABASE_URL", warehouse_url)
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
