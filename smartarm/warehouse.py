"""Which PostgreSQL SmartArm uses: ``SMARTARM_DATABASE_URL``, or an embedded server.

The embedded server is a pip-installed PostgreSQL (``pgserver``) whose data lives under
``$SMARTARM_HOME/pgdata`` (default ``./.smartarm``). It listens on a Unix socket only, so it
needs no port and collides with nothing; it stops when the last process using it exits.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

__all__ = [
    "SMARTARM_SCHEMAS",
    "airflow_connection",
    "database_url",
    "drop_smartarm_schemas",
    "smartarm_home",
]

EMBEDDED_DATABASE = "smartarm"
SMARTARM_SCHEMAS = (
    "config",
    "staging",
    "core",
    "quarantine",
    "bandit",
    "crm",
    "reporting",
    "audit",
    "simulation",
    "smartarm_meta",
)

_embedded: Any = None


def smartarm_home() -> Path:
    """Where local state lives: ``$SMARTARM_HOME``, default ``./.smartarm``."""
    return Path(os.environ.get("SMARTARM_HOME", ".smartarm")).resolve()


def database_url() -> str:
    """``SMARTARM_DATABASE_URL`` if set, else the embedded server's ``smartarm`` database."""
    url = os.environ.get("SMARTARM_DATABASE_URL")
    if url:
        return url
    return _embedded_url()


def _embedded_url() -> str:
    global _embedded
    import pgserver

    if _embedded is None:
        pgdata = smartarm_home() / "pgdata"
        pgdata.parent.mkdir(parents=True, exist_ok=True)
        _embedded = pgserver.get_server(pgdata, cleanup_mode="stop")
    with psycopg.connect(_embedded.get_uri("postgres"), autocommit=True) as conn:
        exists = conn.execute(
            "select 1 from pg_database where datname = %s", (EMBEDDED_DATABASE,)
        ).fetchone()
        if exists is None:
            conn.execute(sql.SQL("create database {}").format(sql.Identifier(EMBEDDED_DATABASE)))
    return str(_embedded.get_uri(EMBEDDED_DATABASE))


def airflow_connection(url: str) -> str:
    """The URL as an Airflow connection in JSON form (``AIRFLOW_CONN_<ID>``).

    The JSON form carries a Unix-socket directory as the host, which a URI cannot.
    """
    params = conninfo_to_dict(url)
    known = {"host", "port", "user", "password", "dbname"}
    connection: dict[str, Any] = {"conn_type": "postgres"}
    if "host" in params:
        connection["host"] = params["host"]
    if "port" in params:
        connection["port"] = int(str(params["port"]))
    if "user" in params:
        connection["login"] = params["user"]
    if params.get("password"):
        connection["password"] = params["password"]
    if "dbname" in params:
        connection["schema"] = params["dbname"]
    extra = {k: v for k, v in params.items() if k not in known and v is not None}
    if extra:
        connection["extra"] = extra
    return json.dumps(connection)


def drop_smartarm_schemas(conn: psycopg.Connection[Any]) -> None:
    """Drop every SmartArm schema and what is in it (the demo's fresh start)."""
    with conn.transaction():
        for schema in SMARTARM_SCHEMAS:
            conn.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(schema)))
