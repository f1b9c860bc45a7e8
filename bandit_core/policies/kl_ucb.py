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

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from bandit_core.policies.base import ArmStats, FloatArray
from bandit_core.policies.divergence import kl_upper_bound
from bandit_core.policies.index import IndexPolicy
from bandit_core.policies.ucb import exploration_level

__all__ = ["KLUCB", "KLUCBPlus"]


def _check_c(name: str, c: float) -> None:
    if isinstance(c, bool) or not isinstance(c, int | float) or c < 0:
        raise ValueError(f"{name}: expected c >= 0, found {c!r}")


@dataclass(frozen=True, slots=True, kw_only=True)
class KLUCB(IndexPolicy):
    """KL-UCB: ``max{q : N kl(μ̂, q) <= log t + c log log t}``.

    Args:
        c: weight of the ``log log t`` term (1 in the paper's code).
    """

    name: ClassVar[str] = "kl_ucb"

    c: float = 1.0

    def __post_init__(self) -> None:
        _check_c(self.name, self.c)

    def indices(self, stats: ArmStats, rng: np.random.Generator) -> FloatArray:
        n = np.maximum(stats.pulls, 1.0)
        level = exploration_level(stats, self.c) / n
        bound = kl_upper_bound(stats.means(), level)
        return np.asarray(np.where(stats.pulls > 0, bound, np.inf), dtype=np.float64)


@dataclass(frozen=True, slots=True, kw_only=True)
class KLUCBPlus(IndexPolicy):
    """KL-UCB+: ``max{q : N kl(μ̂, q) <= log(t / N) + c log log t}``.

    Args:
        c: weight of the ``log log t`` term (1 in the paper's code).
    """

    name: ClassVar[str] = "kl_ucb_plus"

    c: float = 1.0

    def __post_init__(self) -> None:
        _check_c(self.name, self.c)

    def indices(self, stats: ArmStats, rng: np.random.Generator) -> FloatArray:
        n = np.maximum(stats.pulls, 1.0)
        t = 1.0 + stats.total_pulls()[..., None]
        log_t = np.log(t)
        with np.errstate(divide="ignore"):
            loglog = np.log(np.maximum(log_t, 1e-300))
        level = np.maximum(np.log(t / n) + self.c * loglog, 0.0) / n
        bound = kl_upper_bound(stats.means(), level)
        return np.asarray(np.where(stats.pulls > 0, bound, np.inf), dtype=np.float64)
