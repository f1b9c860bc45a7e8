"""The online engine's bookkeeping: delivery order within a block, regret recorded per block."""

from __future__ import annotations

import numpy as np
import pytest

from bandit_core.study.online_engine import _delivery_order
from bandit_core.study.regret import RegretRecorder


@pytest.mark.parametrize("order_sensitive", [True, False], ids=["sensitive", "insensitive"])
def test_deliveries_are_grouped_by_decision_then_row_then_due_time(order_sensitive: bool) -> None:
    rng = np.random.default_rng(0)
    step = rng.integers(0, 6, 400)
    rows = rng.integers(0, 5, 400)
    due = rng.random(400)
    order, rank = _delivery_order(step, rows, due, order_sensitive)
    assert sorted(order.tolist()) == list(range(400))
    assert np.all(np.diff(step[order]) >= 0)
    if not order_sensitive:
        np.testing.assert_array_equal(rank, 0)
        return
    expected = sorted(range(400), key=lambda i: (step[i], rows[i], due[i]))
    np.testing.assert_array_equal(order, expected)
    # rank: position among the deliveries of the same row before the same decision
    seen: dict[tuple[int, int], int] = {}
    for i, k in zip(order.tolist(), rank.tolist(), strict=True):
        key = (int(step[i]), int(rows[i]))
        assert k == seen.get(key, 0)
        seen[key] = k + 1


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
