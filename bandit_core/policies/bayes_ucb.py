"""Bayes-UCB (Kaufmann, Cappé & Garivier 2012) for Beta-Bernoulli posteriors.

The index of arm ``i`` is the quantile of order ``1 − 1/(t (log horizon)^c)`` of its posterior
``Beta(prior_alpha + S_i, prior_beta + N_i − S_i)``, with ``t = 1 +`` the number of observed
rewards. The paper's experiments use ``c = 0`` (then the horizon does not matter), which is the
default. Fractional rewards enter as fractional counts. An unpulled arm's index is a quantile of
its prior, so no forced initial pull is needed.

Deterministic; batch face: the whole day to the argmax, ties split evenly (see ``index``).
"""

from __future__ import annotations

import ctypes
import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from numba.extending import get_cython_function_address

from bandit_core.policies.base import FloatArray
from bandit_core.policies.compiled import jit_uncached
from bandit_core.policies.index import IndexPolicy

__all__ = ["BayesUCB"]

# SciPy's compiled Beta quantile (scipy.special.betaincinv, double precision), callable from
# compiled code
_betaincinv = ctypes.CFUNCTYPE(ctypes.c_double, ctypes.c_double, ctypes.c_double, ctypes.c_double)(
    get_cython_function_address("scipy.special.cython_special", "__pyx_fuse_0betaincinv")
)


@jit_uncached  # a ctypes pointer: not cacheable on disk
def _quantile_index(
    pulls: FloatArray,
    sums: FloatArray,
    squares: FloatArray,
    params: FloatArray,
    rng: Any,
    out: FloatArray,
) -> None:
    """``params`` = (c, horizon, prior alpha, prior beta)."""
    t = 1.0 + np.sum(pulls)
    order = 1.0 - 1.0 / (t * math.log(params[1]) ** params[0])
    for a in range(pulls.size):
        failures = max(params[3] + pulls[a] - sums[a], params[3])
        out[a] = _betaincinv(params[2] + sums[a], failures, order)


@dataclass(frozen=True, slots=True, kw_only=True)
class BayesUCB(IndexPolicy):
    """Bayes-UCB with Beta posteriors.

    Args:
        c: exponent of ``log horizon`` in the quantile order (0 as in the paper's experiments).
        horizon: the campaign length in decisions (used only when ``c > 0``).
        prior_alpha: prior pseudo-successes (> 0).
        prior_beta: prior pseudo-failures (> 0).
    """

    name: ClassVar[str] = "bayes_ucb"
    index_function = staticmethod(_quantile_index)

    c: float = 0.0
    horizon: int = 100_000
    prior_alpha: float = 1.0
    prior_beta: float = 1.0

    def __post_init__(self) -> None:
        for label, value in (("prior_alpha", self.prior_alpha), ("prior_beta", self.prior_beta)):
            if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
                raise ValueError(f"bayes_ucb: expected {label} > 0, found {value!r}")
        if isinstance(self.c, bool) or not isinstance(self.c, int | float) or self.c < 0:
            raise ValueError(f"bayes_ucb: expected c >= 0, found {self.c!r}")
        if isinstance(self.horizon, bool) or not isinstance(self.horizon, int) or self.horizon < 2:
            raise ValueError(f"bayes_ucb: expected an integer horizon >= 2, found {self.horizon!r}")

    def index_params(self) -> FloatArray:
        return np.array([self.c, self.horizon, self.prior_alpha, self.prior_beta], dtype=np.float64)
