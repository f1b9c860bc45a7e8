"""What every policy is: an immutable value with a batch face and an online face.

Both faces work on the same sufficient statistics of the rewards observed so far:

- **batch** (the nightly ``allocate`` task and the simulator's fast batch engine):
  ``policy.batch_probabilities(stats, rng)`` is the probability that one decision taken with
  the state frozen at 00:00 picks each arm. ``stats`` may carry leading dimensions
  (segments, repetitions), so one call allocates many independent bandits.
- **online** (the per-event simulation): ``state = policy.start(k)``, then
  ``policy.choose(state, rng)`` picks one arm and ``policy.observe(state, arm, reward, rng)``
  feeds one reward in [0, 1].

A policy never holds data and never draws from a global RNG: randomness comes from the
``numpy.random.Generator`` passed in, whose seed the caller records.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

__all__ = ["ArmStats", "OnlineState", "Policy", "FloatArray"]

FloatArray = NDArray[np.float64]


def _frozen(values: Any) -> FloatArray:
    array = np.array(values, dtype=np.float64)
    array.setflags(write=False)
    return array


@dataclass(frozen=True, slots=True)
class ArmStats:
    """Frozen sufficient statistics of the observed rewards, shape ``(..., K)``.

    Attributes:
        pulls: number of observed (matured) rewards per arm.
        reward_sum: sum of those rewards (each in [0, 1]).
        reward_sq_sum: sum of their squares (for variance-aware policies).
    """

    pulls: FloatArray
    reward_sum: FloatArray
    reward_sq_sum: FloatArray

    def __init__(self, pulls: Any, reward_sum: Any, reward_sq_sum: Any | None = None) -> None:
        pulls_a = _frozen(pulls)
        sum_a = _frozen(reward_sum)
        sq_a = sum_a if reward_sq_sum is None else _frozen(reward_sq_sum)
        if pulls_a.ndim == 0 or pulls_a.shape != sum_a.shape or pulls_a.shape != sq_a.shape:
            raise ValueError(
                "pulls, reward_sum and reward_sq_sum must be arrays of one shape (..., K), "
                f"found {pulls_a.shape}, {sum_a.shape} and {sq_a.shape}"
            )
        if np.any(pulls_a < 0) or np.any(sum_a < -1e-9) or np.any(sum_a > pulls_a + 1e-9):
            raise ValueError("expected 0 <= reward_sum <= pulls for every arm (rewards in [0, 1])")
        object.__setattr__(self, "pulls", pulls_a)
        object.__setattr__(self, "reward_sum", sum_a)
        object.__setattr__(self, "reward_sq_sum", sq_a)

    @classmethod
    def zeros(cls, k: int) -> ArmStats:
        """No observations yet for ``k`` arms."""
        return cls(np.zeros(k), np.zeros(k), np.zeros(k))

    @property
    def n_arms(self) -> int:
        return int(self.pulls.shape[-1])

    def means(self) -> FloatArray:
        """Empirical mean reward per arm (0 where an arm has no observation)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.pulls > 0, self.reward_sum / np.maximum(self.pulls, 1e-300), 0.0)


@dataclass(slots=True)
class OnlineState:
    """Mutable per-run state of the online face: the running statistics of ``K`` arms.

    Policies that need more (histories, queues) subclass it.
    """

    pulls: FloatArray
    reward_sum: FloatArray
    reward_sq_sum: FloatArray
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def empty(cls, k: int) -> OnlineState:
        return cls(np.zeros(k), np.zeros(k), np.zeros(k))

    def record(self, arm: int, reward: float) -> None:
        self.pulls[arm] += 1.0
        self.reward_sum[arm] += reward
        self.reward_sq_sum[arm] += reward * reward

    def snapshot(self) -> ArmStats:
        return ArmStats(self.pulls, self.reward_sum, self.reward_sq_sum)


class Policy(ABC):
    """An allocation strategy. Subclasses are frozen dataclasses (immutable values)."""

    #: the name a campaign config uses for this policy (e.g. ``thompson_sampling``)
    name: ClassVar[str]

    @abstractmethod
    def batch_probabilities(self, stats: ArmStats, rng: np.random.Generator) -> FloatArray:
        """Probability of choosing each arm for one decision under frozen ``stats``.

        Returns an array of ``stats``' shape whose last axis sums to 1.
        """

    def start(self, k: int) -> OnlineState:
        """A fresh online state for ``k`` arms."""
        return OnlineState.empty(k)

    @abstractmethod
    def choose(self, state: OnlineState, rng: np.random.Generator) -> int:
        """Pick the arm for one decision."""

    def observe(
        self, state: OnlineState, arm: int, reward: float, rng: np.random.Generator
    ) -> None:
        """Feed one reward in [0, 1] for ``arm``."""
        if not 0.0 <= reward <= 1.0:
            raise ValueError(f"expected a reward in [0, 1], found {reward!r}")
        state.record(arm, reward)

    def params(self) -> dict[str, Any]:
        """The policy's parameters as JSON-compatible values (stored with every allocation)."""
        from dataclasses import asdict, is_dataclass

        return asdict(self) if is_dataclass(self) else {}
