"""The online engine's bookkeeping: pending rewards earliest first, regret recorded per block."""

from __future__ import annotations

import numpy as np

from bandit_core.study.online_engine import _heap_pop, _heap_push
from bandit_core.study.regret import RegretRecorder


def test_the_pending_rewards_heap_pops_earliest_first() -> None:
    rng = np.random.default_rng(0)
    due = rng.random(300)
    heap_due, heap_value = np.empty(300), np.empty(300)
    heap_arm = np.empty(300, dtype=np.intp)
    n = 0
    popped = []
    for i, d in enumerate(due.tolist()):
        n = _heap_push(heap_due, heap_arm, heap_value, n, d, i, 2 * d)
        if i % 3 == 2:  # interleave pops with pushes, as deliveries interleave with decisions
            popped.append((heap_due[0], heap_arm[0], heap_value[0]))
            n = _heap_pop(heap_due, heap_arm, heap_value, n)
    while n:
        popped.append((heap_due[0], heap_arm[0], heap_value[0]))
        n = _heap_pop(heap_due, heap_arm, heap_value, n)
    assert sorted(arm for _, arm, _ in popped) == list(range(300))
    for d, arm, value in popped:
        assert d == due[arm] and value == 2 * d
    # every pop returned the earliest item pending at that moment
    pending: set[int] = set()
    pops = iter(popped)
    for i in range(300):
        pending.add(i)
        if i % 3 == 2:
            _, arm, _ = next(pops)
            assert due[arm] == min(due[j] for j in pending)
            pending.remove(arm)


def test_regret_recorded_per_block_equals_the_running_sums() -> None:
    rng = np.random.default_rng(1)
    means = np.array([0.5, 0.4, 0.3])
    checkpoints = np.array([3, 7, 8, 12])
    arms = rng.integers(0, 3, (4, 12))
    rewards = rng.random((4, 12))
    recorder = RegretRecorder(4, checkpoints, means)
    for lo, hi in ((0, 5), (5, 8), (8, 12)):  # blocks that start, end or skip checkpoints
        recorder.block(arms[:, lo:hi], rewards[:, lo:hi])
    samples = recorder.samples()
    for c, n in enumerate(checkpoints.tolist()):
        gaps = (0.5 - means)[arms[:, :n]].sum(axis=1)
        np.testing.assert_allclose(samples.pseudo[:, c], gaps)
        np.testing.assert_allclose(samples.realized[:, c], n * 0.5 - rewards[:, :n].sum(axis=1))
