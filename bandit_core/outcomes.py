"""Keep ``bandit.daily_outcomes``: each night, recompute only the send dates it touched.

A send date's outcome cells (sends, deliveries, matured sends and rewards per segment x
template x cohort) change when an event answering one of its sends arrives (late ones
included), when such an event starts counting as a reward (once the campaign has learned from
the night it arrived), when its attribution window closes (by the night the campaign has
learned up to), or when its list is (re)published. The report step of window ``D`` therefore
recomputes the dates answered by the events that arrived since the last refreshed night or
count since, the dates that matured between the night the campaign had learned up to then and
the one it has learned up to now (``bandit.outcomes_refreshed`` keeps the former), and the
dates published since. It uses the reward functions of ``reporting.attributed_sends``
(migration 0034) and reads only the event partitions from the earliest recomputed date on (an
event arrives after its send), so a night costs what it changed, not the campaign's history.
The first refresh of a campaign (or one after the table was emptied) builds every date.

A window at or before the last refreshed night is a rerun or a backfill: its files may have
been replaced, and the send dates that only the removed events answered cannot be found from
what is left, so such a night rebuilds the campaign in full. Reruns are rare; a night costs
its changes. So does a night after the campaign's attribution window changed: which sends
have matured, and which events count, depend on it.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import psycopg

from bandit_core import db
from bandit_core.window import Window

__all__ = ["refresh_outcomes"]

log = logging.getLogger(__name__)


def refresh_outcomes(
    conn: psycopg.Connection[Any],
    campaign_id: str,
    window: Window,
    attribution_days: int,
    *,
    full: bool = False,
) -> int:
    """Recompute the campaign's outcome cells the window may have changed; return the dates.

    Args:
        conn: the pipeline's connection (the caller commits).
        campaign_id: the campaign.
        window: the night whose changes to take in.
        attribution_days: the campaign's attribution window, which decides when dates mature.
        full: rebuild every send date of the campaign (also done for a rerun or backfill).
    """
    params: dict[str, Any] = {"campaign_id": campaign_id, "as_of": window.day}
    last = db.fetch_one(conn, "reporting_outcomes_last", params)
    since: dt.date = window.day
    learned_before: dt.date = window.day
    if last is None or last[0] >= window.day or last[1] != attribution_days:
        # a first build, a rerun or backfill, or a changed attribution window (module docstring)
        full = True
    else:
        since = last[0]
        # a refresh from before the night learned was recorded: assume one night less
        learned_before = last[2] if last[2] is not None else since - dt.timedelta(days=1)
    with conn.transaction():
        learned = db.fetch_one(conn, "reporting_outcomes_learned", params)
        params["learned_as_of"] = learned[0] if learned else None
        reward_type = db.fetch_one(conn, "reporting_outcomes_reward_type", params)
        params["reward_event_type"] = reward_type[0] if reward_type else None
        dates = [
            row[0]
            for row in db.fetch_all(
                conn,
                "reporting_outcomes_dates",
                {
                    **params,
                    "since": since,
                    "learned_before": learned_before,
                    "attribution_days": attribution_days,
                    "full": full,
                },
            )
        ]
        db.execute(conn, "reporting_outcomes_delete", {**params, "dates": dates})
        latest = db.fetch_one(conn, "reporting_outcomes_latest", params)
        db.execute(
            conn,
            "reporting_outcomes_insert",
            {
                **params,
                "dates": dates,
                "events_from": min(dates, default=None),
                "latest": latest[0] if latest else None,
            },
        )
        db.execute(
            conn, "reporting_outcomes_mark", {**params, "attribution_days": attribution_days}
        )
    log.info(
        "outcomes %s campaign %s: %d send dates recomputed%s",
        window,
        campaign_id,
        len(dates),
        " (full build)" if full else "",
    )
    return len(dates)
