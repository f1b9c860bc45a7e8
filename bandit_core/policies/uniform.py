"""Uniform allocation: the A/B-test baseline every other policy is compared with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from bandit_core.policies.base import ArmStats, FloatArray, OnlineState, Policy

__all__ = ["Uniform"]


@dataclass(frozen=True, slots=True)
class Uniform(Policy):
    """Every arm with probability 1/K, whatever has been observed."""

    name: ClassVar[str] = "uniform"

    def batch_probabilities(self, stats: ArmStats, rng: np.random.Generator) -> FloatArray:
        return np.full(stats.pulls.shape, 1.0 / stats.n_arms)

    def choose(self, state: OnlineState, rng: np.random.Generator) -> int:
        return int(rng.integers(state.pulls.shape[-1]))
