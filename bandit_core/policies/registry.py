"""Policies by the name a campaign config (or ``smartarm simulate``) uses.

Every policy class is registered under its ``name``. The blackbox version of any of them is
``bb_<name>`` with the base policy's parameters: ``make_policy("bb_kl_ucb", {"c": 0})`` is
QPM-D around KL-UCB with c = 0. A few short aliases (``ts``, ``klucb``, ...) are accepted and
resolved to the canonical names, which are what ``Policy.config_name`` reports.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from bandit_core.policies.base import Policy
from bandit_core.policies.bayes_ucb import BayesUCB
from bandit_core.policies.besa import BESA
from bandit_core.policies.blackbox import BB_PREFIX, BlackBox
from bandit_core.policies.dmed import DMED
from bandit_core.policies.epsilon_greedy import EpsilonGreedy
from bandit_core.policies.kl_ucb import KLUCB, KLUCBPlus
from bandit_core.policies.possibilistic import PR1, PR2, PR3
from bandit_core.policies.thompson import ThompsonSampling
from bandit_core.policies.ucb import UCB, UCB1
from bandit_core.policies.uniform import Uniform

__all__ = ["ALIASES", "POLICIES", "canonical_name", "make_policy", "policy_names"]

POLICIES: dict[str, type[Policy]] = {
    cls.name: cls
    for cls in (
        Uniform,
        EpsilonGreedy,
        UCB,
        UCB1,
        KLUCB,
        KLUCBPlus,
        DMED,
        BESA,
        ThompsonSampling,
        PR1,
        PR2,
        PR3,
        BayesUCB,
    )
}

ALIASES: dict[str, str] = {
    "ts": "thompson_sampling",
    "thompson": "thompson_sampling",
    "klucb": "kl_ucb",
    "kl-ucb": "kl_ucb",
    "klucb_plus": "kl_ucb_plus",
    "kl-ucb+": "kl_ucb_plus",
    "egreedy": "epsilon_greedy",
    "bayesucb": "bayes_ucb",
}


def canonical_name(name: str) -> str:
    """``name`` with aliases resolved, keeping a ``bb_`` prefix.

    Example: ``bb_ts`` -> ``bb_thompson_sampling``.
    """
    base = name[len(BB_PREFIX) :] if name.startswith(BB_PREFIX) else name
    resolved = ALIASES.get(base, base)
    return BB_PREFIX + resolved if name.startswith(BB_PREFIX) else resolved


def policy_names() -> list[str]:
    """Every config name: the registered policies and their ``bb_`` versions."""
    return sorted(POLICIES) + sorted(BB_PREFIX + name for name in POLICIES)


def make_policy(name: str, params: Mapping[str, Any] | None = None) -> Policy:
    """Build the policy ``name`` from config ``params``.

    Raises:
        ValueError: unknown policy name or parameter, or an invalid value.
    """
    if not isinstance(name, str):
        raise ValueError(f"expected a policy name, found {name!r}")
    canonical = canonical_name(name)
    if canonical.startswith(BB_PREFIX):
        return BlackBox(_make_base(canonical[len(BB_PREFIX) :], params, shown=name))
    return _make_base(canonical, params, shown=name)


def _make_base(name: str, params: Mapping[str, Any] | None, shown: str) -> Policy:
    try:
        cls = POLICIES[name]
    except KeyError:
        known = ", ".join(sorted(POLICIES))
        raise ValueError(
            f"unknown policy {shown!r}; expected one of: {known} "
            "(or bb_<name> for the blackbox version)"
        ) from None
    params = dict(params or {})
    allowed: set[str] = (
        {f.name for f in dataclasses.fields(cls)} if dataclasses.is_dataclass(cls) else set()
    )
    unknown = sorted(set(params) - allowed)
    if unknown:
        expected = ", ".join(sorted(allowed)) or "no parameters"
        raise ValueError(f"{shown}: unknown parameter(s) {', '.join(unknown)}; expected {expected}")
    try:
        return cls(**params)
    except TypeError as exc:  # e.g. a positional-only mistake in hand-written params
        raise ValueError(f"{shown}: {exc}") from None
