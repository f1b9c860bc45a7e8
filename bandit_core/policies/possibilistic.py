"""The possibilistic reward methods PR1, PR2 and PR3 (Martín, Jiménez-Martín & Mateos).

Each arm's expected reward gets a possibility function built from a concentration inequality;
the policy draws one value per arm from the probability distribution that the authors' code
derives from it and plays the largest (random tie-break), like Thompson sampling. What follows
is the authors' public simulator (the code that produced the paper's numbers), with ``n = N_i``
observed rewards of mean ``m = μ̂_i``; an unpulled arm draws Uniform(0, 1).

- **PR1** (Chernoff-Hoeffding): ``π(x) = exp(−2n(x − m)²)``, adjusted to vanish at the ends of
  [0, 1]: ``π̃(x) = (π(x) − π(0))/(1 − π(0))`` below m and ``(π(x) − π(1))/(1 − π(1))`` above.
  The draw has density ∝ π̃ on (0, 1), sampled by rejection from N(m, 1/(4n)).
- **PR2** (Chernoff, relative entropy): ``π(x) = exp(−n kl(m, x))``, whose normalised density
  is ``Beta(1 + n m, 1 + n (1 − m))``: Thompson sampling with a uniform prior and fractional
  counts. The paper's tables call it "PR2 (TS)".
- **PR3** (Bernstein): PR2 with the sample size inflated by ``max(1, m(1 − m)/v)``, where ``v``
  is an upper confidence bound on the reward variance, ``min(1/4, s² + sqrt(ln(1/δ)/(2n)))``
  (``v = 1`` while the sample variance ``s²`` is 0), ``δ = 0.1``. For 0/1 rewards ``v >= s² ≈
  m(1 − m)``, so PR3 is PR2; for rewards with less variance it sharpens the posterior.

Batch face, exact: PR2 and PR3 through ``beta.probability_best``; PR1 by collocation on a merged
grid with its closed-form CDF (Gaussian integrals) anchoring every interval.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from scipy import special

from bandit_core.policies.base import ArmStats, FloatArray
from bandit_core.policies.beta import probability_best
from bandit_core.policies.compiled import jit, per_arm
from bandit_core.policies.index import IndexPolicy
from bandit_core.policies.quadrature import (
    GridIntegral,
    interval_nodes,
    needed_points,
    trim_to_widest,
)
from bandit_core.policies.thompson import ThompsonSampling, beta_draws

__all__ = ["PR1", "PR2", "PR3"]

_SQRT_2PI = float(np.sqrt(2.0 * np.pi))
_PR1_POINTS = np.linspace(-6.0, 6.0, 9)  # grid points per arm, in standard deviations
_MAX_REJECTION_ROUNDS = 10_000


class _PR1Law:
    """The PR1 draw of arms with ``n`` observations of mean ``m`` (arrays of one shape)."""

    _FIELDS = ("unpulled", "n", "m", "sigma", "low_gap", "high_gap")
    __slots__ = (*_FIELDS, "_total")

    def __init__(self, n: FloatArray, m: FloatArray) -> None:
        self.unpulled = n <= 0
        self.n = np.where(self.unpulled, 1.0, n)
        self.m = np.where(self.unpulled, 0.5, m)
        self.sigma = 1.0 / np.sqrt(4.0 * self.n)
        # 1 − π(0) and 1 − π(1) with expm1: they vanish when m sits on an end of [0, 1]
        self.low_gap = -np.expm1(-2.0 * self.n * self.m**2)
        self.high_gap = -np.expm1(-2.0 * self.n * (1.0 - self.m) ** 2)
        self._total: FloatArray | None = None

    @property
    def total(self) -> FloatArray:
        """∫_0^1 π̃, the normaliser of the density (computed once, when first needed)."""
        if self._total is None:
            self._total = self._left(self.m) + self._right(np.ones_like(self.m))
        return self._total

    def map(self, f: Callable[[np.ndarray], np.ndarray]) -> _PR1Law:
        """The same law with ``f`` applied to every parameter array (select or broadcast)."""
        law = object.__new__(_PR1Law)
        for attr in self._FIELDS:
            setattr(law, attr, f(getattr(self, attr)))
        law._total = None
        return law

    def _gauss(self, x: FloatArray) -> FloatArray:
        """∫_{-inf}^x π(y) dy."""
        z = (x - self.m) / self.sigma
        return np.asarray(self.sigma * _SQRT_2PI * special.ndtr(z), dtype=np.float64)

    def _ratio(self, raw: FloatArray, gap: FloatArray) -> FloatArray:
        return np.asarray(
            np.divide(raw, gap, out=np.zeros_like(raw), where=gap > 0), dtype=np.float64
        )

    def _left(self, x: FloatArray) -> FloatArray:
        """∫_0^x π̃ for 0 <= x <= m (0 when m = 0)."""
        raw = self._gauss(x) - self._gauss(np.zeros_like(x)) - (1.0 - self.low_gap) * x
        return self._ratio(raw, self.low_gap)

    def _right(self, x: FloatArray) -> FloatArray:
        """∫_m^x π̃ for m <= x <= 1 (0 when m = 1)."""
        raw = self._gauss(x) - self._gauss(self.m) - (1.0 - self.high_gap) * (x - self.m)
        return self._ratio(raw, self.high_gap)

    def cdf(self, x: FloatArray) -> FloatArray:
        x = np.clip(x, 0.0, 1.0)
        below = self._left(np.minimum(x, self.m))
        above = np.where(x > self.m, self._right(np.maximum(x, self.m)), 0.0)
        value = np.clip((below + above) / self.total, 0.0, 1.0)
        return np.asarray(np.where(self.unpulled, x, value), dtype=np.float64)

    def density(self, x: FloatArray) -> FloatArray:
        pi = np.exp(-2.0 * self.n * (x - self.m) ** 2)
        low = self._ratio(pi - (1.0 - self.low_gap), self.low_gap)
        high = self._ratio(pi - (1.0 - self.high_gap), self.high_gap)
        value = np.maximum(np.where(x < self.m, low, high), 0.0) / self.total
        inside = (x > 0.0) & (x < 1.0)
        return np.asarray(
            np.where(self.unpulled, 1.0, np.where(inside, value, 0.0)), dtype=np.float64
        )


@jit
def _pr1_draws(
    pulls: FloatArray,
    sums: FloatArray,
    squares: FloatArray,
    params: FloatArray,
    rng: Any,
    out: FloatArray,
) -> None:
    """One PR1 draw per arm: density ∝ π̃ on (0, 1), by rejection from N(m, 1/(4n)).

    A proposal ``x`` is accepted with probability π̃(x)/π(x), which is
    ``(1 − π(0)/π(x)) / (1 − π(0))`` below m (likewise with the upper end above it), computed
    with expm1 because both vanish when m sits on an end of [0, 1]. An unpulled arm draws
    Uniform(0, 1).
    """
    for a in range(pulls.size):
        n = pulls[a]
        if n <= 0:
            out[a] = rng.random()
            continue
        m = sums[a] / n
        sigma = 1.0 / math.sqrt(4.0 * n)
        for _ in range(_MAX_REJECTION_ROUNDS):
            x = m + sigma * rng.standard_normal()
            if x <= 0.0 or x >= 1.0:
                accept = 0.0
            elif x == m:
                accept = 1.0
            else:
                end = m if x < m else 1.0 - m
                gap = -math.expm1(-2.0 * n * end * end)
                raw = -math.expm1(-2.0 * n * (end * end - (x - m) * (x - m)))
                accept = raw / gap if gap > 0.0 else 0.0
            if rng.random() <= accept:
                out[a] = x
                break
        else:
            raise RuntimeError("pr1: rejection sampling did not converge")  # probability ~0


def _pr1_probability_best(n: FloatArray, m: FloatArray) -> FloatArray:
    """P(arm's PR1 draw is the largest), bandits (B, K), by collocation on a merged grid."""
    b = n.shape[0]
    law = _PR1Law(n, m)
    # grid: ±6 standard deviations around each arm's mode where no narrower arm already has
    # points, every mode (a kink of the density) and the ends; an unpulled arm spreads its
    # points evenly over [0, 1]
    centre = np.where(law.unpulled, 0.5, law.m)
    spread = np.where(law.unpulled, 0.5 / _PR1_POINTS[-1], law.sigma)
    points = centre[..., None] + spread[..., None] * _PR1_POINTS
    points = np.where(needed_points(centre, spread, _PR1_POINTS), points, 0.0)
    grid = np.concatenate([points.reshape(b, -1), law.m, np.zeros((b, 1)), np.ones((b, 1))], axis=1)
    grid = np.sort(np.clip(grid, 0.0, 1.0), axis=1)
    grid = trim_to_widest(grid, np.zeros(b))  # the points left out sit on 0
    x, _ = interval_nodes(grid)
    density = law.map(lambda v: v[:, :, None, None]).density(x[:, None])
    cdf_grid = law.map(lambda v: v[:, :, None]).cdf(grid[:, None, :])
    p = GridIntegral(grid, density, cdf_grid=cdf_grid).probability_best()
    return np.asarray(p / np.sum(p, axis=1, keepdims=True), dtype=np.float64)


@dataclass(frozen=True, slots=True)
class PR1(IndexPolicy):
    """PR1: possibilistic reward with the Chernoff-Hoeffding bound (see the module docstring)."""

    name: ClassVar[str] = "pr1"
    random_indices: ClassVar[bool] = True
    index_function = staticmethod(_pr1_draws)

    def batch_probabilities(self, stats: ArmStats, rng: np.random.Generator) -> FloatArray:
        k = stats.n_arms
        n = stats.pulls.reshape(-1, k)
        m = stats.means().reshape(-1, k)
        out = np.empty_like(n)
        for lo in range(0, len(n), 256):  # bounds the (256, K, 11K, 4) temporaries
            out[lo : lo + 256] = _pr1_probability_best(n[lo : lo + 256], m[lo : lo + 256])
        return out.reshape(stats.pulls.shape)


_TS = ThompsonSampling()


@dataclass(frozen=True, slots=True)
class PR2(IndexPolicy):
    """PR2 ("PR2 (TS)"): Thompson sampling with Beta(1, 1) and fractional counts."""

    name: ClassVar[str] = "pr2"
    random_indices: ClassVar[bool] = True
    index_function = staticmethod(ThompsonSampling.index_function)

    def index_params(self) -> FloatArray:
        return _TS.index_params()

    def batch_probabilities(self, stats: ArmStats, rng: np.random.Generator) -> FloatArray:
        return _TS.batch_probabilities(stats, rng)


@jit
def _pr3_posterior(
    n: float, total: float, squares: float, params: FloatArray
) -> tuple[float, float]:
    """PR3's Beta parameters for one arm with ``n`` rewards of sum ``total``; δ = params[0]."""
    m = total / n if n > 0 else 0.0
    var = max((squares - total * total / n) / (n - 1.0), 0.0) if n > 1 else 0.0
    # a sample variance of 0 (fewer than two rewards, or all equal) gives v = 1 in the
    # authors' code; sums of squares leave ~1e-17 of rounding where it should be 0
    if var <= 1e-12 * max(m * (1.0 - m), 1e-300):
        v = 1.0
    else:
        v = min(0.25, var + math.sqrt(math.log(1.0 / params[0]) / (2.0 * max(n, 1.0))))
    effective = n * max(1.0, m * (1.0 - m) / v)
    return 1.0 + m * effective, 1.0 + (1.0 - m) * effective


@dataclass(frozen=True, slots=True, kw_only=True)
class PR3(IndexPolicy):
    """PR3: PR2 with a variance-adapted sample size (see the module docstring).

    Args:
        confidence: δ of the variance upper bound ``s² + sqrt(ln(1/δ)/(2n))``, in (0, 1).
    """

    name: ClassVar[str] = "pr3"
    random_indices: ClassVar[bool] = True
    index_function = staticmethod(beta_draws(_pr3_posterior))

    confidence: float = 0.1

    def __post_init__(self) -> None:
        c = self.confidence
        if isinstance(c, bool) or not isinstance(c, int | float) or not 0 < c < 1:
            raise ValueError(f"pr3: expected confidence in (0, 1), found {c!r}")

    def index_params(self) -> FloatArray:
        return np.array([self.confidence], dtype=np.float64)

    def posterior(self, stats: ArmStats) -> tuple[FloatArray, FloatArray]:
        """The Beta parameters of every arm's draw (Beta(1, 1) for an unpulled arm)."""
        return per_arm(
            _pr3_posterior,
            (stats.pulls, stats.reward_sum, stats.reward_sq_sum),
            self.index_params(),
        )

    def batch_probabilities(self, stats: ArmStats, rng: np.random.Generator) -> FloatArray:
        alpha, beta = self.posterior(stats)
        return probability_best(alpha, beta)
