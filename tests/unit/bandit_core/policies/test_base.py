"""The two faces' shared pieces: statistics, online state, reward checks, segment counts."""

from __future__ import annotations

import numpy as np
import pytest

from bandit_core.policies import ArmStats, make_policy
from bandit_core.policies.base import multinomial_segments


def test_arm_stats_rejects_sums_outside_the_rewards_range() -> None:
    with pytest.raises(ValueError, match="0 <= reward_sum <= pulls"):
        ArmStats(pulls=[2, 2], reward_sum=[3, 1])
    with pytest.raises(ValueError, match="one shape"):
        ArmStats(pulls=[2, 2], reward_sum=[1, 1, 1])


def test_means_and_variances_of_observed_rewards() -> None:
    rewards = [[0.2, 0.4, 0.9], [1.0], []]
    stats = ArmStats(
        pulls=[len(r) for r in rewards],
        reward_sum=[sum(r) for r in rewards],
        reward_sq_sum=[sum(x * x for x in r) for r in rewards],
    )
    np.testing.assert_allclose(stats.means(), [0.5, 1.0, 0.0])
    np.testing.assert_allclose(stats.variances(), [np.var([0.2, 0.4, 0.9], ddof=1), 0.0, 0.0])


def test_online_state_records_rows_independently() -> None:
    policy = make_policy("ucb")
    state = policy.start_many(2, 3)
    rng = np.random.default_rng(0)
    policy.observe_many(
        state, np.array([0, 1, 1]), np.array([2, 0, 0]), np.array([1.0, 0.5, 0.25]), rng
    )
    np.testing.assert_array_equal(state.pulls, [[0, 0, 1], [2, 0, 0]])
    np.testing.assert_allclose(state.reward_sum, [[0, 0, 1], [0.75, 0, 0]])
    np.testing.assert_allclose(state.reward_sq_sum, [[0, 0, 1], [0.3125, 0, 0]])
    assert state.snapshot(np.array([1])).pulls.tolist() == [[2, 0, 0]]


@pytest.mark.parametrize(
    "reward", [pytest.param(-0.1, id="negative"), pytest.param(1.5, id="above-one")]
)
def test_observe_rejects_rewards_outside_zero_one(reward: float) -> None:
    policy = make_policy("ucb")
    state = policy.start(2)
    with pytest.raises(ValueError, match=r"expected rewards in \[0, 1\]"):
        policy.observe(state, 0, reward, np.random.default_rng(0))


def test_multinomial_segments_keep_every_segment_total() -> None:
    decisions = np.array([[3, 0, 7], [10, 10, 0]])
    probs = np.array([[0.2, 0.8], [1.0, 0.0]])
    counts = multinomial_segments(decisions, probs, np.random.default_rng(0))
    np.testing.assert_array_equal(counts.sum(axis=2), decisions)
    assert np.all(counts[1, :, 1] == 0)
