"""Validate: decide, for a window, what loads, what is quarantined, and whether the run may learn.

Three sources are checked, each by a Great Expectations suite with SQL pushdown
(``bandit_core.expectations``):

- **events** and **users** staged from the landing folder. Row rules are SQL predicates
  (``sql/queries/validate_tag_<source>.sql``) that record the rules every failing row breaks
  (users: on the staged row; events: one row per bad line in ``staging.event_rule_hits``, so
  the good millions are never rewritten), so every bad row, not a sample, is known with its
  reasons; GX counts them per rule.
  Failing rows go to ``quarantine.<source>``; good rows of the same files load.
- **config**: the stored campaign configuration, checked for consistency (a config edited in
  SQL, bypassing ``smartarm campaigns apply``, is caught here).

Table-level gates then decide whether learning may go on: events present when sends await
them, an event volume near recent history, the share of bad rows per source under a limit,
and a consistent config. When a gate fails nothing loads and ``DataQualityError`` stops the run
before learning, so yesterday's send lists stay in force; the failure is recorded in
``audit.validation_results`` (``reporting.validation_results``) and the bad rows stay visible
in quarantine.
"""

from __future__ import annotations

import logging
import statistics
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from bandit_core import db
from bandit_core.errors import DataQualityError
from bandit_core.expectations import ROWS, CheckSet, count_unexpected
from bandit_core.window import Window

__all__ = [
    "CONFIG_CHECKS",
    "EVENT_RULES",
    "USER_RULES",
    "GateResult",
    "Gates",
    "SourceResult",
    "ValidationResult",
    "freeze_window_events",
    "validate_window",
]

log = logging.getLogger(__name__)

#: every rule of validate_tag_events.sql, with what it means
EVENT_RULES: Mapping[str, str] = {
    "unparsable": "the line could not be read as a record (see parse_error)",
    "missing_field": "a required column is empty",
    "bad_timestamp": "event_ts is not an ISO 8601 timestamp",
    "bad_value": "value is not a number",
    "value_not_finite": "value is NaN or infinite",
    "negative_value": "value is negative",
    "unknown_event_type": "event_type is neither a known type nor the campaign's reward event",
    "unknown_campaign": "campaign_id is not a configured campaign",
    "unknown_template": "template_id does not belong to the campaign",
    "unknown_user": "user_id is not a known user",
    "unknown_send": "send_id is not a published send",
    "send_mismatch": "campaign, user or template differ from those of the send",
    "event_in_future": "event_ts is at or after the end of the window it arrived in",
    "event_before_send": "event_ts is before the day of its send",
    "outside_attribution_window": "event_ts is after the send's attribution window closed",
    "duplicate_event_id": "event_id repeats an earlier row of the same window",
    "duplicate_event_id_earlier_window": "event_id was already loaded by an earlier window",
}

#: every rule of validate_tag_users.sql, with what it means
USER_RULES: Mapping[str, str] = {
    "unparsable": "the line could not be read as a record (see parse_error)",
    "missing_user_id": "user_id is empty",
    "bad_timestamp": "unsubscribed_at is not an ISO 8601 timestamp",
    "unsubscribed_in_future": "unsubscribed_at is at or after the end of the window",
    "bad_email": "email is not an address",
    "duplicate_user_id": "user_id repeats an earlier row of the same window",
}

#: consistency of the stored config: predicates over validation_config_batch.sql's columns
CONFIG_CHECKS: Mapping[str, str] = {
    "fewer_than_two_templates": "active_templates < 2",
    "missing_policy": "not has_policy",
    "min_shares_exceed_one": "min_share * active_templates > 1",
}

_RULES = {"events": EVENT_RULES, "users": USER_RULES}


@dataclass(frozen=True, slots=True, kw_only=True)
class Gates:
    """Limits of the table-level gates.

    Args:
        max_quarantine_share: largest share of bad rows a source may have.
        volume_low: fail when the window has fewer event rows than this fraction of the
            median of recent windows.
        volume_high: fail when it has more than this multiple of that median.
        volume_history: how many recent windows with events make the median; the volume
            gate needs at least 3.
    """

    max_quarantine_share: float = 0.05
    volume_low: float = 0.2
    volume_high: float = 5.0
    volume_history: int = 7

    def __post_init__(self) -> None:
        if not 0.0 <= self.max_quarantine_share <= 1.0:
            raise ValueError(
                f"max_quarantine_share must be in [0, 1], found {self.max_quarantine_share}"
            )
        if not 0.0 <= self.volume_low <= 1.0 <= self.volume_high:
            raise ValueError(
                "expected 0 <= volume_low <= 1 <= volume_high, "
                f"found {self.volume_low} and {self.volume_high}"
            )
        if self.volume_history < 3:
            raise ValueError(f"volume_history must be at least 3, found {self.volume_history}")


