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
from typing import Any

import numpy as np
import numpy.typing as npt
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
# From here on (both parameters) a projected Beta draw is its skewness-corrected normal
# quantile: within 1e-3 of a standard deviation at 500, closer as the parameters grow.
_NORMAL_FROM = 500.0
_Draws = npt.NDArray[np.floating[Any]]  # the projection's draws, single precision
_SEGMENTS_PER_CHUNK = 5  # segments projected at once: 5 x draws x K templates, cache-sized


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
    draws: int = 1_000,
    quantile: float = 0.95,
) -> float | None:
    """More matured sends after which one segment's value remaining would fall below ``threshold``.

    One segment of what ``decision_support`` projects for all of them (``_sends_needed``).

    Args:
        alpha, beta: the segment's posterior parameters, shape ``(K,)``.
        share: the share of future sends per template, shape ``(K,)``, summing to 1.
        leader: the index of the leading template.
        rng: the generator of the normal draws.
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
    _, needed = _sends_needed(
        a[None],
        b[None],
        s[None],
        np.array([leader]),
        rng,
        threshold=threshold,
        draws=draws,
        quantile=quantile,
    )
    return needed[0]


def _sends_needed(
    alpha: FloatArray,
    beta: FloatArray,
    share: FloatArray,
    leader: IntArray,
    rng: np.random.Generator,
    *,
    threshold: float = DECIDED_BELOW,
    draws: int = 1_000,
    quantile: float = 0.95,
) -> tuple[FloatArray, list[float | None]]:
    """Each segment's value remaining now, and the matured sends after which it would be decided.

    A projection, not a promise: each template's posterior is grown by its ``share`` of the
    extra sends at its current posterior mean (``α += n·s·m``, ``β += n·s·(1 − m)``), so the
    means hold still while the posteriors narrow. Every projected posterior is drawn from the
    same standard normals (common random numbers), which makes the value remaining decrease
    smoothly in ``n``: a ``Beta(α, β)`` draw is ``X / (X + Y)`` with ``X``, ``Y`` Gamma
    quantiles by the Wilson-Hilferty transform, or, once both parameters reach
    ``_NORMAL_FROM``, the Beta's own skewness-corrected normal quantile. The answer is found by
    bisection on a grid of 16 points per decade, all segments in lockstep, and rounded up to
    the grid.

    Args:
        alpha, beta: posterior parameters, shape ``(S, K)``.
        share: the share of future sends per template, shape ``(S, K)``.
        leader: the index of each segment's leading template, shape ``(S,)``.
        rng: the generator of the normal draws.
        threshold: the value remaining that counts as decided.

    Returns:
        per segment, the value remaining of the current posterior (the projection at 0 more
        sends) and the matured sends needed: 0 if already decided, a number, or ``None`` if
        even 10^9 more would not decide it.
    """
    a, b = _parameters(alpha, beta)
    s = np.asarray(share, dtype=np.float64)
    lead = np.asarray(leader, dtype=np.intp)
    if a.ndim != 2 or s.shape != a.shape or lead.shape != a.shape[:1]:
        raise ValueError(
            f"expected alpha, beta and share of shape (S, K) and leader of shape (S,), found "
            f"{a.shape}, {s.shape} and {lead.shape}"
        )
    grid = np.concatenate(
        [[0.0], 10.0 ** (np.arange(1, _GRID_DECADES * _GRID_PER_DECADE + 1) / _GRID_PER_DECADE)]
    )
    remaining: list[FloatArray] = []
    answers: list[float | None] = []
    for first in range(0, a.shape[0], _SEGMENTS_PER_CHUNK):
        rows = slice(first, first + _SEGMENTS_PER_CHUNK)
        z = rng.standard_normal((2, a[rows].shape[0], draws, a.shape[1]), dtype=np.float32)
        now, needed = _bisect(a[rows], b[rows], s[rows], lead[rows], z, grid, threshold, quantile)
        remaining.append(now)
        answers.extend(needed)
    return np.concatenate(remaining), answers


def _bisect(
    a: FloatArray,
    b: FloatArray,
    s: FloatArray,
    lead: IntArray,
    z: _Draws,
    grid: FloatArray,
    threshold: float,
    quantile: float,
) -> tuple[FloatArray, list[float | None]]:
    mean = a / (a + b)

    def gain(points: IntArray) -> FloatArray:
        extra = grid[points][:, None]
        theta = _beta_draws(a + extra * s * mean, b + extra * s * (1.0 - mean), z)
        return _relative_gain_quantile(theta, lead, quantile)

    def decided(points: IntArray) -> np.ndarray:
        return gain(points) < threshold

    top = len(grid) - 1
    remaining = gain(np.zeros(len(a), dtype=np.intp))
    now = remaining < threshold
    ever = decided(np.full(len(a), top, dtype=np.intp))
    # decided(grid[high]) holds, decided(grid[low]) does not; segments outside are settled
    low, high = np.zeros(len(a), dtype=np.intp), np.full(len(a), top, dtype=np.intp)
    open_ = ~now & ever
    while np.any(open_ & (high - low > 1)):
        middle = (low + high) // 2
        passed = decided(middle)
        moving = open_ & (high - low > 1)
        high = np.where(moving & passed, middle, high)
        low = np.where(moving & ~passed, middle, low)
    return remaining, [
        0.0 if now[i] else (None if not ever[i] else float(np.ceil(grid[high[i]])))
        for i in range(len(a))
    ]


def _beta_draws(a: FloatArray, b: FloatArray, z: _Draws) -> _Draws:
    """``Beta(a, b)`` draws, shape ``(S, D, K)``, from two standard normal arrays ``z[0], z[1]``."""
    a3, b3 = a[:, None, :].astype(z.dtype), b[:, None, :].astype(z.dtype)
    small = np.minimum(a3, b3) < _NORMAL_FROM
    draws = np.empty(z.shape[1:], dtype=z.dtype)
    if np.any(small):
        x = _gamma_quantile(a3, z[0])
        draws = x / np.maximum(x + _gamma_quantile(b3, z[1]), _TINY)
    if not np.all(small):
        total = a3 + b3
        sd = np.sqrt(a3 * b3 / (total * total * (total + 1.0)))
        skew = 2.0 * (b3 - a3) * np.sqrt(total + 1.0) / ((total + 2.0) * np.sqrt(a3 * b3))
        normal = a3 / total + sd * z[0] + (sd * skew / 6.0) * (z[0] * z[0] - 1.0)
        draws = np.where(small, draws, normal)
    return draws


def _gamma_quantile(shape: _Draws, z: _Draws) -> _Draws:
    """Wilson-Hilferty: the ``Gamma(shape)`` quantile at the standard normal quantile ``z``."""
    c = 1.0 / (9.0 * shape)
    root = z * np.sqrt(c)  # in place from here: these arrays are the projection's bulk
    root += 1.0 - c
    np.maximum(root, 0.0, out=root)
    cube = root * root
    cube *= root
    cube *= shape
    return np.asarray(cube)


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
    # the value remaining is the projection's first point: the same draws as the sends needed
    remaining, needed = _sends_needed(alpha, beta, share, leader, rng, threshold=threshold)
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


def _relative_gain_quantile(theta: _Draws, leader: IntArray, quantile: float) -> FloatArray:
    """Quantile over the draws (axis -2 of ``theta``) of ``(max θ − θ_leader) / θ_leader``."""
    best = np.max(theta, axis=-1)
    lead = np.take_along_axis(theta, leader[..., None, None], axis=-1)[..., 0]
    gain = (best - lead) / np.maximum(lead, _TINY)
    return np.asarray(np.quantile(gain, quantile, axis=-1), dtype=np.float64)
