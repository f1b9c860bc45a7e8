"""Uniform allocation: the A/B-test baseline every other policy is compared with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from bandit_core.policies.base import ArmStats, FloatArray
from bandit_core.policies.compiled import jit
from bandit_core.policies.index import IndexPolicy

__all__ = ["Uniform"]


@jit
def _equal(
    pulls: FloatArray,
    sums: FloatArray,
    squares: FloatArray,
    params: FloatArray,
    rng: Any,
    out: FloatArray,
) -> None:
    out[:] = 0.0


@dataclass(frozen=True, slots=True)
class Uniform(IndexPolicy):
    """Every arm with probability 1/K, whatever has been observed.

    All indices are equal, so every decision is a uniform tie-break; the batch face is exactly
    1/K per arm.
    """

    name: ClassVar[str] = "uniform"
    index_function = staticmethod(_equal)

    def batch_probabilities(self, stats: ArmStats, rng: np.random.Generator) -> FloatArray:
        return np.full(stats.pulls.shape, 1.0 / stats.n_arms)
