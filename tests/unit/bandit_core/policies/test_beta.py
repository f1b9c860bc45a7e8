"""Exact probability of being best and expected maximum of Beta posteriors."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, special

from bandit_core.policies.beta import expected_max, probability_best


def _quad_probability_best(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Adaptive quadrature of P_i = ∫_0^1 Π_{j≠i} F_j(Q_i(u)) du (Q_i: arm i's quantile).

    In the quantile variable the integrand is bounded and continuous even where a density is
    singular, so ``quad`` converges to ~1e-12.
    """
    out = []
    for i in range(a.size):
        others = [j for j in range(a.size) if j != i]

        def f(u: float, i: int = i, others: list[int] = others) -> float:
            x = special.betaincinv(a[i], b[i], u)
            return float(np.prod([special.betainc(a[j], b[j], x) for j in others]))

        cuts = np.linspace(0.0, 1.0, 9)
        out.append(
            sum(
                integrate.quad(f, lo, hi, epsabs=1e-12, limit=200)[0]
                for lo, hi in zip(cuts[:-1], cuts[1:], strict=True)
            )
        )
    return np.array(out)


CASES = [
    pytest.param([1.0, 1.0, 1.0], [1.0, 1.0, 1.0], id="flat-priors"),
    pytest.param([31.0, 51.0, 6.0], [71.0, 51.0, 6.0], id="mixed-widths"),
    pytest.param([2501.0, 2251.0, 21.0, 2.0], [2501.0, 2751.0, 31.0, 40.0], id="bern-m-like"),
    pytest.param([1.0, 30001.0], [1.0, 29001.0], id="narrow-vs-flat"),
    pytest.param([0.5, 3.0], [0.7, 2.0], id="priors-below-one"),
    # the merged grid keeps only the points no narrower arm resolves (``needed_points``)
    pytest.param(
        [41.0, 45.0, 38.0, 40.0, 44.0, 39.0, 42.0, 43.0, 37.0, 46.0],
        [461.0, 455.0, 462.0, 459.0, 457.0, 463.0, 458.0, 460.0, 456.0, 454.0],
        id="ten-overlapping",
    ),
    pytest.param([2001.0, 9.0, 41.0, 1.0], [2001.0, 11.0, 61.0, 1.0], id="narrow-inside-wide"),
]


@pytest.mark.parametrize(("alpha", "beta"), CASES)
def test_probability_best_matches_adaptive_quadrature(
    alpha: list[float], beta: list[float]
) -> None:
    a, b = np.array(alpha), np.array(beta)
    reference = _quad_probability_best(a, b)
    np.testing.assert_allclose(probability_best(a, b), reference / reference.sum(), atol=1e-5)


def test_probability_best_matches_monte_carlo_draws() -> None:
    a, b = np.array([12.0, 15.0, 9.0, 3.0]), np.array([20.0, 22.0, 18.0, 10.0])
    rng = np.random.default_rng(7)
    draws = 400_000
    winners = np.argmax(rng.beta(a, b, size=(draws, 4)), axis=1)
    share = np.bincount(winners, minlength=4) / draws
    exact = probability_best(a, b)
    assert np.all(np.abs(exact - share) < 4 * np.sqrt(exact * (1 - exact) / draws) + 1e-4)


def test_leading_axes_are_independent_bandits_and_rows_sum_to_one() -> None:
    a = np.array([[[1.0, 1.0]], [[30.0, 10.0]]])
    b = np.array([[[1.0, 1.0]], [[10.0, 30.0]]])
    p = probability_best(a, b)
    assert p.shape == (2, 1, 2)
    np.testing.assert_allclose(p[0, 0], [0.5, 0.5], atol=1e-9)
    assert p[1, 0, 0] > 0.999
    np.testing.assert_allclose(p.sum(axis=-1), 1.0)


def test_equal_arms_split_evenly_and_a_single_arm_is_certain() -> None:
    np.testing.assert_allclose(
        probability_best(np.full(7, 40.0), np.full(7, 60.0)), 1 / 7, atol=1e-7
    )
    assert probability_best(np.array([3.0]), np.array([4.0])).tolist() == [1.0]


@pytest.mark.parametrize(("alpha", "beta"), CASES[:4])
def test_expected_max_matches_quadrature(alpha: list[float], beta: list[float]) -> None:
    a, b = np.array(alpha), np.array(beta)
    reference = integrate.quad(
        lambda x: 1 - np.prod(special.betainc(a, b, x)), 0, 1, limit=500, points=list(a / (a + b))
    )[0]
    assert expected_max(a, b) == pytest.approx(reference, abs=1e-7)


def test_invalid_parameters_are_rejected() -> None:
    with pytest.raises(ValueError, match="finite and positive"):
        probability_best(np.array([1.0, 0.0]), np.array([1.0, 1.0]))
    with pytest.raises(ValueError, match="one shape"):
        probability_best(np.array([1.0, 2.0]), np.array([1.0]))


def test_trigamma_gives_scipys_values_for_halves_and_any_other_value() -> None:
    from concurrent.futures import ThreadPoolExecutor

    from bandit_core.policies.beta import _HALVES, _trigamma

    rng = np.random.default_rng(5)
    # counts plus a prior of 1 or 1/2 (read from the table), beyond the table, and fractions
    cases = [
        rng.integers(0, 5000, (64, 10)) + 1.0,
        rng.integers(0, 5000, (64, 10)) + 0.5,
        np.array([[1.0, float(_HALVES.limit), 3.0e6]]),
        np.array([[-0.5, 2.0, 3.5]]),  # outside the table's range (not a posterior)
        rng.random((8, 10)) * 100.0 + 0.01,
    ]
    for x in cases:
        assert np.array_equal(_trigamma(x), special.zeta(2.0, x))
    # threads filling the table at once all read SciPy's values
    blocks = [rng.integers(0, 200_000, (32, 10)) / 2.0 + 0.5 for _ in range(16)]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(_trigamma, blocks))
    for x, got in zip(blocks, results, strict=True):
        assert np.array_equal(got, special.zeta(2.0, x))
