"""Validate: decide, for a window's staged events, what loads, what is quarantined, and whether
the run may learn at all.

1. Row rules are SQL predicates (``sql/queries/validate_check_events.sql``); every staging row
   is tagged with the names of the rules it breaks, so every failing row, not a sample, is
   known with its reasons.
2. A Great Expectations suite runs on the window's staging rows with SQL pushdown: one
   ``UnexpectedRowsExpectation`` per rule, plus the table-level gates. Its results are stored
   in ``audit.validation_results``.
3. Failing rows go to ``quarantine.events`` with their rules; good rows of the same files load
   into ``core.events``. If a table-level gate fails (no data when sends await events, or too
   many bad rows), nothing loads and ``DataQualityError`` stops the run before learning, so
   yesterday's allocation stays in force.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from bandit_core import db
from bandit_core.errors import DataQualityError
from bandit_core.window import Window

__all__ = ["ROW_RULES", "GateResult", "ValidationResult", "validate_events"]

log = logging.getLogger(__name__)

#: every row rule of validate_check_events.sql, with what it means
ROW_RULES: Mapping[str, str] = {
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

SOURCE = "events"


@dataclass(frozen=True, slots=True)
class GateResult:
    """A table-level check: a failure stops the run before learning."""

    name: str
    success: bool
    observed: float
    threshold: float
    message: str


@dataclass(frozen=True, slots=True)
class ValidationResult:
    """What validation found and did for one window."""

    rows: int
    loaded: int
    quarantined: int
    by_rule: dict[str, int] = field(default_factory=dict)
    gates: tuple[GateResult, ...] = ()

    @property
    def passed(self) -> bool:
        return all(g.success for g in self.gates)


def validate_events(
    conn: psycopg.Connection[Any], window: Window, *, max_quarantine_share: float
) -> ValidationResult:
    """Tag, check, quarantine and load the window's staged events.

    Raises:
        DataQualityError: a table-level gate failed; the window's bad rows are quarantined
            and its results recorded, but no event is loaded.
    """
    params = {"window_date": window.day}
    with conn.transaction():
        db.execute(conn, "validate_check_events", params)
        expected_row = db.fetch_one(conn, "validate_events_expected", params)
    events_expected = bool(expected_row and expected_row[0])

    rows, by_rule, bad_rows = _run_suite(conn, window)
    gates = _gates(window, rows, bad_rows, events_expected, max_quarantine_share)
    result = ValidationResult(
        rows=rows,
        loaded=0 if not all(g.success for g in gates) else rows - bad_rows,
        quarantined=bad_rows,
        by_rule=by_rule,
        gates=tuple(gates),
    )
    with conn.transaction():
        _record(conn, window, result)
        db.execute(conn, "quarantine_delete_window", params)
        db.execute(conn, "quarantine_insert_window", params)
        if result.passed:
            db.execute(conn, "events_delete_window", params)
            db.execute(conn, "events_load_window", params)
            db.execute(conn, "users_apply_unsubscribes", params)
    log.info(
        "validate %s: %d rows, %d loaded, %d quarantined%s",
        window,
        rows,
        result.loaded,
        bad_rows,
        "" if result.passed else " (gate failed)",
    )
    if not result.passed:
        failed = "; ".join(g.message for g in gates if not g.success)
        raise DataQualityError(
            f"events for window {window} failed validation, nothing was learned: {failed}"
        )
    return result


def _gates(
    window: Window, rows: int, bad_rows: int, events_expected: bool, max_share: float
) -> list[GateResult]:
    share = bad_rows / rows if rows else 0.0
    return [
        GateResult(
            name="events_present",
            success=rows > 0 or not events_expected,
            observed=float(rows),
            threshold=1.0 if events_expected else 0.0,
            message=(
                f"no event rows for window {window} although sends await engagement "
                "(expected at least 1, found 0); has the landing folder for the day arrived?"
            ),
        ),
        GateResult(
            name="quarantine_share",
            success=share <= max_share,
            observed=share,
            threshold=max_share,
            message=(
                f"{bad_rows} of {rows} rows ({share:.1%}) broke a rule in window {window}, "
                f"above the limit of {max_share:.1%}"
            ),
        ),
    ]


def _record(conn: psycopg.Connection[Any], window: Window, result: ValidationResult) -> None:
    records: list[dict[str, Any]] = [
        {
            "check_name": rule,
            "kind": "row",
            "success": result.by_rule.get(rule, 0) == 0,
            "observed": result.by_rule.get(rule, 0),
            "threshold": 0,
            "details": {"description": description},
        }
        for rule, description in ROW_RULES.items()
    ]
    records += [
        {
            "check_name": gate.name,
            "kind": "table",
            "success": gate.success,
            "observed": gate.observed,
            "threshold": gate.threshold,
            "details": {"message": gate.message if not gate.success else ""},
        }
        for gate in result.gates
    ]
    params = {"window_date": window.day, "source": SOURCE}
    db.execute(conn, "validation_delete_results", params)
    db.execute(conn, "validation_insert_results", {**params, "results": Jsonb(records)})


def _run_suite(conn: psycopg.Connection[Any], window: Window) -> tuple[int, dict[str, int], int]:
    """Run the Great Expectations suite on the window's staged rows (SQL pushdown).

    Returns the row count, the count of rows breaking each rule, and the count of rows
    breaking any rule.
    """
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    import great_expectations.expectations as gxe
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_postgres(
        name="smartarm", connection_string=_sqlalchemy_url(conn)
    )
    # the date comes from a datetime.date, never from data or config
    asset = source.add_query_asset(
        name="staged_events",
        query=f"select * from staging.events where window_date = date '{window.day.isoformat()}'",
    )
    batch = asset.add_batch_definition_whole_table("window")
    rule_expectations = {
        rule: gxe.UnexpectedRowsExpectation(
            unexpected_rows_query=f"select * from {{batch}} where '{rule}' = any(rules)",
            description=description,
            meta={"check": rule},
        )
        for rule, description in ROW_RULES.items()
    }
    any_rule = gxe.UnexpectedRowsExpectation(
        unexpected_rows_query="select * from {batch} where cardinality(rules) > 0",
        description="rows breaking any rule",
        meta={"check": "_any_rule"},
    )
    row_count = gxe.ExpectTableRowCountToBeBetween(min_value=0, meta={"check": "_rows"})
    suite = context.suites.add(
        gx.ExpectationSuite(
            name="staged_events", expectations=[row_count, any_rule, *rule_expectations.values()]
        )
    )
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name="staged_events", data=batch, suite=suite)
    )
    try:
        outcome = definition.run(result_format="SUMMARY")
    finally:
        # GX never disposes the engines it creates; their pooled connections would stay open
        source.get_execution_engine().engine.dispose()
        source.get_engine().dispose()
    observed: dict[str, int] = {}
    for item in outcome.results:
        config = item.expectation_config
        assert config is not None  # every result comes from a configured expectation
        if item.exception_info and item.exception_info.get("raised_exception"):
            raise RuntimeError(
                f"expectation {config.type} could not run: "
                f"{item.exception_info.get('exception_message')}"
            )
        observed[str(config.meta["check"])] = int(item.result["observed_value"])
    by_rule = {rule: observed[rule] for rule in ROW_RULES}
    return observed["_rows"], by_rule, observed["_any_rule"]


def _sqlalchemy_url(conn: psycopg.Connection[Any]) -> str:
    """A SQLAlchemy URL for the server and database ``conn`` is connected to."""
    from sqlalchemy.engine import URL

    info = conn.info
    params = info.get_parameters()
    query: dict[str, str] = {}
    host = info.host
    if host.startswith("/"):
        # a Unix socket directory: GX insists on a host name, libpq lets ?host= win
        query["host"] = host
        host = "localhost"
    for key in ("sslmode", "sslrootcert", "options"):
        if key in params:
            query[key] = params[key]
    url = URL.create(
        "postgresql+psycopg",
        username=info.user,
        password=info.password or None,
        host=host,
        port=info.port,
        database=info.dbname,
        query=query,
    )
    return url.render_as_string(hide_password=False)
