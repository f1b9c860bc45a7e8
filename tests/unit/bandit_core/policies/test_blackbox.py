"""The QPM-D blackbox wrapper and its reward queues."""

from __future__ import annotations

import numpy as np

from bandit_core.policies import ArmStats, BlackBox, make_policy
from bandit_core.policies.queues import RewardQueues


def test_queues_are_first_in_first_out_per_arm() -> None:
    queues = RewardQueues(rows=2, k=3, capacity=2)
    rows = np.array([0, 1])
    for v in (0.1, 0.2, 0.3):
        queues.push(rows, np.array([1, 1]), np.array([v, v + 1]) / 2)
    queues.push_sequence(
        rows,
        np.array([[1, 2, 1], [0, 0, 0]]),
        np.array([[0.7, 0.8, 0.9], [0, 0, 0]]),
        np.array([3, 0]),
    )
    popped = [queues.pop(np.array([0]), np.array([1]))[0] for _ in range(5)]
    np.testing.assert_allclose(popped, [0.05, 0.1, 0.15, 0.7, 0.9])
    assert queues.pop(np.array([0]), np.array([2]))[0] == 0.8
    np.testing.assert_array_equal(queues.length, [[0, 0, 0], [0, 3, 0]])


def test_qpmd_plays_one_arm_until_its_feedback_is_queued_then_lets_the_base_consume_it() -> None:
    policy = make_policy("bb_ucb")
    state = policy.start(3)
    rng = np.random.default_rng(5)
    first = policy.choose(state, rng)
    assert all(policy.choose(state, rng) == first for _ in range(5))
    for _ in range(4):
        policy.observe(state, first, 0.0, rng)
    base = state.extra["base"]
    assert base.pulls.sum() == 0  # delivered rewards are only queued
    second = policy.choose(state, rng)
    # the base (UCB) consumed one 0 of `first`, whose index became finite, and asked for an
    # untried arm (index +inf), whose queue is empty
    assert second != first
    assert base.pulls[0].tolist() == [1.0 if a == first else 0.0 for a in range(3)]
    assert state.extra["queues"].length[0, first] == 3


def test_a_feedback_free_period_goes_to_one_arm() -> None:
    policy = BlackBox(make_policy("thompson_sampling"))
    state = policy.start_many(4, 5)
    counts = policy.allocate_many(
        state, np.arange(4), np.array([[100, 20]] * 4), np.random.default_rng(0)
    )
    assert np.all((counts > 0).sum(axis=2) <= 1)
    np.testing.assert_array_equal(counts.sum(axis=2), [[100, 20]] * 4)


def test_batch_face_is_one_hot_on_a_draw_of_the_base() -> None:
    stats = ArmStats(pulls=[[50, 50]] * 4000, reward_sum=[[20, 30]] * 4000)
    probs = make_policy("bb_thompson_sampling").batch_probabilities(stats, np.random.default_rng(0))
    assert set(np.unique(probs)) == {0.0, 1.0}
    base = make_policy("thompson_sampling").batch_probabilities(
        ArmStats([50, 50], [20, 30]), np.random.default_rng(0)
    )
    assert abs(probs[:, 1].mean() - base[1]) < 0.03


def test_queues_compact_consumed_items_instead_of_growing_forever() -> None:
    queues = RewardQueues(rows=3, k=2, capacity=4)
    rng = np.random.default_rng(0)
    rows = np.arange(3)
    expected: list[list[list[float]]] = [[[], []] for _ in range(3)]
    for step in range(400):
        arms = rng.integers(2, size=3)
        values = rng.random(3)
        queues.push(rows, arms, values)
        for r in range(3):
            expected[r][arms[r]].append(values[r])
        if step % 3:  # pop from a non-empty queue of every row
            pick = np.array([0 if expected[r][0] else 1 for r in range(3)])
            got = queues.pop(rows, pick)
            np.testing.assert_allclose(got, [expected[r][pick[r]].pop(0) for r in range(3)])
    assert queues.values.shape[1] <= 4 * max(sum(len(q) for q in row) for row in expected)
    for r in range(3):
        for a in range(2):
            drained = [queues.pop(np.array([r]), np.array([a]))[0] for _ in expected[r][a]]
            np.testing.assert_allclose(drained, expected[r][a])
