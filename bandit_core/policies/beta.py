"""Exact quantities of independent Beta posteriors, without Monte Carlo.

For arms with posteriors ``Beta(a_i, b_i)`` the probability that arm ``i`` has the largest mean
is ``P_i = ∫ f_i(x) Π_{j≠i} F_j(x) dx``. It is computed on a grid that merges every arm's own
quantiles, so each posterior's mass is resolved however narrow it is: over each grid interval
the mass of ``f_i`` is exact (a difference of CDFs) and the product of the other CDFs is taken
as the mean of its endpoint values. ``Σ_i P_i = 1`` holds exactly in the limit and the result
is renormalised. The same grid gives ``E[max_j θ_j] = ∫ (1 − Π_j F_j(x)) dx``, hence the
posterior-expected regret of each arm, ``E[max_j θ_j] − E[θ_i]``.

Every function takes arrays of shape ``(..., K)`` and treats the leading axes as independent
bandits (segments, simulation repetitions).
"""

from __future__ import annotations

import numpy as np
from scipy import special

from bandit_core.policies.base import FloatArray

__all__ = ["expected_max", "probability_best"]

# quantile levels per arm: Gauss-Legendre nodes on (0, 1) are dense near both tails
_LEVELS = 32


def _levels(n: int) -> FloatArray:
    nodes, _ = np.polynomial.legendre.leggauss(n)
    return np.asarray((nodes + 1.0) / 2.0, dtype=np.float64)


_U = _levels(_LEVELS)


def _grid(alpha: FloatArray, beta: FloatArray) -> FloatArray:
    """Sorted grid over [0, 1] holding every arm's quantiles, shape (..., K * L + 2)."""
    quantiles = special.betaincinv(alpha[..., :, None], beta[..., :, None], _U)
    flat = quantiles.reshape(*alpha.shape[:-1], -1)
    ends = np.broadcast_to(np.array([0.0, 1.0]), (*alpha.shape[:-1], 2))
    return np.sort(np.concatenate([flat, ends], axis=-1), axis=-1)


def _cdfs(alpha: FloatArray, beta: FloatArray, grid: FloatArray) -> FloatArray:
    """F_i at each grid point, shape (..., K, N)."""
    return np.asarray(special.betainc(alpha[..., :, None], beta[..., :, None], grid[..., None, :]))


def _check(alpha: FloatArray, beta: FloatArray) -> tuple[FloatArray, FloatArray]:
    a = np.asarray(alpha, dtype=np.float64)
    b = np.asarray(beta, dtype=np.float64)
    if a.shape != b.shape or a.ndim == 0:
        raise ValueError(f"alpha and beta must have one shape (..., K), found {a.shape} and {b.shape}")
    if not (np.all(a > 0) and np.all(b > 0) and np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        raise ValueError("Beta parameters must be finite and positive")
    return a, b


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
    grid = _grid(a, b)
    cdf = _cdfs(a, b, grid)  # (..., K, N)
    # product of the other arms' CDFs, via prefix and suffix products (no division by zero)
    ones = np.ones_like(cdf[..., :1, :])
    prefix = np.cumprod(np.concatenate([ones, cdf[..., :-1, :]], axis=-2), axis=-2)
    suffix = np.flip(
        np.cumprod(np.concatenate([ones, np.flip(cdf, axis=-2)[..., :-1, :]], axis=-2), axis=-2),
        axis=-2,
    )
    others = prefix * suffix  # (..., K, N)
    mass = np.diff(cdf, axis=-1)  # exact mass of f_i on each interval
    level = 0.5 * (others[..., 1:] + others[..., :-1])
    p = np.sum(mass * level, axis=-1)
    p = np.clip(p, 0.0, None)
    return np.asarray(p / np.sum(p, axis=-1, keepdims=True), dtype=np.float64)


def expected_max(alpha: FloatArray, beta: FloatArray) -> FloatArray:
    """E[max_i θ_i] for independent ``θ_i ~ Beta(alpha_i, beta_i)``, shape (...)."""
    a, b = _check(alpha, beta)
    grid = _grid(a, b)
    joint = np.prod(_cdfs(a, b, grid), axis=-2)  # P(max <= x)
    survival = 1.0 - joint
    return np.asarray(
        np.sum(0.5 * (survival[..., 1:] + survival[..., :-1]) * np.diff(grid, axis=-1), axis=-1),
        dtype=np.float64,
    )
