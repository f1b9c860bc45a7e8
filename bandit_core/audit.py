"""Audit and exclusion: one ``audit.runs`` row per nightly step, and one writer at a time.

Example::

    with audit.step(conn, run, "update_posteriors", campaign_id="welcome") as details:
        details["rows"] = update_arm_state(conn, config, window)

A step first takes the advisory lock of what it writes: the shared inputs (extract, validate,
report: staging, events, users) or one campaign (update_posteriors to publish). A second run
of the same window or campaign waits up to ``RunInfo.lock_wait_seconds``, then fails with
``RunConflict`` naming the holder. Holding the lock also proves that any earlier attempt still
marked ``running`` died (a lock is released when its session ends), so that row is marked
interrupted.

The step's own work and its success record commit together; on failure the work rolls back
and the failure, with its message, is recorded and committed before the error propagates.
"""

from __future__ import annotations

import logging
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from bandit_core import db
from bandit_core.errors import RunConflict
from bandit_core.window import Window

__all__ = ["RunInfo", "step"]

log = logging.getLogger(__name__)

# first key of every SmartArm advisory lock ('SmAr'), so other tools' locks do not collide
_LOCK_NAMESPACE = 0x536D4172
_POLL_SECONDS = 0.5


@dataclass(frozen=True, slots=True)
class RunInfo:
    """Which orchestrator run a step belongs to, and how long it waits for another run."""

    dag_run_id: str
    window: Window
    try_number: int = 1
    lock_wait_seconds: float = 600.0


@contextmanager
def step(
    conn: psycopg.Connection[Any],
    run: RunInfo,
    name: str,
    *,
    campaign_id: str | None = None,
) -> Iterator[dict[str, Any]]:
    """Lock, then record the step ``name`` of ``run``; yields a dict of details to store.

    Raises:
        RunConflict: another run held the lock for longer than ``run.lock_wait_seconds``.
    """
    conn.rollback()
    key = f"campaign:{campaign_id}" if campaign_id is not None else "inputs"
    scope = f"campaign {campaign_id!r}" if campaign_id is not None else "the shared inputs"
    lock = {"namespace": _LOCK_NAMESPACE, "key": zlib.crc32(key.encode("utf-8")) & 0x7FFFFFFF}
    _acquire(conn, lock, scope, run)
    try:
        params = {
            "dag_run_id": run.dag_run_id,
            "window_date": run.window.day,
            "campaign_id": campaign_id,
            "step": name,
            "try_number": run.try_number,
        }
        db.execute(conn, "audit_interrupted", params)
        row = db.fetch_one(conn, "audit_start", params)
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
    finally:
        if not conn.closed:
            conn.rollback()
            db.execute(conn, "lock_release", lock)
            conn.commit()


def _acquire(conn: psycopg.Connection[Any], lock: dict[str, int], scope: str, run: RunInfo) -> None:
    deadline = time.monotonic() + run.lock_wait_seconds
    waited = False
    while True:
        row = db.fetch_one(conn, "lock_try", lock)
        conn.commit()
        if row is not None and row[0]:
            if waited:
                log.info("lock on %s acquired after waiting", scope)
            return
        if time.monotonic() >= deadline:
            holder = db.fetch_one(conn, "lock_holder", lock)
            conn.commit()
            who = (
                f"PostgreSQL backend pid {holder[0]} (application {holder[1] or 'unnamed'!r}, "
                f"client {holder[2] or 'local socket'}, "
                f"connected since {holder[3]:%Y-%m-%d %H:%M:%S %Z})"
                if holder is not None
                else "a session that has just released it"
            )
            raise RunConflict(
                f"another run is writing {scope} (window {run.window}): held by {who}; "
                f"waited {run.lock_wait_seconds:g} s. Let it finish (or stop it), then rerun"
            )
        if not waited:
            log.info("waiting for the lock on %s held by another run", scope)
            waited = True
        time.sleep(_POLL_SECONDS)


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
