"""SmartArm's small wrapper around Great Expectations: count unexpected rows with SQL pushdown.

A ``CheckSet`` is a batch (a SQL query over the warehouse) and named checks, each a query for
the batch's unexpected rows. GX runs every check inside PostgreSQL (``UnexpectedRowsExpectation``
on a query asset) and reports exact counts, never a capped sample; the row count of each batch
comes from ``ExpectTableRowCountToBeBetween``. The counts are all SmartArm needs: which rows
break which rule is tagged in SQL by the same predicates, so GX's report and the quarantine
agree.

Example::

    counts = count_unexpected(conn, [CheckSet(
        name="events",
        query="select * from staging.events where window_date = date '2026-01-05'",
        checks={"unknown_send": "select * from {batch} where 'unknown_send' = any(rules)"},
    )])
    counts["events"]["unknown_send"], counts["events"][ROWS]
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg

__all__ = ["ROWS", "CheckSet", "count_unexpected", "sqlalchemy_url"]

#: the key under which each set's row count is reported
ROWS = "_rows"


@dataclass(frozen=True, slots=True)
class CheckSet:
    """A batch query and its named unexpected-rows queries (``{batch}`` is the batch)."""

    name: str
    query: str
    checks: Mapping[str, str] = field(default_factory=dict)
    descriptions: Mapping[str, str] = field(default_factory=dict)


def count_unexpected(
    conn: psycopg.Connection[Any], sets: Sequence[CheckSet]
) -> dict[str, dict[str, int]]:
    """Run every check with Great Expectations; return counts per set and check (and ``ROWS``).

    Raises:
        RuntimeError: GX could not evaluate an expectation (e.g. a check's SQL is invalid).
    """
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    import great_expectations.expectations as gxe
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_postgres(
        name="smartarm", connection_string=sqlalchemy_url(conn)
    )
    counts: dict[str, dict[str, int]] = {}
    try:
        for check_set in sets:
            asset = source.add_query_asset(name=check_set.name, query=check_set.query)
            batch = asset.add_batch_definition_whole_table("batch")
            expectations = [gxe.ExpectTableRowCountToBeBetween(min_value=0, meta={"check": ROWS})]
            expectations += [
                gxe.UnexpectedRowsExpectation(
                    unexpected_rows_query=query,
                    description=check_set.descriptions.get(name, name),
                    meta={"check": name},
                )
                for name, query in check_set.checks.items()
            ]
            suite = context.suites.add(
                gx.ExpectationSuite(name=check_set.name, expectations=expectations)
            )
            definition = context.validation_definitions.add(
                gx.ValidationDefinition(name=check_set.name, data=batch, suite=suite)
            )
            outcome = definition.run(result_format="SUMMARY")
            counts[check_set.name] = _observed(outcome)
    finally:
        # GX never disposes the engines it creates; their pooled connections would stay open
        source.get_execution_engine().engine.dispose()
        source.get_engine().dispose()
    return counts


def _observed(outcome: Any) -> dict[str, int]:
    observed: dict[str, int] = {}
    for item in outcome.results:
        config = item.expectation_config
        assert config is not None  # every result comes from a configured expectation
        if "observed_value" not in item.result:
            raise RuntimeError(
                f"expectation {config.meta.get('check')} could not run: "
                f"{'; '.join(_exception_messages(item.exception_info)) or 'no observed value'}"
            )
        observed[str(config.meta["check"])] = int(item.result["observed_value"])
    return observed


def _exception_messages(info: Any) -> list[str]:
    """The messages in a GX result's exception info, flat or keyed by metric."""
    if not isinstance(info, Mapping):
        return []
    if info.get("raised_exception"):
        return [str(info.get("exception_message"))]
    return [m for value in info.values() for m in _exception_messages(value)]


def sqlalchemy_url(conn: psycopg.Connection[Any]) -> str:
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
