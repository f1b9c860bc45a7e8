"""The paper's daily intensities and the NH-Poisson arrivals drawn from them."""

from __future__ import annotations

import numpy as np
import pytest

from bandit_core.study.traffic import DAY, HIGH, LOW, VERY_HIGH, ArrivalStream, Intensity


def _trapezoids(intensity: Intensity) -> float:
    hours = [h for h, _ in intensity.knots] + [24.0]
    rates = [r for _, r in intensity.knots] + [intensity.knots[0][1]]
    return sum(
        3600 * (h1 - h0) * (r0 + r1) / 2
        for h0, h1, r0, r1 in zip(hours[:-1], hours[1:], rates[:-1], rates[1:], strict=True)
    )


@pytest.mark.parametrize(
    ("intensity", "approx"),
    [
        pytest.param(LOW, 560, id="low"),
        pytest.param(HIGH, 19_700, id="high"),
        pytest.param(VERY_HIGH, 283_000, id="very-high"),
    ],
)
def test_daily_totals_are_the_areas_under_the_knots(intensity: Intensity, approx: float) -> None:
    assert intensity.daily_total() == pytest.approx(_trapezoids(intensity), rel=1e-12)
    assert intensity.daily_total() == pytest.approx(approx, rel=0.01)


def test_rate_interpolates_the_knots_and_wraps_at_midnight() -> None:
    assert HIGH.rate(np.array([12.5 * 3600]))[0] == pytest.approx(0.55)
    assert HIGH.rate(np.array([9 * 3600]))[0] == pytest.approx(0.05)
    assert HIGH.rate(np.array([22.5 * 3600]))[0] == pytest.approx((0.55 + 0.005) / 2)
    assert HIGH.rate(np.array([DAY + 9 * 3600]))[0] == pytest.approx(0.05)


def test_cumulative_intensity_integrates_the_rate() -> None:
    t = np.linspace(0, 3 * DAY, 300_001)
    numeric = np.concatenate(
        [[0.0], np.cumsum((HIGH.rate(t[1:]) + HIGH.rate(t[:-1])) / 2 * np.diff(t))]
    )
    np.testing.assert_allclose(HIGH.cumulative(t[::1000]), numeric[::1000], rtol=1e-6, atol=1e-6)


def test_poisson_arrivals_have_poisson_counts_with_the_intensity_as_mean() -> None:
    rows = 3000
    stream = ArrivalStream(LOW, np.zeros(rows), "poisson", np.random.default_rng(0))
    times = stream.next(800)  # more than a day's arrivals for every row
    assert np.all(np.diff(times, axis=1) > 0)
    day1 = np.sum(times < DAY, axis=1)
    mean = LOW.daily_total()
    assert abs(day1.mean() - mean) < 4 * np.sqrt(mean / rows)
    assert day1.var() / mean == pytest.approx(1.0, abs=0.1)  # Poisson: variance = mean
    # the evening peak (19:00-20:00 at 0.01/s) holds its share of the day
    peak = np.sum((times >= 19 * 3600) & (times < 20 * 3600), axis=1).mean()
    assert peak == pytest.approx(36.0, rel=0.05)


@pytest.mark.parametrize(
    "intensity",
    [
        pytest.param(LOW, id="low"),
        pytest.param(VERY_HIGH, id="very-high"),
        pytest.param(Intensity("zero-at-night", ((0, 0.0), (6, 0.0), (12, 0.02))), id="zero"),
    ],
)
def test_inverse_cumulative_undoes_the_cumulative_intensity(intensity: Intensity) -> None:
    c = np.random.default_rng(3).uniform(0.0, 5 * intensity.daily_total(), 20_000)
    t = intensity.inverse_cumulative(c)
    np.testing.assert_allclose(intensity.cumulative(t), c, rtol=1e-10, atol=1e-9)
    order = np.argsort(c)
    assert np.all(np.diff(t[order]) >= 0)


def test_arrivals_follow_the_intensity_hour_by_hour() -> None:
    rows = 20
    stream = ArrivalStream(VERY_HIGH, np.zeros(rows), "poisson", np.random.default_rng(5))
    times = stream.next(300_000)  # a day is ~283,140 arrivals
    hours = np.arange(0.0, 24.0) * 3600.0
    counts = np.stack([np.sum((times >= h) & (times < h + 3600), axis=1) for h in hours], axis=1)
    expected = VERY_HIGH.cumulative(hours + 3600.0) - VERY_HIGH.cumulative(hours)
    # 24 Poisson means from 20 rows each: within 4 standard errors
    assert np.all(np.abs(counts.mean(axis=0) - expected) < 4 * np.sqrt(expected / rows))


def test_blocks_continue_one_process() -> None:
    a = ArrivalStream(HIGH, np.zeros(50), "poisson", np.random.default_rng(4))
    first, second = a.next(300), a.next(300)
    assert np.all(second[:, 0] > first[:, -1])


def test_the_authors_frozen_rate_arrivals_are_close_to_the_nh_poisson_process() -> None:
    stream = ArrivalStream(HIGH, np.zeros(100), "frozen-rate", np.random.default_rng(1))
    day1 = np.sum(stream.next(21_000) < DAY, axis=1)
    # the rate changes over hours and gaps last seconds: freezing it barely matters
    assert day1.mean() == pytest.approx(HIGH.daily_total(), rel=0.01)


def test_window_counts_have_the_integral_as_mean() -> None:
    rng = np.random.default_rng(2)
    starts = np.full(20_000, 10 * 3600.0)
    counts = LOW.window_counts(starts, starts + 4 * 3600, rng)
    expected = float(LOW.cumulative(np.array(14 * 3600.0)) - LOW.cumulative(np.array(10 * 3600.0)))
    assert abs(counts.mean() - expected) < 4 * np.sqrt(expected / counts.size)
