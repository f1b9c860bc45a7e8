"""The nightly run's steps, each recorded in ``audit.runs`` and idempotent for its window.

``dags/smartarm_nightly.py`` wires these functions into Airflow tasks; anything else (a test,
another orchestrator) can call them in the same order::

    extract -> validate -> update_posteriors -> allocate -> assign -> publish -> announce -> report

Each returns a small JSON-compatible summary (what an Airflow task pushes to XCom).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import psycopg

from bandit_core import audit, db
from bandit_core.allocation import allocate_campaign
from bandit_core.assignment import assign_campaign
from bandit_core.audit import RunInfo
from bandit_core.campaigns import active_campaigns, load_stored
from bandit_core.export import ExportConfig, export_batch
from bandit_core.extract import (
    STAGING_KEEP_DAYS,
    drop_old_windows,
    extract_events,
    extract_users,
)
from bandit_core.posterior import update_arm_state
from bandit_core.publish import publish_campaign
from bandit_core.quality import Gates, validate_window

__all__ = [
    "allocate",
    "announce",
    "assign",
    "campaigns",
    "extract",
    "publish",
    "report",
    "update_posteriors",
    "validate",
]

log = logging.getLogger(__name__)

Summary = dict[str, Any]


def extract(
    conn: psycopg.Connection[Any],
    run: RunInfo,
    landing_dir: Path,
    keep_days: int = STAGING_KEEP_DAYS,
) -> Summary:
    """Copy the window's landing files (events and user updates) into staging, and remove
    the staged windows older than the last ``keep_days``."""
    with audit.step(conn, run, "extract") as details:
        for source, extract_source in (("users", extract_users), ("events", extract_events)):
            result = extract_source(conn, landing_dir, run.window)
            details[source] = {
                "files": result.files,
                "rows": result.rows,
                "unparsable": result.unparsable,
            }
        dropped = drop_old_windows(conn, run.window, keep_days)
        details["staging_dropped"] = {
            "before": dropped.before.isoformat(),
            "partitions": dropped.partitions,
            "user_rows": dropped.user_rows,
        }
    return details


def validate(conn: psycopg.Connection[Any], run: RunInfo, gates: Gates) -> Summary:
    """Quarantine bad rows, load good ones; raise ``DataQualityError`` if a gate fails."""
    with audit.step(conn, run, "validate") as details:
        result = validate_window(conn, run.window, gates)
        for source, found in (("users", result.users), ("events", result.events)):
            details[source] = {
                "rows": found.rows,
                "loaded": found.loadable,
                "quarantined": found.quarantined,
                "by_rule": {k: v for k, v in found.by_rule.items() if v},
            }
    return details


def campaigns(conn: psycopg.Connection[Any], run: RunInfo) -> list[str]:
    """The campaigns that send on the window's send date."""
    ids = active_campaigns(conn, run.window.send_date)
    conn.commit()
    return ids


def update_posteriors(conn: psycopg.Connection[Any], run: RunInfo, campaign_id: str) -> Summary:
    """Write the campaign's arm state as of the window's day."""
    with audit.step(conn, run, "update_posteriors", campaign_id=campaign_id) as details:
        stored = load_stored(conn, campaign_id)
        details.update(
            campaign_id=campaign_id, arms=update_arm_state(conn, stored.config, run.window)
        )
    return details


def allocate(conn: psycopg.Connection[Any], run: RunInfo, campaign_id: str) -> Summary:
    """Compute the campaign's probabilities for the send date."""
    with audit.step(conn, run, "allocate", campaign_id=campaign_id) as details:
        stored = load_stored(conn, campaign_id)
        details.update(campaign_id=campaign_id, **allocate_campaign(conn, stored, run.window))
    return details


def assign(conn: psycopg.Connection[Any], run: RunInfo, campaign_id: str) -> Summary:
    """Build the campaign's send list for the send date."""
    with audit.step(conn, run, "assign", campaign_id=campaign_id) as details:
        stored = load_stored(conn, campaign_id)
        details.update(campaign_id=campaign_id, rows=assign_campaign(conn, stored, run.window))
    return details


def publish(
    conn: psycopg.Connection[Any],
    run: RunInfo,
    campaign_id: str,
    *,
    expected_rows: int,
    model_version: str,
    export: ExportConfig | None = None,
) -> Summary:
    """Swap the built list into place and mark its batch ready; then export it if configured.

    The export is its own audited step, run once the batch is committed: a failed export
    leaves the published list in place (CRM systems reading SQL are unaffected) and fails
    the task, whose retry republishes nothing new and exports again.
    """
    with audit.step(conn, run, "publish", campaign_id=campaign_id) as details:
        batch = publish_campaign(
            conn, campaign_id, run.window, expected_rows=expected_rows, model_version=model_version
        )
        details.update(
            campaign_id=campaign_id,
            send_date=batch.send_date.isoformat(),
            rows=batch.rows,
            holdout_rows=batch.holdout_rows,
            checksum=batch.checksum,
        )
    if export is not None:
        with audit.step(conn, run, "export", campaign_id=campaign_id) as exported:
            result = export_batch(conn, campaign_id, batch.send_date, export)
            exported.update(
                path=str(result.path),
                rows=result.rows,
                files=list(result.files),
                unchanged=result.unchanged,
            )
        details["export"] = exported
    return details


def announce(conn: psycopg.Connection[Any], run: RunInfo, campaign_ids: list[str]) -> Summary:
    """What the send-list Asset event carries: the send date and each campaign's row count."""
    rows = db.fetch_all(
        conn,
        "announce_batches",
        {"send_date": run.window.send_date, "campaign_ids": campaign_ids},
    )
    conn.commit()
    return {
        "send_date": run.window.send_date.isoformat(),
        "campaigns": {campaign_id: int(count) for campaign_id, count in rows},
    }


def report(
    conn: psycopg.Connection[Any], run: RunInfo, campaign_ids: list[str], report_dir: Path | None
) -> Summary:
    """Refresh each campaign's reporting tables for the window, then write its HTML report.

    The outcome cells the night touched (``bandit.daily_outcomes``) and the posterior regret
    (``bandit.regret_posterior``, Monte Carlo) are computed here and stored; every other
    reporting view is live SQL over them and the pipeline's tables.
    """
    from bandit_core.outcomes import refresh_outcomes
    from bandit_core.posterior_regret import store_posterior_regret
    from bandit_core.report import write_report

    with audit.step(conn, run, "report") as details:
        paths = []
        for campaign_id in campaign_ids:
            stored = load_stored(conn, campaign_id)
            refresh_outcomes(conn, campaign_id, run.window, stored.config.reward.attribution_days)
            store_posterior_regret(conn, campaign_id, run.window)
            if report_dir is not None:
                paths.append(str(write_report(conn, campaign_id, report_dir)))
        details.update(reports=paths)
    return details
