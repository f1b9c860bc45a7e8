"""The policy library shared by the nightly pipeline and the simulators."""

from bandit_core.policies.base import ArmStats, OnlineState, Policy
from bandit_core.policies.registry import POLICIES, make_policy
from bandit_core.policies.thompson import ThompsonSampling
from bandit_core.policies.uniform import Uniform

__all__ = [
    "POLICIES",
    "ArmStats",
    "OnlineState",
    "Policy",
    "ThompsonSampling",
    "Uniform",
    "make_policy",
]
