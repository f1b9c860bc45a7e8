"""Arrivals: a non-homogeneous Poisson process with a piecewise-linear daily intensity.

The paper's Figure 1 intensities are piecewise linear in the hour of the day, through knots
(hour, arrivals per second) and back to the first knot's value at 24:00 (knots as in the
authors' simulator, reference notes §2.3). Two ways to draw arrival times:

- ``"poisson"`` (default): the exact NH-Poisson process the paper describes, by the time
  change ``t_j = Λ⁻¹(Λ(t_0) + E_1 + ... + E_j)`` with ``E`` i.i.d. Exp(1) and ``Λ`` the
  cumulative intensity (piecewise quadratic, inverted in closed form). It has the law of
  Lewis & Shedler's thinning without its rejected candidates, which at very high traffic
  (peak 2.9 times the mean rate, 47 times the night rate) cost most of a block's time.
  Counts in a window are Poisson with mean ∫ λ, which the batch engine uses directly
  (``window_counts``).
- ``"frozen-rate"``: the authors' code, ``gap = min(Exp(λ(t_now)), 3600 s)`` with the rate frozen
  at the current time and, for the first arrival, the rate of a uniformly random hour. The rate
  changes over hours and the gaps last seconds to minutes, so the counts are within 1% of ∫ λ
  (19,730 a day at high traffic against 19,719).

Times are seconds from 00:00 of day 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from bandit_core.policies.base import FloatArray
from bandit_core.policies.compiled import jit

__all__ = [
    "DAY",
    "HIGH",
    "LOW",
    "VERY_HIGH",
    "ArrivalMethod",
    "ArrivalStream",
    "Intensity",
]

DAY = 86_400.0
ArrivalMethod = Literal["poisson", "frozen-rate"]

_FROZEN_CAP = 3600.0  # the authors' cap on one inter-arrival gap


@jit
def _inverse_sums(
    level: FloatArray,
    steps: FloatArray,
    hours: FloatArray,
    rates: FloatArray,
    areas: FloatArray,
    out: FloatArray,
) -> None:
    """``out[r, j] = Λ⁻¹(level[r] + steps[r, 0] + ... + steps[r, j])``; ``level`` advances.

    ``areas`` is Λ at each node of the day (the last, the daily total). The steps are summed
    from 0 and the row's level added last, as ``level[:, None] + np.cumsum(steps, axis=1)``
    does, to the last bit. (One loop with the inversion written inside: a compiled function
    called per value, with the three arrays as arguments, took twice as long.)
    """
    per_day = areas[-1]
    last = hours.size - 2
    for r in range(steps.shape[0]):
        acc = 0.0
        for j in range(steps.shape[1]):
            acc += steps[r, j]
            c = level[r] + acc
            days = math.floor(c / per_day)
            rest = c - days * per_day
            # the segment holding ``rest``: after the last node whose area is at most
            # ``rest`` (zero-area segments are skipped); a dozen nodes, scanned in order
            below = 0
            while below < areas.size and areas[below] <= rest:
                below += 1
            i = min(max(below - 1, 0), last)
            r0 = rates[i]
            slope = (rates[i + 1] - r0) / (hours[i + 1] - hours[i])
            a = rest - areas[i]
            # root of r0 dx + slope dx²/2 = a, without cancellation (slope 0 included)
            root = math.sqrt(max(r0 * r0 + 2.0 * slope * a, 0.0))
            dx = 2.0 * a / (r0 + root) if r0 + root > 0 else 0.0
            out[r, j] = days * DAY + hours[i] + dx
        level[r] = level[r] + acc


@dataclass(frozen=True, slots=True)
class Intensity:
    """A daily intensity through ``knots`` (hour in [0, 24), arrivals per second), periodic.

    Example:
        >>> round(LOW.daily_total())
        560
    """

    name: str
    knots: tuple[tuple[float, float], ...]

    def __post_init__(self) -> None:
        hours = [h for h, _ in self.knots]
        if (
            not self.knots
            or hours[0] != 0
            or any(b <= a for a, b in zip(hours, hours[1:], strict=False))
        ):
            raise ValueError(f"{self.name}: knots must start at hour 0 and increase, found {hours}")
        if hours[-1] >= 24 or any(rate < 0 for _, rate in self.knots):
            raise ValueError(f"{self.name}: expected hours below 24 and rates >= 0")
        if max(rate for _, rate in self.knots) <= 0:
            raise ValueError(f"{self.name}: the intensity is zero everywhere")

    @classmethod
    def flat(cls, per_day: float) -> Intensity:
        """The same rate all day, ``per_day`` arrivals a day."""
        return cls(f"flat {per_day:g}/day", ((0.0, per_day / DAY),))

    def scaled(self, per_day: float) -> Intensity:
        """This daily shape, scaled to ``per_day`` arrivals a day."""
        factor = per_day / self.daily_total()
        return Intensity(f"{per_day:g}/day", tuple((h, r * factor) for h, r in self.knots))

    def _nodes(self) -> tuple[FloatArray, FloatArray]:
        hours = np.array([h for h, _ in self.knots] + [24.0]) * 3600.0
        rates = np.array([r for _, r in self.knots] + [self.knots[0][1]])
        return hours, rates

    def rate(self, t: FloatArray) -> FloatArray:
        """λ at times ``t`` (seconds), arrivals per second."""
        hours, rates = self._nodes()
        return np.asarray(np.interp(np.mod(t, DAY), hours, rates), dtype=np.float64)

    def _cumulative_in_day(self, s: FloatArray) -> FloatArray:
        """∫_0^s λ for s in [0, DAY] (exact: trapezoids of a piecewise-linear function)."""
        hours, rates = self._nodes()
        areas = self._areas()
        i = np.clip(np.searchsorted(hours, s, side="right") - 1, 0, len(hours) - 2)
        x0, r0 = hours[i], rates[i]
        slope = (rates[i + 1] - r0) / (hours[i + 1] - x0)
        dx = s - x0
        return np.asarray(areas[i] + r0 * dx + 0.5 * slope * dx * dx, dtype=np.float64)

    def cumulative(self, t: FloatArray) -> FloatArray:
        """Λ(t) = ∫_0^t λ, for any t >= 0 (seconds)."""
        t = np.asarray(t, dtype=np.float64)
        days = np.floor(t / DAY)
        return np.asarray(
            days * self.daily_total() + self._cumulative_in_day(t - days * DAY), dtype=np.float64
        )

    def _areas(self) -> FloatArray:
        """∫ λ from 00:00 to each node (the last is the daily total)."""
        hours, rates = self._nodes()
        return np.concatenate([[0.0], np.cumsum(np.diff(hours) * (rates[1:] + rates[:-1]) / 2.0)])

    def inverse_cumulative(self, c: FloatArray) -> FloatArray:
        """The time t with Λ(t) = c, for any c >= 0 (the earliest one where λ is 0)."""
        c = np.asarray(c, dtype=np.float64)
        out = self.inverse_sums(c.reshape(-1).copy(), np.zeros((c.size, 1)))
        return out.reshape(c.shape)

    def inverse_sums(self, level: FloatArray, steps: FloatArray) -> FloatArray:
        """Λ⁻¹ of each row's running sums ``level + steps[:, :j+1].sum()``, shape of ``steps``;
        ``level`` (rows,) advances in place to each row's last sum."""
        out = np.empty(steps.shape)
        _inverse_sums(level, steps, *self._nodes(), self._areas(), out)
        return out

    def daily_total(self) -> float:
        """Expected arrivals in one day."""
        return float(self._cumulative_in_day(np.array(DAY)))

    def window_counts(
        self, starts: FloatArray, ends: FloatArray, rng: np.random.Generator
    ) -> np.ndarray:
        """Arrivals in [start, end) of a Poisson process with this intensity (exact)."""
        mean = self.cumulative(ends) - self.cumulative(starts)
        return np.asarray(rng.poisson(np.maximum(mean, 0.0)), dtype=np.int64)


