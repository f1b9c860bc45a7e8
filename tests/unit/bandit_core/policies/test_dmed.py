"""DMED with the paper code's list mechanics."""

from __future__ import annotations

import numpy as np

from bandit_core.policies import DMED, ArmStats

RNG = np.random.default_rng(0)


def test_the_last_pending_arm_is_played_and_leaves_when_its_reward_arrives() -> None:
    policy = DMED()
    state = policy.start(3)
    trace = []
    for reward in (1.0, 0.0, 1.0):
        arm = policy.choose(state, RNG)
        assert policy.choose(state, RNG) == arm  # no reward yet: the same arm again
        trace.append(arm)
        policy.observe(state, arm, reward, RNG)
    # arms 2 (1.0), 1 (0.0), 0 (1.0): by hand, arm 2 joins the next list after its reward
    # (kl = 0 <= log 2), arm 1 never does (kl(0, 1) is huge), arm 0 joins when the list empties
    assert trace == [2, 1, 0]
    np.testing.assert_array_equal(state.extra["arrays"][1][0], [1, -1, 0])  # list [2, 0]
    assert policy.choose(state, RNG) == 0


def test_random_tie_rule_spreads_over_the_pending_arms() -> None:
    policy = DMED(tie_rule="random")
    state = policy.start(4)
    picks = np.bincount(
        [policy.choose(state, np.random.default_rng(i)) for i in range(2000)], minlength=4
    )
    assert np.all(np.abs(picks / 2000 - 0.25) < 0.04)


def test_a_batch_period_goes_entirely_to_the_last_pending_arm() -> None:
    policy = DMED()
    state = policy.start_many(2, 4)
    counts = policy.allocate_many(state, np.arange(2), np.array([[300, 200], [50, 0]]), RNG)
    np.testing.assert_array_equal(counts[:, :, 3], [[300, 200], [50, 0]])
    assert counts[:, :, :3].sum() == 0


def test_batch_face_shares_the_day_among_the_arms_dmed_keeps() -> None:
    # t = 301, log(⌊301/100⌋) = log 3 = 1.10; arm 0 is best (0.5); by hand, 100 kl(0.47, 0.5)
    # = 0.18 keeps arm 1 and 100 kl(0.1, 0.5) = 51.1 drops arm 2
    stats = ArmStats(pulls=[100, 100, 100], reward_sum=[50, 47, 10])
    np.testing.assert_allclose(DMED().batch_probabilities(stats, RNG), [0.5, 0.5, 0.0])
