"""Helpers shared by the integration and DAG tests."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import psycopg

from bandit_core.campaigns import apply_campaign
from bandit_core.config import CampaignConfig, load_campaign, parse_campaign
from bandit_core.db import connect
from smartarm.airflow_runner import NightlyRun, run_nightly
from smartarm.demo import DEMO_CONFIG, demo_world
from smartarm.warehouse import SMARTARM_SCHEMAS

EVENT_HEADER = (
    "event_id",
    "send_id",
    "campaign_id",
    "user_id",
    "template_id",
    "event_type",
    "event_ts",
    "value",
)

# a rerun must leave every table identical except the audit log, which records each attempt
NOT_STATE = ("audit.runs",)
# the nightly run's schemas: every SmartArm schema but the simulator's truth, which it never writes
SCHEMAS = tuple(s for s in SMARTARM_SCHEMAS if s != "simulation")


def campaign_config(
    *,
    campaign_id: str = "c1",
    start: str = "2026-01-01",
    templates: Sequence[str] = ("a", "b"),
    attribution_days: int = 2,
    holdout_share: float = 0.0,
    min_share: float = 0.0,
    segment_by: Sequence[str] = (),
    frequency_cap: tuple[int, int] | None = None,
    value_cap: float | None = None,
) -> CampaignConfig:
    spec: dict[str, Any] = {
        "campaign_id": campaign_id,
        "start_date": start,
        "seed": 11,
        "templates": [{"id": t, "channel": "email"} for t in templates],
        "segmentation": {"attributes": list(segment_by)},
        "reward": {
            "event_type": "click",
            "attribution_window_days": attribution_days,
            "value_cap": value_cap,
        },
        "policy": {
            "name": "thompson_sampling",
            "holdout_share": holdout_share,
            "min_share": min_share,
        },
    }
    if frequency_cap is not None:
        spec["eligibility"] = {
            "frequency_cap": {"max_sends": frequency_cap[0], "days": frequency_cap[1]}
        }
    return parse_campaign(json.dumps(spec))


def apply(conn: psycopg.Connection[Any], config: CampaignConfig) -> None:
    apply_campaign(conn, config)


def add_users(conn: psycopg.Connection[Any], users: Iterable[tuple[str, dict[str, Any]]]) -> None:
    with conn.transaction(), conn.cursor() as cur:
        with cur.copy("copy core.users (user_id, attributes) from stdin") as copy:
            for user_id, attributes in users:
                copy.write_row((user_id, json.dumps(attributes)))


def add_sends(
    conn: psycopg.Connection[Any],
    rows: Iterable[tuple[str, str, str, str, str]],
    *,
    campaign_id: str = "c1",
) -> None:
    """Published sends as (send_id, send_date, user_id, template_id, segment)."""
    with conn.transaction(), conn.cursor() as cur:
        for send_id, send_date, user_id, template_id, segment in rows:
            cur.execute(
                "insert into core.sends values (%s, %s, %s, %s, %s, %s, 0.5, false, 'test')",
                (send_id, send_date, campaign_id, user_id, template_id, segment),
            )


def write_events(path: Path, rows: Iterable[Sequence[str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(EVENT_HEADER)
        writer.writerows(rows)
    return path


# wall-clock columns: when a config was applied or a list published, not what it holds
WALL_CLOCK_COLUMNS = ("applied_at", "published_at")


def table_digests(conn: psycopg.Connection[Any], *, ignore: Sequence[str] = ()) -> dict[str, str]:
    """An md5 of every row of every state table, in a stable order, without ``ignore`` columns."""
    from psycopg import sql

    tables = [
        f"{schema}.{name}"
        for schema, name in conn.execute(
            "select table_schema, table_name from information_schema.tables"
            " where table_type = 'BASE TABLE' and table_schema = any(%s) order by 1, 2",
            (list(SCHEMAS),),
        )
    ]
    assert "core.sends" in tables and "bandit.arm_state" in tables
    digests = {}
    for table in tables:
        if table in NOT_STATE:
            continue
        schema, name = table.split(".")
        row = conn.execute(
            sql.SQL(
                "select md5(coalesce(string_agg(r, chr(10) order by r), '')) from"
                " (select (to_jsonb(t) - %s::text[])::text as r from {} as t) as rows"
            ).format(sql.Identifier(schema, name)),
            (list(ignore),),
        ).fetchone()
        assert row is not None
        digests[table] = row[0]
    conn.commit()
    return digests


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


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

    def run(self, day: dt.date, *, url: str | None = None) -> NightlyRun:
        """Run the nightly DAG for ``day`` on this loop's database (or another one)."""
        return run_nightly(
            day, landing_dir=self.landing, report_dir=self.reports, url=url or self.url
        )

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
