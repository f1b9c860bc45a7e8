"""Credible intervals, value remaining and matured sends still needed (no database)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from bandit_core import posterior_summary
from bandit_core.posterior_summary import (
    credible_interval,
    decision_support,
    matured_sends_needed,
    value_remaining,
)


def test_public_surface() -> None:
    assert sorted(posterior_summary.__all__) == [
        "DECIDED_BELOW",
        "DecisionSupport",
        "credible_interval",
        "decision_support",
        "matured_sends_needed",
        "value_remaining",
    ]


def test_credible_interval_is_the_beta_quantiles() -> None:
    alpha = np.array([[1.0, 3.0], [51.0, 0.5]])
    beta = np.array([[1.0, 30.0], [951.0, 0.5]])
    low, high = credible_interval(alpha, beta)
    np.testing.assert_allclose(low, stats.beta.ppf(0.025, alpha, beta), rtol=1e-10)
    np.testing.assert_allclose(high, stats.beta.ppf(0.975, alpha, beta), rtol=1e-10)


@pytest.mark.parametrize(
    ("alpha", "beta", "level", "message"),
    [
        pytest.param([1.0], [1.0], 1.0, "credible level in", id="level-one"),
        pytest.param([1.0], [0.0], 0.95, "positive Beta", id="zero-beta"),
        pytest.param([1.0, 2.0], [1.0], 0.95, "one shape", id="shapes"),
    ],
)
def test_bad_input_is_named(
    alpha: list[float], beta: list[float], level: float, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        credible_interval(np.array(alpha), np.array(beta), level)


def test_value_remaining_against_a_case_solved_by_hand() -> None:
    # the leader is known to be 0.1; the other template is uniform on [0, 1]: the relative
    # gain is max(U - 0.1, 0) / 0.1, whose 95th percentile is 0.95 / 0.1 - 1 = 8.5
    alpha = np.array([[1e9 * 0.1, 1.0]])
    beta = np.array([[1e9 * 0.9, 1.0]])
    remaining = value_remaining(alpha, beta, np.array([0]), np.random.default_rng(4), draws=200_000)
    assert remaining[0] == pytest.approx(8.5, rel=0.01)


def test_a_clear_winner_leaves_no_value() -> None:
    alpha = np.array([[501.0, 101.0]])
    beta = np.array([[4501.0, 4901.0]])  # 10% against 2%, thousands of sends each
    remaining = value_remaining(alpha, beta, np.array([0]), np.random.default_rng(1))
    assert remaining[0] == 0.0


def test_matured_sends_needed_is_zero_once_decided() -> None:
    needed = matured_sends_needed(
        np.array([501.0, 101.0]),
        np.array([4501.0, 4901.0]),
        np.array([0.5, 0.5]),
        0,
        np.random.default_rng(1),
    )
    assert needed == 0.0


def test_matured_sends_needed_reaches_the_threshold_at_the_grid_resolution() -> None:
    alpha, beta = np.array([31.0, 21.0, 26.0]), np.array([970.0, 980.0, 975.0])
    share = np.array([0.5, 0.25, 0.25])
    needed = matured_sends_needed(alpha, beta, share, 0, np.random.default_rng(2))
    assert needed is not None and needed > 0

    def remaining_after(extra: float) -> float:
        mean = alpha / (alpha + beta)
        grown_a = alpha + extra * share * mean
        grown_b = beta + extra * share * (1 - mean)
        draws = value_remaining(
            grown_a[None], grown_b[None], np.array([0]), np.random.default_rng(3), draws=20_000
        )
        return float(draws[0])

    # independent draws: allow a little Monte Carlo noise around the 1% line
    assert remaining_after(needed * 1.3) < 0.0105
    assert remaining_after(needed / 1.3) > 0.0095


def test_a_template_that_gets_no_more_traffic_can_stay_undecided() -> None:
    # the second template has no data and will get none: it might still beat the leader
    needed = matured_sends_needed(
        np.array([11.0, 1.0]),
        np.array([91.0, 1.0]),
        np.array([1.0, 0.0]),
        0,
        np.random.default_rng(5),
    )
    assert needed is None


def test_decision_support_names_the_leader_of_every_segment() -> None:
    alpha = np.array([[1.0, 1.0], [501.0, 101.0]])
    beta = np.array([[1.0, 1.0], [4501.0, 4901.0]])
    p_best = np.array([[0.4, 0.6], [1.0, 0.0]])
    support = decision_support(alpha, beta, p_best, np.full((2, 2), 0.5), np.random.default_rng(0))
    assert support.leader.tolist() == [1, 0]
    assert support.leader_p_best.tolist() == [0.6, 1.0]
    assert support.value_remaining[0] > 1.0 and support.value_remaining[1] == 0.0
    assert support.matured_needed[1] == 0.0 and (support.matured_needed[0] or 0) > 0


@pytest.mark.parametrize("policy", ["thompson_sampling", "ucb1"])
def test_every_allocation_carries_its_posterior_summary(policy: str) -> None:
    from bandit_core.allocation import compute_allocation
    from bandit_core.config import PolicyConfig
    from bandit_core.policies import ArmStats
    from bandit_core.policies.beta import probability_best

    stats = ArmStats(pulls=[[1000, 1000, 1000], [0, 0, 0]], reward_sum=[[50, 60, 20], [0, 0, 0]])
    allocation = compute_allocation(PolicyConfig(name=policy, min_share=0.05), stats, seed=1)
    np.testing.assert_allclose(allocation.posterior_alpha, 1 + stats.reward_sum)
    np.testing.assert_allclose(allocation.posterior_beta, 1 + stats.pulls - stats.reward_sum)
    np.testing.assert_allclose(
        allocation.p_best,
        probability_best(allocation.posterior_alpha, allocation.posterior_beta),
        atol=1e-9,
    )
    assert np.all(allocation.credible_low < allocation.posterior_mean)
    assert np.all(allocation.posterior_mean < allocation.credible_high)


def test_the_fast_projection_agrees_with_exact_beta_draws() -> None:
    # decision support draws its posteriors by Wilson-Hilferty / skewed-normal quantiles; the
    # value remaining it reports must match exact Beta draws (Monte Carlo noise aside), from a
    # fresh campaign to one with millions of sends
    rng = np.random.default_rng(11)
    pulls = np.array([[20.0] * 4, [400.0] * 4, [5e3] * 4, [2e6] * 4])
    rates = np.array([0.05, 0.045, 0.04, 0.03])
    alpha = 1.0 + pulls * rates
    beta = 1.0 + pulls * (1.0 - rates)
    p_best = np.tile([1.0, 0.0, 0.0, 0.0], (4, 1))
    support = decision_support(alpha, beta, p_best, np.full((4, 4), 0.25), rng)
    exact = value_remaining(alpha, beta, np.zeros(4, dtype=np.intp), rng, draws=200_000)
    assert support.value_remaining == pytest.approx(exact, rel=0.08, abs=2e-4)
    assert exact[0] > 1.0 and exact[-1] < 0.01  # the cases span undecided to decided
