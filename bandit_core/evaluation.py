"""Off-policy evaluation: how another policy would have done, from the logged sends alone.

Every matured send ``t`` was chosen in a context ``c`` (a send date and segment) with a known
logging propensity ``π_log(a_t | c)`` and earned a reward ``r_t``. For a target policy with
probabilities ``π(a | c)``, with ``w_t = π(a_t | c_t) / π_log(a_t | c_t)``:

- IPS: ``(1/n) Σ w_t r_t``, unbiased when the logging policy gave every template the target
  uses a positive probability;
- SNIPS: ``Σ w_t r_t / Σ w_t``, a little biased, much less variable when weights are large;
- doubly robust: ``(1/n) Σ [Σ_a π(a | c_t) r̂(c_t, a) + w_t (r_t − r̂(c_t, a_t))]`` with a
  reward model ``r̂``; unbiased if either the propensities or the model are right.

Intervals come from the nonparametric bootstrap over sends (multinomial resampling of the
cells of identical sends, seeded). Diagnostics say when an estimate should not be trusted:
the largest weight, the effective sample size ``(Σ w)² / Σ w²`` and the share of the target's
probability on templates the logging policy never sent in that context ("missing support",
which IPS and SNIPS cannot see at all).

``estimate_policy_value`` is the pure computation on arrays; ``bandit_core.evaluation_data``
builds its input from a campaign's logs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bandit_core.policies.base import FloatArray, IntArray

__all__ = [
    "BOOTSTRAP",
    "ESS_WARNING",
    "SUPPORT_WARNING",
    "WEIGHT_WARNING",
    "Estimate",
    "LoggedSends",
    "PolicyEvaluation",
    "estimate_policy_value",
]

BOOTSTRAP = 1_000
#: warn when one send's weight exceeds this: a handful of sends then decide the estimate
WEIGHT_WARNING = 20.0
#: warn when the effective sample size falls below this share of the sends
ESS_WARNING = 0.1
#: warn when the target puts more than this share of its probability where nothing was logged
SUPPORT_WARNING = 0.01
_MAX_CELLS_X_DRAWS = 20_000_000  # bootstrap memory bound: cells x draws per block


@dataclass(frozen=True, slots=True)
class LoggedSends:
    """Matured logged sends, grouped into cells of identical context, template and reward.

    Attributes:
        context: the context (send date x segment) of each cell, shape ``(N,)``.
        arm: the template of each cell, shape ``(N,)``.
        reward: the reward of each cell's sends, in [0, 1], shape ``(N,)``.
        count: the number of sends in each cell, shape ``(N,)``.
        logging: the logging policy's probabilities per context and template, ``(C, K)``.
        target: the target policy's probabilities per context and template, ``(C, K)``.
        model: the reward model ``r̂`` per context and template (for DR), ``(C, K)``.
    """

    context: IntArray
    arm: IntArray
    reward: FloatArray
    count: FloatArray
    logging: FloatArray
    target: FloatArray
    model: FloatArray

    def __post_init__(self) -> None:
        n = self.context.shape
        for name in ("arm", "reward", "count"):
            if getattr(self, name).shape != n:
                raise ValueError(
                    f"expected {name} of shape {n} like context, found {getattr(self, name).shape}"
                )
        shape = self.logging.shape
        if len(shape) != 2 or self.target.shape != shape or self.model.shape != shape:
            raise ValueError(
                "expected logging, target and model probabilities of one shape (C, K), found "
                f"{self.logging.shape}, {self.target.shape} and {self.model.shape}"
            )
        if np.any(self.logging[self.context, self.arm] <= 0):
            raise ValueError("a logged send has logging probability 0: the logs are inconsistent")
        if np.any(self.count < 0) or not np.all((self.reward >= 0) & (self.reward <= 1)):
            raise ValueError("expected non-negative counts and rewards in [0, 1]")


@dataclass(frozen=True, slots=True)
class Estimate:
    """One estimator's value with its bootstrap interval."""

    value: float
    low: float
    high: float


