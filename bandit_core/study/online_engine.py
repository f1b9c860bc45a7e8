"""The fast engine of the online architecture: the event simulation in lockstep across repetitions.

In the online architecture each reward reaches the policy after its own delay, so the state
can change between any two decisions and decisions must be taken one at a time. What can be
vectorised is the repetitions: all of them take their n-th decision together. Delays do not
depend on the chosen arm (a delay is drawn per decision; in Bern_V it is the decision's
reading time), so for every decision the index of the first later decision that sees its
reward is known before any arm is chosen: the reward of decision m is delivered just before
decision n, the first with arrival time > t_m + delay_m, exactly the order in which the event
list would pop them. Decisions are processed in blocks; deliveries that fall beyond a block are
carried over.

Rewards delivered before the same decision reach the policy in delivery-time order, one round
per rank for order-sensitive policies (DMED, BB). Regret is recorded once per block, from the
block's arms and rewards.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from bandit_core.policies.base import FloatArray, IntArray, Policy
from bandit_core.study.regret import RegretRecorder, RegretSamples
from bandit_core.study.scenario import Scenario
from bandit_core.study.traffic import ArrivalStream

__all__ = ["run_online"]

_BLOCK_VALUES = 1 << 20  # decisions x repetitions per block: a block's arrays stay ~8 MB


class _Carry:
    """Deliveries scheduled for later decisions: row, target decision, due time, arm, value."""

    def __init__(self) -> None:
        self.rows = np.empty(0, dtype=np.intp)
        self.target = np.empty(0, dtype=np.int64)
        self.due = np.empty(0)
        self.arms = np.empty(0, dtype=np.intp)
        self.values = np.empty(0)

    def take_before(
        self, limit: int
    ) -> tuple[IntArray, np.ndarray, FloatArray, IntArray, FloatArray]:
        """Remove and return the entries whose target is < ``limit``."""
        now = self.target < limit
        out = (self.rows[now], self.target[now], self.due[now], self.arms[now], self.values[now])
        keep = ~now
        self.rows, self.target, self.due = self.rows[keep], self.target[keep], self.due[keep]
        self.arms, self.values = self.arms[keep], self.values[keep]
        return out

    def add(
        self,
        rows: IntArray,
        target: np.ndarray,
        due: FloatArray,
        arms: IntArray,
        values: FloatArray,
    ) -> None:
        self.rows = np.concatenate([self.rows, rows])
        self.target = np.concatenate([self.target, target])
        self.due = np.concatenate([self.due, due])
        self.arms = np.concatenate([self.arms, arms])
        self.values = np.concatenate([self.values, values])


def run_online(
    scenario: Scenario,
    policy: Policy,
    reps: int,
    env_rng: np.random.Generator,
    policy_rng: np.random.Generator,
    progress: Callable[[int], None] | None = None,
) -> RegretSamples:
    """Simulate ``reps`` repetitions of an online scenario; see the module docstring."""
    if scenario.architecture != "online" or scenario.delay is None:
        raise ValueError("run_online simulates the online architecture; use run_batch")
    n_total = scenario.decisions
    arms_model = scenario.arms
    recorder = RegretRecorder(reps, scenario.checkpoints(), arms_model.means())
    state = policy.start_many(reps, scenario.k)
    rows = np.arange(reps)
    stream = ArrivalStream(
        scenario.traffic, scenario.start_times(reps, env_rng), scenario.arrivals, env_rng
    )
    future: list[FloatArray] = []  # arrival times of the decisions after the current block
    made = 0  # decisions whose arrival times exist
    carry = _Carry()

    block = max(256, min(4096, _BLOCK_VALUES // reps))

    def more() -> None:
        nonlocal made
        size = min(block, n_total - made)
        future.append(stream.next(size))
        made += size

    more()
    for n0 in range(0, n_total, block):
        times = future.pop(0)
        if not future and made < n_total:
            more()
        size = times.shape[1]
        # per-decision arrays are (size, reps): decision j's values are one contiguous row
        reading = arms_model.reading_times((size, reps), env_rng)
        due = times + scenario.delay.draw(reading, env_rng).T
        # make sure the arrival times reach past every due time (or the horizon)
        while made < n_total and np.any(
            np.max(due, axis=1) >= (future[-1][:, -1] if future else times[:, -1])
        ):
            more()
        known = np.concatenate([times, *future], axis=1)
        target = n0 + np.stack(
            [np.searchsorted(known[r], due[r], side="right") for r in range(reps)]
        )
        # the block's decisions live at j * reps + r of two flat buffers (arm, reward); the
        # deliveries carried from earlier blocks follow them, so that every delivery is one
        # slot of the buffers and a decision reads its deliveries with one gather
        c_rows, c_target, c_due, c_arms, c_values = carry.take_before(n0 + size)
        own = target < n0 + size
        o_rows, o_src = np.nonzero(own)
        mine = reps * size
        arm_buf = np.empty(mine + c_rows.size, dtype=np.intp)
        value_buf = np.empty(mine + c_rows.size)
        arm_buf[mine:], value_buf[mine:] = c_arms, c_values
        chosen, values = arm_buf[:mine].reshape(size, reps), value_buf[:mine].reshape(size, reps)
        e_rows = np.concatenate([c_rows, o_rows])
        e_target = np.concatenate([c_target, target[own]])
        e_due = np.concatenate([c_due, due[own]])
        e_slot = np.concatenate([mine + np.arange(c_rows.size), o_src * reps + o_rows])
        order, rank = _delivery_order(e_target - n0, e_rows, e_due, policy.order_sensitive)
        e_rows, e_target, e_slot = e_rows[order], e_target[order], e_slot[order]
        bounds = np.searchsorted(e_target, n0 + np.arange(size + 1))
        ranked = np.zeros(size, dtype=bool)
        ranked[e_target[rank > 0] - n0] = True
        uniforms = policy_rng.random((size, reps))
        for j in range(size):
            lo, hi = bounds[j], bounds[j + 1]
            if hi > lo:
                r, slot = e_rows[lo:hi], e_slot[lo:hi]
                arm, value = arm_buf[slot], value_buf[slot]
                if ranked[j]:
                    # a row with several rewards: one round per rank, in delivery order
                    level = rank[lo:hi]
                    for k in range(int(np.max(level)) + 1):
                        at = level == k
                        policy.observe_many(state, r[at], arm[at], value[at], policy_rng)
                else:
                    policy.observe_many(state, r, arm, value, policy_rng)
            arms = policy.choose_many(state, rows, policy_rng)
            chosen[j] = arms
            values[j] = arms_model.values(arms, uniforms[j], reading[j], policy_rng)
        recorder.block(chosen.T, values.T)
        # this block's rewards due after it wait for their decision (beyond the horizon: never)
        later = (target >= n0 + size) & (target < n_total)
        l_rows, _ = np.nonzero(later)
        carry.add(l_rows, target[later], due[later], chosen.T[later], values.T[later])
        if progress is not None:
            progress(size * reps)
    return recorder.samples()


def _small_keys(values: np.ndarray) -> np.ndarray:
    """Non-negative integer sort keys in the narrowest type (NumPy radix-sorts 16-bit keys)."""
    if values.size and int(np.max(values)) < 2**16:
        return values.astype(np.uint16)
    return values


def _delivery_order(
    step: np.ndarray, rows: np.ndarray, due: FloatArray, order_sensitive: bool
) -> tuple[IntArray, IntArray]:
    """The order in which a block's deliveries reach the policy, and each one's rank.

    Deliveries are grouped by the decision they precede (``step``), then by row; within a
    (step, row) group an order-sensitive policy receives them by due time, and ``rank`` is the
    position in the group (all 0 for other policies, which take a group at once).
    """
    if not order_sensitive:
        order = np.argsort(_small_keys(step), kind="stable")
        return np.asarray(order, dtype=np.intp), np.zeros(step.size, dtype=np.intp)
    by_row = np.argsort(_small_keys(rows), kind="stable")
    order = by_row[np.argsort(_small_keys(step[by_row]), kind="stable")]
    s, r = step[order], rows[order]
    group_start = np.ones(order.size, dtype=bool)
    group_start[1:] = (s[1:] != s[:-1]) | (r[1:] != r[:-1])
    group = np.cumsum(group_start) - 1
    starts = np.flatnonzero(group_start)
    # only groups of several deliveries need their due times sorted
    sizes = np.diff(np.append(starts, order.size))
    shared = np.flatnonzero(sizes[group] > 1)
    if shared.size:
        inner = np.lexsort((due[order[shared]], group[shared]))
        order[shared] = order[shared[inner]]
    rank = np.arange(order.size) - starts[group]
    return np.asarray(order, dtype=np.intp), np.asarray(rank, dtype=np.intp)
