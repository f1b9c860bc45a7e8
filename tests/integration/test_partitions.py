"""core.events is partitioned by arrival date and core.sends by send date: one partition per
day, created before the day's rows load, pruned by every query bounded by that date, and
existing rows moved on upgrade."""

from __future__ import annotations

import datetime as dt
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psycopg
import pytest

from bandit_core.db import SQL_DIR, connect
from bandit_core.extract import extract_events
from bandit_core.migrate import upgrade
from bandit_core.window import Window
from tests.support import add_sends, write_events

D = dt.date(2026, 1, 5)


def _insert_event(conn: psycopg.Connection[Any], event_id: str, arrival: dt.date) -> None:
    conn.execute(
        "insert into core.events values (%s, 's', 'c1', 'u', 'a', 'click', %s, null, %s,"
        " 'f.csv', 1)",
        (event_id, dt.datetime.combine(arrival, dt.time(9), tzinfo=dt.UTC), arrival),
    )


def _plan(conn: psycopg.Connection[Any], query: str, params: Any = None) -> str:
    """The plan of ``query`` (EXPLAIN, costs off) as one text."""
    return "\n".join(row[0] for row in conn.execute(f"explain (costs off) {query}", params))


def _where(conn: psycopg.Connection[Any]) -> dict[str, str]:
    rows = conn.execute("select event_id, tableoid::regclass::text from core.events").fetchall()
    return dict(rows)


def test_a_window_gets_its_partition_and_rows_waiting_in_the_default_move_in(
    conn: psycopg.Connection[Any],
) -> None:
    _insert_event(conn, "early", D)  # no partition for D yet: the default holds it
    assert _where(conn) == {"early": "core.events_default"}
    assert conn.execute("select core.ensure_day_partition('events', %s)", (D,)).fetchone() == (
        True,
    )
    assert conn.execute("select core.ensure_day_partition('events', %s)", (D,)).fetchone() == (
        False,
    )
    _insert_event(conn, "later", D)
    _insert_event(conn, "next day", D + dt.timedelta(days=1))
    assert _where(conn) == {
        "early": "core.events_20260105",
        "later": "core.events_20260105",
        "next day": "core.events_default",
    }
    owner = conn.execute(
        "select tableowner from pg_tables where schemaname = 'core' and tablename = %s",
        ("events_20260105",),
    ).fetchone()
    assert owner == ("smartarm_owner",)


def _index_shapes(conn: psycopg.Connection[Any], table: str) -> list[tuple[Any, ...]]:
    """(primary, unique, columns, parent index) of each index of ``table``."""
    return conn.execute(
        "select i.indisprimary, i.indisunique, i.indkey::text, inh.inhparent::regclass::text"
        " from pg_index as i left join pg_inherits as inh on inh.inhrelid = i.indexrelid"
        " where i.indrelid = %s::regclass order by 3",
        (table,),
    ).fetchall()


def test_a_day_table_is_filled_unattached_then_gets_the_parents_indexes_and_attaches(
    conn: psycopg.Connection[Any],
) -> None:
    _insert_event(conn, "waiting", D)  # in the default partition: moves into the new table
    created = conn.execute("select core.create_day_table('events', %s)", (D,)).fetchone()
    assert created == ("core.events_20260105",)
    conn.execute(
        "insert into core.events_20260105 values ('loaded', 's', 'c1', 'u', 'a', 'click',"
        " %s, null, %s, 'f.csv', 2)",
        (dt.datetime.combine(D, dt.time(10), tzinfo=dt.UTC), D),
    )
    assert _index_shapes(conn, "core.events_20260105") == []
    assert _where(conn) == {}  # not attached yet: invisible through core.events
    conn.execute("select core.attach_day_table('events', %s)", (D,))
    assert _where(conn) == {"waiting": "core.events_20260105", "loaded": "core.events_20260105"}
    # the same indexes as a partition the attach indexes itself, each adopted by its parent
    conn.execute("select core.ensure_day_partition('events', %s)", (D + dt.timedelta(days=1),))
    built = _index_shapes(conn, "core.events_20260105")
    assert built == _index_shapes(conn, "core.events_20260106")
    assert {parent for *_, parent in built} == {"core.events_pkey", "core.events_send_idx"}
    assert [primary for primary, *_ in built].count(True) == 1
    assert conn.execute("select core.create_day_table('events', %s)", (D,)).fetchone() == (None,)
    with pytest.raises(psycopg.errors.UniqueViolation):
        _insert_event(conn, "loaded", D)


