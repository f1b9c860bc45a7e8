"""Policies by config name: every strategy of the paper and its blackbox version."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from bandit_core.policies import POLICIES, ArmStats, BlackBox, make_policy, policy_names
from bandit_core.policies.registry import canonical_name

PAPER_NAMES = (
    "uniform", "epsilon_greedy", "ucb", "ucb1", "kl_ucb", "kl_ucb_plus", "dmed", "besa",
    "thompson_sampling", "pr1", "pr2", "pr3", "bayes_ucb",
)  # fmt: skip


def test_every_strategy_is_registered_under_its_config_name() -> None:
    assert set(PAPER_NAMES) == set(POLICIES)
    for name in PAPER_NAMES:
        assert POLICIES[name].name == name


@pytest.mark.parametrize("name", policy_names())
def test_every_name_builds_a_policy_that_rebuilds_from_its_config(name: str) -> None:
    policy = make_policy(name)
    assert policy.config_name == name
    params = policy.params()
    json.dumps(params)  # stored as JSON with every allocation
    assert make_policy(policy.config_name, params) == policy


def test_bb_prefix_wraps_the_base_with_the_base_parameters() -> None:
    policy = make_policy("bb_kl_ucb", {"c": 0})
    assert isinstance(policy, BlackBox)
    assert policy.base == make_policy("kl_ucb", {"c": 0})
    assert policy.config_name == "bb_kl_ucb"


@pytest.mark.parametrize(
    ("alias", "canonical"),
    [
        pytest.param("ts", "thompson_sampling", id="ts"),
        pytest.param("bb_ts", "bb_thompson_sampling", id="bb-ts"),
        pytest.param("klucb", "kl_ucb", id="klucb"),
        pytest.param("ucb1", "ucb1", id="canonical-unchanged"),
    ],
)
def test_aliases_resolve_to_canonical_names(alias: str, canonical: str) -> None:
    assert canonical_name(alias) == canonical
    assert make_policy(alias).config_name == canonical


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        pytest.param("thompson", {"prior": 1}, "unknown parameter(s) prior", id="unknown-param"),
        pytest.param("softmax", None, "unknown policy 'softmax'", id="unknown-name"),
        pytest.param("bb_softmax", None, "unknown policy 'bb_softmax'", id="unknown-bb-name"),
        pytest.param("ucb", {"c": -1}, "expected c >= 0", id="negative-c"),
        pytest.param(
            "dmed", {"tie_rule": "first"}, "tie_rule 'last' or 'random'", id="bad-tie-rule"
        ),
        pytest.param("pr3", {"confidence": 1.5}, "confidence in (0, 1)", id="bad-confidence"),
        pytest.param("besa", {"tournament": "league"}, "'sort' or 'tree'", id="bad-tournament"),
        pytest.param("epsilon_greedy", {"epsilon": 2}, "epsilon in [0, 1]", id="bad-epsilon"),
    ],
)
def test_bad_configs_fail_with_a_precise_message(
    name: str, params: dict[str, object] | None, message: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        make_policy(name, params)


@pytest.mark.parametrize("name", policy_names())
def test_batch_probabilities_are_distributions_over_leading_axes(name: str) -> None:
    policy = make_policy(name, {"batch_draws": 500} if name.endswith("besa") else None)
    stats = ArmStats(
        pulls=[[[0, 0, 0], [10, 20, 30]], [[5, 5, 5], [100, 3, 0]]],
        reward_sum=[[[0, 0, 0], [5, 12, 12]], [[1, 4, 2], [55, 3, 0]]],
    )
    probs = policy.batch_probabilities(stats, np.random.default_rng(3))
    assert probs.shape == (2, 2, 3)
    assert np.all(probs >= 0)
    np.testing.assert_allclose(probs.sum(axis=-1), 1.0, atol=1e-9)
