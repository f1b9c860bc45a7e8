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
per rank for order-sensitive policies (DMED, BB).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from bandit_core.policies.base import FloatArray, IntArray, Policy
from bandit_core.study.regret import RegretRecorder, RegretSamples
from bandit_core.study.scenario import Scenario
from bandit_core.study.traffic import ArrivalStream

__all__ = ["run_online"]

_BLOCK = 4096


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

    def more() -> None:
        nonlocal made
        size = min(_BLOCK, n_total - made)
        future.append(stream.next(size))
        made += size

    more()
    for n0 in range(0, n_total, _BLOCK):
        times = future.pop(0)
        if not future and made < n_total:
            more()
        size = times.shape[1]
        reading = arms_model.reading_times((reps, size), env_rng)
        due = times + scenario.delay.draw(reading, env_rng)
        # make sure the arrival times reach past every due time (or the horizon)
        while made < n_total and np.any(
            np.max(due, axis=1) >= (future[-1][:, -1] if future else times[:, -1])
        ):
            more()
        known = np.concatenate([times, *future], axis=1)
        target = n0 + np.stack(
            [np.searchsorted(known[r], due[r], side="right") for r in range(reps)]
        )
        # deliveries of this block: carried ones and this block's own, before decision n0 + size
        c_rows, c_target, c_due, c_arms, c_values = carry.take_before(n0 + size)
        own = target < n0 + size
        o_rows, o_src = np.nonzero(own)
        e_rows = np.concatenate([c_rows, o_rows])
        e_target = np.concatenate([c_target, target[own]])
        e_due = np.concatenate([c_due, due[own]])
        e_src = np.concatenate([np.full(c_rows.size, -1, dtype=np.intp), o_src])  # -1: carried
        order = np.lexsort((e_due, e_rows, e_target))
        e_rows, e_target, e_src = e_rows[order], e_target[order], e_src[order]
        e_arms = np.concatenate([c_arms, np.zeros(o_rows.size, dtype=np.intp)])[order]
        e_values = np.concatenate([c_values, np.zeros(o_rows.size)])[order]
        # rank of each delivery among those of the same row before the same decision
        group_start = np.ones(order.size, dtype=bool)
        group_start[1:] = (e_target[1:] != e_target[:-1]) | (e_rows[1:] != e_rows[:-1])
        starts = np.flatnonzero(group_start)
        rank = np.arange(order.size) - starts[np.cumsum(group_start) - 1]
        bounds = np.searchsorted(e_target, n0 + np.arange(size + 1))
        chosen = np.zeros((reps, size), dtype=np.intp)
        values = np.zeros((reps, size))
        for j in range(size):
            lo, hi = bounds[j], bounds[j + 1]
            if hi > lo:
                r, src = e_rows[lo:hi], e_src[lo:hi]
                mine = src >= 0
                arm = np.where(mine, chosen[r, np.maximum(src, 0)], e_arms[lo:hi])
                value = np.where(mine, values[r, np.maximum(src, 0)], e_values[lo:hi])
                if policy.order_sensitive and np.any(rank[lo:hi] > 0):
                    for level in range(int(np.max(rank[lo:hi])) + 1):
                        at = rank[lo:hi] == level
                        policy.observe_many(state, r[at], arm[at], value[at], policy_rng)
                else:
                    policy.observe_many(state, r, arm, value, policy_rng)
            arms = policy.choose_many(state, rows, policy_rng)
            reward = arms_model.values(arms, policy_rng.random(reps), reading[:, j], policy_rng)
            chosen[:, j], values[:, j] = arms, reward
            recorder.step(arms, reward)
        # this block's rewards due after it wait for their decision (beyond the horizon: never)
        later = (target >= n0 + size) & (target < n_total)
        l_rows, l_src = np.nonzero(later)
        carry.add(l_rows, target[later], due[later], chosen[later], values[later])
        if progress is not None:
            progress(size * reps)
    return recorder.samples()
