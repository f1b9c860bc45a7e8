"""Extract: copy a window's landing files into staging with COPY, one staging row per line.

Events come from ``<landing>/<D>/*``, user updates from ``<landing>/<D>/users/*`` (files whose
names start with ``.`` or ``_`` are markers and skipped). Each row keeps the raw text of every
contract column plus what could be parsed from it (timestamps, numbers), or the reason its line
could not be read. Validation then decides what loads and what goes to quarantine, so nothing
is dropped here. Rerunning a window replaces its staging rows.

Clean event CSV files take a columnar fast path (``bandit_core.fast_csv``): the same rows, the
same parse, at close to the speed of COPY itself; any irregularity sends the whole file through
the line-by-line reader of ``bandit_core.landing``, which flags each bad line.

Staging keeps the last ``keep_days`` windows (``drop_old_windows``); older windows live on in
core, quarantine and the audit trail, and a rerun of one stages it again from its files.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg.copy import QueuedLibpqWriter

from bandit_core import db
from bandit_core.contract import EVENT_COLUMNS, REQUIRED_COLUMNS, USER_COLUMNS
from bandit_core.errors import ConfigError
from bandit_core.fast_csv import NotClean, read_clean_csv
from bandit_core.landing import Record, read_records
from bandit_core.parse import parse_timestamp, parse_value
from bandit_core.window import Window

__all__ = [
    "STAGING_KEEP_DAYS",
    "DroppedWindows",
    "ExtractResult",
    "drop_old_windows",
    "extract_events",
    "extract_users",
    "landing_files",
    "parse_timestamp",
    "staging_keep_days",
]

log = logging.getLogger(__name__)

USERS_FOLDER = "users"

#: staged windows kept by default, the window being extracted included
STAGING_KEEP_DAYS = 7


@dataclass(frozen=True, slots=True)
class ExtractResult:
    """What one extract put into staging."""

    files: int
    rows: int
    unparsable: int


@dataclass(frozen=True, slots=True)
class DroppedWindows:
    """What ``drop_old_windows`` removed from staging."""

    before: dt.date  # every staged window before this day is gone
    partitions: int  # day partitions of staging.events dropped
    event_rows: int  # rows of older windows deleted from the default partition
    rule_hits: int
    user_rows: int


def landing_files(landing_dir: Path, window: Window, *, source: str = "events") -> list[Path]:
    """The window's files of one source (``events`` or ``users``), by name."""
    folder = landing_dir / window.day.isoformat()
    if source == "users":
        folder = folder / USERS_FOLDER
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith((".", "_")))


def extract_events(
    conn: psycopg.Connection[Any], landing_dir: Path, window: Window
) -> ExtractResult:
    """Replace the window's ``staging.events`` rows with every line of its event files."""
    return _extract(conn, window, landing_files(landing_dir, window), "events", _event_row)


def extract_users(
    conn: psycopg.Connection[Any], landing_dir: Path, window: Window
) -> ExtractResult:
    """Replace the window's ``staging.users`` rows with every line of its user files."""
    files = landing_files(landing_dir, window, source="users")
    return _extract(conn, window, files, "users", _user_row)