def test_ids_compare_by_their_bytes_in_each_days_partitions_and_indexes(
    conn: psycopg.Connection[Any],
) -> None:
    # migration 0046: the tables the nightly run creates take the parents' id collation, so
    # their index builds sort ids by bytes, not under the database's locale
    conn.execute("select core.ensure_day_partition('events', %s)", (D,))
    conn.execute("select core.ensure_day_partition('sends', %s)", (D,))
    collations = conn.execute(
        "with id_column as ("
        "  select c.oid as relid, c.relname, a.attnum, a.attname, a.attcollation"
        "  from pg_attribute as a join pg_class as c on a.attrelid = c.oid"
        "  where c.relname in ('events_20260105', 'sends_20260105_default')"
        "  and a.attname in ('event_id', 'send_id', 'user_id')"
        ")"
        " select relname, attname, attcollation::regcollation::text from id_column"
        " union all"
        " select id_column.relname, id_column.attname, key.collation_oid::regcollation::text"
        " from pg_index as i"
        " cross join unnest(i.indkey::smallint[], i.indcollation::oid[])"
        "   as key (attnum, collation_oid)"
        " join id_column on i.indrelid = id_column.relid and key.attnum = id_column.attnum"
    ).fetchall()
    # the five columns, and the keys: events (arrival_date, event_id) and (send_id); sends
    # (send_id, ...), (..., user_id) and (user_id, send_date)
    assert len(collations) == 10 and {c for *_, c in collations} == {'"C"'}, collations
    # a staged id (the locale's collation) is compared by bytes too, so validation's lookup of
    # a staged row's send probes the key
    conn.execute(
        "insert into core.sends select 's' || g, %s, 'c1', 'u' || g, 'a', '{}', 0.5, false,"
        " 'v1' from generate_series(1, 5000) as g",
        (D,),
    )
    conn.execute("analyze core.sends_20260105_default")
    plan = _plan(
        conn,
        "select (select 1 from core.sends as o"
        " where o.send_id = s.send_id and o.send_date = %s limit 1) from staging.events as s",
        (D,),
    )
    assert "Index Cond: ((send_id = s.send_id)" in plan, plan


def test_queries_bounded_by_arrival_date_read_only_their_partitions(
    conn: psycopg.Connection[Any],
) -> None:
    for i in range(5):
        day = D + dt.timedelta(days=i)
        conn.execute("select core.ensure_day_partition('events', %s)", (day,))
        _insert_event(conn, f"e{i}", day)
    plan = _plan(
        conn,
        "select count(*) from core.events where arrival_date between %s and %s",
        (D + dt.timedelta(days=3), D + dt.timedelta(days=4)),
    )
    assert "events_20260108" in plan and "events_20260109" in plan
    assert "events_20260105" not in plan and "events_default" not in plan


