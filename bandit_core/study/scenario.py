"""A simulation scenario: arms, traffic, update architecture, delays, horizon.

The **online** architecture delivers each reward after its own delay (``delay``); the **batch**
architecture delivers every reward at the next boundary ``k x period_hours`` after 00:00 of
day 1 (``period_hours=24``: the nightly update at 00:00). Rewards delivered at the same instant
reach the policy in ``delivery_order``: ``"reward"`` sorts them by value, then arm, then pull
time (what the authors' event list does, because its tuples compare that way), ``"pull"`` in
the order of the decisions.

Regret is counted per decision: after ``n`` decisions the pseudo-regret is ``Σ Δ_{a_t}`` and the
realized regret ``n μ* − Σ r_t``, recorded at ``checkpoints()``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from bandit_core.policies.base import FloatArray, IntArray
from bandit_core.study.delays import DelayModel
from bandit_core.study.rewards import RewardModel
from bandit_core.study.traffic import ArrivalMethod, Intensity

__all__ = ["Architecture", "DeliveryOrder", "Scenario"]

Architecture = Literal["online", "batch"]
DeliveryOrder = Literal["reward", "pull"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Scenario:
    """Everything a repetition needs except the policy.

    Args:
        name: the reward scenario's name (``Bern_M``, ``Bern_V``, ``custom``).
        arms: the reward model.
        traffic: the arrival intensity.
        architecture: ``"online"`` or ``"batch"``.
        delay: the online reward delay (required online, unused in batch).
        period_hours: the batch update period (24 = nightly at 00:00).
        decisions: the horizon, in decisions.
        start_hour: the hour the simulation starts on day 1, or None for a uniformly random
            hour per repetition.
        arrivals: ``"poisson"`` (exact NH-Poisson) or ``"frozen-rate"`` (the authors' code).
        delivery_order: the order of rewards delivered at the same instant.
        record_every: spacing of the regret checkpoints (default: decisions / 100).
    """

    name: str
    arms: RewardModel
    traffic: Intensity
    architecture: Architecture
    delay: DelayModel | None = None
    period_hours: float = 24.0
    decisions: int = 50_000
    start_hour: float | None = 0.0
    arrivals: ArrivalMethod = "poisson"
    delivery_order: DeliveryOrder = "reward"
    record_every: int | None = None

    def __post_init__(self) -> None:
        if self.architecture not in ("online", "batch"):
            raise ValueError(
                f"expected architecture 'online' or 'batch', found {self.architecture!r}"
            )
        if self.architecture == "online" and self.delay is None:
            raise ValueError("the online architecture needs a delay model")
        if not self.period_hours > 0:
            raise ValueError(f"expected period_hours > 0, found {self.period_hours!r}")
        if (
            isinstance(self.decisions, bool)
            or not isinstance(self.decisions, int)
            or self.decisions < 1
        ):
            raise ValueError(f"expected decisions a positive integer, found {self.decisions!r}")
        if self.start_hour is not None and not 0 <= self.start_hour < 24:
            raise ValueError(f"expected start_hour in [0, 24), found {self.start_hour!r}")
        if self.delivery_order not in ("reward", "pull"):
            raise ValueError(
                f"expected delivery_order 'reward' or 'pull', found {self.delivery_order!r}"
            )
        if self.record_every is not None and self.record_every < 1:
            raise ValueError(f"expected record_every >= 1, found {self.record_every!r}")

    @property
    def k(self) -> int:
        return self.arms.k

    @property
    def period(self) -> float:
        """The batch period in seconds."""
        return self.period_hours * 3600.0

    def describe_architecture(self) -> str:
        if self.architecture == "online":
            assert self.delay is not None
            return f"online ({self.delay.describe()})"
        if self.period_hours == 24:
            return "batch (nightly at 00:00)"
        return f"batch (every {self.period_hours:g} h)"

    def checkpoints(self) -> IntArray:
        """Decision counts at which regret is recorded (sorted, ending at ``decisions``)."""
        every = self.record_every or max(1, self.decisions // 100)
        points = np.arange(every, self.decisions + 1, every)
        return np.unique(np.append(points, self.decisions)).astype(np.intp)

    def start_times(self, rows: int, rng: np.random.Generator) -> FloatArray:
        """Each repetition's start time in seconds after 00:00 of day 1."""
        if self.start_hour is None:
            return rng.uniform(0.0, 86_400.0, rows)
        return np.full(rows, self.start_hour * 3600.0)

    def next_boundary(self, times: FloatArray) -> FloatArray:
        """The first batch boundary strictly after each time."""
        return (np.floor(times / self.period) + 1.0) * self.period