@dataclass(frozen=True, slots=True)
class PolicyEvaluation:
    """The target policy's estimated value per send, the logged value and diagnostics."""

    sends: int
    logged_value: Estimate
    ips: Estimate
    snips: Estimate
    doubly_robust: Estimate
    max_weight: float
    effective_sample_size: float
    unsupported_share: float
    level: float
    #: each estimator minus the logged value, with the bootstrap interval of the difference
    versus_logged: dict[str, Estimate] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def estimate_policy_value(
    logs: LoggedSends,
    rng: np.random.Generator,
    *,
    bootstrap: int = BOOTSTRAP,
    level: float = 0.95,
) -> PolicyEvaluation:
    """IPS, SNIPS and doubly robust estimates of the target's mean reward per send.

    Args:
        logs: the logged sends with logging, target and model probabilities.
        rng: the generator of the bootstrap (record its seed).
        bootstrap: bootstrap resamples.
        level: the intervals' coverage.

    Returns:
        the estimates, intervals and diagnostics, with a warning per problem found.

    Raises:
        ValueError: there is no logged send.

    Example:
        >>> logs = LoggedSends(
        ...     context=np.array([0, 0, 0, 0]), arm=np.array([0, 0, 1, 1]),
        ...     reward=np.array([1.0, 0.0, 1.0, 0.0]), count=np.array([10.0, 40, 30, 20]),
        ...     logging=np.array([[0.5, 0.5]]), target=np.array([[0.0, 1.0]]),
        ...     model=np.array([[0.2, 0.6]]))
        >>> result = estimate_policy_value(logs, np.random.default_rng(0), bootstrap=200)
        >>> round(result.ips.value, 3), round(result.snips.value, 3)
        (0.6, 0.6)
    """
    n = float(logs.count.sum())
    if n <= 0:
        raise ValueError("no matured logged sends to evaluate: widen the date range")
    weight = logs.target[logs.context, logs.arm] / logs.logging[logs.context, logs.arm]
    direct = np.sum(logs.target * logs.model, axis=1)[logs.context]
    residual = logs.reward - logs.model[logs.context, logs.arm]
    terms = np.stack(
        [
            logs.reward,  # logged value
            weight * logs.reward,  # ips numerator
            weight,  # snips denominator
            direct + weight * residual,  # doubly robust
        ]
    )
    point = _estimates(terms @ logs.count, n)
    draws = _bootstrap(terms, logs.count, int(n), rng, bootstrap)
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(draws, [tail, 1.0 - tail], axis=1)
    estimates = [Estimate(float(point[i]), float(low[i]), float(high[i])) for i in range(4)]
    gaps = draws[1:] - draws[0]
    gap_low, gap_high = np.quantile(gaps, [tail, 1.0 - tail], axis=1)
    versus_logged = {
        name: Estimate(float(point[i + 1] - point[0]), float(gap_low[i]), float(gap_high[i]))
        for i, name in enumerate(("ips", "snips", "doubly_robust"))
    }

    ess = float((weight @ logs.count) ** 2 / ((weight**2) @ logs.count))
    per_context = np.bincount(logs.context, weights=logs.count, minlength=logs.logging.shape[0])
    unsupported = np.sum(logs.target * (logs.logging <= 0), axis=1)
    unsupported_share = float(unsupported @ per_context / n)
    max_weight = float(np.max(weight[logs.count > 0], initial=0.0))
    warnings = _warnings(max_weight, ess, n, unsupported_share)
    logged, ips, snips, doubly_robust = estimates
    return PolicyEvaluation(
        sends=int(n),
        logged_value=logged,
        ips=ips,
        snips=snips,
        doubly_robust=doubly_robust,
        max_weight=max_weight,
        effective_sample_size=ess,
        unsupported_share=unsupported_share,
        level=level,
        versus_logged=versus_logged,
        warnings=warnings,
    )


def _estimates(sums: FloatArray, n: float | FloatArray) -> FloatArray:
    """(logged, ips, snips, dr) from the sums of the four per-send terms."""
    logged, ips_sum, weights, dr_sum = sums
    with np.errstate(invalid="ignore", divide="ignore"):
        snips = np.where(weights > 0, ips_sum / np.where(weights > 0, weights, 1.0), 0.0)
    return np.asarray(np.stack([logged / n, ips_sum / n, snips, dr_sum / n]), dtype=np.float64)


def _bootstrap(
    terms: FloatArray, count: FloatArray, n: int, rng: np.random.Generator, draws: int
) -> FloatArray:
    """Resample ``n`` sends with replacement ``draws`` times; the estimates, shape (4, draws)."""
    p = count / count.sum()
    block = max(1, _MAX_CELLS_X_DRAWS // max(len(count), 1))
    out = []
    for start in range(0, draws, block):
        size = min(block, draws - start)
        counts = rng.multinomial(n, p, size=size).astype(np.float64)  # (size, N)
        out.append(_estimates(terms @ counts.T, float(n)))
    return np.concatenate(out, axis=1)


def _warnings(max_weight: float, ess: float, n: float, unsupported: float) -> list[str]:
    found = []
    if max_weight > WEIGHT_WARNING:
        found.append(
            f"weights too large: the largest is {max_weight:.1f} (above {WEIGHT_WARNING:g}); "
            "a few sends decide IPS and DR, prefer SNIPS and read the intervals"
        )
    if ess < ESS_WARNING * n:
        found.append(
            f"effective sample size {ess:,.0f} is {ess / n:.1%} of {n:,.0f} sends (below "
            f"{ESS_WARNING:.0%}): the target differs too much from what was logged"
        )
    if unsupported > SUPPORT_WARNING:
        found.append(
            f"support missing: {unsupported:.1%} of the target's probability is on templates "
            "the logging policy never sent in those contexts; IPS and SNIPS ignore them and DR "
            "relies on its model there"
        )
    return found
