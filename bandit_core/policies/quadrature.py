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

from fractions import Fraction
from functools import lru_cache

import numpy as np

from bandit_core.policies.base import FloatArray
from bandit_core.policies.compiled import jit

__all__ = ["NODES", "GridIntegral", "interval_nodes", "needed_points", "trim_to_widest"]

NODES = 4


@lru_cache(maxsize=4)
def _collocation(q: int) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Nodes t, weights w on [0, 1] and the matrix A with ``∫_0^{t_q} p = Σ_r A[q, r] p(t_r)``.

    ``A`` is exact for polynomials ``p`` of degree < q (integrated Lagrange basis).
    """
    nodes, weights = np.polynomial.legendre.leggauss(q)
    t = (nodes + 1.0) / 2.0
    return t, weights / 2.0, _integrated_lagrange(t)


def _integrated_lagrange(t: FloatArray) -> FloatArray:
    """``A[q, r] = ∫_0^{t_q} L_r(x) dx`` for the Lagrange basis ``L_r`` of the nodes ``t``.

    Computed in exact rational arithmetic from the float nodes and rounded once, so every
    machine gets the same bits. Inverting the Vandermonde matrix in floating point gave
    entries that differed in their last bits with the BLAS kernel the CPU selects, and a
    seeded simulation then drew differently on an AMD and an Intel machine.
    """
    nodes = [Fraction(float(x)) for x in t]
    matrix = np.empty((len(nodes), len(nodes)), dtype=np.float64)
    for r, node in enumerate(nodes):
        coeffs = [Fraction(1)]  # L_r's coefficients, lowest degree first
        for other in nodes[:r] + nodes[r + 1 :]:
            # multiply by (x - other) / (node - other)
            scaled = [Fraction(0), *(c / (node - other) for c in coeffs)]
            coeffs = [
                shifted - (scaled[k + 1] * other if k + 1 < len(scaled) else 0)
                for k, shifted in enumerate(scaled)
            ]
        for q, upper in enumerate(nodes):
            matrix[q, r] = float(sum(c * upper ** (k + 1) / (k + 1) for k, c in enumerate(coeffs)))
    return matrix


def needed_points(centre: FloatArray, spread: FloatArray, offsets: FloatArray) -> np.ndarray:
    """Which of every arm's points ``centre + spread * offsets`` a merged grid needs.

    Arms of shape (n, K) place their points evenly across their own span; where a narrower
    arm's span covers a point, the narrower arm's own points are already denser there, so the
    point adds nothing. Keeping only the others resolves every arm at least as finely as its
    own points do, with far fewer points than the union when arms overlap (in the union, ten
    overlapping arms put ten times the points an arm needs in the same stretch). Returns a
    boolean mask of shape (n, K, P).
    """
    centre = np.ascontiguousarray(centre, dtype=np.float64)
    spread = np.ascontiguousarray(spread, dtype=np.float64)
    offsets = np.ascontiguousarray(offsets, dtype=np.float64)
    keep = np.empty(centre.shape + offsets.shape, dtype=np.bool_)
    _needed_points(centre, spread, offsets, keep)
    return keep


@jit
def _needed_points(
    centre: FloatArray, spread: FloatArray, offsets: FloatArray, keep: np.ndarray
) -> None:
    """``needed_points`` into ``keep``, one bandit at a time (as NumPy over the block, its
    (n, K, K, P) comparisons cost ten times the arithmetic)."""
    n, k = centre.shape
    p = offsets.shape[0]
    order = np.empty(k, dtype=np.int64)
    low = np.empty(k)
    high = np.empty(k)
    for r in range(n):
        # the arms from narrowest to widest, ties in index order (a stable insertion sort)
        for i in range(k):
            position = i
            while position > 0 and spread[r, order[position - 1]] > spread[r, i]:
                order[position] = order[position - 1]
                position -= 1
            order[position] = i
        for i in range(k):
            low[i] = centre[r, i] + spread[r, i] * offsets[0]
            high[i] = centre[r, i] + spread[r, i] * offsets[p - 1]
        # a point is needed unless the span of an arm narrower than its own covers it
        for t in range(k):
            j = order[t]
            for q in range(p):
                point = centre[r, j] + spread[r, j] * offsets[q]
                covered = False
                for s in range(t):
                    i = order[s]
                    if low[i] <= point <= high[i]:
                        covered = True
                        break
                keep[r, j, q] = not covered


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

    Both integrals are computed at once, one bandit at a time in compiled code
    (``_integrate``): as NumPy over the whole block, the (n, K, G−1, NODES) temporaries of
    the masses, CDFs and products cost three times the arithmetic.
    """

    def __init__(
        self,
        grid: FloatArray,
        density: FloatArray,
        cdf_grid: FloatArray | None = None,
        cdf_start: FloatArray | None = None,
    ) -> None:
        if cdf_grid is None and cdf_start is None:
            raise ValueError("GridIntegral needs cdf_grid or cdf_start")
        if density.ndim != 4 or density.shape[3] != NODES:
            raise ValueError(
                f"density must have shape (n, K, G-1, {NODES}) (values at interval_nodes), "
                f"found {density.shape}"
            )
        n, k = density.shape[:2]
        _, w, integ = _collocation(NODES)
        self._best = np.empty((n, k))
        self._max = np.empty(n)
        _integrate(
            np.ascontiguousarray(grid, dtype=np.float64),
            np.ascontiguousarray(density, dtype=np.float64),
            np.zeros((n, k, 1)) if cdf_grid is None else np.ascontiguousarray(cdf_grid),
            np.zeros((n, k)) if cdf_start is None else np.ascontiguousarray(cdf_start),
            cdf_grid is not None,
            w,
            integ,
            self._best,
            self._max,
        )

    def probability_best(self) -> FloatArray:
        """P(arm is the largest), shape (n, K) (not renormalised)."""
        return self._best

    def expected_max(self) -> FloatArray:
        """E[max_j θ_j], shape (n,)."""
        return self._max


