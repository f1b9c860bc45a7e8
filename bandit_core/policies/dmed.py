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

Online state (compiled): the lists as positions per arm (``-1`` = absent). Batch face from
``ArmStats`` (the nightly allocation has no lists): the arms DMED would keep in its list at
00:00, the rule above on the frozen statistics, each with an equal share. In the simulator's
batch runs the full state is used instead: the whole day goes to the last pending arm
(``allocate_many``), so DMED visits arm K−1, K−2, ... one day each.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np

from bandit_core.policies.base import (
    ArmStats,
    FloatArray,
    IntArray,
    OnlineState,
    Policy,
    multinomial_segments,
)
from bandit_core.policies.compiled import OnlineKernel, argmax_ties, jit, record, state_tuple
from bandit_core.policies.divergence import kl_bernoulli

__all__ = ["DMED"]


@jit
def _candidates(pulls: FloatArray, sums: FloatArray, out: FloatArray) -> None:
    """1 for the arms passing ``N_j kl(μ̂_j, μ̂*) <= log(⌊t / N_j⌋)``, else 0 (one bandit)."""
    k = pulls.size
    best = 0.0
    for a in range(k):
        if pulls[a] > 0:
            best = max(best, sums[a] / pulls[a])
    t = 1.0 + np.sum(pulls)
    for a in range(k):
        n = pulls[a]
        mean = sums[a] / n if n > 0 else 0.0
        times = math.floor(t / n) if n > 0 else 1.0
        out[a] = 1.0 if n * kl_bernoulli(mean, best) <= math.log(times) else 0.0


@jit
def _candidate_rows(pulls: FloatArray, sums: FloatArray, out: FloatArray) -> None:
    for i in range(pulls.shape[0]):
        _candidates(pulls[i], sums[i], out[i])


@jit
def _allowed(pending: IntArray, last: bool, out: FloatArray) -> None:
    """1 on the arms a decision may play: the last pending arm (``last``) or any pending arm,
    or every arm when the list is empty."""
    top = -1
    for a in range(pending.size):
        top = max(top, pending[a])
    for a in range(pending.size):
        if top < 0:
            out[a] = 1.0
        elif last:
            out[a] = 1.0 if pending[a] == top else 0.0
        else:
            out[a] = 1.0 if pending[a] >= 0 else 0.0


@jit
def _allowed_rows(pending: IntArray, rows: IntArray, last: bool, out: FloatArray) -> None:
    for i in range(rows.size):
        _allowed(pending[rows[i]], last, out[i])


@jit
def _choose(st: tuple[np.ndarray, ...], r: int, params: FloatArray, rng: Any) -> int:
    scratch = st[3][r]
    _allowed(st[4][r], params[0] == 0.0, scratch)  # params[0]: 1 for the random tie rule
    # among the allowed arms uniformly
    return argmax_ties(scratch, rng)


@jit
def _observe(
    st: tuple[np.ndarray, ...], r: int, arm: int, reward: float, params: FloatArray, rng: Any
) -> None:
    record(st, r, arm, reward, params, rng)
    pending, following, joins = st[4][r], st[5][r], st[3][r]
    pending[arm] = -1
    _candidates(st[0][r], st[1][r], joins)
    # appended in arm order after what the next list already holds
    position = -1
    for a in range(pending.size):
        position = max(position, following[a])
    for a in range(pending.size):
        if joins[a] > 0 and pending[a] < 0 and following[a] < 0:
            position += 1
            following[a] = position
    emptied = True
    for a in range(pending.size):
        if pending[a] >= 0:
            emptied = False
    if emptied:
        for a in range(pending.size):
            pending[a] = following[a]
            following[a] = -1


def _lists(rows: int, k: int) -> tuple[np.ndarray, ...]:
    """Every arm pending, in arm order; the next list empty."""
    return np.tile(np.arange(k, dtype=np.intp), (rows, 1)), np.full((rows, k), -1, dtype=np.intp)


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

    def kernel(self) -> OnlineKernel:
        params = np.array([1.0 if self.tie_rule == "random" else 0.0])
        return OnlineKernel(_choose, _observe, params, _lists)

    def batch_probabilities(self, stats: ArmStats, rng: np.random.Generator) -> FloatArray:
        k = stats.n_arms
        pulls = np.ascontiguousarray(stats.pulls, dtype=np.float64).reshape(-1, k)
        sums = np.ascontiguousarray(stats.reward_sum, dtype=np.float64).reshape(-1, k)
        flat = np.empty(pulls.shape)
        _candidate_rows(pulls, sums, flat)
        keep = flat.reshape(stats.pulls.shape)
        return np.asarray(keep / np.sum(keep, axis=-1, keepdims=True), dtype=np.float64)

    def allocate_many(
        self,
        state: OnlineState,
        rows: IntArray,
        decisions: IntArray,
        rng: np.random.Generator,
    ) -> IntArray:
        # the lists change only when rewards arrive: every decision of the period has the
        # same choice probabilities (one-hot under the paper's rule)
        allowed = np.empty((len(rows), state.n_arms))
        pending = state_tuple(state)[4]
        _allowed_rows(pending, np.asarray(rows, dtype=np.intp), self.tie_rule == "last", allowed)
        probs = allowed / np.sum(allowed, axis=1, keepdims=True)
        return multinomial_segments(decisions, probs, rng)
