"""Posterior-expected regret of every send so far, with a Monte Carlo credible interval.

Regret is charged when a send is decided: a send of template ``i`` in segment ``s`` costs
``max_j θ_sj − θ_si``. The true ``θ`` is unknown, so the report step takes the posterior the
allocate step stored for the next send date (``bandit.allocations``: the campaign's latest
belief) and, for ``m = 1..M`` draws ``θ^(m)`` from it, computes every send date's regret
``R_d^(m) = Σ_s Σ_i n_dsi · (max_j θ^(m)_sj − θ^(m)_si)`` and its running sum. This is the
distribution of the regret given the data (algorithms.md §8.3.1), not a plug-in of the best
posterior mean, which the winner's curse biases upward. The point value is the exact
expectation ``Σ n · (E[max_j θ_j] − E[θ_i])`` the allocate step already computed; the draws
give its 5th and 95th percentiles. The same draws price an equal split of the same sends over
the templates ("uniform") and what the policy saved against it.

``summarise_regret`` is the pure computation; ``store_posterior_regret`` runs it for one
campaign and window and writes ``bandit.regret_posterior`` (read as ``reporting.regret_posterior``).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
import psycopg

from bandit_core import db
from bandit_core.policies.base import FloatArray
from bandit_core.window import Window

__all__ = ["DRAWS", "INTERVAL", "RegretSummary", "store_posterior_regret", "summarise_regret"]

log = logging.getLogger(__name__)

DRAWS = 4_000
#: the central credible interval reported, as (lower, upper) quantiles
INTERVAL = (0.05, 0.95)
# the regret draws use their own stream of the allocation seed
_REGRET_STREAM = 2


@dataclass(frozen=True, slots=True)
class RegretSummary:
    """Regret of ``D`` send dates; every array has shape ``(D,)``.

    ``*_mean`` are exact posterior expectations, ``*_low``/``*_high`` the ``INTERVAL``
    quantiles of the Monte Carlo draws. ``daily_*`` is one date's sends, ``cumulative_*``
    every send up to it, ``uniform_*`` an equal split of the same sends, ``saved_*`` uniform
    minus policy (positive: the policy lost less than an A/B split would have).
    """

    sends: FloatArray
    daily_mean: FloatArray
    daily_low: FloatArray
    daily_high: FloatArray
    cumulative_mean: FloatArray
    cumulative_low: FloatArray
    cumulative_high: FloatArray
    uniform_mean: FloatArray
    uniform_low: FloatArray
    uniform_high: FloatArray
    saved_mean: FloatArray
    saved_low: FloatArray
    saved_high: FloatArray


def summarise_regret(
    alpha: FloatArray,
    beta: FloatArray,
    expected_gap: FloatArray,
    counts: FloatArray,
    rng: np.random.Generator,
    *,
    draws: int = DRAWS,
) -> RegretSummary:
    """The posterior distribution of the regret of ``counts`` sends.

    Args:
        alpha, beta: Beta posterior per segment and template, shape ``(S, K)``.
        expected_gap: the exact ``E[max_j θ_j] − E[θ_i]``, shape ``(S, K)``.
        counts: sends per send date, segment and template, shape ``(D, S, K)``.
        rng: the generator of the draws (record its seed).
        draws: Monte Carlo draws.

    Returns:
        the per-date and cumulative summaries.

    Raises:
        ValueError: the shapes do not agree.

    Example:
        >>> one = np.ones((1, 2))
        >>> s = summarise_regret(one, one, np.full((1, 2), 1 / 6), np.array([[[3.0, 3.0]]]),
        ...                      np.random.default_rng(0))
        >>> round(float(s.cumulative_mean[0]), 6)   # 6 sends x (E[max of 2 U] - 1/2)
        1.0
    """
    a = np.asarray(alpha, dtype=np.float64)
    b = np.asarray(beta, dtype=np.float64)
    n = np.asarray(counts, dtype=np.float64)
    if a.ndim != 2 or b.shape != a.shape or expected_gap.shape != a.shape:
        raise ValueError(
            f"expected alpha, beta and expected_gap of one shape (S, K), found {a.shape}, "
            f"{b.shape} and {expected_gap.shape}"
        )
    if n.ndim != 3 or n.shape[1:] != a.shape:
        raise ValueError(
            f"expected counts of shape (D, {a.shape[0]}, {a.shape[1]}), found {n.shape}"
        )
    s, k = a.shape
    theta = rng.beta(a[:, None, :], b[:, None, :], size=(s, draws, k))
    gap = np.max(theta, axis=-1, keepdims=True) - theta  # (S, M, K)
    flat = n.reshape(n.shape[0], s * k)
    daily = flat @ gap.transpose(0, 2, 1).reshape(s * k, draws)  # (D, M)
    per_segment = n.sum(axis=-1)  # (D, S)
    uniform_daily = per_segment @ gap.mean(axis=-1)  # (D, M)
    cumulative = np.cumsum(daily, axis=0)
    uniform = np.cumsum(uniform_daily, axis=0)
    saved = uniform - cumulative

    exact_daily = np.einsum("dsk,sk->d", n, expected_gap)
    exact_uniform = np.cumsum(per_segment @ expected_gap.mean(axis=-1))
    exact_cumulative = np.cumsum(exact_daily)
    low, high = INTERVAL

    def bounds(values: FloatArray) -> tuple[FloatArray, FloatArray]:
        q = np.quantile(values, [low, high], axis=1)
        return np.asarray(q[0], dtype=np.float64), np.asarray(q[1], dtype=np.float64)

    return RegretSummary(
        n.sum(axis=(1, 2)),
        exact_daily,
        *bounds(daily),
        exact_cumulative,
        *bounds(cumulative),
        exact_uniform,
        *bounds(uniform),
        exact_uniform - exact_cumulative,
        *bounds(saved),
    )


def store_posterior_regret(conn: psycopg.Connection[Any], campaign_id: str, window: Window) -> int:
    """Write the campaign's posterior regret as of the window's day; return the dates written.

    Uses the posterior of the allocation for the window's send date, and every send up to
    that date: the daily counts of earlier dates come from ``bandit.arm_state`` and only the
    newly published date from ``core.sends``, so the cost grows with days x templates, not
    with the number of sends. Rerunning the window rewrites the same rows. Writes nothing
    (and returns 0) when that allocation has no stored posterior (written before migration
    0020).
    """
    params = {"campaign_id": campaign_id, "send_date": window.send_date, "as_of": window.day}
    posterior = db.fetch_all(conn, "reporting_regret_posterior_inputs", params)
    sends = db.fetch_all(conn, "reporting_regret_sends", params)
    written = 0
    with conn.transaction():
        db.execute(conn, "reporting_regret_delete", params)
        if posterior and all(row[2] is not None for row in posterior) and sends:
            written = _store(conn, campaign_id, window, posterior, sends)
    log.info("posterior regret %s campaign %s: %d send dates", window, campaign_id, written)
    return written


def _store(
    conn: psycopg.Connection[Any],
    campaign_id: str,
    window: Window,
    posterior: list[tuple[Any, ...]],
    sends: list[tuple[Any, ...]],
) -> int:
    segments = sorted({row[0] for row in posterior})
    templates = sorted({row[1] for row in posterior})
    seg = {name: i for i, name in enumerate(segments)}
    tpl = {name: i for i, name in enumerate(templates)}
    shape = (len(segments), len(templates))
    alpha, beta, gap = np.ones(shape), np.ones(shape), np.zeros(shape)
    seed = int(posterior[0][5])
    for segment, template_id, a, b, expected_gap, _seed in posterior:
        cell = (seg[segment], tpl[template_id])
        alpha[cell], beta[cell], gap[cell] = a, b, expected_gap
    dates: list[dt.date] = sorted({row[0] for row in sends})
    day = {d: i for i, d in enumerate(dates)}
    counts = np.zeros((len(dates), *shape))
    for send_date, segment, template_id, count in sends:
        # a send of a segment or template the posterior does not know (e.g. a template
        # deactivated since) cannot be priced: it is left out, and out of `sends`
        if segment in seg and template_id in tpl:
            counts[day[send_date], seg[segment], tpl[template_id]] = count
    rng = np.random.default_rng([seed, _REGRET_STREAM])
    summary = summarise_regret(alpha, beta, gap, counts, rng)
    with conn.cursor() as cur, cur.copy(db.query_text("reporting_regret_copy")) as copy:
        for i, send_date in enumerate(dates):
            copy.write_row(
                (
                    campaign_id,
                    window.day,
                    send_date,
                    float(summary.sends[i]),
                    *(
                        float(getattr(summary, f"{kind}_{stat}")[i])
                        for kind in ("daily", "cumulative", "uniform", "saved")
                        for stat in ("mean", "low", "high")
                    ),
                    DRAWS,
                    seed,
                )
            )
    return len(dates)
