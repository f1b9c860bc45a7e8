"""What a Beta posterior says about a campaign's decision, beyond its mean.

The allocate step stores these beside each allocation, so the reporting views can show them:

- ``credible_interval``: the equal-tailed interval of each template's ``Beta(α, β)``;
- ``value_remaining``: Scott's stopping quantity (Google Analytics content experiments): with
  the leader ``a*`` (the template most likely best), draw ``θ`` from the posterior and take the
  95th percentile of ``(max_j θ_j − θ_a*) / θ_a*``, the relative gain any template might still
  have over the leader. Below 1% a segment is effectively decided;
- ``matured_sends_needed``: how many more matured sends would bring the value remaining below
  the threshold, projecting that the posterior means stay where they are and traffic keeps its
  current split, so every posterior narrows as its counts grow.

Every function takes arrays of shape ``(..., K)``, leading axes being independent segments.
Randomness comes from the ``numpy.random.Generator`` passed in, whose seed the caller records.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from bandit_core.policies.base import FloatArray, IntArray

__all__ = [
    "DECIDED_BELOW",
    "DecisionSupport",
    "credible_interval",
    "decision_support",
    "matured_sends_needed",
    "value_remaining",
]

#: the value remaining under which a segment counts as decided (Scott's 1%)
DECIDED_BELOW = 0.01

_TINY = 1e-12  # floor on the leader's draw: the relative gain over a zero rate is unbounded
_GRID_PER_DECADE = 16  # projection grid: matured sends needed is rounded up to this resolution
_GRID_DECADES = 9  # up to 10^9 more matured sends; beyond that, "not within reach"


def credible_interval(
    alpha: FloatArray, beta: FloatArray, level: float = 0.95
) -> tuple[FloatArray, FloatArray]:
    """The equal-tailed ``level`` credible interval of ``Beta(alpha, beta)``, elementwise.

    Args:
        alpha: first Beta parameters (> 0), any shape.
        beta: second Beta parameters (> 0), the same shape.
        level: the interval's probability, in (0, 1).

    Returns:
        ``(low, high)`` arrays of the input's shape.

    Raises:
        ValueError: ``level`` is not in (0, 1) or a parameter is not positive.

    Example:
        >>> low, high = credible_interval(np.array([1.0]), np.array([1.0]), 0.9)
        >>> [round(float(low[0]), 3), round(float(high[0]), 3)]
        [0.05, 0.95]
    """
    if not 0.0 < level < 1.0:
        raise ValueError(f"expected a credible level in (0, 1), found {level!r}")
    a, b = _parameters(alpha, beta)
    tail = (1.0 - level) / 2.0
    low = np.asarray(special.betaincinv(a, b, tail), dtype=np.float64)
    high = np.asarray(special.betaincinv(a, b, 1.0 - tail), dtype=np.float64)
    return low, high


def value_remaining(
    alpha: FloatArray,
    beta: FloatArray,
    leader: IntArray,
    rng: np.random.Generator,
    *,
    draws: int = 10_000,
    quantile: float = 0.95,
) -> FloatArray:
    """The ``quantile`` of the relative gain of the best template over ``leader``.

    Args:
        alpha, beta: posterior parameters, shape ``(..., K)``.
        leader: index of the leading template of each segment, shape ``(...)``.
        rng: the generator of the Monte Carlo draws.
        draws: Monte Carlo draws per segment.
        quantile: which quantile of the relative gain to report (Scott: 0.95).

    Returns:
        one value per segment, shape ``(...)``; 0 means no template can beat the leader.
    """
    a, b = _parameters(alpha, beta)
    theta = rng.beta(a[..., None, :], b[..., None, :], size=(*a.shape[:-1], draws, a.shape[-1]))
    return _relative_gain_quantile(theta, np.asarray(leader), quantile)


def matured_sends_needed(
    alpha: FloatArray,
    beta: FloatArray,
    share: FloatArray,
    leader: int,
    rng: np.random.Generator,
    *,
    threshold: float = DECIDED_BELOW,
    draws: int = 2_000,
    quantile: float = 0.95,
) -> float | None:
    """More matured sends after which one segment's value remaining would fall below ``threshold``.

    A projection, not a promise: each template's posterior is grown by its ``share`` of the
    extra sends at its current posterior mean (``α += n·s·m``, ``β += n·s·(1 − m)``), so the
    means hold still while the posteriors narrow. The value remaining of each projected
    posterior uses the same uniforms pushed through the Beta quantile function (common random
    numbers), which makes it decrease smoothly in ``n``; the answer is found by bisection on a
    grid of 16 points per decade and rounded up to the grid.

    Args:
        alpha, beta: the segment's posterior parameters, shape ``(K,)``.
        share: the share of future sends per template, shape ``(K,)``, summing to 1.
        leader: the index of the leading template.
        rng: the generator of the uniforms.
        threshold: the value remaining that counts as decided.

    Returns:
        0 if the segment is already decided, the number of matured sends, or ``None`` if even
        10^9 more would not decide it (e.g. two templates with the same mean).

    Raises:
        ValueError: the arrays are not one segment's ``(K,)`` vectors.
    """
    a, b = _parameters(alpha, beta)
    s = np.asarray(share, dtype=np.float64)
    if a.ndim != 1 or s.shape != a.shape:
        raise ValueError(
            f"expected one segment's alpha, beta and share of shape (K,), found {a.shape} "
            f"and {s.shape}"
        )
    mean = a / (a + b)
    uniforms = rng.random((draws, a.shape[0]))

    def projected(extra: float) -> float:
        grown_a = a + extra * s * mean
        grown_b = b + extra * s * (1.0 - mean)
        theta = special.betaincinv(grown_a, grown_b, uniforms)
        return float(_relative_gain_quantile(theta, np.asarray(leader), quantile))

    if projected(0.0) < threshold:
        return 0.0
    grid = 10.0 ** (np.arange(1, _GRID_DECADES * _GRID_PER_DECADE + 1) / _GRID_PER_DECADE)
    if projected(float(grid[-1])) >= threshold:
        return None
    low, high = -1, len(grid) - 1  # projected(grid[high]) < threshold; low is "not yet"
    while high - low > 1:
        middle = (low + high) // 2
        if projected(float(grid[middle])) < threshold:
            high = middle
        else:
            low = middle
    return float(np.ceil(grid[high]))


@dataclass(frozen=True, slots=True)
class DecisionSupport:
    """How decided each of ``S`` segments is (arrays of shape ``(S,)``)."""

    leader: IntArray
    leader_p_best: FloatArray
    value_remaining: FloatArray
    matured_needed: list[float | None]


def decision_support(
    alpha: FloatArray,
    beta: FloatArray,
    p_best: FloatArray,
    share: FloatArray,
    rng: np.random.Generator,
    *,
    threshold: float = DECIDED_BELOW,
) -> DecisionSupport:
    """Leader, value remaining and matured sends still needed for every segment.

    Args:
        alpha, beta: posterior parameters, shape ``(S, K)``.
        p_best: P(template is best), shape ``(S, K)``; its argmax is the leader.
        share: the share of sends each template gets, shape ``(S, K)``.
        rng: the generator of every Monte Carlo draw (record its seed).
        threshold: the value remaining that counts as decided.

    Returns:
        the segments' ``DecisionSupport``.
    """
    p = np.asarray(p_best, dtype=np.float64)
    leader = np.asarray(np.argmax(p, axis=-1), dtype=np.intp)
    remaining = value_remaining(alpha, beta, leader, rng)
    needed = [
        matured_sends_needed(
            np.asarray(alpha[i]),
            np.asarray(beta[i]),
            np.asarray(share[i]),
            int(leader[i]),
            rng,
            threshold=threshold,
        )
        for i in range(p.shape[0])
    ]
    leader_p = np.take_along_axis(p, leader[:, None], axis=-1)[:, 0]
    return DecisionSupport(leader, leader_p, remaining, needed)


def _parameters(alpha: FloatArray, beta: FloatArray) -> tuple[FloatArray, FloatArray]:
    a = np.asarray(alpha, dtype=np.float64)
    b = np.asarray(beta, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"alpha and beta must have one shape, found {a.shape} and {b.shape}")
    if not (np.all(a > 0) and np.all(b > 0) and np.all(np.isfinite(a + b))):
        raise ValueError("expected finite, positive Beta parameters")
    return a, b


def _relative_gain_quantile(theta: FloatArray, leader: IntArray, quantile: float) -> FloatArray:
    """Quantile over the draws (axis -2 of ``theta``) of ``(max θ − θ_leader) / θ_leader``."""
    best = np.max(theta, axis=-1)
    lead = np.take_along_axis(theta, leader[..., None, None], axis=-1)[..., 0]
    gain = (best - lead) / np.maximum(lead, _TINY)
    return np.asarray(np.quantile(gain, quantile, axis=-1), dtype=np.float64)
