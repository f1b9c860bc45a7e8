"""KL-UCB and KL-UCB+ (Garivier & Cappé 2011), with the paper code's constants.

The index of arm ``i`` is the largest ``q`` with ``N_i kl(μ̂_i, q) <= level``:

- KL-UCB: ``level = log t + c log log t``;
- KL-UCB+: ``level = log(t / N_i) + c log log t``, which explores well-sampled arms less;

with ``t = 1 +`` the number of observed rewards and ``c = 1`` as in the authors' simulator
(Garivier & Cappé prove with c = 3 and recommend c = 0 in practice; SMPyBandits' default has no
log log term). The Bernoulli divergence is the right one for any reward in [0, 1] (the worst
case for a given mean), so fractional rewards need no binarisation. Unpulled arms: +inf.

Batch face: the whole day to the argmax, ties split evenly (see ``index``).

Online face: the same argmax, without solving for every arm at every decision. An index
solved at kl level ``ℓ₀`` stays valid as long as its arm's statistics do (only the level
grows, with ``t``), and ``q(ℓ)`` is concave (the inverse of the convex ``kl(μ̂, ·)``), so
``q(ℓ₀) + (ℓ − ℓ₀) q'(ℓ₀)`` bounds it from above: only the arms whose bound reaches the best
exact index are solved again, with the very computation of the batch face.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from bandit_core.policies.base import FloatArray
from bandit_core.policies.compiled import OnlineKernel, argmax_ties, jit, record
from bandit_core.policies.divergence import kl_upper_bound
from bandit_core.policies.index import IndexPolicy
from bandit_core.policies.ucb import exploration_level

__all__ = ["KLUCB", "KLUCBPlus"]


def _check_c(name: str, c: float) -> None:
    if isinstance(c, bool) or not isinstance(c, int | float) or c < 0:
        raise ValueError(f"{name}: expected c >= 0, found {c!r}")


@jit
def _kl_ucb_index(
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
        out[a] = kl_upper_bound(sums[a] / n, level / n) if n > 0 else math.inf


@jit
def _kl_ucb_plus_index(
    pulls: FloatArray,
    sums: FloatArray,
    squares: FloatArray,
    params: FloatArray,
    rng: Any,
    out: FloatArray,
) -> None:
    t = 1.0 + np.sum(pulls)
    log_t = math.log(t)
    loglog = params[0] * math.log(max(log_t, 1e-300))
    for a in range(pulls.size):
        n = pulls[a]
        if n > 0:
            out[a] = kl_upper_bound(sums[a] / n, max(math.log(t / n) + loglog, 0.0) / n)
        else:
            out[a] = math.inf


@jit
def _arm_level(pulls: FloatArray, a: int, level: float, loglog: float, plus: bool) -> float:
    """Arm ``a``'s kl level: ``level / N`` (KL-UCB) or ``(log(t / N) + loglog)^+ / N`` (+)."""
    n = float(pulls[a])
    if not plus:
        return level / n
    return max(math.log((1.0 + float(np.sum(pulls))) / n) + loglog, 0.0) / n


@jit
def _lazy_choose(st: tuple[np.ndarray, ...], r: int, params: FloatArray, rng: Any) -> int:
    """The argmax of the indices with random ties, solving only the arms that can win.

    ``st[4]``/``st[5]``: each arm's last solved index and the kl level it was solved at (< 0:
    stale, its statistics changed since). ``params``: (c, 1 for KL-UCB+).
    """
    pulls, sums, value = st[0][r], st[1][r], st[3][r]
    solved, solved_at = st[4][r], st[5][r]
    plus = params[1] > 0
    level = exploration_level(pulls, params[0])
    loglog = params[0] * math.log(max(math.log(1.0 + np.sum(pulls)), 1e-300))
    best = -math.inf
    for a in range(pulls.size):
        if pulls[a] == 0:
            value[a] = math.inf
            best = math.inf
            continue
        arm_level = _arm_level(pulls, a, level, loglog, plus)
        if solved_at[a] < 0 or arm_level < solved_at[a]:
            solved[a] = kl_upper_bound(sums[a] / pulls[a], arm_level)
            solved_at[a] = arm_level
        if solved_at[a] == arm_level:
            value[a] = solved[a]
            best = max(best, value[a])
        else:
            # the tangent of the concave q(ℓ) at the older level; 1e-9 covers the solver's
            # own error, which the tangent inherits
            q = solved[a]
            p = min(max(sums[a] / pulls[a], 1e-15), 1.0 - 1e-15)
            slope = q * (1.0 - q) / (q - p) if q > p else math.inf
            value[a] = q + (arm_level - solved_at[a]) * slope + 1e-9
    for a in range(pulls.size):
        if pulls[a] == 0:
            continue
        arm_level = _arm_level(pulls, a, level, loglog, plus)
        if solved_at[a] == arm_level:
            continue
        if value[a] >= best:
            solved[a] = kl_upper_bound(sums[a] / pulls[a], arm_level)
            solved_at[a] = arm_level
            value[a] = solved[a]
            best = max(best, value[a])
        else:
            value[a] = -math.inf  # bounded below the best index: it cannot win
    return argmax_ties(value, rng)


@jit
def _observe(
    st: tuple[np.ndarray, ...], r: int, arm: int, reward: float, params: FloatArray, rng: Any
) -> None:
    record(st, r, arm, reward, params, rng)
    st[5][r, arm] = -1.0  # its index is stale


def _cache(rows: int, k: int) -> tuple[np.ndarray, ...]:
    return np.zeros((rows, k)), np.full((rows, k), -1.0)


def _lazy_kernel(c: float, plus: bool) -> OnlineKernel:
    return OnlineKernel(_lazy_choose, _observe, np.array([c, 1.0 if plus else 0.0]), _cache)


@dataclass(frozen=True, slots=True, kw_only=True)
class KLUCB(IndexPolicy):
    """KL-UCB: ``max{q : N kl(μ̂, q) <= log t + c log log t}``.

    Args:
        c: weight of the ``log log t`` term (1 in the paper's code).
    """

    name: ClassVar[str] = "kl_ucb"
    index_function = staticmethod(_kl_ucb_index)

    c: float = 1.0

    def __post_init__(self) -> None:
        _check_c(self.name, self.c)

    def kernel(self) -> OnlineKernel:
        return _lazy_kernel(self.c, plus=False)

    def index_params(self) -> FloatArray:
        return np.array([self.c], dtype=np.float64)


@dataclass(frozen=True, slots=True, kw_only=True)
class KLUCBPlus(IndexPolicy):
    """KL-UCB+: ``max{q : N kl(μ̂, q) <= log(t / N) + c log log t}``.

    Args:
        c: weight of the ``log log t`` term (1 in the paper's code).
    """

    name: ClassVar[str] = "kl_ucb_plus"
    index_function = staticmethod(_kl_ucb_plus_index)

    c: float = 1.0

    def __post_init__(self) -> None:
        _check_c(self.name, self.c)

    def kernel(self) -> OnlineKernel:
        return _lazy_kernel(self.c, plus=True)

    def index_params(self) -> FloatArray:
        return np.array([self.c], dtype=np.float64)
