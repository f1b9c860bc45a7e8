"""The landing contracts: the engagement events and user updates CRM systems deliver.

One folder per arrival date, ``<landing>/<YYYY-MM-DD>/``, holding CSV (with a header row),
JSON Lines or Parquet files with these columns (names case-insensitive, order free, extra
columns ignored):

=============  ========  =============================================================
column         required  meaning
=============  ========  =============================================================
event_id       yes       unique id of the event (duplicates are quarantined)
send_id        yes       the ``send_id`` of the published send list row it answers
campaign_id    yes       campaign of that send
user_id        yes       user of that send
template_id    yes       template of that send
event_type     yes       one of ``EVENT_TYPES`` or a campaign's own reward event type
event_ts       yes       when it happened, ISO 8601 (a time without offset is read as UTC)
value          no        a non-negative number, e.g. reading seconds or order value
=============  ========  =============================================================
"""

from __future__ import annotations

__all__ = ["EVENT_COLUMNS", "EVENT_TYPES", "REQUIRED_COLUMNS", "USER_COLUMNS"]

EVENT_COLUMNS: tuple[str, ...] = (
    "event_id",
    "send_id",
    "campaign_id",
    "user_id",
    "template_id",
    "event_type",
    "event_ts",
    "value",
)
REQUIRED_COLUMNS: tuple[str, ...] = EVENT_COLUMNS[:-1]

EVENT_TYPES: tuple[str, ...] = (
    "delivered",
    "bounce",
    "open",
    "click",
    "read",
    "conversion",
    "unsubscribe",
)

#: user files (``<landing>/<D>/users/``): ``user_id`` is required; every column not named here
#: is a user attribute (text), available to campaign segmentation
USER_COLUMNS: tuple[str, ...] = ("user_id", "email", "phone", "unsubscribed_at")
