"""Publish: swap a built send list into place and mark its batch ready, in one transaction.

A CRM system reading ``crm.send_list_v1`` during a publish sees the previous complete list
or the new complete list, never a mix: the swap and the readiness marker commit together.
Publishing the same build again changes nothing, not even ``published_at``.

A campaign's first list for a send date becomes that date's partition for the campaign:
filled, then indexed and analysed, then attached (``core.publish_list_table``, migration
0041), which costs about half of inserting the rows into indexed tables. A republish, or a
date partitioned before that migration, replaces the rows in place, and the date's partition
is analysed afterwards (a published day is a million fresh rows the next night's validation
joins).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

import psycopg

from bandit_core import db
from bandit_core.errors import StateError
from bandit_core.window import Window

__all__ = ["PublishedBatch", "publish_campaign"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PublishedBatch:
    """The readiness record of one campaign's list for one send date."""

    campaign_id: str
    send_date: dt.date
    rows: int
    holdout_rows: int
    checksum: str
    published_at: dt.datetime


def publish_campaign(
    conn: psycopg.Connection[Any],
    campaign_id: str,
    window: Window,
    *,
    expected_rows: int,
    model_version: str,
) -> PublishedBatch:
    """Publish the built list of ``campaign_id`` for the window's send date.

    Args:
        expected_rows: the row count the assign step built; a different count in the build
            means it was changed or lost since, and nothing is published.

    Raises:
        StateError: the build does not hold ``expected_rows`` rows.
    """
    params = {
        "campaign_id": campaign_id,
        "send_date": window.send_date,
        "model_version": model_version,
    }
    with conn.transaction():
        db.execute(conn, "sends_ensure_partition", params)
    with conn.transaction():
        built = db.fetch_one(conn, "publish_build_count", params)
        found = int(built[0]) if built else 0
        if found != expected_rows:
            raise StateError(
                f"the send list of campaign {campaign_id!r} for {window.send_date} holds "
                f"{found} rows, but assign built {expected_rows}: rerun assign before publishing"
            )
        listed = db.fetch_one(conn, "publish_list_table", params)
        in_place = listed is None or listed[0] is None
        if in_place:
            db.execute(conn, "publish_swap_delete", params)
            db.execute(conn, "publish_swap_insert", params)
        row = db.fetch_one(conn, "publish_batch", params)
    if in_place:  # a list built as its own partition was analysed before it was attached
        with conn.transaction():
            db.execute(conn, "sends_analyze", params)
    assert row is not None
    batch = PublishedBatch(campaign_id, window.send_date, int(row[0]), int(row[1]), row[2], row[3])
    log.info(
        "publish %s campaign %s: %d rows for %s", window, campaign_id, batch.rows, batch.send_date
    )
    return batch
