"""Who reads what: every relation in every SmartArm schema, tried as each reader role.

tests/integration/test_roles.py pins a fixed list; this one asks the catalogue for every table
and view, so a new object is covered the day it is added, and it reads real rows.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from bandit_core import db
from bandit_core.db import connect
from smartarm.warehouse import SMARTARM_SCHEMAS
from tests.support import add_sends, apply, campaign_config

SCHEMAS = SMARTARM_SCHEMAS
VIEWS = Path(__file__).resolve().parents[2] / "sql" / "views"
D = dt.date(2026, 1, 6)


def _login(conn: psycopg.Connection[Any], url: str, group: str) -> str:
    user = f"{group}_reader_{os.getpid()}"
    conn.execute(
        sql.SQL("drop role if exists {u}; create role {u} login in role {g}").format(
            u=sql.Identifier(user), g=sql.Identifier(group)
        )
    )
    conn.commit()
    params = {k: v for k, v in conninfo_to_dict(url).items() if v is not None}
    params["user"] = user
    params.pop("password", None)
    return make_conninfo(**params)


def _relations(conn: psycopg.Connection[Any]) -> list[str]:
    rows = conn.execute(
        "select n.nspname || '.' || c.relname from pg_class c"
        " join pg_namespace n on n.oid = c.relnamespace"
        " where n.nspname = any(%s) and c.relkind in ('r', 'v', 'p', 'm') order by 1",
        (list(SCHEMAS),),
    ).fetchall()
    return [r[0] for r in rows]


def _readable(url: str, relations: list[str]) -> dict[str, int]:
    """Relation -> rows seen, for every relation the login can select from."""
    seen = {}
    with psycopg.connect(url, autocommit=True) as reader:
        for relation in relations:
            try:
                row = reader.execute(
                    sql.SQL("select count(*) from {}").format(sql.SQL(relation))
                ).fetchone()
            except psycopg.errors.InsufficientPrivilege:
                continue
            assert row is not None
            seen[relation] = row[0]
    return seen


@pytest.fixture
def published(warehouse_url: str) -> str:
    with connect(warehouse_url) as conn:
        apply(conn, campaign_config())
        add_sends(conn, [(f"s{u}", D.isoformat(), f"u{u}", "a", "{}") for u in range(25)])
        db.execute(
            conn, "publish_batch", {"campaign_id": "c1", "send_date": D, "model_version": "v1"}
        )
        conn.commit()
    return warehouse_url


def test_the_crm_role_can_pull_a_list_and_nothing_else(published: str) -> None:
    with connect(published) as conn:
        relations = _relations(conn)
        url = _login(conn, published, "smartarm_crm")
    assert _readable(url, relations) == {"crm.batches_v1": 1, "crm.send_list_v1": 25}
    with psycopg.connect(url) as crm:
        pulled = crm.execute(
            "select send_id, template_id, channel from crm.send_list_v1"
            " where campaign_id = 'c1' and send_date = %s order by send_id",
            (D,),
        ).fetchall()
    assert len(pulled) == 25 and pulled[0][1:] == ("a", "email")


def test_the_analyst_role_reads_every_reporting_view_and_nothing_else(published: str) -> None:
    with connect(published) as conn:
        relations = _relations(conn)
        url = _login(conn, published, "smartarm_analyst")
    views = {path.stem for path in VIEWS.glob("reporting.*.sql")}
    assert {"reporting.lift", "reporting.sample_ratio", "reporting.regret_true"} <= views
    readable = _readable(url, relations)
    assert set(readable) == views
    assert readable["reporting.attributed_sends"] == 25  # views run with their owner's rights


@pytest.mark.parametrize("group", ["smartarm_crm", "smartarm_analyst"])
def test_readers_cannot_write_the_reporting_tables(published: str, group: str) -> None:
    with connect(published) as conn:
        url = _login(conn, published, group)
    for statement in (
        "delete from bandit.regret_posterior",
        "insert into simulation.true_rates values ('c1', 'x', 'y', 'a', 0.1)",
        "update bandit.segment_decisions set value_remaining = 0",
    ):
        with psycopg.connect(url) as reader:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                reader.execute(statement)
