"""Assign: every eligible user gets one template for the send date, by deterministic hashing.

The SQL (``sql/queries/assign_build.sql``) does the work set-based; this module holds the
Python twins of its two SQL functions so that any assignment can be re-derived in an audit::

    u = unit_hash(assignment_key(campaign_id, user_id, send_date, seed, "template"))

picks the template whose allocation interval ``[cum_low, cum_high)`` contains ``u``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

import psycopg

from bandit_core import db
from bandit_core.campaigns import StoredCampaign
from bandit_core.errors import StateError
from bandit_core.window import Window

__all__ = ["assign_campaign", "assignment_key", "segment_key", "unit_hash"]

log = logging.getLogger(__name__)

_SEP = "\x1f"


def unit_hash(key: str) -> float:
    """A uniform number in [0, 1) from the first 52 bits of md5(key) (= ``bandit.unit_hash``)."""
    return int(hashlib.md5(key.encode("utf-8")).hexdigest()[:13], 16) / 2.0**52


def assignment_key(
    campaign_id: str, user_id: str, send_date: dt.date, seed: int, purpose: str
) -> str:
    """The hash key of one user's draw; ``purpose`` is ``"holdout"`` or ``"template"``."""
    return _SEP.join((campaign_id, user_id, send_date.isoformat(), str(seed), purpose))


def segment_key(attributes: Mapping[str, Any], names: Sequence[str]) -> str:
    """A user's segment as canonical JSON text (= ``bandit.segment_key``)."""
    if not names:
        return "{}"
    pairs = {name: attributes.get(name) for name in names}
    # PostgreSQL's jsonb text: keys by length then bytes, ", " and ": " separators
    ordered = sorted(pairs, key=lambda k: (len(k.encode("utf-8")), k.encode("utf-8")))
    return (
        "{"
        + ", ".join(
            f"{json.dumps(k, ensure_ascii=False)}: {json.dumps(pairs[k], ensure_ascii=False)}"
            for k in ordered
        )
        + "}"
    )


def assign_campaign(conn: psycopg.Connection[Any], stored: StoredCampaign, window: Window) -> int:
    """Build the campaign's send list for the window's send date; return its row count.

    Raises:
        StateError: no allocation was computed for the send date.
    """
    config = stored.config
    params: dict[str, Any] = {"campaign_id": config.campaign_id, "send_date": window.send_date}
    versions = db.fetch_all(conn, "allocation_model_version", params)
    if len(versions) != 1:
        raise StateError(
            f"expected one allocation of campaign {config.campaign_id!r} for "
            f"{window.send_date}, found {len(versions)} model versions: run allocate first"
        )
    params["model_version"] = versions[0][0]
    # the build's partition is prepared in a transaction of its own, so that campaigns
    # building at once wait for each other only while one prepares, not while it fills
    with conn.transaction():
        db.execute(conn, "assign_prepare_build", params)
    with conn.transaction():
        rows = db.execute(conn, "assign_build", params)
    log.info("assign %s campaign %s: %d users", window, config.campaign_id, rows)
    return rows
