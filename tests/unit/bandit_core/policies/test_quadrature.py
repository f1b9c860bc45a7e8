"""The merged grid's points: every arm resolved at least as finely as by its own points."""

from __future__ import annotations

import numpy as np
import pytest

from bandit_core.policies.quadrature import GridIntegral, needed_points

OFFSETS = np.linspace(-6.0, 6.0, 9)


def _arms(seed: int, n: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centre = rng.normal(0.0, 1.0, size=(n, k))
    spread = 10.0 ** rng.uniform(-2.0, 0.5, size=(n, k))
    # some bandits with identical arms, where the union of points repeats itself
    centre[: n // 4] = centre[: n // 4, :1]
    spread[: n // 4] = spread[: n // 4, :1]
    return centre, spread


def test_every_arm_keeps_its_own_resolution_across_its_span() -> None:
    centre, spread = _arms(seed=3, n=400, k=7)
    keep = needed_points(centre, spread, OFFSETS)
    points = centre[:, :, None] + spread[:, :, None] * OFFSETS
    step = OFFSETS[1] - OFFSETS[0]
    for i in range(len(centre)):
        kept = np.sort(points[i][keep[i]])
        for j in range(centre.shape[1]):
            low, high = points[i, j, 0], points[i, j, -1]
            inside = kept[(kept >= low) & (kept <= high)]
            # the span's ends are covered, and no gap inside it is wider than the arm's own
            edges = np.concatenate([[low], inside, [high]])
            assert np.max(np.diff(edges)) <= spread[i, j] * step * (1 + 1e-9) + 1e-12, (i, j)
            assert inside.size > 0


def test_the_narrowest_arm_keeps_every_point_and_copies_keep_one_set() -> None:
    centre, spread = _arms(seed=4, n=200, k=5)
    keep = needed_points(centre, spread, OFFSETS)
    narrowest = np.argmin(spread, axis=1)
    assert keep[np.arange(200), narrowest].all()
    # identical arms: one arm's points (ties go to the lower index), not five copies
    assert keep[:50].sum(axis=(1, 2)).tolist() == [OFFSETS.size] * 50
    assert keep[:50, 0].all()


def test_overlapping_arms_need_about_one_arm_of_points() -> None:
    # ten posteriors of one width whose centres lie within one width of each other (a
    # campaign's templates early on): the union has 90 points, one arm's span needs 9
    centre = np.linspace(0.0, 0.3, 10)[None, :]
    spread = np.full((1, 10), 0.3)
    keep = needed_points(centre, spread, OFFSETS)
    assert keep[0, 0].all()
    # the others add only their points beyond arm 0's upper end (one each)
    assert keep[0, 1:].sum(axis=1).tolist() == [1] * 9


def test_the_compiled_mask_is_the_definition_written_over_whole_arrays() -> None:
    # point p of arm j is left out exactly when some strictly narrower arm's span covers it
    # (equal spreads: the lower index counts as narrower)
    centre, spread = _arms(seed=5, n=300, k=6)
    spread[50:80, 3] = spread[50:80, 1]  # ties between different arms
    points = centre[:, :, None] + spread[:, :, None] * OFFSETS
    low = centre + spread * OFFSETS[0]
    high = centre + spread * OFFSETS[-1]
    rank = np.argsort(np.argsort(spread, axis=1, kind="stable"), axis=1)
    narrower = rank[:, :, None] < rank[:, None, :]  # [r, i, j]: arm i narrower than arm j
    covers = points[:, None] >= low[:, :, None, None]
    covers &= points[:, None] <= high[:, :, None, None]
    expected = ~np.any(covers & narrower[..., None], axis=1)
    keep = needed_points(centre, spread, OFFSETS)
    assert keep.shape == expected.shape
    assert np.array_equal(keep, expected)
    assert 0 < keep.sum() < keep.size


def test_densities_must_sit_at_the_interval_nodes() -> None:
    grid = np.array([[0.0, 0.5, 1.0]])
    expected = r"density must have shape \(n, K, G-1, 4\).*found \(1, 2, 2, 3\)"
    with pytest.raises(ValueError, match=expected):
        GridIntegral(grid, np.ones((1, 2, 2, 3)), cdf_start=np.zeros((1, 2)))


def test_the_collocation_integrates_polynomials_with_the_same_bits_on_every_machine() -> None:
    from fractions import Fraction

    from bandit_core.policies.quadrature import NODES, _collocation

    assert NODES <= 4  # Simpson's rule below is exact up to cubics
    t, _weights, matrix = _collocation(NODES)
    # exact for polynomials of degree < NODES: ∫_0^{t_q} x^k dx from the values at the nodes
    for k in range(NODES):
        exact = t ** (k + 1) / (k + 1)
        assert np.allclose(matrix @ t**k, exact, rtol=0, atol=1e-15), k
    # each entry is the exact rational integral of its Lagrange polynomial, rounded once: no
    # floating-point solve, whose last bits depend on the BLAS kernel the CPU selects
    nodes = [Fraction(float(x)) for x in t]
    for r, node in enumerate(nodes):
        others = [other for s, other in enumerate(nodes) if s != r]

        def basis(x: Fraction, node: Fraction = node, others: list[Fraction] = others) -> Fraction:
            value = Fraction(1)
            for other in others:
                value *= (x - other) / (node - other)
            return value

        for q, upper in enumerate(nodes):
            # Simpson's rule on a cubic is exact: ∫_0^u p = u/6 (p(0) + 4 p(u/2) + p(u))
            integral = upper / 6 * (basis(Fraction(0)) + 4 * basis(upper / 2) + basis(upper))
            assert matrix[q, r] == float(integral), (q, r)
