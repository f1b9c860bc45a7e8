"""Exact quantities of independent Beta posteriors, without Monte Carlo.

For arms with posteriors ``Beta(a_i, b_i)`` the probability that arm ``i`` has the largest mean
is ``P_i = ∫ f_i(x) Π_{j≠i} F_j(x) dx``, and ``E[max_j θ_j] = ∫ (1 − Π_j F_j(x)) dx``.

Both integrals run over a grid that merges a few points of every arm (placed with the
logit-normal approximation of each posterior: ``logit θ`` has mean ``ψ(a) − ψ(b)`` and variance
``ψ'(a) + ψ'(b)``), so each posterior is resolved however narrow it is. An arm's points are left
out where a narrower arm's span already covers them (``quadrature.needed_points``): ten
overlapping posteriors then need about two arms' worth of points, not ten. Inside each grid
interval the densities are evaluated at Gauss-Legendre nodes and the CDFs at those nodes come
from the same node values by spectral (collocation) integration, anchored on exact ``betainc``
values. That avoids evaluating the incomplete Beta function ``K x grid`` times (see
``quadrature``): 1000 bandits of 10 arms take about 0.025 s. Against adaptive quadrature, over 300
random problems (2 to 11 arms, 0 to 10^6 pulls, priors 1 or 0.5) the 99th percentile of the
largest error is 7e-6 and the largest 1.3e-5 (with a prior of 0.5: densities singular at 0 or 1
are anchored on exact CDFs and keep every arm's points).

The integration starts at ``M``, the largest of the arms' lower bounds (8 logit-normal standard
deviations below the centre): below it the maximum has (numerically) no mass, and an arm with
``P(θ_j > M) < 1e-13`` cannot be best and gets probability 0 without further work.

Every function takes arrays of shape ``(..., K)`` and treats the leading axes as independent
bandits (segments, simulation repetitions).
"""

from __future__ import annotations

import threading

import numpy as np
from scipy import special

from bandit_core.policies.base import FloatArray, IntArray
from bandit_core.policies.compiled import jit
from bandit_core.policies.quadrature import (
    GridIntegral,
    interval_nodes,
    needed_points,
    trim_to_widest,
)

__all__ = ["expected_max", "probability_best"]

_REACH = 8.0  # logit-normal standard deviations below an arm's centre where its mass ends
_POINTS = np.linspace(-6.0, 6.0, 9)  # grid points per arm, in logit-normal standard units
_IRRELEVANT = 1e-13  # P(θ_j > M) below which arm j cannot be best
_CHUNK = 256  # bandits per block: bounds memory at (256, K, 9K, 4) doubles


