"""Roles: the CRM reader sees only crm views, the analyst only reporting, neither can write."""

from __future__ import annotations

import os
from typing import Any

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from bandit_core.db import connect


def _login_as(conn: psycopg.Connection[Any], url: str, group: str) -> str:
    """Create a login member of ``group`` (as SmartArm's docs advise) and return its URL."""
    user = f"{group}_login_{os.getpid()}"
    conn.execute(
        sql.SQL("drop role if exists {user}; create role {user} login in role {group}").format(
            user=sql.Identifier(user), group=sql.Identifier(group)
        )
    )
    conn.commit()
    params = {k: v for k, v in conninfo_to_dict(url).items() if v is not None}
    params["user"] = user
    params.pop("password", None)
    return make_conninfo(**params)


def _can_read(url: str, relation: str) -> bool:
    with psycopg.connect(url) as conn:
        try:
            conn.execute(sql.SQL("select * from {} limit 1").format(sql.SQL(relation)))
        except psycopg.errors.InsufficientPrivilege:
            return False
    return True


READABLE = {
    "smartarm_crm": {"crm.send_list_v1", "crm.batches_v1"},
    "smartarm_analyst": {
        "reporting.arm_daily",
        "reporting.allocation_history",
        "reporting.regret_estimate",
        "reporting.run_status",
        "reporting.validation_results",
        "reporting.quarantine_summary",
    },
}
EVERYTHING = sorted(
    set().union(*READABLE.values())
    | {
        "crm.batches",
        "core.sends",
        "core.users",
        "core.user_contacts",
        "core.events",
        "bandit.arm_state",
        "bandit.allocations",
        "config.campaigns",
        "staging.events",
        "quarantine.events",
        "audit.runs",
    }
)


@pytest.mark.parametrize("group", sorted(READABLE))
def test_reader_sees_exactly_its_views(warehouse_url: str, group: str) -> None:
    with connect(warehouse_url) as conn:
        url = _login_as(conn, warehouse_url, group)
    readable = {relation for relation in EVERYTHING if _can_read(url, relation)}
    assert readable == READABLE[group]


@pytest.mark.parametrize("group", sorted(READABLE))
def test_reader_cannot_write_or_create(warehouse_url: str, group: str) -> None:
    with connect(warehouse_url) as conn:
        url = _login_as(conn, warehouse_url, group)
    statements = [
        "delete from crm.batches",
        "insert into core.sends (send_id) values ('x')",
        "create table reporting.mine (x int)",
        "create table crm.mine (x int)",
        "create table public.mine (x int)",
    ]
    for statement in statements:
        with psycopg.connect(url) as reader:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                reader.execute(statement)
