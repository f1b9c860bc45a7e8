"""Bernoulli Kullback-Leibler divergence and the KL upper confidence bound, compiled.

Shared by KL-UCB, KL-UCB+ and DMED, one arm at a time inside their compiled faces. As in the
paper's code and SMPyBandits, arguments are clipped to [1e-15, 1 − 1e-15] so that 0 and 1 are
usable means.
"""

from __future__ import annotations

import math

from bandit_core.policies.compiled import jit

__all__ = ["kl_bernoulli", "kl_upper_bound"]

_EPS = 1e-15


@jit
def kl_bernoulli(p: float, q: float) -> float:
    """kl(p, q) = p log(p/q) + (1 − p) log((1 − p)/(1 − q))."""
    p = min(max(p, _EPS), 1.0 - _EPS)
    q = min(max(q, _EPS), 1.0 - _EPS)
    return p * math.log(p / q) + (1.0 - p) * math.log((1.0 - p) / (1.0 - q))


@jit
def kl_upper_bound(mean: float, level: float) -> float:
    """The largest ``q`` in [mean, 1] with ``kl(mean, q) <= level``.

    Newton's method in ``z = logit(q)`` from the right end of the bracket
    [mean, min(1, mean + sqrt(level / 2))] (Pinsker's inequality kl(p, q) >= 2 (q − p)^2 puts
    the root inside it). As a function of z, kl(p, q(z)) is increasing and convex beyond
    logit(p) with slope q − p, and nearly linear where q is close to 1, so the iterates
    decrease monotonically to the root in a few steps. Eight steps reach ~1e-9, well below the
    paper code's 1e-6 bisection tolerance, so ties between arms are decided by the statistics
    and not by the stopping rule. ``level <= 0`` gives ``mean``.
    """
    if not level > 0.0:
        return mean
    p = min(max(mean, _EPS), 1.0 - _EPS)
    q = min(1.0 - _EPS, p + math.sqrt(level / 2.0))
    z = math.log(q) - math.log1p(-q)
    z_floor = math.log(p) - math.log1p(-p)
    constant = p * math.log(p) + (1.0 - p) * math.log1p(-p)
    for _ in range(8):
        # stable in both tails: log q = -log(1 + e^-z) and log(1 - q) = log q - z
        e = math.exp(-z)
        log_q = -math.log1p(e)
        q = 1.0 / (1.0 + e)
        kl = constant - p * log_q - (1.0 - p) * (log_q - z)
        step = (kl - level) / (q - p) if q > p else 0.0
        z = max(z - max(step, 0.0), z_floor)
    return max(1.0 / (1.0 + math.exp(-z)), mean)