def _check(alpha: FloatArray, beta: FloatArray) -> tuple[FloatArray, FloatArray]:
    a = np.asarray(alpha, dtype=np.float64)
    b = np.asarray(beta, dtype=np.float64)
    if a.shape != b.shape or a.ndim == 0:
        raise ValueError(
            f"alpha and beta must have one shape (..., K), found {a.shape} and {b.shape}"
        )
    if not (np.all(a > 0) and np.all(b > 0) and np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        raise ValueError("Beta parameters must be finite and positive")
    return a, b


def _logit_normal(a: FloatArray, b: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Mean and standard deviation of ``logit θ`` for ``θ ~ Beta(a, b)`` (exact moments)."""
    return (
        np.asarray(special.digamma(a) - special.digamma(b), dtype=np.float64),
        np.asarray(np.sqrt(_trigamma(a) + _trigamma(b)), dtype=np.float64),
    )


def _trigamma(x: FloatArray) -> FloatArray:
    """ψ'(x), SciPy's Hurwitz ζ(2, x) (what ``polygamma(1, x)`` returns, without the digamma
    it also evaluates). Posterior parameters are counts plus a prior of 1 or 1/2, so nearly
    all are halves of integers: those are read from ``_HALVES``, each value computed once per
    process; any other array is evaluated once per distinct value."""
    doubled = np.multiply(x, 2.0)
    if x.size and 0 <= np.min(doubled) and np.max(doubled) < _HALVES.limit:
        index = doubled.astype(np.int64)
        if np.array_equal(index, doubled):
            return _HALVES.values(index)
    values, where = np.unique(x, return_inverse=True)
    return np.asarray(special.zeta(2.0, values)[where].reshape(np.shape(x)), dtype=np.float64)


class _HalfTable:
    """ψ'(i / 2) for the integers ``0 <= i < limit``, filled in as they are asked for (NaN until
    then), shared by the threads of a simulation (``--jobs``) under a lock. Each entry is the
    very value ``special.zeta(2, i / 2)`` gives: ``i / 2`` is exact."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._table = np.full(1024, np.nan)
        self._lock = threading.Lock()

    def values(self, index: IntArray) -> FloatArray:
        with self._lock:
            top = int(np.max(index))
            if top >= self._table.size:
                wider = np.full(min(max(2 * self._table.size, top + 1), self.limit), np.nan)
                wider[: self._table.size] = self._table
                self._table = wider
            values = self._table[index]
            missing = np.isnan(values)
            if missing.any():
                new = np.unique(index[missing])
                self._table[new] = special.zeta(2.0, new / 2.0)
                values = self._table[index]
        return np.asarray(values, dtype=np.float64)


# parameters up to 2^20 (a million pulls): at most 16 MB of table
_HALVES = _HalfTable(1 << 21)


def _integral(
    a: FloatArray,
    b: FloatArray,
    centre: FloatArray,
    spread: FloatArray,
    start: FloatArray,
    cdf_start: FloatArray,
) -> GridIntegral:
    """The collocation of ``n`` bandits' relevant arms on their merged grid above ``start``.

    ``centre`` and ``spread`` are the arms' logit-normal moments (``_logit_normal``).
    """
    n = a.shape[0]
    logits = centre[:, :, None] + spread[:, :, None] * _POINTS
    regular = bool(np.all(a >= 1.0) and np.all(b >= 1.0))
    if regular:
        # only the points no narrower arm already resolves; a density singular at 0 or 1
        # (a prior below 1) is better served by every arm's points
        logits = np.where(needed_points(centre, spread, _POINTS), logits, -np.inf)
    points = special.expit(logits).reshape(n, -1)
    grid = np.sort(
        np.concatenate(
            [np.maximum(points, start[:, None]), start[:, None], np.ones((n, 1))], axis=1
        ),
        axis=1,
    )
    grid = trim_to_widest(grid, start)
    grid[:, 0] = np.minimum(grid[:, 0], start)
    x, _ = interval_nodes(grid)  # strictly inside (0, 1)
    density = np.empty(a.shape + x.shape[1:])
    _log_density(a - 1.0, b - 1.0, np.log(x), np.log1p(-x), special.betaln(a, b), density)
    with np.errstate(over="ignore", under="ignore"):
        np.exp(density, out=density)
    if regular:
        return GridIntegral(grid, density, cdf_start=cdf_start)
    # densities singular at 0 or 1 defeat the nodes near the ends: anchor on exact CDFs
    exact = special.betainc(a[:, :, None], b[:, :, None], grid[:, None, :])
    return GridIntegral(grid, density, cdf_grid=exact)


@jit
def _log_density(
    a1: FloatArray,
    b1: FloatArray,
    log_x: FloatArray,
    log_1mx: FloatArray,
    log_norm: FloatArray,
    out: FloatArray,
) -> None:
    """``(a − 1) log x + (b − 1) log(1 − x) − log B(a, b)`` of each arm (n, K) at its bandit's
    nodes (n, G−1, NODES), into ``out`` (n, K, G−1, NODES): one pass, where NumPy's
    broadcasting made four over the (n, K, G−1, NODES) block, each looping over NODES values
    at a time. The logarithms and the exponential stay NumPy's (vectorised)."""
    n, k = a1.shape
    intervals, q = log_x.shape[1], log_x.shape[2]
    for r in range(n):
        for i in range(k):
            for g in range(intervals):
                for j in range(q):
                    out[r, i, g, j] = (
                        a1[r, i] * log_x[r, g, j] + b1[r, i] * log_1mx[r, g, j]
                    ) - log_norm[r, i]


def _blocks(
    a: FloatArray, b: FloatArray
) -> list[tuple[np.ndarray, np.ndarray, GridIntegral | None]]:
    """Split flattened bandits into blocks with the same number of relevant arms.

    Returns (bandit indices, relevant arm columns, integral or None for a single arm).
    """
    centre, spread = _logit_normal(a, b)
    start = np.max(special.expit(centre - _REACH * spread), axis=1)
    cdf_start = special.betainc(a, b, start[:, None])
    relevant = cdf_start < 1.0 - _IRRELEVANT
    # the arm that sets the start is always relevant, whatever the rounding
    relevant[np.arange(len(a)), np.argmin(cdf_start, axis=1)] = True
    count = relevant.sum(axis=1)
    out: list[tuple[np.ndarray, np.ndarray, GridIntegral | None]] = []
    for kr in np.unique(count):
        rows_all = np.flatnonzero(count == kr)
        for lo in range(0, len(rows_all), _CHUNK):
            rows = rows_all[lo : lo + _CHUNK]
            cols = np.argsort(~relevant[rows], axis=1, kind="stable")[:, :kr]
            if kr == 1:
                out.append((rows, cols, None))
                continue
            sub_a, sub_b, sub_centre, sub_spread, sub_cdf = (
                np.take_along_axis(x[rows], cols, axis=1) for x in (a, b, centre, spread, cdf_start)
            )
            block = _integral(sub_a, sub_b, sub_centre, sub_spread, start[rows], sub_cdf)
            out.append((rows, cols, block))
    return out


def probability_best(alpha: FloatArray, beta: FloatArray) -> FloatArray:
    """P(arm i has the largest mean) for independent ``Beta(alpha_i, beta_i)``.

    Example:
        >>> p = probability_best(np.array([1.0, 1.0]), np.array([1.0, 1.0]))
        >>> np.round(p, 6).tolist()
        [0.5, 0.5]
    """
    a, b = _check(alpha, beta)
    k = a.shape[-1]
    if k == 1:
        return np.ones_like(a)
    flat_a, flat_b = a.reshape(-1, k), b.reshape(-1, k)
    p = np.zeros_like(flat_a)
    for rows, cols, block in _blocks(flat_a, flat_b):
        values = np.ones(cols.shape) if block is None else block.probability_best()
        rows_p = np.zeros((len(rows), k))
        np.put_along_axis(rows_p, cols, values, axis=1)
        p[rows] = rows_p
    return np.asarray((p / np.sum(p, axis=1, keepdims=True)).reshape(a.shape), dtype=np.float64)


def expected_max(alpha: FloatArray, beta: FloatArray) -> FloatArray:
    """E[max_i θ_i] for independent ``θ_i ~ Beta(alpha_i, beta_i)``, shape (...)."""
    a, b = _check(alpha, beta)
    k = a.shape[-1]
    flat_a, flat_b = a.reshape(-1, k), b.reshape(-1, k)
    out = np.zeros(len(flat_a))
    for rows, cols, block in _blocks(flat_a, flat_b):
        if block is None:
            # one arm decides: E[max] is (numerically) its mean
            ra = np.take_along_axis(flat_a[rows], cols, axis=1)[:, 0]
            rb = np.take_along_axis(flat_b[rows], cols, axis=1)[:, 0]
            out[rows] = ra / (ra + rb)
        else:
            out[rows] = block.expected_max()
    return np.asarray(out.reshape(a.shape[:-1]), dtype=np.float64)
