"""DMED, Deterministic Minimum Empirical Divergence (Honda & Takemura 2010), as the paper ran it.

DMED keeps a list of arms still to be pulled (``L_C``) and a list for the next round (``L_N``).
In the authors' simulator, which is what this module implements:

- the policy plays the **last** arm of ``L_C`` (its index is its position in the list); when
  ``L_C`` is empty every arm ties and the choice is uniform;
- an arm leaves ``L_C`` when its **reward arrives**, not when it is pulled;
- after each reward, every arm ``j`` in neither list with
  ``N_j kl(μ̂_j, μ̂*) <= log(⌊t / N_j⌋)`` is appended to ``L_N`` in arm order (``t = 1 +``
  observed rewards, μ̂* the best empirical mean, an unpulled arm always qualifies); when ``L_C``
  empties, ``L_N`` becomes ``L_C``.

``tie_rule="random"`` plays a uniformly random arm of ``L_C`` instead of the last, the reading
under which the paper's BB-DMED numbers match BB-UCB (reference notes §9.8). The Bernoulli
divergence stands in for the bounded-support ``D_inf`` with fractional rewards, as in the code.

Online state: the lists as positions per arm (``-1`` = absent). Batch face from ``ArmStats``
(the nightly allocation has no lists): the arms DMED would keep in its list at 00:00, the
rule above on the frozen statistics, each with an equal share. In the simulator's batch runs the
full state is used instead: the whole day goes to the last pending arm (``allocate_many``),
so DMED visits arm K−1, K−2, ... one day each.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

import numpy as np

from bandit_core.policies.base import (
    ArmStats,
    FloatArray,
    IntArray,
    OnlineState,
    Policy,
    check_rewards,
    multinomial_segments,
)
from bandit_core.policies.divergence import kl_bernoulli
from bandit_core.policies.index import argmax_random_ties

__all__ = ["DMED"]


def _candidates(stats: ArmStats) -> np.ndarray:
    """Arms passing DMED's test ``N_j kl(μ̂_j, μ̂*) <= log(⌊t / N_j⌋)``, boolean (..., K)."""
    n = stats.pulls
    means = stats.means()
    best = np.max(means, axis=-1, keepdims=True)
    t = 1.0 + stats.total_pulls()[..., None]
    times = np.floor(np.divide(t, n, out=np.ones(n.shape), where=n > 0))
    return np.asarray(n * kl_bernoulli(means, np.broadcast_to(best, means.shape)) <= np.log(times))


@dataclass(frozen=True, slots=True, kw_only=True)
class DMED(Policy):
    """DMED with the paper code's list mechanics (see the module docstring).

    Args:
        tie_rule: ``"last"`` (the paper's code) or ``"random"`` arm of the pending list.
    """

    name: ClassVar[str] = "dmed"
    order_sensitive: ClassVar[bool] = True

    tie_rule: Literal["last", "random"] = "last"

    def __post_init__(self) -> None:
        if self.tie_rule not in ("last", "random"):
            raise ValueError(f"dmed: expected tie_rule 'last' or 'random', found {self.tie_rule!r}")

    def batch_probabilities(self, stats: ArmStats, rng: np.random.Generator) -> FloatArray:
        keep = _candidates(stats).astype(np.float64)
        return np.asarray(keep / np.sum(keep, axis=-1, keepdims=True), dtype=np.float64)

    def start_many(self, rows: int, k: int) -> OnlineState:
        state = Policy.start_many(self, rows, k)
        state.extra["pending"] = np.tile(np.arange(k, dtype=np.intp), (rows, 1))
        state.extra["next"] = np.full((rows, k), -1, dtype=np.intp)
        return state

    def _choice_probabilities(self, state: OnlineState, rows: IntArray) -> FloatArray:
        """Per-decision choice probabilities given the lists: (len(rows), K)."""
        pending = state.extra["pending"][rows]
        listed = pending >= 0
        if self.tie_rule == "last":
            top = np.max(pending, axis=1, keepdims=True)
            listed = listed & (pending == top)
        k = state.n_arms
        weights = np.where(
            np.any(listed, axis=1, keepdims=True), listed, np.ones((len(rows), k), dtype=bool)
        )
        w = weights.astype(np.float64)
        return np.asarray(w / np.sum(w, axis=1, keepdims=True), dtype=np.float64)

    def choose_many(self, state: OnlineState, rows: IntArray, rng: np.random.Generator) -> IntArray:
        # among the allowed arms (the last pending one, any pending one, or all) uniformly
        return argmax_random_ties(self._choice_probabilities(state, rows), rng)

    def allocate_many(
        self,
        state: OnlineState,
        rows: IntArray,
        decisions: IntArray,
        rng: np.random.Generator,
    ) -> IntArray:
        # the lists change only when rewards arrive: every decision of the period has the
        # same choice probabilities (one-hot under the paper's rule)
        return multinomial_segments(decisions, self._choice_probabilities(state, rows), rng)

    def observe_many(
        self,
        state: OnlineState,
        rows: IntArray,
        arms: IntArray,
        rewards: FloatArray,
        rng: np.random.Generator,
    ) -> None:
        check_rewards(rewards)
        state.pulls[rows, arms] += 1.0
        state.reward_sum[rows, arms] += rewards
        state.reward_sq_sum[rows, arms] += rewards * rewards
        pending = state.extra["pending"]
        following = state.extra["next"]
        pending[rows, arms] = -1
        stats = ArmStats.trusted(
            state.pulls[rows], state.reward_sum[rows], state.reward_sq_sum[rows]
        )
        cur_pending = pending[rows]
        cur_next = following[rows]
        joins = _candidates(stats) & (cur_pending < 0) & (cur_next < 0)
        # appended in arm order after what the next list already holds
        base = np.max(cur_next, axis=1, keepdims=True) + 1
        cur_next = np.where(joins, base + np.cumsum(joins, axis=1) - 1, cur_next)
        emptied = ~np.any(cur_pending >= 0, axis=1)
        cur_pending[emptied] = cur_next[emptied]
        cur_next[emptied] = -1
        pending[rows] = cur_pending
        following[rows] = cur_next
