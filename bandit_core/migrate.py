"""Bring a database's SmartArm schema up to date.

Order of work, all under one advisory lock so two upgrades never interleave:

1. ``sql/roles.sql`` (cluster-wide roles, idempotent);
2. each ``sql/migrations/NNNN_*.sql`` not yet applied, one transaction each, recorded with its
   SHA-256 in ``smartarm_meta.schema_migrations``; an applied file whose text changed is an
   error, because migrations are forward-only;
3. every ``sql/views/*.sql`` (``create or replace view``), then ``sql/grants.sql``.

Everything after the roles runs as ``smartarm_owner`` so that one role owns every object.

Example::

    with connect(url) as conn:
        applied = upgrade(conn)
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from bandit_core.db import SQL_DIR
from bandit_core.errors import MigrationError

__all__ = ["Migration", "pending_migrations", "read_migrations", "upgrade"]

log = logging.getLogger(__name__)

# pg_advisory_lock key: 'SmartArm' as ASCII digits, so other tools' locks do not collide
_LOCK_KEY = 0x536D61727441726D
_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


@dataclass(frozen=True, slots=True)
class Migration:
    """One forward-only migration file."""

    version: int
    filename: str
    sql: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.sql.encode("utf-8")).hexdigest()


def read_migrations(sql_dir: Path = SQL_DIR) -> list[Migration]:
    """The migration files in version order.

    Raises:
        MigrationError: a file name does not follow ``NNNN_name.sql`` or a version repeats.
    """
    migrations: dict[int, Migration] = {}
    for path in sorted((sql_dir / "migrations").iterdir()):
        match = _NAME.match(path.name)
        if match is None:
            raise MigrationError(
                f"unexpected file {path.name} in {path.parent}: expected NNNN_lower_name.sql"
            )
        version = int(match.group(1))
        if version in migrations:
            raise MigrationError(
                f"migration version {version:04d} appears twice: "
                f"{migrations[version].filename} and {path.name}"
            )
        migrations[version] = Migration(version, path.name, path.read_text(encoding="utf-8"))
    return [migrations[v] for v in sorted(migrations)]


def upgrade(conn: psycopg.Connection[Any], sql_dir: Path = SQL_DIR) -> list[Migration]:
    """Apply roles, pending migrations, views and grants; return the migrations applied.

    Raises:
        MigrationError: an applied migration's file changed, or a statement failed.
    """
    if conn.autocommit:
        raise MigrationError("upgrade needs a transactional connection (autocommit=False)")
    migrations = read_migrations(sql_dir)
    conn.execute("select pg_advisory_lock(%s)", (_LOCK_KEY,))
    conn.commit()
    try:
        _run(conn, "roles.sql", (sql_dir / "roles.sql").read_text(encoding="utf-8"))
        applied = _apply_migrations(conn, migrations)
        for view in sorted((sql_dir / "views").glob("*.sql")):
            _run(conn, view.name, view.read_text(encoding="utf-8"), as_owner=True)
        _run(
            conn, "grants.sql", (sql_dir / "grants.sql").read_text(encoding="utf-8"), as_owner=True
        )
    finally:
        conn.rollback()
        conn.execute("select pg_advisory_unlock(%s)", (_LOCK_KEY,))
        conn.commit()
    return applied


def pending_migrations(conn: psycopg.Connection[Any], sql_dir: Path = SQL_DIR) -> list[Migration]:
    """Migrations not yet applied to this database (read-only)."""
    row = conn.execute("select to_regclass('smartarm_meta.schema_migrations')").fetchone()
    done = _applied(conn) if row is not None and row[0] is not None else {}
    conn.commit()
    return [m for m in read_migrations(sql_dir) if m.version not in done]


def _apply_migrations(
    conn: psycopg.Connection[Any], migrations: list[Migration]
) -> list[Migration]:
    _ensure_history(conn)
    done = _applied(conn)
    conn.commit()
    for migration in migrations:
        if migration.version in done:
            filename, sha = done[migration.version]
            if sha != migration.sha256:
                raise MigrationError(
                    f"migration {filename} was changed after it was applied "
                    f"(applied sha256 {sha[:12]}, file now {migration.sha256[:12]}); "
                    "migrations are forward-only: restore the file and add a new one"
                )
    applied = []
    for migration in migrations:
        if migration.version in done:
            continue
        _run(conn, migration.filename, migration.sql, as_owner=True, commit=False)
        conn.execute(
            "insert into smartarm_meta.schema_migrations (version, filename, sha256, applied_at)"
            " values (%s, %s, %s, now())",
            (migration.version, migration.filename, migration.sha256),
        )
        conn.commit()
        log.info("applied migration %s", migration.filename)
        applied.append(migration)
    return applied


def _ensure_history(conn: psycopg.Connection[Any]) -> None:
    conn.execute("set local role smartarm_owner")
    conn.execute("create schema if not exists smartarm_meta authorization smartarm_owner")
    conn.execute(
        "create table if not exists smartarm_meta.schema_migrations ("
        " version integer primary key, filename text not null, sha256 text not null,"
        " applied_at timestamptz not null)"
    )


def _applied(conn: psycopg.Connection[Any]) -> dict[int, tuple[str, str]]:
    rows = conn.execute(
        "select version, filename, sha256 from smartarm_meta.schema_migrations"
    ).fetchall()
    return {version: (filename, sha) for version, filename, sha in rows}


def _run(
    conn: psycopg.Connection[Any],
    label: str,
    sql: str,
    *,
    as_owner: bool = False,
    commit: bool = True,
) -> None:
    try:
        if as_owner:
            conn.execute("set local role smartarm_owner")
        conn.execute(sql)
    except psycopg.Error as exc:
        conn.rollback()
        raise MigrationError(f"{label} failed: {exc}") from exc
    if commit:
        conn.commit()
