"""Connections to the SmartArm warehouse and the SQL files the pipeline runs.

SQL lives in ``sql/queries/<name>.sql`` with ``%(name)s`` binds; this module loads and runs
it. Every connection works in UTC so that dates and windows mean the same on every server,
and with ``work_mem`` raised (``SMARTARM_WORK_MEM``, default 256MB) so that the nightly joins
and sorts over a day's millions of rows hash and sort in memory instead of spilling to disk.
JIT compilation is off in SmartArm sessions: the nightly statements are few, large and run
once, and compiling their expressions cost more than it saved (validation's rule query on
200,000 events: 3.5-3.9 s with JIT, 2.0 s without; docs/performance.md).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from bandit_core.errors import WarehouseUnavailable

__all__ = ["SQL_DIR", "connect", "execute", "fetch_all", "fetch_one", "query_text", "statement"]

SQL_DIR = Path(__file__).resolve().parents[1] / "sql"
DEFAULT_WORK_MEM = "256MB"


def connect(url: str, *, autocommit: bool = False) -> psycopg.Connection[Any]:
    """Open a connection to ``url`` (a libpq URL or key=value string), in UTC.

    Raises:
        WarehouseUnavailable: the server could not be reached.
    """
    try:
        conn = psycopg.connect(url, autocommit=autocommit)
    except psycopg.OperationalError as exc:
        raise WarehouseUnavailable(f"cannot connect to the SmartArm database: {exc}") from exc
    try:
        prepare(conn)
    except BaseException:
        conn.close()
        raise
    return conn


def prepare(conn: psycopg.Connection[Any]) -> None:
    """Give a connection made elsewhere (e.g. by an Airflow hook) SmartArm's session settings."""
    was_idle = conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    conn.execute("set time zone 'UTC'")
    conn.execute("set jit = off")
    work_mem = os.environ.get("SMARTARM_WORK_MEM", DEFAULT_WORK_MEM)
    try:
        conn.execute("select set_config('work_mem', %s, false)", (work_mem,))
    except psycopg.errors.InvalidParameterValue as exc:
        conn.rollback()
        raise ValueError(
            f"SMARTARM_WORK_MEM: expected a PostgreSQL memory size such as 256MB, found "
            f"{work_mem!r} ({exc})"
        ) from None
    if was_idle and not conn.autocommit:
        conn.commit()


@functools.cache
def query_text(name: str) -> str:
    """The text of ``sql/queries/<name>.sql``."""
    path = SQL_DIR / "queries" / f"{name}.sql"
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileNotFoundError(f"no query file {path}: expected one .sql file per query") from None


def execute(
    conn: psycopg.Connection[Any],
    name: str,
    params: Mapping[str, Any] | None = None,
    *,
    tables: Mapping[str, str] | None = None,
) -> int:
    """Run the query file ``name`` with ``params``; return the affected row count.

    ``tables`` fills the query's ``{placeholder}`` table names (``schema.table``, quoted as
    identifiers), for the statements whose target is only known at run time.
    """
    with conn.cursor() as cur:
        cur.execute(statement(name, tables), params)
        return cur.rowcount


def statement(name: str, tables: Mapping[str, str] | None = None) -> str | sql.Composed:
    """The query file ``name``, its ``{placeholder}`` table names filled from ``tables``."""
    text = query_text(name)
    if tables is None:
        return text
    return sql.SQL(text).format(
        **{key: sql.Identifier(*table.split(".")) for key, table in tables.items()}
    )


def fetch_all(
    conn: psycopg.Connection[Any], name: str, params: Mapping[str, Any] | None = None
) -> list[tuple[Any, ...]]:
    """Run the query file ``name`` and return all rows."""
    with conn.cursor() as cur:
        cur.execute(query_text(name), params)
        return cur.fetchall()


def fetch_one(
    conn: psycopg.Connection[Any], name: str, params: Mapping[str, Any] | None = None
) -> Sequence[Any] | None:
    """Run the query file ``name`` and return its first row, or None."""
    with conn.cursor() as cur:
        cur.execute(query_text(name), params)
        return cur.fetchone()
