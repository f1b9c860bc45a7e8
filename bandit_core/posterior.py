"""Update posteriors: the arm statistics each policy learns from, versioned by as-of date.

A send counts only once its attribution window has closed, success or not. Counting early
successes before the failures are known would bias recently favoured templates upwards.
The state as of day D is the state as of D-1 plus what day D adds (see
``sql/queries/state_update.sql``), so rerunning a day rewrites the same rows, and days must
be run in order.
"""

from __future__ import annotations

import logging
from typing import Any

import psycopg

from bandit_core import db
from bandit_core.config import CampaignConfig
from bandit_core.errors import StateError
from bandit_core.window import Window

__all__ = ["update_arm_state"]

log = logging.getLogger(__name__)


def update_arm_state(conn: psycopg.Connection[Any], config: CampaignConfig, window: Window) -> int:
    """Write the campaign's arm state as of the window's day; return the rows written.

    Raises:
        StateError: the previous day's state is missing although sends preceded it
            (days must run in order: backfill the missing day first).
    """
    params = {
        "campaign_id": config.campaign_id,
        "as_of": window.day,
        "attribution_days": config.reward.attribution_days,
        "value_cap": config.reward.value_cap,
        "reward_event_type": config.reward.event_type,
    }
    with conn.transaction():
        check = db.fetch_one(conn, "state_previous_check", params)
        assert check is not None
        has_previous, has_earlier_sends = check
        if has_earlier_sends and not has_previous:
            raise StateError(
                f"campaign {config.campaign_id!r} has no arm state as of "
                f"{window.day.fromordinal(window.day.toordinal() - 1)} although it sent before "
                f"{window.day}: run the nightly windows in order (backfill the missing day first)"
            )
        db.execute(conn, "state_delete", params)
        rows = db.execute(conn, "state_update", params)
    log.info("update_posteriors %s campaign %s: %d arm rows", window, config.campaign_id, rows)
    return rows
