"""Index policies: play the arm with the largest index, ties broken uniformly at random.

Most strategies of the paper are index policies over the sufficient statistics: UCB, KL-UCB,
KL-UCB+, Bayes-UCB (deterministic indices) and Thompson sampling, PR1, PR2, PR3 (one random
draw per arm and decision). An ``IndexPolicy`` only defines ``indices(stats, rng)``; choosing,
observing and the batch face follow:

- deterministic indices: with the state frozen at 00:00 every decision of the day goes to the
  argmax, ties split evenly (the paper's simulator draws uniformly among tied maxima on each
  decision, so a tie of m arms gives each 1/m of the day in expectation);
- random indices: the probability that an arm's draw is the largest, exact where the policy
  overrides ``batch_probabilities`` and otherwise a seeded Monte Carlo over index draws.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import ClassVar

import numpy as np

from bandit_core.policies.base import ArmStats, FloatArray, IntArray, OnlineState, Policy

__all__ = ["IndexPolicy", "argmax_random_ties", "tie_split"]


def argmax_random_ties(values: FloatArray, rng: np.random.Generator) -> IntArray:
    """Index of the maximum along the last axis, uniformly at random among tied maxima.

    Random keys are drawn only for the rows with a tie (unpulled arms, equal statistics),
    which after the first decisions are few: a decision of a deterministic-index policy
    then draws nothing.
    """
    k = values.shape[-1]
    flat = values.reshape(-1, k)
    top = flat == np.max(flat, axis=1, keepdims=True)
    pick = np.argmax(top, axis=1)
    tied = np.flatnonzero(np.count_nonzero(top, axis=1) > 1)
    if tied.size:
        keys = np.where(top[tied], rng.random((tied.size, k)), -1.0)
        pick[tied] = np.argmax(keys, axis=1)
    return np.asarray(pick.reshape(values.shape[:-1]), dtype=np.intp)


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

    @abstractmethod
    def indices(self, stats: ArmStats, rng: np.random.Generator) -> FloatArray:
        """One index per arm for one decision, shape of ``stats`` (unpulled arms included)."""

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
            winners = argmax_random_ties(self.indices(tiled, rng), rng)
            counts += np.sum(winners[..., None] == np.arange(k), axis=0)
            done += m
        return np.asarray(counts / draws, dtype=np.float64)

    def choose_many(self, state: OnlineState, rows: IntArray, rng: np.random.Generator) -> IntArray:
        return argmax_random_ties(self.indices(state.current(rows), rng), rng)
