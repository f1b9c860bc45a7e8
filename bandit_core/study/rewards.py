"""Reward models of the study: Bernoulli arms and the paper's reading-time rewards (Bern_V).

- ``BernoulliArms``: arm i pays 1 with probability ``p_i`` (Bern_M: p = [0.5, 0.45 x 9]).
- ``ReadingTimeArms``: a click with probability ``p_i``, then a reading time X ~ Exp(mean
  ``reading_mean`` s); the reward is ``click x min(X, cap)/cap``. ``reading="capped"`` is the
  authors' code (an atom at reward 1 with probability e^{-cap/mean} given a click, E = 0.29976 p
  for mean 150 and cap 480); ``"truncated"`` conditions X on X <= cap as the paper's text says
  (E = 0.27001 p). ``factors=2`` multiplies by a second, independent such factor, as the
  authors' "dependent reward" configuration does by mistake; the regret still uses the
  single-factor expectation, as their evaluation did (reference notes §2.2).

Every decision draws its reading time whether or not the user clicks: in the online Bern_V
scenario it is also the reward's delay.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from bandit_core.policies.base import FloatArray, IntArray

__all__ = ["BernoulliArms", "ReadingTimeArms", "RewardModel"]


def _check_probabilities(values: tuple[float, ...], label: str) -> None:
    if len(values) < 2:
        raise ValueError(f"{label}: expected at least two arms, found {len(values)}")
    if any(not 0.0 <= v <= 1.0 for v in values):
        raise ValueError(f"{label}: expected probabilities in [0, 1], found {list(values)}")


@dataclass(frozen=True, slots=True)
class BernoulliArms:
    """Arm i pays 1 with probability ``p[i]``, else 0."""

    p: tuple[float, ...]
    name: str = "Bernoulli"

    def __post_init__(self) -> None:
        _check_probabilities(self.p, self.name)

    @property
    def k(self) -> int:
        return len(self.p)

    def means(self) -> FloatArray:
        return np.array(self.p, dtype=np.float64)

    def reading_times(self, shape: tuple[int, ...], rng: np.random.Generator) -> FloatArray:
        """Bernoulli arms have no reading time (zeros, no randomness used)."""
        return np.zeros(shape)

    def hit_values(self, reading: FloatArray, rng: np.random.Generator | None = None) -> FloatArray:
        """The reward of each decision if it succeeds (1 for Bernoulli arms)."""
        return np.ones(reading.shape)

    def values(
        self,
        arms: IntArray,
        uniforms: FloatArray,
        reading: FloatArray,
        rng: np.random.Generator | None = None,
    ) -> FloatArray:
        """Rewards of decisions on ``arms`` given a uniform and a reading time per decision:
        a decision succeeds when its uniform is below its arm's probability."""
        return np.where(uniforms < np.asarray(self.p)[arms], self.hit_values(reading, rng), 0.0)

    def totals(self, counts: np.ndarray, rng: np.random.Generator) -> tuple[FloatArray, FloatArray]:
        """Sum and sum of squares of the rewards of ``counts`` pulls per arm (any shape)."""
        ones = np.asarray(rng.binomial(counts, np.asarray(self.p)), dtype=np.float64)
        return ones, ones


@dataclass(frozen=True, slots=True)
class ReadingTimeArms:
    """Click with probability ``p[i]``, reward = reading time factor (see the module docstring)."""

    p: tuple[float, ...]
    reading_mean: float = 150.0
    cap: float = 480.0
    reading: Literal["capped", "truncated"] = "capped"
    factors: int = 1
    name: str = "reading time"
    _scale: float = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _check_probabilities(self.p, self.name)
        if not self.reading_mean > 0 or not self.cap > 0:
            raise ValueError(f"{self.name}: expected reading_mean > 0 and cap > 0")
        if self.reading not in ("capped", "truncated"):
            raise ValueError(
                f"{self.name}: expected reading 'capped' or 'truncated', found {self.reading!r}"
            )
        if self.factors not in (1, 2):
            raise ValueError(f"{self.name}: expected factors 1 or 2, found {self.factors!r}")
        object.__setattr__(self, "_scale", self.mean_factor())

    @property
    def k(self) -> int:
        return len(self.p)

    def mean_factor(self) -> float:
        """E[min(X, cap)/cap] (capped) or E[X/cap | X <= cap] (truncated)."""
        mean, cap = self.reading_mean, self.cap
        tail = np.exp(-cap / mean)
        if self.reading == "capped":
            return float(mean * (1.0 - tail) / cap)
        return float((mean - cap * tail / (1.0 - tail)) / cap)

    def means(self) -> FloatArray:
        return np.array(self.p, dtype=np.float64) * self._scale

    def reading_times(self, shape: tuple[int, ...], rng: np.random.Generator) -> FloatArray:
        """One reading time (seconds, at most ``cap``) per decision."""
        if self.reading == "capped":
            return np.minimum(rng.exponential(self.reading_mean, shape), self.cap)
        # inverse CDF of the exponential conditioned on X <= cap
        u = rng.random(shape)
        return np.asarray(
            -self.reading_mean * np.log1p(-u * (1.0 - np.exp(-self.cap / self.reading_mean))),
            dtype=np.float64,
        )

    def hit_values(self, reading: FloatArray, rng: np.random.Generator | None = None) -> FloatArray:
        """The reward of each decision if the user clicks: its reading factor."""
        factor = reading / self.cap
        if self.factors == 2:
            if rng is None:
                raise ValueError("a second reading factor needs a random generator")
            factor = factor * self.reading_times(reading.shape, rng) / self.cap
        return np.asarray(factor, dtype=np.float64)

    def values(
        self,
        arms: IntArray,
        uniforms: FloatArray,
        reading: FloatArray,
        rng: np.random.Generator | None = None,
    ) -> FloatArray:
        """Rewards of decisions on ``arms``: the reading factor of those whose uniform is below
        their arm's click probability, else 0."""
        return np.where(uniforms < np.asarray(self.p)[arms], self.hit_values(reading, rng), 0.0)

    def totals(self, counts: np.ndarray, rng: np.random.Generator) -> tuple[FloatArray, FloatArray]:
        clicks = rng.binomial(counts, np.asarray(self.p))
        flat = clicks.ravel()
        factors = self.hit_values(self.reading_times((int(flat.sum()),), rng), rng)
        owner = np.repeat(np.arange(flat.size), flat)
        sums = np.bincount(owner, weights=factors, minlength=flat.size).reshape(clicks.shape)
        squares = np.bincount(owner, weights=factors * factors, minlength=flat.size).reshape(
            clicks.shape
        )
        return np.asarray(sums, dtype=np.float64), np.asarray(squares, dtype=np.float64)


RewardModel = BernoulliArms | ReadingTimeArms
