"""The public surface of the policy library and the study, and the examples in their docs."""

from __future__ import annotations

import doctest
import importlib

import pytest

import bandit_core.policies as policies
import bandit_core.study as study


def test_policy_library_surface() -> None:
    assert sorted(policies.__all__) == sorted(
        [
            "ArmStats", "BESA", "BayesUCB", "BlackBox", "DMED", "EpsilonGreedy", "IndexPolicy",
            "KLUCB", "KLUCBPlus", "OnlineState", "POLICIES", "PR1", "PR2", "PR3", "Policy",
            "ThompsonSampling", "UCB", "UCB1", "Uniform", "canonical_name", "make_policy",
            "policy_names",
        ]
    )  # fmt: skip
    assert all(hasattr(policies, name) for name in policies.__all__)


def test_study_surface() -> None:
    assert all(hasattr(study, name) for name in study.__all__)
    assert {"Scenario", "simulate", "run_cells", "simulate_events", "paper_columns"} <= set(
        study.__all__
    )


@pytest.mark.parametrize(
    "module",
    [
        "bandit_core.policies.thompson",
        "bandit_core.policies.beta",
        "bandit_core.study",
        "bandit_core.study.traffic",
    ],
)
def test_documented_examples_run(module: str) -> None:
    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0 and result.failed == 0
