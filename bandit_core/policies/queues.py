"""First-in first-out reward queues, one per (bandit, arm), for the blackbox wrapper.

Each bandit (row) appends its rewards to one log; a per-item link chains the items of the same
arm in arrival order, and ``head``/``tail`` point at each arm's first and last item. Pushing and
popping are vectorised over rows (each row at most once per call). When the log is full it is
first compacted (consumed items dropped, order kept) and only grown, by doubling, if the queued
items still need the room: memory follows what is queued, not what was ever delivered.
"""

from __future__ import annotations

import numpy as np

from bandit_core.policies.base import FloatArray, IntArray

__all__ = ["RewardQueues"]


class RewardQueues:
    """FIFO queues of rewards for ``rows`` bandits with ``k`` arms each."""

    def __init__(self, rows: int, k: int, capacity: int = 64) -> None:
        self.values = np.zeros((rows, capacity))
        self.link = np.full((rows, capacity), -1, dtype=np.int32)
        self.head = np.full((rows, k), -1, dtype=np.int64)
        self.tail = np.full((rows, k), -1, dtype=np.int64)
        self.length = np.zeros((rows, k), dtype=np.int64)
        self.used = np.zeros(rows, dtype=np.int64)
        self.alive = np.zeros((rows, capacity), dtype=bool)

    def _compact(self) -> None:
        """Drop consumed items: each row's queued items move to the front, in log order."""
        new_slot = np.cumsum(self.alive, axis=1) - 1
        r, old = np.nonzero(self.alive)
        values = np.zeros_like(self.values)
        link = np.full_like(self.link, -1)
        values[r, new_slot[r, old]] = self.values[r, old]
        target = self.link[r, old]
        chained = target >= 0
        link[r, new_slot[r, old]] = np.where(chained, new_slot[r, np.maximum(target, 0)], -1)
        self.values, self.link = values, link
        for ends in (self.head, self.tail):
            hr, ha = np.nonzero(ends >= 0)
            ends[hr, ha] = new_slot[hr, ends[hr, ha]]
        self.used = np.sum(self.alive, axis=1)
        self.alive = np.arange(self.values.shape[1])[None, :] < self.used[:, None]

    def _reserve(self, rows: IntArray, count: IntArray | int) -> None:
        """Make room for ``count`` more items in each of ``rows``."""
        if int(np.max(self.used[rows] + count)) <= self.values.shape[1]:
            return
        self._compact()
        self._grow(int(np.max(self.used[rows] + count)))

    def _grow(self, needed: int) -> None:
        capacity = self.values.shape[1]
        if capacity >= needed:
            return
        while capacity < needed:
            capacity *= 2
        extra = capacity - self.values.shape[1]
        rows = self.values.shape[0]
        self.values = np.concatenate([self.values, np.zeros((rows, extra))], axis=1)
        self.link = np.concatenate([self.link, np.full((rows, extra), -1, dtype=np.int32)], axis=1)
        self.alive = np.concatenate([self.alive, np.zeros((rows, extra), dtype=bool)], axis=1)

    def push(self, rows: IntArray, arms: IntArray, values: FloatArray) -> None:
        """Append one reward to the queue of (row, arm) for each given row (distinct rows)."""
        if rows.size == 0:
            return
        self._reserve(rows, 1)
        slot = self.used[rows]
        self.alive[rows, slot] = True
        self.values[rows, slot] = values
        self.link[rows, slot] = -1
        last = self.tail[rows, arms]
        chained = last >= 0
        self.link[rows[chained], last[chained]] = slot[chained]
        self.head[rows[~chained], arms[~chained]] = slot[~chained]
        self.tail[rows, arms] = slot
        self.length[rows, arms] += 1
        self.used[rows] += 1

    def pop(self, rows: IntArray, arms: IntArray) -> FloatArray:
        """Remove and return the oldest reward of (row, arm); every queue must be non-empty."""
        first = self.head[rows, arms]
        if np.any(first < 0):
            raise ValueError("pop from an empty reward queue")
        values = self.values[rows, first]
        self.alive[rows, first] = False
        following = self.link[rows, first]
        self.head[rows, arms] = following
        emptied = following < 0
        self.tail[rows[emptied], arms[emptied]] = -1
        self.length[rows, arms] -= 1
        return np.asarray(values, dtype=np.float64)

    def push_sequence(
        self, rows: IntArray, arms: IntArray, values: FloatArray, lengths: IntArray
    ) -> None:
        """Append each row's sequence: arms, values (R, L), of which the first ``lengths[i]``."""
        width = arms.shape[1]
        valid = np.arange(width)[None, :] < lengths[:, None]
        if not np.any(valid):
            return
        self._reserve(rows, lengths)
        start = self.used[rows]
        r_i, j_i = np.nonzero(valid)
        row = rows[r_i]
        arm = arms[r_i, j_i]
        slot = start[r_i] + j_i
        self.alive[row, slot] = True
        self.values[row, slot] = values[r_i, j_i]
        self.link[row, slot] = -1
        # chain the new items of each (row, arm) in order, then after the queue's old tail
        order = np.lexsort((j_i, arm, row))
        row, arm, slot = row[order], arm[order], slot[order]
        same = (row[1:] == row[:-1]) & (arm[1:] == arm[:-1])
        self.link[row[:-1][same], slot[:-1][same]] = slot[1:][same]
        first = np.concatenate([[True], ~same])
        last = np.concatenate([~same, [True]])
        old_tail = self.tail[row[first], arm[first]]
        chained = old_tail >= 0
        self.link[row[first][chained], old_tail[chained]] = slot[first][chained]
        self.head[row[first][~chained], arm[first][~chained]] = slot[first][~chained]
        self.tail[row[last], arm[last]] = slot[last]
        np.add.at(self.length, (row, arm), 1)
        self.used[rows] += lengths