def test_upgrading_moves_existing_events_into_their_partitions(
    empty_database_url: str, tmp_path: Path
) -> None:
    before = tmp_path / "sql"
    shutil.copytree(SQL_DIR, before, ignore=shutil.ignore_patterns("queries"))
    # a database from before the partitions (migration 0031 on); the views of this checkout
    # need the reward functions of 0034, which do not depend on them
    for later in before.glob("migrations/*.sql"):
        if int(later.name[:4]) > 30 and not later.name.startswith("0034_"):
            later.unlink()
    with connect(empty_database_url) as conn:
        upgrade(conn, before)
        for i, day in enumerate((D, D, D + dt.timedelta(days=2))):
            _insert_event(conn, f"e{i}", day)
        add_sends(conn, [("s1", "2026-01-05", "u1", "a", "{}")])
        conn.execute(
            "insert into staging.events (window_date, source_file, line_no) values (%s, 'f', 1)",
            (D,),
        )
        conn.execute(
            "insert into staging.sends values ('b1', %s, 'c1', 'u1', 'a', '{}', 0.5, false, 'v')",
            (D,),
        )
        conn.commit()
        upgrade(conn)
        built = conn.execute(
            "select send_id, tableoid::regclass::text,"
            " 'staging.sends_20260105_' || left(md5('c1'), 12) from staging.sends"
        ).fetchall()
        assert [(b[0], b[1]) for b in built] == [("b1", built[0][2])]  # a build kept as its own
        staged = conn.execute("select tableoid::regclass::text from staging.events").fetchall()
        assert staged == [("staging.events_20260105",)]
        moved = conn.execute("select tableoid::regclass::text from core.sends").fetchall()
        assert moved == [("core.sends_20260105",)]
        assert _where(conn) == {
            "e0": "core.events_20260105",
            "e1": "core.events_20260105",
            "e2": "core.events_20260107",
        }
        views = conn.execute(
            "select count(*) from pg_views where viewname = 'attributed_sends'"
        ).fetchone()
        assert views == (1,)


def test_send_lists_are_partitioned_by_send_date(conn: psycopg.Connection[Any]) -> None:
    add_sends(conn, [("s1", "2026-01-05", "u1", "a", "{}"), ("s2", "2026-01-06", "u1", "a", "{}")])
    conn.execute("select core.ensure_day_partition('sends', %s)", (D,))
    rows = conn.execute("select send_id, tableoid::regclass::text from core.sends order by 1")
    # a date's rows without a campaign partition of their own wait in the date's default
    assert rows.fetchall() == [("s1", "core.sends_20260105_default"), ("s2", "core.sends_default")]
    plan = conn.execute(
        "explain (costs off) select * from core.sends where send_date = %s", (D,)
    ).fetchall()
    scans = [line for (line,) in plan if "Scan on" in line]
    assert scans and all("sends_20260105" in line for line in scans), plan


def _build(conn: psycopg.Connection[Any], campaign_id: str, users: int) -> None:
    conn.execute("select staging.prepare_build(%s, %s)", (D, campaign_id))
    conn.execute(
        "insert into staging.sends (send_id, send_date, campaign_id, user_id, template_id,"
        " segment, propensity, is_holdout, model_version)"
        " select %(c)s || '-' || g, %(d)s, %(c)s, 'u' || g, 'a', '{}', 0.5, false, 'v'"
        " from generate_series(1, %(n)s) as g",
        {"c": campaign_id, "d": D, "n": users},
    )


def _homes(conn: psycopg.Connection[Any]) -> dict[str, set[str]]:
    rows = conn.execute("select campaign_id, tableoid::regclass::text from core.sends").fetchall()
    homes: dict[str, set[str]] = {}
    for campaign_id, table in rows:
        homes.setdefault(campaign_id, set()).add(table)
    return homes


