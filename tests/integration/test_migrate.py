"""The migration runner on a real server: forward-only, checksummed, repeatable."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bandit_core.db import SQL_DIR, connect
from bandit_core.errors import MigrationError
from bandit_core.migrate import pending_migrations, read_migrations, upgrade


def test_fresh_database_gets_every_migration_once(empty_database_url: str) -> None:
    with connect(empty_database_url) as conn:
        assert [m.version for m in pending_migrations(conn)] == [
            m.version for m in read_migrations()
        ]
        first = upgrade(conn)
        second = upgrade(conn)
        recorded = conn.execute(
            "select version, sha256 from smartarm_meta.schema_migrations order by version"
        ).fetchall()
    assert [m.filename for m in first] == [m.filename for m in read_migrations()]
    assert second == []
    assert recorded == [(m.version, m.sha256) for m in read_migrations()]


def test_every_object_is_owned_by_the_owner_role(warehouse_url: str) -> None:
    with connect(warehouse_url) as conn:
        owners = conn.execute(
            "select distinct pg_get_userbyid(c.relowner) from pg_class c"
            " join pg_namespace n on n.oid = c.relnamespace"
            " where n.nspname in ('config','staging','core','quarantine','bandit','crm',"
            "'reporting','audit')"
        ).fetchall()
    assert owners == [("smartarm_owner",)]


def _copy_sql(tmp_path: Path) -> Path:
    target = tmp_path / "sql"
    shutil.copytree(SQL_DIR, target, ignore=shutil.ignore_patterns("queries"))
    return target


def test_an_edited_migration_is_refused(empty_database_url: str, tmp_path: Path) -> None:
    sql_dir = _copy_sql(tmp_path)
    with connect(empty_database_url) as conn:
        upgrade(conn, sql_dir)
        edited = sql_dir / "migrations" / "0002_config.sql"
        edited.write_text(edited.read_text() + "\n-- edited after release\n")
        with pytest.raises(
            MigrationError, match=r"0002_config\.sql was changed after it was applied"
        ):
            upgrade(conn, sql_dir)


def test_a_failing_migration_rolls_back_alone(empty_database_url: str, tmp_path: Path) -> None:
    sql_dir = _copy_sql(tmp_path)
    (sql_dir / "migrations" / "9998_good.sql").write_text("create table audit.good (x int);\n")
    (sql_dir / "migrations" / "9999_bad.sql").write_text(
        "create table audit.half (x int);\nselect no_such_function();\n"
    )
    with connect(empty_database_url) as conn:
        with pytest.raises(MigrationError, match=r"9999_bad\.sql failed"):
            upgrade(conn, sql_dir)
        tables = {
            r[0]
            for r in conn.execute(
                "select table_name from information_schema.tables where table_schema = 'audit'"
            ).fetchall()
        }
        versions = [
            r[0] for r in conn.execute("select version from smartarm_meta.schema_migrations")
        ]
    assert "good" in tables and "half" not in tables
    assert 9998 in versions and 9999 not in versions


def test_badly_named_migration_is_refused(tmp_path: Path) -> None:
    sql_dir = _copy_sql(tmp_path)
    (sql_dir / "migrations" / "10_oops.sql").write_text("select 1;")
    with pytest.raises(MigrationError, match=r"unexpected file 10_oops\.sql"):
        read_migrations(sql_dir)
