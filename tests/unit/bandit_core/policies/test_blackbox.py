"""The QPM-D blackbox wrapper and its reward queues."""

from __future__ import annotations

import numpy as np

from bandit_core.policies import ArmStats, BlackBox, make_policy
from bandit_core.policies.queues import empty_queues, pop, push, reserve_queues


def test_queues_are_first_in_first_out_per_arm() -> None:
    queues = empty_queues(rows=2, k=3, capacity=2)
    for v in (0.1, 0.2, 0.3):
        queues = reserve_queues(queues, np.array([1, 1]))
        push(*queues, 0, 1, v / 2)
        push(*queues, 1, 1, (v + 1) / 2)
    queues = reserve_queues(queues, np.array([3, 0]))
    for arm, v in ((1, 0.7), (2, 0.8), (1, 0.9)):
        push(*queues, 0, arm, v)
    head, tail, length, used, values, link = queues
    popped = [pop(head, tail, length, values, link, 0, 1) for _ in range(5)]
    np.testing.assert_allclose(popped, [0.05, 0.1, 0.15, 0.7, 0.9])
    assert pop(head, tail, length, values, link, 0, 2) == 0.8
    np.testing.assert_array_equal(length, [[0, 0, 0], [0, 3, 0]])


def test_qpmd_plays_one_arm_until_its_feedback_is_queued_then_lets_the_base_consume_it() -> None:
    policy = make_policy("bb_ucb")
    state = policy.start(3)
    rng = np.random.default_rng(5)
    first = policy.choose(state, rng)
    assert all(policy.choose(state, rng) == first for _ in range(5))
    for _ in range(4):
        policy.observe(state, first, 0.0, rng)
    base = state.extra["inner"]
    assert base.pulls.sum() == 0  # delivered rewards are only queued
    second = policy.choose(state, rng)
    # the base (UCB) consumed one 0 of `first`, whose index became finite, and asked for an
    # untried arm (index +inf), whose queue is empty
    assert second != first
    assert base.pulls[0].tolist() == [1.0 if a == first else 0.0 for a in range(3)]
    length = state.extra["arrays"][4]  # after scratch, the arm played, heads and tails
    assert length[0, first] == 3


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
    queues = empty_queues(rows=3, k=2, capacity=4)
    rng = np.random.default_rng(0)
    expected: list[list[list[float]]] = [[[], []] for _ in range(3)]
    for step in range(400):
        arms = rng.integers(2, size=3)
        values = rng.random(3)
        queues = reserve_queues(queues, np.ones(3, dtype=np.intp))
        for r in range(3):
            push(*queues, r, int(arms[r]), float(values[r]))
            expected[r][arms[r]].append(values[r])
        if step % 3:  # pop from a non-empty queue of every row
            head, tail, length, used, log, link = queues
            for r in range(3):
                arm = 0 if expected[r][0] else 1
                got = pop(head, tail, length, log, link, r, arm)
                assert got == expected[r][arm].pop(0)
    assert queues[4].shape[1] <= 4 * max(sum(len(q) for q in row) for row in expected)
    head, tail, length, used, log, link = queues
    for r in range(3):
        for a in range(2):
            drained = [pop(head, tail, length, log, link, r, a) for _ in expected[r][a]]
            np.testing.assert_allclose(drained, expected[r][a])
