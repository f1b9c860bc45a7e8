"""KL-UCB and KL-UCB+ (Garivier & Cappé 2011), with the paper code's constants.

The index of arm ``i`` is the largest ``q`` with ``N_i kl(μ̂_i, q) <= level``:

- KL-UCB: ``level = log t + c log log t``;
- KL-UCB+: ``level = log(t / N_i) + c log log t``, which explores well-sampled arms less;

with ``t = 1 +`` the number of observed rewards and ``c = 1`` as in the authors' simulator
(Garivier & Cappé prove with c = 3 and recommend c = 0 in practice; SMPyBandits' default has no
log log term). The Bernoulli divergence is the right one for any reward in [0, 1] (the worst
case for a given mean), so fractional rewards need no binarisation. Unpulled arms: +inf.

Batch face: the whole day to the argmax, ties split evenly (see ``index``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from bandit_core.policies.base import FloatArray
from bandit_core.policies.compiled import jit
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

    def index_params(self) -> FloatArray:
        return np.array([self.c], dtype=np.float64)
