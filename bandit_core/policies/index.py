"""Index policies: play the arm with the largest index, ties broken uniformly at random.

Most strategies of the paper are index policies over the sufficient statistics: UCB, KL-UCB,
KL-UCB+, Bayes-UCB (deterministic indices) and Thompson sampling, PR1, PR2, PR3 (one random
draw per arm and decision). An ``IndexPolicy`` only defines its compiled index function, one
bandit at a time (``index_function(pulls, sums, squares, params, rng, out)``, see
``bandit_core.policies.compiled``), and its parameters; ``indices(stats, rng)`` runs it over
every bandit of ``stats``, and choosing, observing and the batch face follow:

- deterministic indices: with the state frozen at 00:00 every decision of the day goes to the
  argmax, ties split evenly (the paper's simulator draws uniformly among tied maxima on each
  decision, so a tie of m arms gives each 1/m of the day in expectation);
- random indices: the probability that an arm's draw is the largest, exact where the policy
  overrides ``batch_probabilities`` and otherwise a seeded Monte Carlo over index draws.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

import numpy as np

from bandit_core.policies.base import ArmStats, FloatArray, Policy
from bandit_core.policies.compiled import (
    OnlineKernel,
    argmax_rows,
    index_kernel,
    index_rows,
    record,
)

__all__ = ["IndexPolicy", "tie_split"]


def tie_split(values: FloatArray) -> FloatArray:
    """1/m on each of the m maxima of the last axis, 0 elsewhere."""
    top = (values == np.max(values, axis=-1, keepdims=True)).astype(np.float64)
    return np.asarray(top / np.sum(top, axis=-1, keepdims=True), dtype=np.float64)


class IndexPolicy(Policy):
    """A policy that plays an arm of largest index (see the module docstring)."""

    #: whether ``indices`` draws at random (then the batch face is a probability of being max)
    random_indices: ClassVar[bool] = False
    #: index draws for the Monte Carlo batch face of random-index policies without an exact one
    monte_carlo_draws: ClassVar[int] = 20_000

    #: the compiled index of one bandit: ``(pulls, sums, squares, params, rng, out)``, each
    #: array of K values (a ``staticmethod``, so that instances do not bind it)
    index_function: ClassVar[Callable[..., None]]

    def index_params(self) -> FloatArray:
        """The policy's parameters as ``index_function`` reads them."""
        return np.zeros(0)

    def kernel(self) -> OnlineKernel:
        return OnlineKernel(
            choose=index_kernel(type(self).index_function),
            observe=record,
            params=self.index_params(),
        )

    def indices(self, stats: ArmStats, rng: np.random.Generator) -> FloatArray:
        """One index per arm for one decision, shape of ``stats`` (unpulled arms included)."""
        shape = stats.pulls.shape
        k = shape[-1]

        def flat(values: FloatArray) -> FloatArray:
            return np.ascontiguousarray(np.broadcast_to(values, shape), dtype=np.float64).reshape(
                -1, k
            )

        pulls = flat(stats.pulls)
        out = np.empty(pulls.shape)
        index_rows(type(self).index_function)(
            pulls,
            flat(stats.reward_sum),
            flat(stats.reward_sq_sum),
            self.index_params(),
            rng,
            out,
        )
        return out.reshape(shape)

    def batch_probabilities(self, stats: ArmStats, rng: np.random.Generator) -> FloatArray:
        if not self.random_indices:
            return tie_split(self.indices(stats, rng))
        return self.monte_carlo_probabilities(stats, rng, self.monte_carlo_draws)

    def monte_carlo_probabilities(
        self, stats: ArmStats, rng: np.random.Generator, draws: int
    ) -> FloatArray:
        """Share of ``draws`` independent decisions that pick each arm (seeded Monte Carlo)."""
        k = stats.n_arms
        counts = np.zeros(stats.pulls.shape)
        # blocks of draws keep the temporary (block, ..., K) array small
        block = max(1, min(draws, 2_000_000 // max(stats.pulls.size, 1)))
        done = 0
        while done < draws:
            m = min(block, draws - done)
            shape = (m, *stats.pulls.shape)
            tiled = ArmStats.trusted(
                np.broadcast_to(stats.pulls, shape),
                np.broadcast_to(stats.reward_sum, shape),
                np.broadcast_to(stats.reward_sq_sum, shape),
            )
            values = self.indices(tiled, rng).reshape(-1, k)
            winners = np.empty(values.shape[0], dtype=np.intp)
            argmax_rows(values, rng, winners)
            counts += np.sum(winners.reshape(shape[:-1])[..., None] == np.arange(k), axis=0)
            done += m
        return np.asarray(counts / draws, dtype=np.float64)
