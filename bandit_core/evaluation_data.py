"""The input of an off-policy evaluation, from a campaign's logs.

For every send date ``d`` and segment ``s`` in the range (a context):

- the logging probabilities are those of the whole assignment mechanism: a user lands in the
  uniform holdout with ``holdout_share`` and then gets each of the ``K`` templates with ``1/K``,
  else template ``i`` with the allocation's probability, so
  ``π_log(i) = holdout_share / K + (1 − holdout_share) · p_i`` (positive for every template
  when there is a holdout);
- the target probabilities are what the target policy would have allocated from the very arm
  state the logged allocation used (as of ``d − 1``), through ``compute_allocation`` with the
  campaign's rails (warm-up, minimum share) unless ``rails`` is off, and no holdout. This is the
  value of acting each day with the target's decision rule on what the campaign had learned;
  a policy that had really run would have learned from other data;
- the reward model of the doubly robust estimate is the posterior mean of each template from
  that same state: built only from data before the day, so it is not fitted to the rewards it
  corrects.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import psycopg

from bandit_core import db
from bandit_core.allocation import allocation_seed, compute_allocation
from bandit_core.campaigns import load_stored
from bandit_core.config import PolicyConfig
from bandit_core.errors import ConfigError
from bandit_core.evaluation import LoggedSends
from bandit_core.policies import ArmStats, make_policy
from bandit_core.policies.registry import canonical_name

__all__ = ["EvaluationScope", "load_logged_sends", "target_policy"]


@dataclass(frozen=True, slots=True)
class EvaluationScope:
    """What an evaluation covered."""

    campaign_id: str
    policy: PolicyConfig
    first: dt.date
    last: dt.date
    contexts: int
    templates: tuple[str, ...]


def target_policy(
    name: str, params: Mapping[str, Any], *, min_share: float = 0.0, warmup_min_matured: int = 0
) -> PolicyConfig:
    """A validated target policy.

    Raises:
        ConfigError: the policy is unknown or a parameter is invalid (the message says which).
    """
    try:
        canonical = canonical_name(name)
        make_policy(canonical, dict(params))
    except (KeyError, ValueError, TypeError) as exc:
        # the policy library's messages name the policy and what it expected
        raise ConfigError(str(exc.args[0] if exc.args else exc)) from None
    return PolicyConfig(
        name=canonical,
        params=dict(params),
        holdout_share=0.0,
        min_share=min_share,
        warmup_min_matured=warmup_min_matured,
    )


def load_logged_sends(
    conn: psycopg.Connection[Any],
    campaign_id: str,
    policy: str,
    params: Mapping[str, Any],
    *,
    first: dt.date | None = None,
    last: dt.date | None = None,
    rails: bool = True,
) -> tuple[LoggedSends, EvaluationScope]:
    """The campaign's matured sends between ``first`` and ``last`` with every probability.

    Args:
        conn: a connection that can read the reporting views and bandit tables.
        campaign_id: the campaign whose logs to use.
        policy: the target policy's name (any of ``bandit_core.policies``).
        params: its parameters.
        first, last: the send dates to cover (default: every date with matured sends).
        rails: apply the campaign's warm-up and minimum share to the target.

    Returns:
        the estimator's input and what it covers.

    Raises:
        ConfigError: unknown campaign or policy, or no matured send in the range.
    """
    try:
        stored = load_stored(conn, campaign_id)
    except LookupError as exc:
        raise ConfigError(str(exc)) from None
    rails_of = stored.config.policy
    target = target_policy(
        policy,
        params,
        min_share=rails_of.min_share if rails else 0.0,
        warmup_min_matured=rails_of.warmup_min_matured if rails else 0,
    )
    bounds = db.fetch_one(conn, "evaluate_range", {"campaign_id": campaign_id})
    if bounds is None or bounds[0] is None:
        raise ConfigError(f"campaign {campaign_id!r} has no matured sends yet: nothing to evaluate")
    first = max(first or bounds[0], bounds[0])
    last = min(last or bounds[1], bounds[1])
    if first > last:
        raise ConfigError(
            f"no matured sends of campaign {campaign_id!r} between the dates given: expected a "
            f"range within {bounds[0]}..{bounds[1]}, found {first}..{last}"
        )
    params_q = {"campaign_id": campaign_id, "first": first, "last": last}
    allocations = db.fetch_all(conn, "evaluate_allocations", params_q)
    state = db.fetch_all(conn, "evaluate_state", params_q)
    sends = db.fetch_all(conn, "evaluate_sends", params_q)
    conn.commit()

    order = {t: i for i, t in enumerate(stored.config.template_ids())}
    templates = tuple(
        sorted({row[2] for row in allocations}, key=lambda t: (order.get(t, len(order)), t))
    )
    arm = {t: i for i, t in enumerate(templates)}
    contexts = sorted({(row[0], row[1]) for row in allocations})
    index = {c: i for i, c in enumerate(contexts)}
    k = len(templates)
    logging = np.zeros((len(contexts), k))
    offered = np.zeros((len(contexts), k), dtype=bool)
    holdout = np.zeros(len(contexts))
    for send_date, segment, template_id, probability, holdout_share in allocations:
        c = index[(send_date, segment)]
        logging[c, arm[template_id]] = probability
        offered[c, arm[template_id]] = True
        holdout[c] = holdout_share
    per_context = offered.sum(axis=1, keepdims=True)
    logging = np.where(
        offered, holdout[:, None] / per_context + (1.0 - holdout[:, None]) * logging, 0.0
    )

    target_p, model = _target(target, stored.config.seed, contexts, index, arm, offered, state)
    cells = [
        (index[(d, s)], arm[t], float(r), float(n))
        for d, s, t, r, n in sends
        if (d, s) in index and t in arm
    ]
    if not cells:
        raise ConfigError(
            f"no matured sends of campaign {campaign_id!r} with a logged allocation in "
            f"{first}..{last}"
        )
    context, arms, reward, count = (np.array(column) for column in zip(*cells, strict=True))
    logs = LoggedSends(
        context=context.astype(np.intp),
        arm=arms.astype(np.intp),
        reward=reward.astype(np.float64),
        count=count.astype(np.float64),
        logging=logging,
        target=target_p,
        model=model,
    )
    return logs, EvaluationScope(campaign_id, target, first, last, len(contexts), templates)


def _target(
    policy: PolicyConfig,
    campaign_seed: int,
    contexts: list[tuple[dt.date, str]],
    index: dict[tuple[dt.date, str], int],
    arm: dict[str, int],
    offered: np.ndarray[Any, np.dtype[np.bool_]],
    state: list[tuple[Any, ...]],
) -> tuple[np.ndarray[Any, np.dtype[np.float64]], np.ndarray[Any, np.dtype[np.float64]]]:
    """Target probabilities and reward model per context, from the state before each day."""
    shape = offered.shape
    pulls, sums, squares = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    for as_of, segment, template_id, matured, reward_sum, reward_sq_sum in state:
        c = index.get((as_of + dt.timedelta(days=1), segment))
        if c is not None and template_id in arm:
            cell = (c, arm[template_id])
            pulls[cell], sums[cell], squares[cell] = matured, reward_sum, reward_sq_sum
    target = np.zeros(shape)
    model = np.zeros(shape)
    by_date: dict[dt.date, list[int]] = {}
    for c, (send_date, _segment) in enumerate(contexts):
        by_date.setdefault(send_date, []).append(c)
    for send_date, members in by_date.items():
        rows = np.array(members, dtype=np.intp)
        # one allocation per date, over the templates offered in all its segments
        cols = np.flatnonzero(offered[rows].all(axis=0))
        stats = ArmStats(
            pulls[np.ix_(rows, cols)], sums[np.ix_(rows, cols)], squares[np.ix_(rows, cols)]
        )
        allocation = compute_allocation(policy, stats, allocation_seed(campaign_seed, send_date))
        target[np.ix_(rows, cols)] = allocation.probability
        model[np.ix_(rows, cols)] = allocation.posterior_mean
    return target, model
