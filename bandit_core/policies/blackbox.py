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

Online state (compiled): BB's own statistics (what was delivered), the arm it plays, the
queues (``bandit_core.policies.queues``) and, inside, the base's state (what it consumed).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from bandit_core.policies.base import (
    ArmStats,
    FloatArray,
    IntArray,
    OnlineState,
    Policy,
)
from bandit_core.policies.compiled import OnlineKernel, jit_closure, record
from bandit_core.policies.queues import empty_queues, pop, push, reserve_queues

__all__ = ["BB_PREFIX", "BlackBox"]

BB_PREFIX = "bb_"

# BB's state tuple: statistics, scratch, the arm played, the six queue arrays, then the base's
_PLAYING, _QUEUES, _BASE = 4, 5, 11


@functools.cache
def _qpmd(
    base_choose: Callable[..., int], base_observe: Callable[..., None]
) -> tuple[Callable[..., int], Callable[..., None]]:
    """BB's compiled choose and observe around a base's, built once per base."""

    @jit_closure
    def choose(st: tuple[np.ndarray, ...], r: int, params: FloatArray, rng: Any) -> int:
        head, tail, length, used, values, link = st[_QUEUES:_BASE]
        base = st[_BASE:]
        playing = st[_PLAYING][r, 0]
        if playing < 0:
            playing = rng.integers(0, length.shape[1])
        while length[r, playing] > 0:
            value = pop(head, tail, length, values, link, r, playing)
            base_observe(base, r, playing, value, params, rng)
            playing = base_choose(base, r, params, rng)
        st[_PLAYING][r, 0] = playing
        return int(playing)

    @jit_closure
    def observe(
        st: tuple[np.ndarray, ...], r: int, arm: int, reward: float, params: FloatArray, rng: Any
    ) -> None:
        record(st, r, arm, reward, params, rng)
        head, tail, length, used, values, link = st[_QUEUES:_BASE]
        push(head, tail, length, used, values, link, r, arm, reward)

    return choose, observe


def _arrays(rows: int, k: int) -> tuple[np.ndarray, ...]:
    # no arm played yet (the first decision draws one), empty queues
    return (np.full((rows, 1), -1, dtype=np.intp), *empty_queues(rows, k))


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

    def kernel(self) -> OnlineKernel:
        base = self.base.kernel()
        choose, observe = _qpmd(base.choose, base.observe)
        return OnlineKernel(choose, observe, base.params, _arrays)

    def start_many(self, rows: int, k: int) -> OnlineState:
        state = Policy.start_many(self, rows, k)
        state.extra["inner"] = self.base.start_many(rows, k)
        return state

    def start(self, k: int) -> OnlineState:
        # the base's own one-bandit state (e.g. BESA keeps its reward histories)
        state = Policy.start_many(self, 1, k)
        state.extra["inner"] = self.base.start(k)
        return state

    def reserve(self, state: OnlineState, deliveries: IntArray) -> None:
        scratch, playing, *queues = state.extra["arrays"]
        head, tail, length, used, values, link = reserve_queues(tuple(queues), deliveries)
        state.extra["arrays"] = (scratch, playing, head, tail, length, used, values, link)
        # the base consumes at most what is queued and what is yet to come
        self.base.reserve(state.extra["inner"], np.sum(length, axis=1) + deliveries)

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
