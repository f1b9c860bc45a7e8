"""Policies by the name a campaign config uses."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from bandit_core.policies.base import Policy
from bandit_core.policies.thompson import ThompsonSampling
from bandit_core.policies.uniform import Uniform

__all__ = ["POLICIES", "make_policy"]

POLICIES: dict[str, type[Policy]] = {cls.name: cls for cls in (ThompsonSampling, Uniform)}


def make_policy(name: str, params: Mapping[str, Any] | None = None) -> Policy:
    """Build the policy ``name`` from config ``params``.

    Raises:
        ValueError: unknown policy name or parameter, or an invalid value.
    """
    try:
        cls = POLICIES[name]
    except KeyError:
        known = ", ".join(sorted(POLICIES))
        raise ValueError(f"unknown policy {name!r}; expected one of: {known}") from None
    params = dict(params or {})
    allowed = {f.name for f in dataclasses.fields(cls)} if dataclasses.is_dataclass(cls) else set()
    unknown = sorted(set(params) - allowed)
    if unknown:
        expected = ", ".join(sorted(allowed)) or "no parameters"
        raise ValueError(
            f"{name}: unknown parameter(s) {', '.join(unknown)}; expected {expected}"
        )
    return cls(**params)
