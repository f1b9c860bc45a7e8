"""Bern_M and the reading-time rewards of Bern_V."""

from __future__ import annotations

import numpy as np
import pytest

from bandit_core.study.rewards import BernoulliArms, ReadingTimeArms


@pytest.mark.parametrize(
    ("reading", "mean", "factor"),
    [
        # E[min(X, 480)]/480 with X ~ Exp(mean 150): 150 (1 - e^-3.2) / 480
        pytest.param("capped", 150.0, 0.29976, id="capped-150"),
        # E[X | X <= 480]/480
        pytest.param("truncated", 150.0, 0.27001, id="truncated-150"),
        pytest.param("capped", 180.0, 0.34894, id="capped-180"),
    ],
)
def test_reading_time_expected_reward(reading: str, mean: float, factor: float) -> None:
    arms = ReadingTimeArms((0.5, 0.45), reading_mean=mean, reading=reading)  # type: ignore[arg-type]
    np.testing.assert_allclose(arms.means(), [0.5 * factor, 0.45 * factor], rtol=2e-5)
    rng = np.random.default_rng(0)
    n = 400_000
    reading_times = arms.reading_times((n,), rng)
    assert reading_times.max() <= 480.0
    values = arms.values(np.zeros(n, dtype=np.intp), rng.random(n), reading_times, rng)
    assert values.mean() == pytest.approx(0.5 * factor, abs=4 * values.std() / np.sqrt(n))


def test_capped_reading_has_an_atom_at_reward_one() -> None:
    arms = ReadingTimeArms((1.0, 1.0))
    rng = np.random.default_rng(1)
    values = arms.values(
        np.zeros(200_000, dtype=np.intp),
        rng.random(200_000),
        arms.reading_times((200_000,), rng),
        rng,
    )
    assert np.mean(values == 1.0) == pytest.approx(np.exp(-3.2), abs=0.002)


def test_two_factors_deliver_less_than_the_regret_assumes() -> None:
    arms = ReadingTimeArms((0.5, 0.45), factors=2)
    single = ReadingTimeArms((0.5, 0.45))
    np.testing.assert_allclose(arms.means(), single.means())
    rng = np.random.default_rng(2)
    n = 100_000
    values = arms.values(
        np.zeros(n, dtype=np.intp), rng.random(n), arms.reading_times((n,), rng), rng
    )
    assert values.mean() == pytest.approx(0.5 * 0.29976**2, rel=0.03)


@pytest.mark.parametrize(
    "arms",
    [
        pytest.param(BernoulliArms((0.2, 0.7)), id="bernoulli"),
        pytest.param(ReadingTimeArms((0.2, 0.7)), id="reading"),
    ],
)
def test_totals_of_many_pulls_have_the_expected_sums(arms: BernoulliArms | ReadingTimeArms) -> None:
    counts = np.array([[[3000, 5000]]] * 50)
    sums, squares = arms.totals(counts, np.random.default_rng(3))
    assert sums.shape == counts.shape
    np.testing.assert_allclose(sums.mean(axis=0)[0], counts[0, 0] * arms.means(), rtol=0.03)
    assert np.all(squares <= sums + 1e-9)
