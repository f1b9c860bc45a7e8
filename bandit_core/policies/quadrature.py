"""Integrals over the maximum of independent arm posteriors, by collocation on a merged grid.

For independent arm values with CDFs ``F_j`` and densities ``f_j``:

- ``P(arm i is the largest) = ∫ f_i(x) Π_{j≠i} F_j(x) dx``;
- ``E[max_j θ_j] = start + ∫_start^1 (1 − Π_j F_j(x)) dx`` when the max is above ``start``.

The caller gives a sorted grid per bandit that resolves every arm's density (a few points per
arm, merged) and the densities at ``NODES`` Gauss-Legendre nodes inside each grid interval.
Each CDF at those nodes is its value at the start of the interval plus the collocated integral
of the density from there (exact for polynomials of degree < ``NODES``); the starting values
come either from exact CDFs at the grid points or by accumulating the interval masses from an
exact value at the grid's start. No CDF is evaluated at the ``K x grid`` nodes, the cost that
dominates a direct quadrature.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from bandit_core.policies.base import FloatArray

__all__ = ["NODES", "GridIntegral", "interval_nodes", "needed_points", "trim_to_widest"]

NODES = 4


@lru_cache(maxsize=4)
def _collocation(q: int) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Nodes t, weights w on [0, 1] and the matrix A with ``∫_0^{t_q} p = Σ_r A[q, r] p(t_r)``.

    ``A`` is exact for polynomials ``p`` of degree < q (integrated Lagrange basis).
    """
    nodes, weights = np.polynomial.legendre.leggauss(q)
    t = (nodes + 1.0) / 2.0
    vander = np.vander(t, q, increasing=True)
    powers = np.array([[tq ** (k + 1) / (k + 1) for k in range(q)] for tq in t])
    return t, weights / 2.0, np.asarray(powers @ np.linalg.inv(vander), dtype=np.float64)


def needed_points(centre: FloatArray, spread: FloatArray, offsets: FloatArray) -> np.ndarray:
    """Which of every arm's points ``centre + spread * offsets`` a merged grid needs.

    Arms of shape (n, K) place their points evenly across their own span; where a narrower
    arm's span covers a point, the narrower arm's own points are already denser there, so the
    point adds nothing. Keeping only the others resolves every arm at least as finely as its
    own points do, with far fewer points than the union when arms overlap (in the union, ten
    overlapping arms put ten times the points an arm needs in the same stretch). Returns a
    boolean mask of shape (n, K, P).
    """
    points = centre[:, :, None] + spread[:, :, None] * offsets  # (n, K, P)
    low = centre + spread * offsets[0]
    high = centre + spread * offsets[-1]
    # narrower[:, i, j]: arm i is strictly narrower than arm j (ties: the lower index)
    rank = np.argsort(np.argsort(spread, axis=1, kind="stable"), axis=1)
    narrower = rank[:, :, None] < rank[:, None, :]
    inside = points[:, None] >= low[:, :, None, None]  # (n, arm i, arm j, P)
    inside &= points[:, None] <= high[:, :, None, None]
    return np.asarray(~np.any(inside & narrower[..., None], axis=1), dtype=bool)


def trim_to_widest(grid: FloatArray, low: FloatArray) -> FloatArray:
    """Drop the leading columns of sorted ``grid`` (n, G) that every bandit has at ``low`` (n,).

    Points left out or clipped to a bandit's lower end collapse onto it; the grid keeps as many
    columns as the bandit with the most points above its lower end needs, plus one.
    """
    width = int(np.max(np.sum(grid > low[:, None], axis=1))) + 1
    return grid[:, -width:]


def interval_nodes(grid: FloatArray) -> tuple[FloatArray, FloatArray]:
    """The nodes ``x`` (n, G−1, NODES) inside each interval of ``grid`` (n, G) and widths h."""
    t, _, _ = _collocation(NODES)
    h = np.diff(grid, axis=1)
    return grid[:, :-1, None] + h[:, :, None] * t, h


class GridIntegral:
    """CDFs and densities of ``n`` bandits' arms at the nodes of their grids.

    Args:
        grid: sorted grid, shape (n, G); the max of each bandit lies (numerically) above
            ``grid[:, 0]``.
        density: every arm's density at ``interval_nodes(grid)[0]``, shape (n, K, G−1, NODES).
        cdf_grid: exact CDFs at the grid points, shape (n, K, G); or None to accumulate the
            interval masses from ``cdf_start`` (then each arm's masses are rescaled to add up
            to ``1 − cdf_start``, which removes the small collocation drift).
        cdf_start: exact CDFs at ``grid[:, 0]``, shape (n, K); needed when ``cdf_grid`` is None.
    """

    def __init__(
        self,
        grid: FloatArray,
        density: FloatArray,
        cdf_grid: FloatArray | None = None,
        cdf_start: FloatArray | None = None,
    ) -> None:
        _, w, integ = _collocation(NODES)
        h = np.diff(grid, axis=1)
        mass = density * h[:, None, :, None]  # dF per unit of the interval's own coordinate
        step = mass @ w  # mass of each interval, (n, K, G−1)
        if cdf_grid is not None:
            before = cdf_grid[..., :-1]
            ratio = np.diff(cdf_grid, axis=2) / np.maximum(step, 1e-300)
            mass = mass * np.where(step > 0, ratio, 0.0)[..., None]
        else:
            if cdf_start is None:
                raise ValueError("GridIntegral needs cdf_grid or cdf_start")
            scale = (1.0 - cdf_start) / np.maximum(np.sum(step, axis=2), 1e-300)
            mass = mass * scale[:, :, None, None]
            step = step * scale[:, :, None]
            before = cdf_start[:, :, None] + np.cumsum(step, axis=2) - step
        self.grid = grid
        self.weights = w
        self.mass = mass
        # the collocated integrals as one matrix product over every interval of every arm (a
        # stacked ``@`` would run one small product per bandit and arm)
        cdf: FloatArray = (mass.reshape(-1, NODES) @ integ.T).reshape(mass.shape)
        cdf += before[..., None]
        self.cdf = np.clip(cdf, 0.0, 1.0, out=cdf)

    def probability_best(self) -> FloatArray:
        """P(arm is the largest), shape (n, K) (not renormalised)."""
        cdf = self.cdf
        k = cdf.shape[1]
        # product of the other arms' CDFs via prefix and suffix products (no division by 0),
        # one arm at a time in place: the same products as a cumprod along the arm axis,
        # without its strided passes and copies (this is the hot loop of the batch engine)
        prefix = np.empty_like(cdf)
        suffix = np.empty_like(cdf)
        prefix[:, 0] = 1.0
        for i in range(1, k):
            np.multiply(prefix[:, i - 1], cdf[:, i - 1], out=prefix[:, i])
        suffix[:, k - 1] = 1.0
        for i in range(k - 2, -1, -1):
            np.multiply(suffix[:, i + 1], cdf[:, i + 1], out=suffix[:, i])
        np.multiply(self.mass, prefix, out=prefix)
        prefix *= suffix
        p = np.sum(prefix @ self.weights, axis=-1)
        return np.asarray(np.clip(p, 0.0, None), dtype=np.float64)

    def expected_max(self) -> FloatArray:
        """E[max_j θ_j], shape (n,)."""
        survival = 1.0 - np.prod(self.cdf, axis=1)  # (n, G−1, NODES)
        h = np.diff(self.grid, axis=1)
        return np.asarray(
            self.grid[:, 0] + np.sum((survival @ self.weights) * h, axis=1), dtype=np.float64
        )