@jit
def _integrate(
    grid: FloatArray,
    density: FloatArray,
    cdf_grid: FloatArray,
    cdf_start: FloatArray,
    exact_grid: bool,
    w: FloatArray,
    integ: FloatArray,
    best: FloatArray,
    top: FloatArray,
) -> None:
    """``GridIntegral``'s two integrals for every bandit, into ``best`` (n, K) and ``top`` (n,).

    The products over the arms run for the ``NODES`` nodes of an interval side by side (a
    constant count, which the compiler unrolls); each node's products and each arm's sum are
    taken in the same order as one node at a time would, so the results are the same to the
    last bit, in two thirds of the time.
    """
    n, k, intervals, _ = density.shape
    mass = np.empty((k, intervals, NODES))
    cdf = np.empty((k, intervals, NODES))
    prefix = np.empty((k, NODES))
    running = np.empty(NODES)
    suffix = np.empty(NODES)
    sums = np.empty(k)
    for r in range(n):
        for i in range(k):
            # each interval's mass at its nodes, rescaled to the exact CDF steps
            total = 0.0
            for g in range(intervals):
                h = grid[r, g + 1] - grid[r, g]
                step = 0.0
                for j in range(NODES):
                    mass[i, g, j] = density[r, i, g, j] * h
                    step += mass[i, g, j] * w[j]
                if exact_grid:
                    ratio = (cdf_grid[r, i, g + 1] - cdf_grid[r, i, g]) / max(step, 1e-300)
                    for j in range(NODES):
                        mass[i, g, j] *= ratio if step > 0.0 else 0.0
                total += step
            # without exact CDFs, the masses are rescaled to add up to 1 − F(start)
            scale = 1.0 if exact_grid else (1.0 - cdf_start[r, i]) / max(total, 1e-300)
            before = cdf_start[r, i]
            for g in range(intervals):
                if exact_grid:
                    before = cdf_grid[r, i, g]
                else:
                    for j in range(NODES):
                        mass[i, g, j] *= scale
                for j in range(NODES):
                    value = before
                    for m in range(NODES):
                        value += integ[j, m] * mass[i, g, m]
                    cdf[i, g, j] = min(max(value, 0.0), 1.0)
                if not exact_grid:
                    for j in range(NODES):
                        before += mass[i, g, j] * w[j]
        # P(i best) = ∫ f_i Π_{j≠i} F_j, the product from prefix and suffix products
        for i in range(k):
            sums[i] = 0.0
        above = 0.0  # ∫ (1 − Π_j F_j) from the grid's start: E[max] − start
        for g in range(intervals):
            h = grid[r, g + 1] - grid[r, g]
            for j in range(NODES):
                running[j] = 1.0
            for i in range(k):
                for j in range(NODES):
                    prefix[i, j] = running[j]
                    running[j] *= cdf[i, g, j]
            for j in range(NODES):
                above += (1.0 - running[j]) * w[j] * h
                suffix[j] = 1.0
            for i in range(k - 1, -1, -1):
                value = sums[i]
                for j in range(NODES):
                    value += w[j] * mass[i, g, j] * prefix[i, j] * suffix[j]
                    suffix[j] *= cdf[i, g, j]
                sums[i] = value
        for i in range(k):
            best[r, i] = max(sums[i], 0.0)
        top[r] = grid[r, 0] + above
