"""The allocation rails on top of the policy's probabilities (no database)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from bandit_core.allocation import allocation_seed, compute_allocation, model_version
from bandit_core.config import PolicyConfig
from bandit_core.policies import ArmStats

STATS = ArmStats(
    pulls=[[1000, 1000, 1000], [0, 0, 0], [5, 200, 200]],
    reward_sum=[[50, 100, 20], [0, 0, 0], [1, 20, 10]],
)


def _policy(**kwargs: float) -> PolicyConfig:
    return PolicyConfig(name="thompson_sampling", **kwargs)  # type: ignore[arg-type]


def test_without_rails_the_probabilities_are_the_policys() -> None:
    allocation = compute_allocation(_policy(), STATS, seed=1)
    np.testing.assert_allclose(allocation.probability, allocation.policy_probability)
    assert allocation.probability[0, 1] > 0.999
    np.testing.assert_allclose(allocation.probability[1], [1 / 3] * 3, atol=1e-9)


def test_min_share_floors_every_template_and_keeps_the_order() -> None:
    allocation = compute_allocation(_policy(min_share=0.1), STATS, seed=1)
    assert np.all(allocation.probability >= 0.1 - 1e-12)
    np.testing.assert_allclose(
        allocation.probability, 0.1 + 0.7 * allocation.policy_probability, atol=1e-12
    )
    np.testing.assert_allclose(allocation.probability.sum(axis=1), 1.0)


def test_warm_up_is_uniform_until_every_template_has_matured_sends() -> None:
    allocation = compute_allocation(_policy(warmup_min_matured=100), STATS, seed=1)
    np.testing.assert_allclose(allocation.probability[2], [1 / 3] * 3)  # one template has 5
    assert allocation.probability[0, 1] > 0.999


def test_cumulative_intervals_tile_the_unit_interval() -> None:
    allocation = compute_allocation(_policy(min_share=0.05), STATS, seed=1)
    assert np.all(allocation.cum_low[:, 0] == 0.0)
    assert np.all(allocation.cum_high[:, -1] == 1.0)
    np.testing.assert_array_equal(allocation.cum_low[:, 1:], allocation.cum_high[:, :-1])
    np.testing.assert_allclose(allocation.cum_high - allocation.cum_low, allocation.probability)


def test_expected_regret_is_zero_for_a_certain_winner_and_positive_otherwise() -> None:
    allocation = compute_allocation(_policy(), STATS, seed=1)
    assert allocation.expected_regret[0, 1] == pytest.approx(0.0, abs=1e-4)
    assert allocation.expected_regret[0, 2] == pytest.approx(0.1 - 0.021, abs=2e-3)
    # flat Beta(1, 1) posteriors: E[max of 3 uniforms] - 1/2 = 3/4 - 1/2
    np.testing.assert_allclose(allocation.expected_regret[1], 0.25, atol=1e-3)


def test_seed_and_model_version_are_stable_labels() -> None:
    assert allocation_seed(7, dt.date(2026, 1, 2)) == allocation_seed(7, dt.date(2026, 1, 2))
    assert allocation_seed(7, dt.date(2026, 1, 2)) != allocation_seed(7, dt.date(2026, 1, 3))
    assert 0 <= allocation_seed(7, dt.date(2026, 1, 2)) < 2**63
    assert model_version(3, dt.date(2026, 1, 2)) == "v3-20260102"
