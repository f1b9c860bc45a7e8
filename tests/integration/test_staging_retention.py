"""Extract keeps the last windows of staging: older windows' event partitions are dropped
whole, their user rows (contact data) and rule hits deleted, and a dropped window can be
staged again from its files."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import psycopg
import pytest

from bandit_core.errors import ConfigError
from bandit_core.extract import (
    DroppedWindows,
    drop_old_windows,
    extract_events,
    extract_users,
    staging_keep_days,
)
from bandit_core.window import Window
from tests.support import write_events

D = dt.date(2026, 3, 1)
DAYS = [D + dt.timedelta(days=i) for i in range(4)]


def _stage(conn: psycopg.Connection[Any], landing: Path, day: dt.date) -> None:
    row = [f"e-{day}", f"s-{day}", "c1", "u1", "a", "click", f"{day}T09:00:00Z", ""]
    write_events(landing / day.isoformat() / "events.csv", [row, row])  # a duplicate line
    users = landing / day.isoformat() / "users" / "users.csv"
    users.parent.mkdir(parents=True, exist_ok=True)
    users.write_text("user_id,email\nu1,a@example.com\n", encoding="utf-8")
    extract_users(conn, landing, Window(day))
    extract_events(conn, landing, Window(day))
    conn.execute(
        "insert into staging.event_rule_hits values (%s, 'events.csv', 2, '{duplicate_event_id}')",
        (day,),
    )
    conn.commit()


def _windows(conn: psycopg.Connection[Any], table: str) -> list[dt.date]:
    rows = conn.execute(f"select distinct window_date from {table} order by 1").fetchall()
    return [r[0] for r in rows]


def _partitions(conn: psycopg.Connection[Any]) -> list[str]:
    rows = conn.execute(
        "select inhrelid::regclass::text from pg_inherits"
        " where inhparent = 'staging.events'::regclass order by 1"
    ).fetchall()
    return [r[0] for r in rows]


def test_old_windows_leave_staging_and_the_kept_ones_stay_whole(
    conn: psycopg.Connection[Any], tmp_path: Path
) -> None:
    for day in DAYS:
        _stage(conn, tmp_path, day)
    # a line of a long-gone window that waited in the default partition
    conn.execute(
        "insert into staging.events (window_date, source_file, line_no) values (%s, 'x.csv', 1)",
        (D - dt.timedelta(days=30),),
    )
    conn.commit()
    kept = {
        table: conn.execute(
            f"select count(*) from {table} where window_date >= %s", (DAYS[2],)
        ).fetchone()
        for table in ("staging.events", "staging.users", "staging.event_rule_hits")
    }

    dropped = drop_old_windows(conn, Window(DAYS[3]), keep_days=2)

    assert dropped == DroppedWindows(
        before=DAYS[2], partitions=2, event_rows=1, rule_hits=2, user_rows=2
    )
    assert _partitions(conn) == [
        "staging.events_20260303",
        "staging.events_20260304",
        "staging.events_default",
    ]
    for table in ("staging.events", "staging.users", "staging.event_rule_hits"):
        assert _windows(conn, table) == DAYS[2:], table
        assert conn.execute(f"select count(*) from {table}").fetchone() == kept[table], table
    # nothing more to remove the second time
    again = drop_old_windows(conn, Window(DAYS[3]), keep_days=2)
    assert (again.partitions, again.event_rows, again.rule_hits, again.user_rows) == (0, 0, 0, 0)


def test_a_dropped_window_is_staged_again_by_its_rerun(
    conn: psycopg.Connection[Any], tmp_path: Path
) -> None:
    for day in DAYS:
        _stage(conn, tmp_path, day)
    drop_old_windows(conn, Window(DAYS[3]), keep_days=1)
    assert _windows(conn, "staging.events") == [DAYS[3]]
    extract_events(conn, tmp_path, Window(DAYS[0]))
    extract_users(conn, tmp_path, Window(DAYS[0]))
    conn.commit()
    assert _windows(conn, "staging.events") == [DAYS[0], DAYS[3]]
    assert conn.execute(
        "select count(*) from staging.events where window_date = %s", (DAYS[0],)
    ).fetchone() == (2,)
    assert _windows(conn, "staging.users") == [DAYS[0], DAYS[3]]


@pytest.mark.parametrize("keep_days", [0, -3, 2.5, "7.5", "weekly", "0", "", True, None])
def test_keep_days_must_be_a_whole_number_of_at_least_one(
    conn: psycopg.Connection[Any], keep_days: Any
) -> None:
    with pytest.raises(ConfigError, match=r"expected a whole number of at least 1, found"):
        drop_old_windows(conn, Window(D), keep_days)
    with pytest.raises(ConfigError, match=re.escape(f"found {keep_days!r}")):
        staging_keep_days(keep_days)


def test_keep_days_settings_read_as_numbers() -> None:
    assert [staging_keep_days(v) for v in (1, 7, "3", " 30 ")] == [1, 7, 3, 30]


def test_no_reporting_view_reads_staging(conn: psycopg.Connection[Any]) -> None:
    # an analyst's open transaction on a view that read staging would hold a lock that the
    # drop of an old staging partition waits for
    readers = conn.execute(
        "select distinct view.oid::regclass::text"
        " from pg_rewrite as rule"
        " inner join pg_class as view on rule.ev_class = view.oid"
        " inner join pg_depend as dep on dep.objid = rule.oid"
        " inner join pg_class as used on dep.refobjid = used.oid"
        " where view.relnamespace in ('reporting'::regnamespace, 'crm'::regnamespace)"
        "  and used.relnamespace = 'staging'::regnamespace"
    ).fetchall()
    assert readers == []
    views = conn.execute(
        "select count(*) from pg_views where schemaname in ('reporting', 'crm')"
    ).fetchone()
    assert views is not None and views[0] > 10
