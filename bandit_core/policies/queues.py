"""First-in first-out reward queues, one per (bandit, arm), for the blackbox wrapper (compiled).

Each bandit (row) appends its rewards to one log; a per-item link chains the items of the same
arm in arrival order, and ``head``/``tail`` point at each arm's first and last item. ``push``
and ``pop`` work on one bandit inside compiled code and never allocate: before rewards are
pushed, ``reserve`` makes room, first compacting a full log (consumed items dropped, each arm's
order kept) and only growing it, by doubling, if the queued items still need the room. Memory
follows what is queued, not what was ever delivered.

The queues are the tuple ``(head, tail, length, used, values, link)``: (rows, K) item indices
(-1 for none) and counts, (rows, 1) items used in the log, and (rows, capacity) values and
links.
"""

from __future__ import annotations

import numpy as np

from bandit_core.policies.base import FloatArray, IntArray
from bandit_core.policies.compiled import jit

__all__ = ["empty_queues", "pop", "push", "reserve_queues"]

Queues = tuple[IntArray, IntArray, IntArray, IntArray, FloatArray, IntArray]


def empty_queues(rows: int, k: int, capacity: int = 64) -> Queues:
    """Empty queues for ``rows`` bandits of ``k`` arms, with room for ``capacity`` items each."""
    return (
        np.full((rows, k), -1, dtype=np.intp),
        np.full((rows, k), -1, dtype=np.intp),
        np.zeros((rows, k), dtype=np.intp),
        np.zeros((rows, 1), dtype=np.intp),
        np.zeros((rows, capacity)),
        np.full((rows, capacity), -1, dtype=np.intp),
    )


@jit
def push(
    head: IntArray,
    tail: IntArray,
    length: IntArray,
    used: IntArray,
    values: FloatArray,
    link: IntArray,
    r: int,
    arm: int,
    value: float,
) -> None:
    """Append ``value`` to the queue of (r, arm); the log must have room (``reserve``)."""
    slot = used[r, 0]
    values[r, slot] = value
    link[r, slot] = -1
    if tail[r, arm] >= 0:
        link[r, tail[r, arm]] = slot
    else:
        head[r, arm] = slot
    tail[r, arm] = slot
    length[r, arm] += 1
    used[r, 0] = slot + 1


@jit
def pop(
    head: IntArray,
    tail: IntArray,
    length: IntArray,
    values: FloatArray,
    link: IntArray,
    r: int,
    arm: int,
) -> float:
    """Remove and return the oldest value of the non-empty queue of (r, arm)."""
    first = head[r, arm]
    head[r, arm] = link[r, first]
    if head[r, arm] < 0:
        tail[r, arm] = -1
    length[r, arm] -= 1
    return float(values[r, first])


@jit
def _compact(
    head: IntArray, tail: IntArray, used: IntArray, values: FloatArray, link: IntArray, r: int
) -> None:
    """Drop row ``r``'s consumed items: each arm's queued items move to the front, in order."""
    kept = np.empty(values.shape[1])
    chain = np.full(values.shape[1], -1, dtype=np.intp)
    slot = 0
    for arm in range(head.shape[1]):
        item = head[r, arm]
        last = -1
        if item >= 0:
            head[r, arm] = slot
        while item >= 0:
            kept[slot] = values[r, item]
            if last >= 0:
                chain[last] = slot
            last = slot
            slot += 1
            item = link[r, item]
        tail[r, arm] = last
    values[r, :slot] = kept[:slot]
    link[r, :] = chain
    used[r, 0] = slot


def reserve_queues(queues: Queues, deliveries: IntArray) -> Queues:
    """The queues with room for ``deliveries[i]`` more items of bandit ``i`` (maybe new arrays)."""
    head, tail, length, used, values, link = queues
    capacity = values.shape[1]
    full = np.flatnonzero(used[:, 0] + deliveries > capacity)
    for r in full.tolist():
        _compact(head, tail, used, values, link, r)
    needed = int(np.max(used[:, 0] + deliveries, initial=0))
    if needed <= capacity:
        return queues
    extra = max(needed, 2 * capacity) - capacity
    rows = values.shape[0]
    values = np.concatenate([values, np.zeros((rows, extra))], axis=1)
    link = np.concatenate([link, np.full((rows, extra), -1, dtype=np.intp)], axis=1)
    return head, tail, length, used, values, link
