"""Thompson sampling with Beta posteriors (Thompson 1933; Agrawal & Goyal 2012).

Arm ``i``'s posterior is ``Beta(prior_alpha + S_i, prior_beta + N_i − S_i)`` where ``N_i`` is
its number of observed rewards and ``S_i`` their sum. Rewards in [0, 1] enter either as
fractional counts (``reward_mode="fractional"``, what the paper's "PR2 (TS)" does) or through
the binarisation trick (``reward_mode="binarize"``: a reward ``r`` counts as a success with
probability ``r``, Agrawal & Goyal's Algorithm 2); for 0/1 rewards the two coincide.

Online face: one draw per arm, play the largest. Batch face: with the posterior frozen, one
Thompson draw picks arm ``i`` with probability ``P(θ_i is the largest)``, which
``beta.probability_best`` computes exactly. That is randomized probability matching, the
nightly allocation. The batch face reads ``ArmStats`` as they are: with ``binarize`` it is
the caller that binarises rewards when it aggregates them (the online face does it itself).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np

from bandit_core.policies.base import ArmStats, FloatArray
from bandit_core.policies.beta import probability_best
from bandit_core.policies.compiled import OnlineKernel, jit, jit_closure, record
from bandit_core.policies.index import IndexPolicy

__all__ = ["ThompsonSampling", "beta_draws"]


@functools.cache
def beta_draws(posterior: Callable[..., tuple[float, float]]) -> Callable[..., None]:
    """The index function drawing each arm from its Beta ``posterior(n, sum, squares, params)``.

    Built once per posterior function (Thompson sampling and PR2 share one, PR3 has its own).
    """

    @jit_closure
    def draws(
        pulls: FloatArray,
        sums: FloatArray,
        squares: FloatArray,
        params: FloatArray,
        rng: Any,
        out: FloatArray,
    ) -> None:
        for a in range(pulls.size):
            alpha, beta = posterior(pulls[a], sums[a], squares[a], params)
            out[a] = rng.beta(alpha, beta)

    return draws


def _beta_parameters(n: Any, total: Any, squares: Any, params: FloatArray) -> tuple[Any, Any]:
    """The Beta parameters of arms with ``n`` rewards of sum ``total``, numbers or arrays: the
    batch face calls it on arrays, the online face compiled (``_posterior``) on numbers."""
    # rounding in long sums of fractional rewards can push n − total a hair below 0
    return params[0] + total, np.maximum(params[1] + n - total, params[1])


_posterior = jit(_beta_parameters)


@jit
def _observe_binarized(
    st: tuple[np.ndarray, ...],
    r: int,
    arm: int,
    reward: float,
    params: FloatArray,
    rng: Any,
) -> None:
    # Agrawal & Goyal's trick: a reward r counts as a success with probability r
    record(st, r, arm, 1.0 if rng.random() < reward else 0.0, params, rng)


@dataclass(frozen=True, slots=True, kw_only=True)
class ThompsonSampling(IndexPolicy):
    """Beta-Bernoulli Thompson sampling.

    Args:
        prior_alpha: prior pseudo-successes per arm (> 0).
        prior_beta: prior pseudo-failures per arm (> 0).
        reward_mode: ``"fractional"`` or ``"binarize"`` for rewards strictly between 0 and 1.

    Example:
        >>> policy = ThompsonSampling()
        >>> stats = ArmStats(pulls=[100, 100], reward_sum=[10, 20])
        >>> probs = policy.batch_probabilities(stats, np.random.default_rng(0))
        >>> bool(probs[1] > 0.9)
        True
    """

    name: ClassVar[str] = "thompson_sampling"
    random_indices: ClassVar[bool] = True
    index_function = staticmethod(beta_draws(_posterior))

    prior_alpha: float = 1.0
    prior_beta: float = 1.0
    reward_mode: Literal["fractional", "binarize"] = "fractional"

    def __post_init__(self) -> None:
        for label, value in (("prior_alpha", self.prior_alpha), ("prior_beta", self.prior_beta)):
            if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
                raise ValueError(f"thompson_sampling: expected {label} > 0, found {value!r}")
        if self.reward_mode not in ("fractional", "binarize"):
            raise ValueError(
                "thompson_sampling: expected reward_mode 'fractional' or 'binarize', "
                f"found {self.reward_mode!r}"
            )

    def posterior(self, stats: ArmStats) -> tuple[FloatArray, FloatArray]:
        """The Beta parameters ``(alpha, beta)`` of every arm."""
        return _beta_parameters(
            stats.pulls, stats.reward_sum, stats.reward_sq_sum, self.index_params()
        )

    def index_params(self) -> FloatArray:
        return np.array([self.prior_alpha, self.prior_beta], dtype=np.float64)

    def kernel(self) -> OnlineKernel:
        kernel = IndexPolicy.kernel(self)
        if self.reward_mode == "fractional":
            return kernel
        return OnlineKernel(kernel.choose, _observe_binarized, kernel.params)

    def batch_probabilities(self, stats: ArmStats, rng: np.random.Generator) -> FloatArray:
        alpha, beta = self.posterior(stats)
        return probability_best(alpha, beta)
