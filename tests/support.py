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
from bandit_core.config import CampaignConfig, parse_campaign

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

# every table whose content a rerun must leave identical (audit.runs records each attempt)
STATE_TABLES = (
    "config.campaigns",
    "config.templates",
    "core.users",
    "core.sends",
    "core.events",
    "staging.events",
    "staging.sends",
    "quarantine.events",
    "bandit.arm_state",
    "bandit.allocations",
    "crm.batches",
    "audit.validation_results",
)


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


def table_digests(conn: psycopg.Connection[Any]) -> dict[str, str]:
    """An md5 of every row of every state table, in a stable order."""
    from psycopg import sql

    digests = {}
    for table in STATE_TABLES:
        schema, name = table.split(".")
        row = conn.execute(
            sql.SQL(
                "select md5(coalesce(string_agg(t::text, chr(10) order by t::text), ''))"
                " from {} as t"
            ).format(sql.Identifier(schema, name))
        ).fetchone()
        assert row is not None
        digests[table] = row[0]
    conn.commit()
    return digests


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)
