"""The blackbox (BB-x) wrapper: QPM-D of Joulani, György & Szepesvári (2013) for bandits.

BB-x runs a base policy x as if feedback were never delayed. It keeps one FIFO queue of
delivered rewards per arm and the arm it is currently playing (initially uniform at random).
At each decision, while the queue of that arm is non-empty it feeds the oldest reward to the
base policy and asks the base for an arm again; the first arm asked for whose queue is empty is
played. Delivered rewards are only queued. This is the paper's Algorithm 2 with
``blackbox = TRUE``; the base is asked through its own ``choose`` (for index policies, the
argmax of its indices with a random tie-break, as in the authors' code).

In the paper's batch runs no feedback arrives during a day, so the arm chosen at the day's
first decision keeps an empty queue and takes the **whole day** (``allocate_many``).

Batch face from ``ArmStats`` (the nightly allocation, which has no queues): one-hot on the arm
BB would commit the day to if the base had consumed every observed reward, that is one draw of
the base's choice (``rng``) from its batch probabilities.

Config names: ``bb_<base>`` with the base's parameters, e.g. ``bb_ucb`` or
``bb_thompson_sampling`` with ``{"reward_mode": "binarize"}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from bandit_core.policies.base import (
    ArmStats,
    FloatArray,
    IntArray,
    OnlineState,
    Policy,
    check_rewards,
)
from bandit_core.policies.queues import RewardQueues

__all__ = ["BB_PREFIX", "BlackBox"]

BB_PREFIX = "bb_"


@dataclass(frozen=True, slots=True)
class BlackBox(Policy):
    """QPM-D around ``base`` (see the module docstring)."""

    name: ClassVar[str] = "blackbox"
    order_sensitive: ClassVar[bool] = True

    base: Policy

    def __post_init__(self) -> None:
        if not isinstance(self.base, Policy) or isinstance(self.base, BlackBox):
            raise ValueError(
                f"blackbox: expected a base policy that is not itself BB, found {self.base!r}"
            )

    @property
    def config_name(self) -> str:
        return BB_PREFIX + self.base.config_name

    def params(self) -> dict[str, Any]:
        return self.base.params()

    def _wrap(self, state: OnlineState, base_state: OnlineState) -> OnlineState:
        state.extra["base"] = base_state
        state.extra["queues"] = RewardQueues(state.rows, state.n_arms)
        state.extra["playing"] = np.full(state.rows, -1, dtype=np.intp)
        return state

    def start_many(self, rows: int, k: int) -> OnlineState:
        return self._wrap(Policy.start_many(self, rows, k), self.base.start_many(rows, k))

    def start(self, k: int) -> OnlineState:
        # the base's own one-bandit state (e.g. BESA keeps its reward histories)
        return self._wrap(Policy.start_many(self, 1, k), self.base.start(k))

    def observe_many(
        self,
        state: OnlineState,
        rows: IntArray,
        arms: IntArray,
        rewards: FloatArray,
        rng: np.random.Generator,
    ) -> None:
        check_rewards(rewards)
        state.record_many(rows, arms, rewards)
        state.extra["queues"].push(rows, arms, rewards)

    def observe_sequence(
        self,
        state: OnlineState,
        rows: IntArray,
        arms: IntArray,
        rewards: FloatArray,
        lengths: IntArray,
        rng: np.random.Generator,
    ) -> None:
        # delivered rewards are only queued: append whole sequences at once
        valid = np.arange(arms.shape[1])[None, :] < lengths[:, None]
        check_rewards(rewards[valid])
        owner = np.broadcast_to(rows[:, None], arms.shape)[valid]
        state.record_many(owner, arms[valid], rewards[valid])
        state.extra["queues"].push_sequence(rows, arms, rewards, lengths)

    def choose_many(self, state: OnlineState, rows: IntArray, rng: np.random.Generator) -> IntArray:
        queues: RewardQueues = state.extra["queues"]
        base_state: OnlineState = state.extra["base"]
        playing = state.extra["playing"][rows].copy()
        fresh = playing < 0
        playing[fresh] = rng.integers(state.n_arms, size=int(np.sum(fresh)))
        busy = np.flatnonzero(queues.length[rows, playing] > 0)
        while busy.size:
            r = rows[busy]
            arm = playing[busy]
            self.base.observe_many(base_state, r, arm, queues.pop(r, arm), rng)
            playing[busy] = self.base.choose_many(base_state, r, rng)
            busy = busy[queues.length[r, playing[busy]] > 0]
        state.extra["playing"][rows] = playing
        return np.asarray(playing, dtype=np.intp)

    def allocate_many(
        self,
        state: OnlineState,
        rows: IntArray,
        decisions: IntArray,
        rng: np.random.Generator,
    ) -> IntArray:
        arm = self.choose_many(state, rows, rng)
        counts = np.zeros((*decisions.shape, state.n_arms), dtype=np.intp)
        counts[np.arange(len(rows)), :, arm] = decisions
        return counts

    def batch_probabilities(self, stats: ArmStats, rng: np.random.Generator) -> FloatArray:
        probs = self.base.batch_probabilities(stats, rng)
        k = stats.n_arms
        flat = probs.reshape(-1, k)
        cumulative = np.cumsum(flat, axis=1)
        u = rng.random((flat.shape[0], 1)) * cumulative[:, -1:]
        arm = np.minimum(np.sum(cumulative <= u, axis=1), k - 1)
        out = np.zeros_like(flat)
        out[np.arange(flat.shape[0]), arm] = 1.0
        return out.reshape(probs.shape)
