"""Parsing the typed fields of landing files: one definition for every reader."""

from __future__ import annotations

import datetime as dt

__all__ = ["parse_timestamp", "parse_value"]


def parse_timestamp(text: str | None) -> dt.datetime | None:
    """An ISO 8601 timestamp as an aware datetime (no offset means UTC), or None.

    Example:
        >>> parse_timestamp("2026-01-05T14:03:00+01:00").isoformat()
        '2026-01-05T14:03:00+01:00'
    """
    if text is None:
        return None
    try:
        ts = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return ts if ts.tzinfo is not None else ts.replace(tzinfo=dt.UTC)


def parse_value(text: str | None) -> float | None:
    """A number (NaN and infinities included, for validation to judge), or None."""
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        return None
