"""Allocate: turn the state frozen at 00:00 into tomorrow's choice probabilities per segment.

The campaign's policy gives, for each segment, the probability that one decision picks each
template (``Policy.batch_probabilities``, e.g. P(template is best) for Thompson sampling: the
very code the simulators run). Safety rails then apply:

- warm-up: a segment in which some template has fewer than ``warmup_min_matured`` matured
  sends is allocated uniformly;
- minimum share: ``p' = m + (1 − K·m)·p`` gives every template at least ``m`` and keeps the
  policy's ranking;
- holdout: a ``holdout_share`` of users is drawn uniformly at assignment time, so the stored
  probabilities are those of the non-holdout users.

Each row also stores its template's Beta posterior (parameters, mean, 95% credible interval,
P(best)) and the posterior-expected regret of one send of it, ``E[max_j θ_j] − E[θ_i]``; each
segment gets its leader, value remaining and the matured sends a decision would still need
(``posterior_summary``). The reports read them from ``bandit.allocations`` and
``bandit.segment_decisions``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
import psycopg
from psycopg.types.json import Jsonb

from bandit_core import db
from bandit_core.campaigns import StoredCampaign
from bandit_core.config import PolicyConfig
from bandit_core.policies import ArmStats, ThompsonSampling, make_policy
from bandit_core.policies.base import FloatArray
from bandit_core.policies.beta import expected_max, probability_best
from bandit_core.posterior_summary import DECIDED_BELOW, credible_interval, decision_support
from bandit_core.window import Window

__all__ = [
    "Allocation",
    "allocate_campaign",
    "allocation_seed",
    "compute_allocation",
    "model_version",
]

log = logging.getLogger(__name__)

# the decision-support draws use their own stream of the allocation seed, so adding them
# changed no allocation
_DECISION_STREAM = 1


@dataclass(frozen=True, slots=True)
class Allocation:
    """Probabilities for ``S`` segments x ``K`` templates (arrays of shape (S, K))."""

    policy_probability: FloatArray
    probability: FloatArray
    cum_low: FloatArray
    cum_high: FloatArray
    posterior_mean: FloatArray
    expected_regret: FloatArray
    posterior_alpha: FloatArray
    posterior_beta: FloatArray
    credible_low: FloatArray
    credible_high: FloatArray
    p_best: FloatArray


def allocation_seed(campaign_seed: int, send_date: dt.date) -> int:
    """The seed of a campaign's allocation for ``send_date``: stable, and recorded with it."""
    digest = hashlib.sha256(f"{campaign_seed}\x1f{send_date.isoformat()}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1  # fits a signed bigint


def model_version(config_version: int, as_of: dt.date) -> str:
    """The model version stamped on a send list: config version and state date."""
    return f"v{config_version}-{as_of:%Y%m%d}"


def compute_allocation(policy: PolicyConfig, stats: ArmStats, seed: int) -> Allocation:
    """Apply the policy and the rails to ``stats`` of shape (S, K)."""
    rng = np.random.default_rng(seed)
    learner = make_policy(policy.name, policy.params)
    raw = np.asarray(learner.batch_probabilities(stats, rng), dtype=np.float64)
    k = stats.n_arms
    probability = raw.copy()
    if policy.warmup_min_matured > 0:
        warming = np.min(stats.pulls, axis=-1) < policy.warmup_min_matured
        probability[warming] = 1.0 / k
    if policy.min_share > 0:
        probability = policy.min_share + (1.0 - k * policy.min_share) * probability
    probability = probability / probability.sum(axis=-1, keepdims=True)
    cum_high = np.cumsum(probability, axis=-1)
    cum_high[..., -1] = 1.0
    cum_low = np.concatenate([np.zeros_like(cum_high[..., :1]), cum_high[..., :-1]], axis=-1)

    prior = learner if isinstance(learner, ThompsonSampling) else ThompsonSampling()
    alpha, beta = prior.posterior(stats)
    mean = alpha / (alpha + beta)
    regret = np.maximum(expected_max(alpha, beta)[..., None] - mean, 0.0)
    # Thompson sampling's batch face already is P(best) under this very posterior
    p_best = raw if isinstance(learner, ThompsonSampling) else probability_best(alpha, beta)
    low, high = credible_interval(alpha, beta)
    return Allocation(
        raw, probability, cum_low, cum_high, mean, regret, alpha, beta, low, high, p_best
    )


def allocate_campaign(
    conn: psycopg.Connection[Any], stored: StoredCampaign, window: Window
) -> dict[str, Any]:
    """Compute and store the campaign's allocation for the window's send date.

    Returns a summary: the number of segments, the model version and the seed.
    """
    config = stored.config
    templates = config.template_ids()
    params = {"campaign_id": config.campaign_id, "as_of": window.day, "send_date": window.send_date}
    state_rows = db.fetch_all(conn, "allocation_state", params)
    segments = sorted(
        {row[0] for row in db.fetch_all(conn, "allocation_user_segments", params)}
        | {row[0] for row in state_rows}
    )
    index = {template: i for i, template in enumerate(templates)}
    position = {segment: i for i, segment in enumerate(segments)}
    shape = (len(segments), len(templates))
    pulls, sums, squares = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    for segment, template_id, matured, reward_sum, reward_sq_sum in state_rows:
        cell = (position[segment], index[template_id])
        pulls[cell], sums[cell], squares[cell] = matured, reward_sum, reward_sq_sum

    seed = allocation_seed(config.seed, window.send_date)
    version = model_version(stored.version, window.day)
    with conn.transaction():
        db.execute(conn, "allocation_delete", params)
        db.execute(conn, "reporting_decisions_delete", params)
        if segments:
            allocation = compute_allocation(config.policy, ArmStats(pulls, sums, squares), seed)
            _store(
                conn,
                config.campaign_id,
                window,
                segments,
                templates,
                allocation,
                config.policy,
                seed,
                version,
            )
            _store_decisions(
                conn,
                config.campaign_id,
                window,
                segments,
                templates,
                pulls,
                allocation,
                config.policy,
                seed,
            )
    log.info(
        "allocate %s campaign %s: %d segments x %d templates, seed %d",
        window,
        config.campaign_id,
        len(segments),
        len(templates),
        seed,
    )
    return {"segments": len(segments), "model_version": version, "seed": seed}


def _store(
    conn: psycopg.Connection[Any],
    campaign_id: str,
    window: Window,
    segments: list[str],
    templates: tuple[str, ...],
    allocation: Allocation,
    policy: PolicyConfig,
    seed: int,
    version: str,
) -> None:
    policy_params = Jsonb(dict(policy.params))
    with conn.cursor() as cur, cur.copy(db.query_text("allocation_copy")) as copy:
        for s, segment in enumerate(segments):
            for k, template_id in enumerate(templates):
                copy.write_row(
                    (
                        campaign_id,
                        window.send_date,
                        segment,
                        template_id,
                        window.day,
                        policy.name,
                        policy_params,
                        seed,
                        float(allocation.policy_probability[s, k]),
                        float(allocation.probability[s, k]),
                        float(allocation.cum_low[s, k]),
                        float(allocation.cum_high[s, k]),
                        float(allocation.posterior_mean[s, k]),
                        float(allocation.expected_regret[s, k]),
                        policy.holdout_share,
                        version,
                        float(allocation.posterior_alpha[s, k]),
                        float(allocation.posterior_beta[s, k]),
                        float(allocation.credible_low[s, k]),
                        float(allocation.credible_high[s, k]),
                        float(allocation.p_best[s, k]),
                    )
                )


def _store_decisions(
    conn: psycopg.Connection[Any],
    campaign_id: str,
    window: Window,
    segments: list[str],
    templates: tuple[str, ...],
    matured: FloatArray,
    allocation: Allocation,
    policy: PolicyConfig,
    seed: int,
) -> None:
    """Store each segment's leader, value remaining and matured sends still needed."""
    k = len(templates)
    # the share of all sends, holdout included, that each template gets tomorrow
    share = policy.holdout_share / k + (1.0 - policy.holdout_share) * allocation.probability
    support = decision_support(
        allocation.posterior_alpha,
        allocation.posterior_beta,
        allocation.p_best,
        share,
        np.random.default_rng([seed, _DECISION_STREAM]),
    )
    with conn.cursor() as cur, cur.copy(db.query_text("reporting_decisions_copy")) as copy:
        for s, segment in enumerate(segments):
            copy.write_row(
                (
                    campaign_id,
                    window.send_date,
                    segment,
                    window.day,
                    templates[int(support.leader[s])],
                    float(support.leader_p_best[s]),
                    float(support.value_remaining[s]),
                    DECIDED_BELOW,
                    int(matured[s].sum()),
                    support.matured_needed[s],
                    seed,
                )
            )
