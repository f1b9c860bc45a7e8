"""The posterior distribution of the regret (no database)."""

from __future__ import annotations

import numpy as np
import pytest

from bandit_core.policies.beta import expected_max
from bandit_core.posterior_regret import summarise_regret


def _gap(alpha: np.ndarray, beta: np.ndarray) -> np.ndarray:
    return expected_max(alpha, beta)[:, None] - alpha / (alpha + beta)


def test_the_point_values_are_exact_and_the_draws_surround_them() -> None:
    alpha = np.array([[21.0, 11.0, 31.0], [5.0, 9.0, 2.0]])
    beta = np.array([[181.0, 191.0, 171.0], [95.0, 91.0, 98.0]])
    counts = np.array([[[100, 100, 100], [50, 50, 50]], [[20, 30, 250], [10, 130, 10]]], float)
    summary = summarise_regret(alpha, beta, _gap(alpha, beta), counts, np.random.default_rng(0))
    exact = np.einsum("dsk,sk->d", counts, _gap(alpha, beta))
    np.testing.assert_allclose(summary.daily_mean, exact)
    np.testing.assert_allclose(summary.cumulative_mean, np.cumsum(exact))
    np.testing.assert_allclose(summary.sends, [450, 450])
    assert np.all(summary.cumulative_low < summary.cumulative_mean)
    assert np.all(summary.cumulative_mean < summary.cumulative_high)
    # an equal split of the same sends, and what the policy saved against it
    uniform = np.cumsum(counts.sum(axis=2) @ _gap(alpha, beta).mean(axis=1))
    np.testing.assert_allclose(summary.uniform_mean, uniform)
    np.testing.assert_allclose(summary.saved_mean, uniform - np.cumsum(exact))


def test_the_interval_covers_the_true_regret_about_90_percent_of_the_time() -> None:
    # truths drawn from the prior, data from the truths: a calibrated posterior's 90%
    # interval holds the true regret of the same sends about 90% of the time
    rng = np.random.default_rng(7)
    covered = 0
    reps = 300
    for _ in range(reps):
        truth = rng.beta(1.0, 1.0, size=(2, 3)) * 0.2
        pulls = rng.integers(50, 400, size=(2, 3)).astype(float)
        wins = rng.binomial(pulls.astype(int), truth).astype(float)
        alpha, beta = 1.0 + wins, 1.0 + pulls - wins
        counts = rng.integers(0, 300, size=(4, 2, 3)).astype(float)
        summary = summarise_regret(alpha, beta, _gap(alpha, beta), counts, rng, draws=1000)
        true_regret = np.sum(counts.sum(axis=0) * (truth.max(axis=1, keepdims=True) - truth))
        covered += summary.cumulative_low[-1] <= true_regret <= summary.cumulative_high[-1]
    assert 0.85 <= covered / reps <= 0.95


@pytest.mark.parametrize(
    ("counts_shape", "message"),
    [
        pytest.param((3, 2), "counts of shape", id="no-date-axis"),
        pytest.param((3, 1, 2), "counts of shape", id="segments"),
    ],
)
def test_shapes_must_agree(counts_shape: tuple[int, ...], message: str) -> None:
    ones = np.ones((2, 2))
    with pytest.raises(ValueError, match=message):
        summarise_regret(ones, ones, ones, np.ones(counts_shape), np.random.default_rng(0))
