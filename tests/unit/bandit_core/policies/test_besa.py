"""BESA: sub-sampled duels, the authors' sort tournament and the binary tree."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cmp_to_key
from typing import Any

import numpy as np
import pytest
from scipy import stats as sps

from bandit_core.policies import BESA, ArmStats
from bandit_core.policies.besa import hypergeometric, insertion_sort, log_factorials
from bandit_core.policies.compiled import jit


def _signs(seed: int, n: int = 400) -> Iterator[float]:
    yield from np.random.default_rng(seed).choice([-1.0, 1.0], size=n).tolist()


@jit
def _next_sign_is_negative(signs: tuple[np.ndarray, np.ndarray], x: int, y: int, rng: Any) -> bool:
    # a comparator that ignores its arguments: the next of the signs, counted in signs[1]
    sign = signs[0][signs[1][0]]
    signs[1][0] += 1
    return bool(sign < 0)


@pytest.mark.parametrize("k", [2, 3, 5, 10, 12])
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_insertion_sort_makes_pythons_comparisons_with_a_random_comparator(
    k: int, seed: int
) -> None:
    # the comparator answers from a fixed random sequence, ignoring its arguments: both sorts
    # end in the same order only if they ask the same questions in the same order
    start = np.random.default_rng(100 + seed).permutation(k)
    python_signs = _signs(seed)
    expected = sorted(start.tolist(), key=cmp_to_key(lambda a, b: next(python_signs)), reverse=True)
    signs = (np.array(list(_signs(seed))), np.zeros(1, dtype=np.intp))
    # sorted(reverse=True) reverses, sorts ascending, reverses back
    ours = start[::-1].copy()
    insertion_sort(_next_sign_is_negative)(ours, signs, np.random.default_rng(0))
    assert ours[::-1].tolist() == expected


@pytest.mark.parametrize(
    ("good", "bad", "sample"),
    [
        pytest.param(3, 5, 4, id="sequential"),
        pytest.param(40, 260, 50, id="skewed"),
        pytest.param(900, 1100, 700, id="large"),
        pytest.param(5, 3000, 2000, id="near-the-bottom"),
    ],
)
def test_hypergeometric_draws_follow_the_law(good: int, bad: int, sample: int) -> None:
    rng = np.random.default_rng(good + sample)
    table = log_factorials(good + bad + 1)
    draws = np.array([hypergeometric(good, bad, sample, rng, table[0]) for _ in range(20_000)])
    law = sps.hypergeom(good + bad, good, sample)
    values, counts = np.unique(draws, return_counts=True)
    assert law.pmf(values).min() > 0  # only possible values
    expected = law.pmf(values) * draws.size
    keep = expected > 5
    chi2 = np.sum((counts[keep] - expected[keep]) ** 2 / expected[keep])
    assert sps.chi2.sf(chi2, max(int(keep.sum()) - 1, 1)) > 1e-3
    assert draws.mean() == pytest.approx(law.mean(), abs=4 * law.std() / np.sqrt(draws.size))


@pytest.mark.parametrize("tournament", ["sort", "tree"])
@pytest.mark.parametrize(
    ("pulls", "sums", "p_first"),
    [
        # arm A: 4 rewards, 3 ones, sub-sampled to 2: two ones w.p. C(3,2)/C(4,2) = 1/2 (A wins),
        # one w.p. 1/2 (a tie with B's mean 1/2, won by B, which has fewer observations)
        pytest.param([4, 2], [3, 1], 0.5, id="hypergeometric-half"),
        pytest.param([4, 2], [4, 1], 1.0, id="all-ones-always-wins"),
        pytest.param([4, 2], [0, 2], 0.0, id="all-zeros-never-wins"),
    ],
)
def test_two_arm_duel_probabilities(
    tournament: str, pulls: list[int], sums: list[int], p_first: float
) -> None:
    policy = BESA(tournament=tournament, batch_draws=20_000)  # type: ignore[arg-type]
    probs = policy.batch_probabilities(ArmStats(pulls, sums), np.random.default_rng(1))
    assert probs[0] == pytest.approx(p_first, abs=0.015)


def test_unpulled_arms_are_played_first_uniformly() -> None:
    stats = ArmStats(pulls=[10, 0, 7, 0], reward_sum=[10, 0, 7, 0])
    probs = BESA(batch_draws=4000).batch_probabilities(stats, np.random.default_rng(2))
    np.testing.assert_allclose(probs, [0, 0.5, 0, 0.5], atol=0.03)


def test_the_one_bandit_state_subsamples_real_histories() -> None:
    policy = BESA(tournament="tree")
    state = policy.start(2)
    rng = np.random.default_rng(4)
    for r in (0.9, 0.9, 0.9, 0.1):
        policy.observe(state, 0, r, rng)
    for r in (0.5, 0.5):
        policy.observe(state, 1, r, rng)
    # arm 0 sub-sampled to 2 of (0.9, 0.9, 0.9, 0.1): mean 0.9 w.p. 1/2, else 0.5 (a tie won by
    # arm 1, which has fewer observations)
    picks = [policy.choose(state, rng) for _ in range(3000)]
    assert np.mean(np.array(picks) == 0) == pytest.approx(0.5, abs=0.035)


def test_sort_order_persists_between_decisions() -> None:
    policy = BESA()
    state = policy.start_many(3, 4)
    rows = np.arange(3)
    state.pulls[:] = [[20, 20, 20, 20]] * 3
    state.reward_sum[:] = [[2, 18, 9, 10]] * 3
    state.reward_sq_sum[:] = state.reward_sum
    policy.choose_many(state, rows, np.random.default_rng(0))
    # equal lengths: no sub-sampling, the order is the order of the means, stable
    np.testing.assert_array_equal(state.extra["arrays"][1], [[1, 3, 2, 0]] * 3)


def test_a_long_period_is_split_over_its_segments() -> None:
    policy = BESA(period_draws=64)
    state = policy.start_many(2, 3)
    state.pulls[:] = [[30, 30, 30], [5, 50, 50]]
    state.reward_sum[:] = [[15, 10, 20], [1, 30, 20]]
    state.reward_sq_sum[:] = state.reward_sum
    decisions = np.array([[40, 10, 0], [500, 300, 100]])
    counts = policy.allocate_many(state, np.arange(2), decisions, np.random.default_rng(0))
    np.testing.assert_array_equal(counts.sum(axis=2), decisions)
