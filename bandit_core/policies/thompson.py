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

from dataclasses import dataclass
from typing import ClassVar, Literal

import numpy as np

from bandit_core.policies.base import (
    ArmStats,
    FloatArray,
    IntArray,
    OnlineState,
    check_rewards,
)
from bandit_core.policies.beta import probability_best
from bandit_core.policies.index import IndexPolicy

__all__ = ["ThompsonSampling"]


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
        alpha = self.prior_alpha + stats.reward_sum
        beta = self.prior_beta + stats.pulls - stats.reward_sum
        # rounding in long sums of fractional rewards can push pulls − sum a hair below 0
        return alpha, np.maximum(beta, self.prior_beta)

    def indices(self, stats: ArmStats, rng: np.random.Generator) -> FloatArray:
        alpha, beta = self.posterior(stats)
        return np.asarray(rng.beta(alpha, beta), dtype=np.float64)

    def batch_probabilities(self, stats: ArmStats, rng: np.random.Generator) -> FloatArray:
        alpha, beta = self.posterior(stats)
        return probability_best(alpha, beta)

    def observe_many(
        self,
        state: OnlineState,
        rows: IntArray,
        arms: IntArray,
        rewards: FloatArray,
        rng: np.random.Generator,
    ) -> None:
        check_rewards(rewards)
        if self.reward_mode == "binarize":
            rewards = (rng.random(rewards.shape) < rewards).astype(np.float64)
        state.record_many(rows, arms, rewards)
