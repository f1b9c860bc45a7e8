"""Record what a simulated world knows and the pipeline must not: its true reward rates.

The demo and the tests call ``record_truth`` when they create a ``World``; it writes the
world's true rates per user-attribute value and template to ``simulation.true_rates``, which
``reporting.regret_true`` prices sends with. Nothing on the nightly path reads that table, so
in production it is empty and the pipeline behaves the same with or without it.
"""

from __future__ import annotations

import logging
from typing import Any

import psycopg

from bandit_core import db
from bandit_core.world import WorldConfig

__all__ = ["record_truth"]

log = logging.getLogger(__name__)


def record_truth(conn: psycopg.Connection[Any], config: WorldConfig) -> int:
    """Replace the true rates of ``config``'s campaign; return the rows written.

    Args:
        conn: a connection whose role may write ``simulation.true_rates``.
        config: the world whose ``click_rates`` are the truth (per value of its
            ``segment_attribute``, per template).

    Returns:
        the number of (attribute value, template) rates written.
    """
    rows = [
        (config.campaign_id, config.segment_attribute, value, template_id, float(rate))
        for value, rates in sorted(config.click_rates.items())
        for template_id, rate in sorted(rates.items())
    ]
    with conn.transaction():
        db.execute(conn, "reporting_truth_delete", {"campaign_id": config.campaign_id})
        with conn.cursor() as cur, cur.copy(db.query_text("reporting_truth_copy")) as copy:
            for row in rows:
                copy.write_row(row)
    log.info("recorded %d true rates of campaign %s", len(rows), config.campaign_id)
    return len(rows)