@dataclass(frozen=True, slots=True)
class GateResult:
    """A table-level check: a failure stops the run before learning."""

    source: str
    name: str
    success: bool
    observed: float
    threshold: float
    message: str


@dataclass(frozen=True, slots=True)
class SourceResult:
    """What validation found in one staged source."""

    rows: int
    quarantined: int
    by_rule: dict[str, int] = field(default_factory=dict)

    @property
    def loadable(self) -> int:
        return self.rows - self.quarantined


@dataclass(frozen=True, slots=True)
class ValidationResult:
    """What validation found and did for one window."""

    events: SourceResult
    users: SourceResult
    config_failures: dict[str, list[str]]
    gates: tuple[GateResult, ...]

    @property
    def passed(self) -> bool:
        return all(g.success for g in self.gates)


def _load_events(conn: psycopg.Connection[Any], params: dict[str, Any]) -> None:
    """Load the window's valid events into its day partition, inside the caller's transaction.

    On the window's first load the partition is filled before it has indexes, then indexed
    and attached (building an index once by sorting is several times cheaper than
    maintaining it row by row); the attach comes last, so the default partition it locks is
    locked only until commit. A rerun replaces the rows of the attached partition.
    """
    row = db.fetch_one(conn, "day_table_create", {**params, "parent": "events"})
    table = row[0] if row else None
    if table is None:
        db.execute(conn, "events_delete_window", params)
        db.execute(conn, "events_load_window", params, tables={"target": "core.events"})
        db.execute(conn, "events_analyze", params)
        return
    db.execute(conn, "events_load_window", params, tables={"target": table})
    db.execute(conn, "day_table_attach", {**params, "parent": "events"})


def freeze_window_events(conn: psycopg.Connection[Any], window: Window) -> None:
    """Freeze the window's loaded event partition (``events_freeze_window.sql`` says why).

    VACUUM runs outside a transaction, so whatever the connection had open is committed first.
    """
    row = db.fetch_one(conn, "events_day_table", {"window_date": window.day})
    assert row is not None
    conn.commit()
    autocommit = conn.autocommit
    conn.autocommit = True
    try:
        db.execute(conn, "events_freeze_window", tables={"target": row[0]})
    finally:
        conn.autocommit = autocommit


def validate_window(
    conn: psycopg.Connection[Any], window: Window, gates: Gates
) -> ValidationResult:
    """Tag, check, quarantine and load the window's staged users and events.

    Raises:
        DataQualityError: a gate failed; bad rows are quarantined and results recorded, but
            nothing is loaded.
    """
    params = {"window_date": window.day}
    with conn.transaction():
        db.execute(conn, "validate_tag_users", params)
        db.execute(conn, "validate_clear_event_rules", params)
        db.execute(conn, "validate_tag_events", params)
        expected = db.fetch_one(conn, "validate_events_expected", params)
        history = [
            float(r[0])
            for r in db.fetch_all(
                conn, "validation_event_history", {**params, "windows": gates.volume_history}
            )
        ]
    counts = count_unexpected(conn, _check_sets(window))
    events = _source_result(counts["events"], EVENT_RULES)
    users = _source_result(counts["users"], USER_RULES)
    config_failures = (
        _config_failures(conn) if any(counts["config"][c] for c in CONFIG_CHECKS) else {}
    )
    results = _gates(
        window, events, users, config_failures, bool(expected and expected[0]), history, gates
    )
    outcome = ValidationResult(events, users, config_failures, tuple(results))

    with conn.transaction():
        _record(conn, window, outcome)
        for source in ("users", "events"):
            db.execute(conn, f"quarantine_delete_{source}", params)
            db.execute(conn, f"quarantine_insert_{source}", params)
        if outcome.passed:
            db.execute(conn, "users_load_window", params)
            db.execute(conn, "users_load_contacts", params)
            _load_events(conn, params)
            db.execute(conn, "users_apply_unsubscribes", params)
    if outcome.passed:
        freeze_window_events(conn, window)
    log.info(
        "validate %s: events %d rows / %d quarantined, users %d rows / %d quarantined%s",
        window,
        events.rows,
        events.quarantined,
        users.rows,
        users.quarantined,
        "" if outcome.passed else " (gate failed: nothing loaded)",
    )
    if not outcome.passed:
        failed = "; ".join(g.message for g in results if not g.success)
        raise DataQualityError(f"window {window} failed validation, nothing was learned: {failed}")
    return outcome


