"""Everything a campaign report shows, read from the ``reporting`` views in one go.

The report page (``report``) and its replay (``report_replay``) only arrange these rows; no
number on the page is computed anywhere but in the views (and the Monte Carlo tables they
expose), so the page always agrees with what an analyst queries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import psycopg

from bandit_core import db
from bandit_core.errors import ConfigError

__all__ = ["ReportData", "load_report_data"]

Rows = list[tuple[Any, ...]]


@dataclass(frozen=True, slots=True)
class ReportData:
    """The rows of one campaign's report; see each ``report_<name>.sql`` for the columns."""

    campaign_id: str
    name: str
    policy: str
    holdout_share: float
    min_share: float
    reward_event_type: str
    attribution_days: int
    templates: tuple[str, ...]
    shares: Rows
    posteriors: Rows
    regret: Rows
    regret_saved: Sequence[Any] | None
    lift: Rows
    allocations: Rows
    outcomes: Rows
    decisions: Rows
    windows: Rows
    validation: Rows
    sample_ratio: Rows

    @property
    def send_dates(self) -> list[dt.date]:
        """Every send date with an allocation, in order."""
        return sorted({row[0] for row in self.allocations})

    @property
    def segments(self) -> list[str]:
        """Every segment with an allocation, in order."""
        return sorted({row[1] for row in self.allocations})

    @property
    def colors(self) -> dict[str, str]:
        """One colour per template, the same in every chart."""
        from bandit_core.svg import PALETTE

        return {t: PALETTE[i % len(PALETTE)] for i, t in enumerate(self.templates)}


def load_report_data(conn: psycopg.Connection[Any], campaign_id: str) -> ReportData:
    """Read the report of ``campaign_id`` from the reporting views (read-only, in the caller's
    transaction).

    Raises:
        ConfigError: no campaign ``campaign_id`` has been applied.
    """
    params = {"campaign_id": campaign_id}
    campaign = db.fetch_one(conn, "report_campaign", params)
    if campaign is None:
        raise ConfigError(f"no campaign {campaign_id!r}: apply its config first")
    name, policy, holdout_share, min_share, event_type, attribution_days, templates = campaign
    data = ReportData(
        campaign_id=campaign_id,
        name=name,
        policy=policy,
        holdout_share=float(holdout_share),
        min_share=float(min_share),
        reward_event_type=event_type,
        attribution_days=int(attribution_days),
        templates=tuple(templates),
        shares=db.fetch_all(conn, "report_daily_shares", params),
        posteriors=db.fetch_all(conn, "report_posteriors", params),
        regret=db.fetch_all(conn, "report_regret", params),
        regret_saved=db.fetch_one(conn, "report_regret_saved", params),
        lift=db.fetch_all(conn, "report_lift", params),
        allocations=db.fetch_all(conn, "report_allocations", params),
        outcomes=db.fetch_all(conn, "report_outcomes", params),
        decisions=db.fetch_all(conn, "report_decisions", params),
        windows=db.fetch_all(conn, "report_windows", params),
        validation=db.fetch_all(conn, "report_latest_validation", params),
        sample_ratio=db.fetch_all(conn, "report_sample_ratio", params),
    )
    # the caller owns the transaction: the nightly report step reads the regret it has just
    # stored, before its step commits
    return data
