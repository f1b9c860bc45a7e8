"""Campaigns as stored in the warehouse: applying a config, and reading it back for a run."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from bandit_core import db
from bandit_core.config import CampaignConfig, parse_campaign

__all__ = ["StoredCampaign", "active_campaigns", "apply_campaign", "load_stored"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class StoredCampaign:
    """A campaign config as applied, with the version that produced it."""

    config: CampaignConfig
    version: int


def apply_campaign(conn: psycopg.Connection[Any], config: CampaignConfig) -> tuple[int, bool]:
    """Store ``config`` as the campaign's next version, in one transaction.

    Re-applying an unchanged config keeps its version. Returns ``(version, changed)``.
    """
    with conn.transaction():
        current = db.fetch_one(conn, "config_current_version", {"campaign_id": config.campaign_id})
        if current is not None and current[1] == config.spec_sha256:
            return int(current[0]), False
        version = 1 if current is None else int(current[0]) + 1
        db.execute(conn, "config_upsert_campaign", _campaign_params(config, version))
        templates = [
            {
                "template_id": t.template_id,
                "position": i,
                "channel": t.channel,
                "features": dict(t.features),
            }
            for i, t in enumerate(config.templates)
        ]
        db.execute(
            conn,
            "config_sync_templates",
            {"campaign_id": config.campaign_id, "templates": Jsonb(templates)},
        )
        db.execute(conn, "config_delete_segment_attributes", {"campaign_id": config.campaign_id})
        db.execute(
            conn,
            "config_insert_segment_attributes",
            {"campaign_id": config.campaign_id, "attributes": list(config.segment_attributes)},
        )
    log.info("campaign %s stored as version %d", config.campaign_id, version)
    return version, True


def load_stored(conn: psycopg.Connection[Any], campaign_id: str) -> StoredCampaign:
    """The campaign's config as last applied.

    Raises:
        LookupError: no campaign ``campaign_id`` has been applied.
    """
    row = db.fetch_one(conn, "config_load_campaign", {"campaign_id": campaign_id})
    if row is None:
        raise LookupError(f"no campaign {campaign_id!r}: apply its config first")
    spec, version = row
    return StoredCampaign(_from_spec(spec, campaign_id), int(version))


def active_campaigns(conn: psycopg.Connection[Any], send_date: dt.date) -> list[str]:
    """Campaigns that send on ``send_date`` (within their start and end dates), by id."""
    rows = db.fetch_all(conn, "config_active_campaigns", {"send_date": send_date})
    return [r[0] for r in rows]


def _from_spec(spec: Mapping[str, Any], campaign_id: str) -> CampaignConfig:
    # The stored spec is the normalised form of a validated file: re-validating it yields the
    # identical frozen config, so there is one path from text to CampaignConfig.
    # ensure_ascii=False: YAML would read an escaped surrogate pair (e.g. an emoji) as two
    # lone surrogates rather than one character
    text = json.dumps(spec, ensure_ascii=False)
    return parse_campaign(text, source=f"stored config of campaign {campaign_id!r}")


def _campaign_params(config: CampaignConfig, version: int) -> dict[str, Any]:
    return {
        "campaign_id": config.campaign_id,
        "version": version,
        "name": config.name,
        "start_date": config.start_date,
        "end_date": config.end_date,
        "seed": config.seed,
        "reward_event_type": config.reward.event_type,
        "attribution_days": config.reward.attribution_days,
        "value_cap": config.reward.value_cap,
        "frequency_cap_sends": config.eligibility.frequency_cap_sends,
        "frequency_cap_days": config.eligibility.frequency_cap_days,
        "spec": Jsonb(dict(config.spec)),
        "spec_sha256": config.spec_sha256,
        "policy": config.policy.name,
        "policy_params": Jsonb(dict(config.policy.params)),
        "holdout_share": config.policy.holdout_share,
        "min_share": config.policy.min_share,
        "warmup_min_matured": config.policy.warmup_min_matured,
    }
