"""Shared fixtures: a real PostgreSQL and a real Airflow for every test that needs them.

The server is ``SMARTARM_TEST_DATABASE_URL`` (a role that may create databases) or, by
default, an embedded PostgreSQL started for the session. The schema is migrated once into a
template database; each test gets its own copy (``create database ... template``), so tests
never see each other's rows. Airflow gets a temporary ``AIRFLOW_HOME`` with a SQLite metadata
database, configured here before anything imports ``airflow``.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
_SCRATCH = Path(tempfile.mkdtemp(prefix="smartarm-tests-"))

# Airflow reads its configuration at import time: set it before any test module imports it.
os.environ["AIRFLOW_HOME"] = str(_SCRATCH / "airflow")
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(REPO / "dags")
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__LOGGING__LOGGING_LEVEL"] = "WARNING"
os.environ["GX_ANALYTICS_ENABLED"] = "false"
os.environ["SMARTARM_HOME"] = str(_SCRATCH / "home")
os.environ.pop("SMARTARM_DATABASE_URL", None)
os.environ.pop("SMARTARM_LANDING_DIR", None)
os.environ.pop("SMARTARM_REPORT_DIR", None)

import psycopg  # noqa: E402
from psycopg import sql  # noqa: E402
from psycopg.conninfo import conninfo_to_dict, make_conninfo  # noqa: E402

TEMPLATE_DB = "smartarm_test_template"
_counter = itertools.count()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(_SCRATCH, ignore_errors=True)


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    """A URL to the server's maintenance database."""
    if url := os.environ.get("SMARTARM_TEST_DATABASE_URL"):
        yield url
        return
    import pgserver

    server = pgserver.get_server(_SCRATCH / "pgdata", cleanup_mode="delete")
    yield str(server.get_uri("postgres"))
    server.cleanup()


def with_database(url: str, dbname: str) -> str:
    """The same server and credentials, another database."""
    params: dict[str, Any] = {k: v for k, v in conninfo_to_dict(url).items() if v is not None}
    params["dbname"] = dbname
    return make_conninfo(**params)


def _admin(url: str) -> psycopg.Connection[Any]:
    return psycopg.connect(url, autocommit=True)


@pytest.fixture(scope="session")
def template_url(server_url: str) -> Iterator[str]:
    """A database holding the migrated schema, copied by every test database."""
    from bandit_core.db import connect
    from bandit_core.migrate import upgrade

    with _admin(server_url) as admin:
        admin.execute(sql.SQL("drop database if exists {}").format(sql.Identifier(TEMPLATE_DB)))
        admin.execute(sql.SQL("create database {}").format(sql.Identifier(TEMPLATE_DB)))
    url = with_database(server_url, TEMPLATE_DB)
    with connect(url) as conn:
        upgrade(conn)
    yield url
    with _admin(server_url) as admin:
        admin.execute(
            sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(TEMPLATE_DB))
        )


@pytest.fixture
def warehouse_url(server_url: str, template_url: str) -> Iterator[str]:
    """A fresh, migrated database for one test."""
    name = f"smartarm_test_{os.getpid()}_{next(_counter)}"
    with _admin(server_url) as admin:
        admin.execute(
            sql.SQL("create database {} template {}").format(
                sql.Identifier(name), sql.Identifier(TEMPLATE_DB)
            )
        )
    yield with_database(server_url, name)
    with _admin(server_url) as admin:
        admin.execute(
            sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name))
        )


@pytest.fixture
def clone_database(server_url: str) -> Iterator[Any]:
    """Copy a database (``create database ... template``): a snapshot to branch tests from.

    Every connection to the source must be closed first.
    """
    made: list[str] = []

    def clone(source_url: str) -> str:
        source = conninfo_to_dict(source_url)["dbname"]
        name = f"smartarm_clone_{os.getpid()}_{next(_counter)}"
        with _admin(server_url) as admin:
            admin.execute(
                sql.SQL("create database {} template {}").format(
                    sql.Identifier(name), sql.Identifier(str(source))
                )
            )
        made.append(name)
        return with_database(server_url, name)

    yield clone
    with _admin(server_url) as admin:
        for name in made:
            admin.execute(
                sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name))
            )


@pytest.fixture
def conn(warehouse_url: str) -> Iterator[psycopg.Connection[Any]]:
    from bandit_core.db import connect

    with connect(warehouse_url) as connection:
        yield connection


@pytest.fixture
def empty_database_url(server_url: str) -> Iterator[str]:
    """A database without SmartArm's schema (for migration tests)."""
    name = f"smartarm_empty_{os.getpid()}_{next(_counter)}"
    with _admin(server_url) as admin:
        admin.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    yield with_database(server_url, name)
    with _admin(server_url) as admin:
        admin.execute(
            sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name))
        )


@pytest.fixture(scope="session")
def airflow_metadata() -> None:
    """Airflow's own metadata database, created once per session."""
    from airflow.utils import db as airflow_db

    airflow_db.initdb()


@pytest.fixture
def landing_dir(tmp_path: Path) -> Path:
    path = tmp_path / "landing"
    path.mkdir()
    return path
