"""Reward delays of the online architecture (the batch architecture delivers at boundaries).

- ``FixedDelay(C)``: every reward arrives ``C`` seconds after its decision.
- ``ExponentialDelay(mean, cap)``: Exp(mean) seconds, capped at ``cap`` (the authors' code:
  ``min(Exp, cap)``) or truncated to [0, cap] (``truncated=True``, the paper's wording). Bern_M
  online: mean 80 s, cap 300 s.
- ``ReadingDelay()``: the reward arrives when the reading ends, after the decision's reading
  time (Bern_V online: the reading time that scales the reward).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bandit_core.policies.base import FloatArray

__all__ = ["DelayModel", "ExponentialDelay", "FixedDelay", "ReadingDelay"]


@dataclass(frozen=True, slots=True)
class FixedDelay:
    seconds: float

    def __post_init__(self) -> None:
        if not self.seconds >= 0:
            raise ValueError(f"expected a delay >= 0 seconds, found {self.seconds!r}")

    def describe(self) -> str:
        return f"fixed {self.seconds:g} s"

    def draw(self, reading: FloatArray, rng: np.random.Generator) -> FloatArray:
        return np.full(reading.shape, float(self.seconds))


@dataclass(frozen=True, slots=True)
class ExponentialDelay:
    mean: float
    cap: float
    truncated: bool = False

    def __post_init__(self) -> None:
        if not (self.mean > 0 and self.cap > 0):
            raise ValueError(f"expected mean > 0 and cap > 0, found {self.mean!r}, {self.cap!r}")

    def describe(self) -> str:
        how = "truncated" if self.truncated else "capped"
        return f"Exp(mean {self.mean:g} s) {how} at {self.cap:g} s"

    def draw(self, reading: FloatArray, rng: np.random.Generator) -> FloatArray:
        if not self.truncated:
            return np.minimum(rng.exponential(self.mean, reading.shape), self.cap)
        u = rng.random(reading.shape)
        return np.asarray(
            -self.mean * np.log1p(-u * (1.0 - np.exp(-self.cap / self.mean))), dtype=np.float64
        )


@dataclass(frozen=True, slots=True)
class ReadingDelay:
    def describe(self) -> str:
        return "until the reading ends"

    def draw(self, reading: FloatArray, rng: np.random.Generator) -> FloatArray:
        return np.asarray(reading, dtype=np.float64).copy()


DelayModel = FixedDelay | ExponentialDelay | ReadingDelay