def _extract(
    conn: psycopg.Connection[Any],
    window: Window,
    files: list[Path],
    source: str,
    to_row: Any,
) -> ExtractResult:
    required = REQUIRED_COLUMNS if source == "events" else ("user_id",)
    params = {"window_date": window.day}
    rows = unparsable = 0
    with conn.transaction():
        # a window's first extract of events copies into a new, unindexed table, then indexes,
        # analyses and attaches it (cheaper than maintaining the index row by row); a rerun
        # replaces the rows of the attached partition
        target, fresh = f"staging.{source}", False
        if source == "events":
            created = db.fetch_one(conn, "day_table_create", {**params, "parent": "staged_events"})
            if created is not None and created[0] is not None:
                target, fresh = created[0], True
        if not fresh:
            db.execute(conn, f"staging_delete_{source}", params)
        if source == "events":
            db.execute(conn, "staging_delete_event_rule_hits", params)
        for path in files:
            fast = read_clean_csv(path, window.day) if source == "events" else None
            if fast is not None:
                try:
                    with (
                        conn.transaction(),  # a savepoint: a file that is not clean leaves nothing
                        conn.cursor() as cur,
                        # a worker thread sends while this one parses the next block
                        cur.copy(
                            db.statement("staging_copy_events_csv", {"target": target}),
                            writer=QueuedLibpqWriter(cur),
                        ) as copy,
                    ):
                        for chunk in fast.csv_chunks():
                            copy.write(chunk)
                    rows += fast.rows
                    continue
                except NotClean as exc:
                    log.info("%s: reading it line by line", exc)
            with (
                conn.cursor() as cur,
                cur.copy(
                    db.statement(f"staging_copy_{source}", {"target": target}),
                    writer=QueuedLibpqWriter(cur),
                ) as copy,
            ):
                for record in read_records(path, required=required):
                    copy.write_row((window.day, path.name, *to_row(record)))
                    rows += 1
                    unparsable += record.error is not None
        if fresh:
            db.execute(conn, "day_table_attach", {**params, "parent": "staged_events"})
        else:
            db.execute(conn, f"staging_analyze_{source}", params)
    log.info(
        "extract %s %s: %d files, %d rows, %d unparsable",
        source,
        window,
        len(files),
        rows,
        unparsable,
    )
    return ExtractResult(files=len(files), rows=rows, unparsable=unparsable)


def _event_row(record: Record) -> tuple[Any, ...]:
    raw = [record.fields.get(c) for c in EVENT_COLUMNS]
    return (
        record.line_no,
        *raw,
        parse_timestamp(raw[6]),
        parse_value(raw[7]),
        record.error,
        record.raw,
    )


def _user_row(record: Record) -> tuple[Any, ...]:
    fields = record.fields
    attributes = {k: v for k, v in fields.items() if k not in USER_COLUMNS and v is not None}
    unsubscribed = fields.get("unsubscribed_at")
    return (
        record.line_no,
        fields.get("user_id"),
        fields.get("email"),
        fields.get("phone"),
        unsubscribed,
        parse_timestamp(unsubscribed),
        json.dumps(attributes, sort_keys=True) if record.error is None else None,
        record.error,
        record.raw,
    )


def staging_keep_days(value: object) -> int:
    """A staging retention setting (a whole number, or its text) as a number of windows.

    Raises:
        ConfigError: ``value`` is not a whole number of at least 1.
    """
    number = value
    if isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    if isinstance(number, bool) or not isinstance(number, int) or number < 1:
        raise ConfigError(
            "staging keep days (param staging_keep_days or SMARTARM_STAGING_KEEP_DAYS): "
            f"expected a whole number of at least 1, found {value!r}"
        )
    return number


def drop_old_windows(
    conn: psycopg.Connection[Any], window: Window, keep_days: int
) -> DroppedWindows:
    """Remove the staged windows older than the last ``keep_days`` (``window`` included).

    Staged event partitions are dropped whole; user rows (which carry contact data) and rule
    hits are deleted. Nothing else reads an older window's staging: reruns stage it again.

    Raises:
        ConfigError: ``keep_days`` is not a whole number of at least 1.
    """
    before = window.day - dt.timedelta(days=staging_keep_days(keep_days) - 1)
    with conn.transaction():
        row = db.fetch_one(conn, "staging_drop_windows", {"before": before})
    assert row is not None
    dropped = DroppedWindows(before, *(int(x) for x in row))
    log.info(
        "staging %s: windows before %s removed (%d partitions, %d user rows)",
        window,
        before,
        dropped.partitions,
        dropped.user_rows,
    )
    return dropped
