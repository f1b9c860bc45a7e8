"""Upper confidence bound indices: the paper's UCB and classic UCB1 (Auer et al. 2002).

Both are deterministic index policies over (N_i, S_i); an arm without observations has index
+inf, so every arm is tried once (in random order, by the tie-break). Rewards in [0, 1] need no
change (Hoeffding's inequality holds for any bounded reward).

- ``UCB`` is what the paper ran (its simulator's ``UCB`` is kl-UCB with the Gaussian divergence,
  variance 1/4): ``μ̂_i + sqrt((log t + c log log t) / (2 N_i))`` with ``t = 1 +`` the number
  of observed rewards and ``c = 1``.
- ``UCB1`` is Auer, Cesa-Bianchi and Fischer's ``μ̂_i + sqrt(2 log n / N_i)`` with ``n`` the
  number of observed rewards.

Batch face (state frozen at 00:00): the whole day goes to the argmax, ties split evenly. That is
what the paper's batch runs did, and why UCB rotates one arm per day at high traffic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from bandit_core.policies.base import FloatArray
from bandit_core.policies.compiled import jit
from bandit_core.policies.index import IndexPolicy

__all__ = ["UCB", "UCB1", "exploration_level"]


@jit
def exploration_level(pulls: FloatArray, c: float) -> float:
    """``log t + c log log t`` with ``t = 1 +`` one bandit's observed rewards, never < 0.

    The paper code's clock starts at 1 and counts rewards; ``log log t`` is negative for
    t < e and undefined at t = 1, where no arm has been observed and every index is +inf.
    """
    log_t = math.log(1.0 + np.sum(pulls))
    return max(log_t + c * math.log(max(log_t, 1e-300)), 0.0)


@jit
def _ucb_index(
    pulls: FloatArray,
    sums: FloatArray,
    squares: FloatArray,
    params: FloatArray,
    rng: Any,
    out: FloatArray,
) -> None:
    level = exploration_level(pulls, params[0])
    for a in range(pulls.size):
        n = pulls[a]
        out[a] = sums[a] / n + math.sqrt(level / (2.0 * n)) if n > 0 else math.inf


@jit
def _ucb1_index(
    pulls: FloatArray,
    sums: FloatArray,
    squares: FloatArray,
    params: FloatArray,
    rng: Any,
    out: FloatArray,
) -> None:
    log_total = math.log(max(np.sum(pulls), 1.0))
    for a in range(pulls.size):
        n = pulls[a]
        out[a] = sums[a] / n + math.sqrt(params[0] * log_total / n) if n > 0 else math.inf


@dataclass(frozen=True, slots=True, kw_only=True)
class UCB(IndexPolicy):
    """The paper's UCB: ``μ̂ + sqrt((log t + c log log t) / (2N))``.

    Args:
        c: weight of the ``log log t`` term (1 in the paper's code).
    """

    name: ClassVar[str] = "ucb"
    index_function = staticmethod(_ucb_index)

    c: float = 1.0

    def __post_init__(self) -> None:
        if isinstance(self.c, bool) or not isinstance(self.c, int | float) or self.c < 0:
            raise ValueError(f"ucb: expected c >= 0, found {self.c!r}")

    def index_params(self) -> FloatArray:
        return np.array([self.c], dtype=np.float64)


@dataclass(frozen=True, slots=True, kw_only=True)
class UCB1(IndexPolicy):
    """Auer et al.'s UCB1: ``μ̂ + sqrt(alpha log n / N)`` with ``alpha = 2``.

    Args:
        alpha: exploration constant (2 in UCB1; 1/2 is the Hoeffding-tight choice).
    """

    name: ClassVar[str] = "ucb1"
    index_function = staticmethod(_ucb1_index)

    alpha: float = 2.0

    def __post_init__(self) -> None:
        if (
            isinstance(self.alpha, bool)
            or not isinstance(self.alpha, int | float)
            or self.alpha < 0
        ):
            raise ValueError(f"ucb1: expected alpha >= 0, found {self.alpha!r}")

    def index_params(self) -> FloatArray:
        return np.array([self.alpha], dtype=np.float64)
