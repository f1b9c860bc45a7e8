"""UCB, UCB1, KL-UCB, KL-UCB+, Bayes-UCB and ε-greedy against hand-computed indices."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from bandit_core.policies import ArmStats, make_policy
from bandit_core.policies.compiled import argmax_rows
from bandit_core.policies.divergence import kl_bernoulli, kl_upper_bound

RNG = np.random.default_rng(0)
STATS = ArmStats(pulls=[10, 40, 25], reward_sum=[6, 20, 5])


def _kl(p: float, q: float) -> float:
    return p * math.log(p / q) + (1 - p) * math.log((1 - p) / (1 - q))


def _bisect(p: float, level: float) -> float:
    low, high = p, 1.0 - 1e-15
    for _ in range(200):
        mid = (low + high) / 2
        low, high = (low, mid) if _kl(p, mid) > level else (mid, high)
    return (low + high) / 2


def test_paper_ucb_index_has_the_half_constant_and_loglog_term() -> None:
    t = 1 + 75
    level = math.log(t) + math.log(math.log(t))
    expected = [
        0.6 + math.sqrt(level / 20),
        0.5 + math.sqrt(level / 80),
        0.2 + math.sqrt(level / 50),
    ]
    np.testing.assert_allclose(make_policy("ucb").indices(STATS, RNG), expected, rtol=1e-12)


def test_ucb1_index() -> None:
    expected = [m + math.sqrt(2 * math.log(75) / n) for m, n in ((0.6, 10), (0.5, 40), (0.2, 25))]
    np.testing.assert_allclose(make_policy("ucb1").indices(STATS, RNG), expected, rtol=1e-12)


def test_kl_ucb_index_solves_the_divergence_equation() -> None:
    t = 76
    level = math.log(t) + math.log(math.log(t))
    expected = [_bisect(m, level / n) for m, n in ((0.6, 10), (0.5, 40), (0.2, 25))]
    np.testing.assert_allclose(make_policy("kl_ucb").indices(STATS, RNG), expected, atol=1e-9)


def test_kl_ucb_plus_explores_well_sampled_arms_less() -> None:
    t = 76
    expected = [
        _bisect(m, (math.log(t / n) + math.log(math.log(t))) / n)
        for m, n in ((0.6, 10), (0.5, 40), (0.2, 25))
    ]
    plus = make_policy("kl_ucb_plus").indices(STATS, RNG)
    np.testing.assert_allclose(plus, expected, atol=1e-9)
    assert np.all(plus < make_policy("kl_ucb").indices(STATS, RNG))


@pytest.mark.parametrize(
    ("mean", "level"),
    [
        pytest.param(0.0, 2.0, id="zero-mean"),
        pytest.param(0.999999, 5.0, id="near-one"),
        pytest.param(0.3, 1e-10, id="tiny-level"),
        pytest.param(0.5, 30.0, id="huge-level"),
    ],
)
def test_kl_upper_bound_edge_cases(mean: float, level: float) -> None:
    q = kl_upper_bound(mean, level)
    assert q >= mean
    reference = _bisect(max(mean, 1e-15), level)
    assert q == pytest.approx(reference, abs=1e-9)
    if q < 1 - 1e-9:
        assert kl_bernoulli(mean, q) == pytest.approx(level, rel=1e-6, abs=1e-12)


def test_bayes_ucb_index_is_the_posterior_quantile() -> None:
    t = 76
    expected = [sps.beta.ppf(1 - 1 / t, 1 + s, 1 + n - s) for n, s in ((10, 6), (40, 20), (25, 5))]
    np.testing.assert_allclose(make_policy("bayes_ucb").indices(STATS, RNG), expected, rtol=1e-9)


@pytest.mark.parametrize("name", ["ucb", "ucb1", "kl_ucb", "kl_ucb_plus", "epsilon_greedy"])
def test_an_unpulled_arm_is_played_before_any_other(name: str) -> None:
    policy = make_policy(name, {"epsilon": 0.0} if name == "epsilon_greedy" else None)
    stats = ArmStats(pulls=[50, 0, 50], reward_sum=[50, 0, 50])
    np.testing.assert_allclose(policy.batch_probabilities(stats, RNG), [0, 1, 0])
    state = policy.start(3)
    state.pulls[0], state.reward_sum[0] = stats.pulls, stats.reward_sum
    assert all(policy.choose(state, RNG) == 1 for _ in range(20))


def test_deterministic_batch_face_gives_the_day_to_the_argmax_and_splits_ties() -> None:
    policy = make_policy("ucb")
    np.testing.assert_allclose(policy.batch_probabilities(STATS, RNG), [1, 0, 0])
    tied = ArmStats(pulls=[20, 20, 20, 20], reward_sum=[5, 10, 10, 10])
    np.testing.assert_allclose(policy.batch_probabilities(tied, RNG), [0, 1 / 3, 1 / 3, 1 / 3])
    state = policy.start(4)
    state.pulls[0], state.reward_sum[0] = tied.pulls, tied.reward_sum
    picks = np.bincount([policy.choose(state, RNG) for _ in range(3000)], minlength=4)
    assert picks[0] == 0 and np.all(np.abs(picks[1:] / 3000 - 1 / 3) < 0.04)


def test_epsilon_greedy_batch_face_mixes_uniform_and_greedy() -> None:
    policy = make_policy("epsilon_greedy", {"epsilon": 0.2})
    np.testing.assert_allclose(
        policy.batch_probabilities(STATS, RNG), [0.2 / 3 + 0.8, 0.2 / 3, 0.2 / 3]
    )
    decaying = make_policy("epsilon_greedy", {"schedule": "decaying", "c": 0.1, "d": 0.5})
    eps = min(1.0, 0.1 * 3 / (0.25 * 76))
    np.testing.assert_allclose(
        decaying.batch_probabilities(STATS, RNG), [eps / 3 + 1 - eps, eps / 3, eps / 3]
    )


def test_epsilon_greedy_online_matches_its_batch_face() -> None:
    policy = make_policy("epsilon_greedy", {"epsilon": 0.3})
    state = policy.start(3)
    state.pulls[0], state.reward_sum[0] = STATS.pulls, STATS.reward_sum
    draws = 6000
    share = (
        np.bincount(
            [policy.choose(state, np.random.default_rng(i)) for i in range(draws)], minlength=3
        )
        / draws
    )
    expected = policy.batch_probabilities(STATS, RNG)
    assert np.all(np.abs(share - expected) < 4 * np.sqrt(expected * (1 - expected) / draws))


def _argmax(values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    out = np.empty(values.shape[0], dtype=np.intp)
    argmax_rows(values, rng, out)
    return out


def test_ties_are_broken_uniformly_and_only_tied_rows_draw() -> None:
    values = np.array([[0.2, 0.7, 0.7, 0.1, 0.7], [0.3, 0.9, 0.1, 0.5, 0.2]])
    rng = np.random.default_rng(0)
    picks = np.stack([_argmax(values, rng) for _ in range(6000)])
    assert set(picks[:, 0].tolist()) == {1, 2, 4}
    shares = np.bincount(picks[:, 0], minlength=5)[[1, 2, 4]] / 6000
    np.testing.assert_allclose(shares, 1 / 3, atol=0.03)
    np.testing.assert_array_equal(picks[:, 1], 1)
    # no tie anywhere: no random number is used
    before = rng.bit_generator.state
    assert _argmax(values[1:], rng).tolist() == [1]
    assert rng.bit_generator.state == before


@pytest.mark.parametrize("name", ["kl_ucb", "kl_ucb_plus"])
def test_the_online_face_solves_lazily_but_picks_the_argmax_of_the_indices(name: str) -> None:
    # the online face keeps solved indices and their kl levels, and solves again only the arms
    # whose upper bound can win: its choice must be the argmax of the batch face's indices
    policy = make_policy(name)
    rng = np.random.default_rng(11)
    means = np.array([0.5, 0.45, 0.45, 0.3, 0.05])
    state = policy.start(5)
    checked = 0
    for step in range(4000):
        exact = policy.indices(state.snapshot(), rng)[0]
        arm = policy.choose(state, rng)
        if np.sum(exact == exact.max()) == 1:
            assert arm == int(np.argmax(exact))
            checked += 1
        if step % 3 == 0:  # feedback for some decisions only, so that levels and ties vary
            policy.observe(state, arm, float(rng.random() < means[arm]), rng)
    assert checked > 3000
