"""Audit: one ``audit.runs`` row per nightly step, whatever its outcome.

Example::

    with audit.step(conn, run, "update_posteriors", campaign_id="welcome") as details:
        details["rows"] = update_arm_state(conn, config, window)

The step's own work and its success record commit together; on failure the work rolls back
and the failure, with its message, is recorded and committed before the error propagates.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from bandit_core import db
from bandit_core.window import Window

__all__ = ["RunInfo", "step"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RunInfo:
    """Which orchestrator run a step belongs to."""

    dag_run_id: str
    window: Window
    try_number: int = 1


@contextmanager
def step(
    conn: psycopg.Connection[Any],
    run: RunInfo,
    name: str,
    *,
    campaign_id: str | None = None,
) -> Iterator[dict[str, Any]]:
    """Record the step ``name`` of ``run``; yields a dict of details to store with it."""
    conn.rollback()
    row = db.fetch_one(
        conn,
        "audit_start",
        {
            "dag_run_id": run.dag_run_id,
            "window_date": run.window.day,
            "campaign_id": campaign_id,
            "step": name,
            "try_number": run.try_number,
        },
    )
    assert row is not None
    run_key = row[0]
    conn.commit()
    details: dict[str, Any] = {}
    try:
        yield details
    except BaseException as exc:
        conn.rollback()
        _finish(conn, run_key, "failed", details, f"{type(exc).__name__}: {exc}")
        conn.commit()
        raise
    _finish(conn, run_key, "success", details, None)
    conn.commit()


def _finish(
    conn: psycopg.Connection[Any],
    run_key: int,
    status: str,
    details: dict[str, Any],
    error: str | None,
) -> None:
    db.execute(
        conn,
        "audit_finish",
        {"run_key": run_key, "status": status, "details": Jsonb(details), "error": error},
    )