# The paper's three traffic levels (knots of the authors' generate scripts).
LOW = Intensity(
    "low",
    ((0, 0.005), (8, 0.005), (10, 0.006), (12, 0.008), (13, 0.008), (15, 0.006), (17, 0.006),
     (19, 0.01), (20, 0.01), (21, 0.009)),
)  # fmt: skip
HIGH = Intensity(
    "high",
    ((0, 0.005), (8, 0.025), (10, 0.075), (12, 0.55), (13, 0.55), (15, 0.2), (17, 0.2),
     (19, 0.65), (20, 0.65), (21, 0.55)),
)  # fmt: skip
VERY_HIGH = Intensity(
    "very high",
    ((0, 0.2), (8, 0.4), (10, 2.0), (12, 7.0), (13, 7.0), (15, 3.2), (17, 3.2), (19, 9.5),
     (20, 9.5), (21, 7.0)),
)  # fmt: skip


class ArrivalStream:
    """Arrival times of ``rows`` independent processes, drawn block by block.

    Args:
        start: each row's start time in seconds, shape (rows,).
    """

    def __init__(
        self,
        intensity: Intensity,
        start: FloatArray,
        method: ArrivalMethod,
        rng: np.random.Generator,
    ) -> None:
        if method not in ("poisson", "frozen-rate"):
            raise ValueError(f"expected arrivals 'poisson' or 'frozen-rate', found {method!r}")
        self.intensity = intensity
        self.method = method
        self.rng = rng
        self.last = np.asarray(start, dtype=np.float64).copy()
        self.level = intensity.cumulative(self.last)  # Λ at the last arrival
        self.first = True

    def next(self, count: int) -> FloatArray:
        """The next ``count`` arrival times of every row, shape (rows, count)."""
        if self.method == "poisson":
            return self._poisson(count)
        return self._frozen(count)

    def _poisson(self, count: int) -> FloatArray:
        steps = self.rng.standard_exponential((self.last.size, count))
        times = self.intensity.inverse_sums(self.level, steps)
        self.last = times[:, -1].copy()
        return times

    def _frozen(self, count: int) -> FloatArray:
        rows = self.last.size
        out = np.empty((rows, count))
        t = self.last
        for j in range(count):
            if self.first:
                # the authors' code draws the first gap at the rate of a random hour
                rate = self.intensity.rate(self.rng.uniform(0.0, DAY, rows))
                self.first = False
            else:
                rate = self.intensity.rate(t)
            t = t + np.minimum(self.rng.exponential(1.0, rows) / rate, _FROZEN_CAP)
            out[:, j] = t
        self.last = t
        return out
