"""The policy library shared by the nightly pipeline and the simulators.

Every policy is an immutable value with a batch face (``batch_probabilities``: the nightly
allocation from the state frozen at 00:00) and an online face (``start``/``choose``/``observe``,
vectorised as ``start_many``/``choose_many``/``observe_many``/``allocate_many`` for the
simulation engines). Build one from a campaign config with ``make_policy(name, params)``.
"""

from bandit_core.policies.base import ArmStats, OnlineState, Policy
from bandit_core.policies.bayes_ucb import BayesUCB
from bandit_core.policies.besa import BESA
from bandit_core.policies.blackbox import BlackBox
from bandit_core.policies.dmed import DMED
from bandit_core.policies.epsilon_greedy import EpsilonGreedy
from bandit_core.policies.index import IndexPolicy
from bandit_core.policies.kl_ucb import KLUCB, KLUCBPlus
from bandit_core.policies.possibilistic import PR1, PR2, PR3
from bandit_core.policies.registry import POLICIES, canonical_name, make_policy, policy_names
from bandit_core.policies.thompson import ThompsonSampling
from bandit_core.policies.ucb import UCB, UCB1
from bandit_core.policies.uniform import Uniform

__all__ = [
    "BESA",
    "DMED",
    "KLUCB",
    "POLICIES",
    "PR1",
    "PR2",
    "PR3",
    "UCB",
    "UCB1",
    "ArmStats",
    "BayesUCB",
    "BlackBox",
    "EpsilonGreedy",
    "IndexPolicy",
    "KLUCBPlus",
    "OnlineState",
    "Policy",
    "ThompsonSampling",
    "Uniform",
    "canonical_name",
    "make_policy",
    "policy_names",
]