def test_a_published_list_is_its_campaigns_partition_and_a_republish_replaces_it_in_place(
    conn: psycopg.Connection[Any],
) -> None:
    hostile = "c'); drop table core.sends; --"
    for campaign_id, users in (("c1", 30), (hostile, 20)):
        _build(conn, campaign_id, users)
    conn.execute("select core.ensure_day_partition('sends', %s)", (D,))
    published = conn.execute(
        "select core.publish_list_table(%s, 'c1'), core.publish_list_table(%s, %s)",
        (D, D, hostile),
    ).fetchone()
    assert published == (30, 20)
    homes = _homes(conn)
    assert len(homes["c1"]) == 1 and len(homes[hostile]) == 1
    assert homes["c1"] != homes[hostile] and not homes["c1"] & {"core.sends_20260105_default"}
    (table,) = homes["c1"]
    indexes = conn.execute(
        "select count(*) from pg_indexes where schemaname || '.' || tablename = %s", (table,)
    ).fetchone()
    assert indexes == (3,)  # the parent's three, adopted by the attach
    plan = _plan(
        conn,
        "select * from core.sends where send_date = %s and campaign_id = 'c1'",
        (D,),
    )
    assert table.removeprefix("core.") in plan and "_default" not in plan, plan
    # the campaign has its partition: a republish goes in place (null), and keeps it
    again = conn.execute("select core.publish_list_table(%s, 'c1')", (D,)).fetchone()
    assert again == (None,)
    assert _homes(conn)["c1"] == {table}
    with pytest.raises(psycopg.errors.UniqueViolation):
        conn.execute(
            "insert into core.sends select * from core.sends where campaign_id = 'c1' limit 1"
        )


def test_a_list_whose_rows_wait_in_the_dates_default_is_replaced_in_place(
    conn: psycopg.Connection[Any],
) -> None:
    conn.execute("select core.ensure_day_partition('sends', %s)", (D,))
    add_sends(conn, [("old", D.isoformat(), "u1", "a", "{}")])
    _build(conn, "c1", 5)
    assert conn.execute("select core.publish_list_table(%s, 'c1')", (D,)).fetchone() == (None,)
    assert _homes(conn) == {"c1": {"core.sends_20260105_default"}}
    tables = conn.execute(
        "select count(*) from pg_tables where schemaname = 'core' and tablename like %s",
        ("sends_20260105_%",),
    ).fetchone()
    assert tables == (1,)  # the default only: the attempt was undone


def test_two_campaigns_publishing_at_once_queue_for_the_attach(
    warehouse_url: str, conn: psycopg.Connection[Any]
) -> None:
    for campaign_id in ("c1", "c2"):
        _build(conn, campaign_id, 10)
    conn.execute("select core.ensure_day_partition('sends', %s)", (D,))
    conn.commit()
    with connect(warehouse_url) as first, connect(warehouse_url) as second:
        assert first.execute("select core.publish_list_table(%s, 'c1')", (D,)).fetchone() == (10,)
        with ThreadPoolExecutor(1) as pool:
            waiting = pool.submit(
                lambda: second.execute("select core.publish_list_table(%s, 'c2')", (D,)).fetchone()
            )
            # the first publish goes on reading the date (as its batch checksum does)
            counted = first.execute(
                "select count(*) from core.sends where send_date = %s", (D,)
            ).fetchone()
            assert counted == (10,)
            time.sleep(0.5)
            assert not waiting.done()
            first.commit()
            assert waiting.result(timeout=30) == (10,)
        second.commit()
    assert {c: len(t) for c, t in _homes(conn).items()} == {"c1": 1, "c2": 1}


def test_two_campaigns_creating_the_dates_partition_at_once_do_not_collide(
    warehouse_url: str, conn: psycopg.Connection[Any]
) -> None:
    # each publish creates its send date's partition in a transaction of its own; two at once
    # (mapped campaign tasks on two Celery slots) both found it missing, and the second failed
    # on the catalog's unique index when it created it too
    with connect(warehouse_url) as first, connect(warehouse_url) as second:
        ensure = "select core.ensure_day_partition('sends', %s)"
        assert first.execute(ensure, (D,)).fetchone() == (True,)
        with ThreadPoolExecutor(1) as pool:
            waiting = pool.submit(lambda: second.execute(ensure, (D,)).fetchone())
            time.sleep(0.5)
            assert not waiting.done()
            first.commit()
            assert waiting.result(timeout=30) == (False,)
        second.commit()
    attached = conn.execute(
        "select count(*) from pg_inherits where inhparent = 'core.sends'::regclass"
        " and inhrelid = to_regclass(%s)",
        (f"core.sends_{D:%Y%m%d}",),
    ).fetchone()
    assert attached == (1,)


