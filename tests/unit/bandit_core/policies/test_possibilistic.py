"""Thompson sampling and the possibilistic reward methods PR1, PR2, PR3."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate
from scipy import stats as sps

from bandit_core.policies import PR1, PR2, PR3, ArmStats, ThompsonSampling, make_policy
from bandit_core.policies.possibilistic import _PR1Law

STATS = ArmStats(pulls=[0, 3, 40, 200], reward_sum=[0, 2, 22, 100])


def _monte_carlo(policy: object, stats: ArmStats, draws: int, seed: int) -> np.ndarray:
    tiled = ArmStats(
        np.broadcast_to(stats.pulls, (draws, stats.n_arms)),
        np.broadcast_to(stats.reward_sum, (draws, stats.n_arms)),
        np.broadcast_to(stats.reward_sq_sum, (draws, stats.n_arms)),
    )
    winners = np.argmax(policy.indices(tiled, np.random.default_rng(seed)), axis=1)  # type: ignore[attr-defined]
    return np.bincount(winners, minlength=stats.n_arms) / draws


@pytest.mark.parametrize(
    "policy",
    [
        pytest.param(ThompsonSampling(), id="thompson"),
        pytest.param(PR1(), id="pr1"),
        pytest.param(PR3(), id="pr3"),
    ],
)
def test_batch_probabilities_match_monte_carlo_of_the_online_draws(policy: object) -> None:
    draws = 200_000
    exact = policy.batch_probabilities(STATS, np.random.default_rng(0))  # type: ignore[attr-defined]
    np.testing.assert_allclose(exact.sum(), 1.0)
    share = _monte_carlo(policy, STATS, draws, seed=1)
    assert np.all(np.abs(exact - share) < 4 * np.sqrt(exact * (1 - exact) / draws) + 2e-4)


def test_pr2_is_thompson_sampling_with_fractional_counts() -> None:
    assert make_policy("pr2").batch_probabilities(STATS, np.random.default_rng(0)).tolist() == (
        ThompsonSampling().batch_probabilities(STATS, np.random.default_rng(0)).tolist()
    )
    a = PR2().indices(STATS, np.random.default_rng(5))
    b = ThompsonSampling().indices(STATS, np.random.default_rng(5))
    np.testing.assert_array_equal(a, b)


def test_pr3_equals_pr2_on_bernoulli_rewards() -> None:
    alpha, beta = PR3().posterior(STATS)  # 0/1 rewards: sum of squares = sum
    np.testing.assert_allclose(alpha, 1 + STATS.reward_sum)
    np.testing.assert_allclose(beta, 1 + STATS.pulls - STATS.reward_sum)


def test_pr3_sharpens_the_posterior_of_low_variance_rewards() -> None:
    rewards = np.array([0.1, 0.2] * 50)  # mean 0.15, sample variance ~0.0025
    stats = ArmStats([100, 0], [rewards.sum(), 0.0], [np.sum(rewards**2), 0.0])
    m, var = rewards.mean(), rewards.var(ddof=1)
    v = min(0.25, var + math.sqrt(math.log(1 / 0.1) / 200))
    n_eff = 100 * max(1.0, m * (1 - m) / v)
    alpha, beta = PR3(confidence=0.1).posterior(stats)
    np.testing.assert_allclose(alpha, [1 + m * n_eff, 1.0])
    np.testing.assert_allclose(beta, [1 + (1 - m) * n_eff, 1.0])
    assert n_eff > 100


@pytest.mark.parametrize(
    ("n", "m"),
    [
        pytest.param(1.0, 0.0, id="one-zero"),
        pytest.param(1.0, 1.0, id="one-one"),
        pytest.param(7.0, 0.3, id="small"),
        pytest.param(500.0, 0.02, id="near-zero"),
    ],
)
def test_pr1_density_integrates_to_its_cdf(n: float, m: float) -> None:
    law = _PR1Law(np.array(n), np.array(m))

    def density(x: float) -> float:
        return float(law.density(np.array(x)))

    assert integrate.quad(density, 0, 1, points=[m], limit=200)[0] == pytest.approx(1.0, abs=1e-8)
    for x in (0.05, 0.3, 0.6, 0.95):
        mass = integrate.quad(density, 0, x, points=[min(m, x)], limit=200)[0]
        assert float(law.cdf(np.array(x))) == pytest.approx(mass, abs=1e-8)


def test_pr1_draws_follow_its_cdf() -> None:
    stats = ArmStats(pulls=np.full((20_000, 1), 4.0), reward_sum=np.full((20_000, 1), 3.0))
    draws = PR1().indices(stats, np.random.default_rng(3))[:, 0]
    assert np.all((draws > 0) & (draws < 1))
    one = _PR1Law(np.array(4.0), np.array(0.75))
    assert sps.kstest(draws, lambda x: one.cdf(np.asarray(x))).pvalue > 0.001


def test_thompson_binarization_counts_a_reward_as_a_success_with_that_probability() -> None:
    policy = ThompsonSampling(reward_mode="binarize")
    state = policy.start(2)
    rng = np.random.default_rng(2)
    for _ in range(4000):
        policy.observe(state, 0, 0.3, rng)
    assert set(np.unique(state.reward_sq_sum[0] - state.reward_sum[0])) == {0.0}  # 0/1 only
    assert state.reward_sum[0, 0] / 4000 == pytest.approx(0.3, abs=0.03)
    fractional = ThompsonSampling()
    frac_state = fractional.start(2)
    fractional.observe(frac_state, 0, 0.3, rng)
    assert frac_state.reward_sum[0, 0] == pytest.approx(0.3)
