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

from dataclasses import dataclass
from typing import ClassVar, Literal

import numpy as np

from bandit_core.policies.base import ArmStats, FloatArray
from bandit_core.policies.index import IndexPolicy, tie_split

__all__ = ["EpsilonGreedy"]


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

    def exploration(self, stats: ArmStats) -> FloatArray:
        """ε for the next decision of each bandit, shape (..., 1)."""
        if self.schedule == "fixed":
            return np.full((*stats.pulls.shape[:-1], 1), float(self.epsilon))
        t = 1.0 + stats.total_pulls()[..., None]
        return np.asarray(
            np.minimum(1.0, self.c * stats.n_arms / (self.d**2 * t)), dtype=np.float64
        )

    def _greedy_values(self, stats: ArmStats) -> FloatArray:
        return np.asarray(np.where(stats.pulls > 0, stats.means(), np.inf), dtype=np.float64)

    def indices(self, stats: ArmStats, rng: np.random.Generator) -> FloatArray:
        explore = rng.random((*stats.pulls.shape[:-1], 1)) < self.exploration(stats)
        # an exploring decision gets i.i.d. uniform indices: every arm equally likely max
        return np.asarray(
            np.where(explore, rng.random(stats.pulls.shape), self._greedy_values(stats)),
            dtype=np.float64,
        )

    def batch_probabilities(self, stats: ArmStats, rng: np.random.Generator) -> FloatArray:
        eps = self.exploration(stats)
        return np.asarray(
            eps / stats.n_arms + (1.0 - eps) * tie_split(self._greedy_values(stats)),
            dtype=np.float64,
        )
