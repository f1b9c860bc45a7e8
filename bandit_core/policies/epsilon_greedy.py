"""ε-greedy: explore uniformly with probability ε, otherwise play the best empirical mean.

Two schedules:

- ``fixed``: the same ε at every decision;
- ``decaying``: Auer, Cesa-Bianchi & Fischer's (2002) ε_n-greedy,
  ``ε_t = min(1, c K / (d² t))`` with ``t = 1 +`` the number of observed rewards and ``d`` a
  lower bound on the gap between the best and a suboptimal mean.

Unpulled arms count as best (each arm is tried once before the greedy choice settles); ties
among the best means are broken uniformly at random. Rewards in [0, 1] enter as they are.

Batch face (exact): ``ε_t / K`` on every arm plus ``1 − ε_t`` split evenly among the greedy arms,
with ``t`` frozen at 00:00.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np

from bandit_core.policies.base import ArmStats, FloatArray
from bandit_core.policies.compiled import jit
from bandit_core.policies.index import IndexPolicy, tie_split

__all__ = ["EpsilonGreedy"]


@jit
def _exploration(pulls: FloatArray, params: FloatArray) -> float:
    """ε of one bandit's next decision: ``params`` = (ε, 1 if decaying, c, d)."""
    if params[1] > 0:
        return float(min(1.0, params[2] * pulls.size / (params[3] ** 2 * (1.0 + np.sum(pulls)))))
    return float(params[0])


@jit
def _exploration_rows(pulls: FloatArray, params: FloatArray, out: FloatArray) -> None:
    for i in range(pulls.shape[0]):
        out[i] = _exploration(pulls[i], params)


@jit
def _greedy_or_uniform(
    pulls: FloatArray,
    sums: FloatArray,
    squares: FloatArray,
    params: FloatArray,
    rng: Any,
    out: FloatArray,
) -> None:
    """The empirical means (+inf unpulled), or with probability ε i.i.d. uniform indices.

    ``params``: ε of the fixed schedule, 1 for the decaying one, its ``c`` and ``d``.
    """
    if rng.random() < _exploration(pulls, params):
        # an exploring decision: every arm equally likely to be the max
        for a in range(pulls.size):
            out[a] = rng.random()
        return
    for a in range(pulls.size):
        out[a] = sums[a] / pulls[a] if pulls[a] > 0 else math.inf


@dataclass(frozen=True, slots=True, kw_only=True)
class EpsilonGreedy(IndexPolicy):
    """ε-greedy, fixed or decaying.

    Args:
        epsilon: the exploration probability of the fixed schedule, in [0, 1].
        schedule: ``"fixed"`` or ``"decaying"``.
        c: the constant of the decaying schedule (> 0).
        d: the assumed smallest gap of the decaying schedule, in (0, 1].
    """

    name: ClassVar[str] = "epsilon_greedy"
    random_indices: ClassVar[bool] = True
    index_function = staticmethod(_greedy_or_uniform)

    epsilon: float = 0.1
    schedule: Literal["fixed", "decaying"] = "fixed"
    c: float = 0.15
    d: float = 0.05

    def __post_init__(self) -> None:
        if (
            isinstance(self.epsilon, bool)
            or not isinstance(self.epsilon, int | float)
            or not 0 <= self.epsilon <= 1
        ):
            raise ValueError(f"epsilon_greedy: expected epsilon in [0, 1], found {self.epsilon!r}")
        if self.schedule not in ("fixed", "decaying"):
            raise ValueError(
                f"epsilon_greedy: expected schedule 'fixed' or 'decaying', found {self.schedule!r}"
            )
        if isinstance(self.c, bool) or not isinstance(self.c, int | float) or not self.c > 0:
            raise ValueError(f"epsilon_greedy: expected c > 0, found {self.c!r}")
        if isinstance(self.d, bool) or not isinstance(self.d, int | float) or not 0 < self.d <= 1:
            raise ValueError(f"epsilon_greedy: expected d in (0, 1], found {self.d!r}")

    def index_params(self) -> FloatArray:
        decaying = 1.0 if self.schedule == "decaying" else 0.0
        return np.array([self.epsilon, decaying, self.c, self.d], dtype=np.float64)

    def exploration(self, stats: ArmStats) -> FloatArray:
        """ε for the next decision of each bandit, shape (..., 1)."""
        k = stats.n_arms
        pulls = np.ascontiguousarray(stats.pulls, dtype=np.float64).reshape(-1, k)
        out = np.empty(pulls.shape[0])
        _exploration_rows(pulls, self.index_params(), out)
        return out.reshape((*stats.pulls.shape[:-1], 1))

    def batch_probabilities(self, stats: ArmStats, rng: np.random.Generator) -> FloatArray:
        eps = self.exploration(stats)
        greedy = np.where(stats.pulls > 0, stats.means(), np.inf)
        return np.asarray(eps / stats.n_arms + (1.0 - eps) * tie_split(greedy), dtype=np.float64)