def _check_sets(window: Window) -> list[CheckSet]:
    # the date comes from a datetime.date and rule names are constants: no data reaches SQL text
    day = window.day.isoformat()
    # staged users carry their rules; staged events have theirs in staging.event_rule_hits,
    # one row per bad line, so the checks read that small table (the hits of the batch's rows,
    # looked up by key), not the whole window
    tagged = {
        "users": "{batch}",
        "events": (
            "(select hit.* from staging.event_rule_hits as hit where exists (select 1 from"
            " {batch} where window_date = hit.window_date and source_file = hit.source_file"
            " and line_no = hit.line_no)) as hits"
        ),
    }
    sets = [
        CheckSet(
            name=source,
            query=f"select * from staging.{source} where window_date = date '{day}'",
            checks={
                "_any_rule": f"select * from {tagged[source]} where cardinality(rules) > 0",
                **{
                    rule: f"select * from {tagged[source]} where '{rule}' = any(rules)"
                    for rule in rules
                },
            },
            descriptions=rules,
        )
        for source, rules in _RULES.items()
    ]
    sets.append(
        CheckSet(
            name="config",
            # GX wants a query asset to start with SELECT
            query=f"select * from ({db.query_text('validation_config_batch')}\n) as config_batch",
            checks={
                name: f"select * from {{batch}} where {predicate}"
                for name, predicate in CONFIG_CHECKS.items()
            },
        )
    )
    return sets


def _source_result(counts: Mapping[str, int], rules: Mapping[str, str]) -> SourceResult:
    return SourceResult(
        rows=counts[ROWS],
        quarantined=counts["_any_rule"],
        by_rule={rule: counts[rule] for rule in rules},
    )


def _config_failures(conn: psycopg.Connection[Any]) -> dict[str, list[str]]:
    """Which campaigns fail which config check (the predicates GX counted)."""
    batch = db.query_text("validation_config_batch")
    failures: dict[str, list[str]] = {}
    for name, predicate in CONFIG_CHECKS.items():
        rows = conn.execute(
            f"select campaign_id from ({batch}) as batch where {predicate} order by 1"
        ).fetchall()
        if rows:
            failures[name] = [r[0] for r in rows]
    conn.commit()
    return failures


def _gates(
    window: Window,
    events: SourceResult,
    users: SourceResult,
    config_failures: dict[str, list[str]],
    events_expected: bool,
    history: list[float],
    gates: Gates,
) -> list[GateResult]:
    results = [
        GateResult(
            "events",
            "events_present",
            events.rows > 0 or not events_expected,
            float(events.rows),
            1.0 if events_expected else 0.0,
            f"no event rows for window {window} although sends await engagement "
            "(expected at least 1, found 0); has the landing folder for the day arrived?",
        )
    ]
    if len(history) >= 3 and events.rows > 0:
        median = statistics.median(history)
        low, high = gates.volume_low * median, gates.volume_high * median
        results.append(
            GateResult(
                "events",
                "events_volume",
                low <= events.rows <= high,
                float(events.rows),
                low if events.rows < low else high,
                f"{events.rows:,} event rows in window {window}, outside "
                f"[{low:,.0f}, {high:,.0f}] ({gates.volume_low:g}x to {gates.volume_high:g}x the "
                f"median {median:,.0f} of the last {len(history)} windows)",
            )
        )
    for source, found in (("events", events), ("users", users)):
        share = found.quarantined / found.rows if found.rows else 0.0
        results.append(
            GateResult(
                source,
                "quarantine_share",
                share <= gates.max_quarantine_share,
                share,
                gates.max_quarantine_share,
                f"{found.quarantined:,} of {found.rows:,} {source} rows ({share:.1%}) broke a rule "
                f"in window {window}, above the limit of {gates.max_quarantine_share:.1%}",
            )
        )
    for name in CONFIG_CHECKS:
        campaigns = config_failures.get(name, [])
        results.append(
            GateResult(
                "config",
                name,
                not campaigns,
                float(len(campaigns)),
                0.0,
                f"stored config check {name} fails for campaign(s) "
                f"{', '.join(repr(c) for c in campaigns)}: re-apply their config files",
            )
        )
    return results


def _record(conn: psycopg.Connection[Any], window: Window, outcome: ValidationResult) -> None:
    records: dict[str, list[dict[str, Any]]] = {"events": [], "users": [], "config": []}
    for source, found in (("events", outcome.events), ("users", outcome.users)):
        for rule, description in _RULES[source].items():
            count = found.by_rule.get(rule, 0)
            records[source].append(
                {
                    "check_name": rule,
                    "kind": "row",
                    "success": count == 0,
                    "observed": count,
                    "threshold": 0,
                    "details": {"description": description},
                }
            )
    for gate in outcome.gates:
        records[gate.source].append(
            {
                "check_name": gate.name,
                "kind": "table",
                "success": gate.success,
                "observed": gate.observed,
                "threshold": gate.threshold,
                "details": {"message": "" if gate.success else gate.message},
            }
        )
    for source, rows in records.items():
        params = {"window_date": window.day, "source": source}
        db.execute(conn, "validation_delete_results", params)
        db.execute(conn, "validation_insert_results", {**params, "results": Jsonb(rows)})