def test_a_build_is_its_own_partition_emptied_by_a_rebuild_and_dropped_after_a_week(
    conn: psycopg.Connection[Any],
) -> None:
    _build(conn, "c1", 5)
    _build(conn, "c2", 3)
    counts = conn.execute(
        "select campaign_id, count(*), count(distinct tableoid) from staging.sends"
        " group by 1 order by 1"
    ).fetchall()
    assert counts == [("c1", 5, 1), ("c2", 3, 1)]
    plan = _plan(
        conn,
        "select count(*) from staging.sends where campaign_id = 'c1' and send_date = %s",
        (D,),
    )
    assert plan.count("Scan on") == 1, plan
    _build(conn, "c1", 2)  # a rebuild replaces the campaign's build only
    counts = conn.execute(
        "select campaign_id, count(*) from staging.sends group by 1 order by 1"
    ).fetchall()
    assert counts == [("c1", 2), ("c2", 3)]
    conn.execute("select staging.prepare_build(%s, 'c1')", (D + dt.timedelta(days=7),))
    assert conn.execute("select count(*) from staging.sends").fetchone() == (5,)
    conn.execute("select staging.prepare_build(%s, 'c1')", (D + dt.timedelta(days=8),))
    assert conn.execute("select count(*) from staging.sends").fetchone() == (0,)
    days = conn.execute(
        "select count(*) from pg_tables where schemaname = 'staging' and tablename like %s",
        ("sends_20260105%",),
    ).fetchone()
    assert days == (0,)


def test_a_window_extract_reads_only_its_staging_partition(
    conn: psycopg.Connection[Any], tmp_path: Path
) -> None:
    for day in (D, D + dt.timedelta(days=1)):
        write_events(tmp_path / day.isoformat() / "e.csv", [])
        extract_events(conn, tmp_path, Window(day))
    plan = conn.execute(
        "explain (costs off) select * from staging.events where window_date = %s", (D,)
    ).fetchall()
    scans = [line for (line,) in plan if "Scan on" in line]
    assert scans and all("events_20260105" in line for line in scans), plan


def test_a_windows_first_extract_is_copied_unindexed_then_attached_and_a_rerun_replaces_it(
    conn: psycopg.Connection[Any], tmp_path: Path
) -> None:
    row = ("e1", "s1", "c1", "u1", "a", "click", "2026-01-05T10:00:00Z", "")
    # a clean file (the columnar path) and one with a bad timestamp (the line reader)
    write_events(tmp_path / D.isoformat() / "a.csv", [row])
    write_events(tmp_path / D.isoformat() / "b.csv", [("e2", *row[1:6], "yesterday", "")])
    extract_events(conn, tmp_path, Window(D))
    staged = "select source_file, event_id, tableoid::regclass::text from staging.events"
    assert sorted(conn.execute(staged).fetchall()) == [
        ("a.csv", "e1", "staging.events_20260105"),
        ("b.csv", "e2", "staging.events_20260105"),
    ]
    shapes = _index_shapes(conn, "staging.events_20260105")
    assert [(primary, parent) for primary, _, _, parent in shapes] == [
        (True, "staging.events_pkey")
    ]
    analysed = conn.execute(
        "select reltuples from pg_class where oid = 'staging.events_20260105'::regclass"
    ).fetchone()
    assert analysed == (2,)
    (tmp_path / D.isoformat() / "b.csv").unlink()
    extract_events(conn, tmp_path, Window(D))  # a rerun: the same partition, its rows replaced
    assert conn.execute(staged).fetchall() == [("a.csv", "e1", "staging.events_20260105")]


def test_only_the_partitioned_tables_can_be_named(conn: psycopg.Connection[Any]) -> None:
    with pytest.raises(psycopg.errors.RaiseException, match="expected a partitioned table"):
        conn.execute("select core.ensure_day_partition('users', %s)", (D,))
