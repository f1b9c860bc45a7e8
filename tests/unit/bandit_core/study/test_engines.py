"""The fast engines against closed forms and against the discrete-event simulation."""

from __future__ import annotations

import signal
import threading

import numpy as np
import pytest
from scipy import stats as sps

from bandit_core.policies import make_policy
from bandit_core.study.batch_engine import _segments, period_counts
from bandit_core.study.delays import ExponentialDelay
from bandit_core.study.rewards import BernoulliArms
from bandit_core.study.runner import Cell, run_cells, simulate
from bandit_core.study.scenario import Scenario
from bandit_core.study.traffic import DAY, LOW

BERN_M = BernoulliArms((0.5,) + (0.45,) * 9)
SMALL = BernoulliArms((0.6, 0.5, 0.4))


def _scenario(
    architecture: str, arms: BernoulliArms, per_day: float, decisions: int, **kw: object
) -> Scenario:
    return Scenario(
        name="test",
        arms=arms,
        traffic=LOW.scaled(per_day),
        architecture=architecture,  # type: ignore[arg-type]
        delay=ExponentialDelay(80.0, 300.0) if architecture == "online" else None,
        decisions=decisions,
        **kw,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("architecture", "engine", "decisions", "reps"),
    [
        pytest.param("batch", "fast", 50_000, 400, id="batch-engine"),
        pytest.param("online", "fast", 5_000, 300, id="online-engine"),
        pytest.param("batch", "event", 2_000, 100, id="event-simulation"),
    ],
)
def test_uniform_allocation_has_the_closed_form_regret(
    architecture: str, engine: str, decisions: int, reps: int
) -> None:
    scenario = _scenario(architecture, BERN_M, 20_000, decisions)
    samples = simulate(
        Cell("uniform", scenario, make_policy("uniform")), reps, seed=1, engine=engine
    )  # type: ignore[arg-type]
    pseudo, realized = samples.final()
    gaps = 0.5 - BERN_M.means()
    # n i.i.d. uniform picks: mean n E[Δ], variance n Var(Δ); realized adds Bernoulli noise
    mean, sd = decisions * gaps.mean(), np.sqrt(decisions * gaps.var())
    assert abs(pseudo.mean() - mean) < 4 * sd / np.sqrt(reps)
    assert pseudo.std(ddof=1) == pytest.approx(sd, rel=0.2)
    p_bar = BERN_M.means().mean()
    noise = np.sqrt(decisions * (p_bar * (1 - p_bar) + gaps.var()))
    assert abs(realized.mean() - mean) < 4 * noise / np.sqrt(reps)
    assert realized.std(ddof=1) == pytest.approx(noise, rel=0.2)


AGREEMENT = [
    pytest.param("batch", "thompson_sampling", id="batch-ts"),
    pytest.param("batch", "ucb", id="batch-ucb"),
    pytest.param("batch", "dmed", id="batch-dmed"),
    pytest.param("batch", "bb_ucb", id="batch-bb-ucb"),
    pytest.param("batch", "besa", id="batch-besa"),
    pytest.param("online", "thompson_sampling", id="online-ts"),
    pytest.param("online", "bb_ucb", id="online-bb-ucb"),
    pytest.param("online", "dmed", id="online-dmed"),
    pytest.param("online", "besa", id="online-besa"),
    pytest.param("online", "bb_kl_ucb", id="online-bb-kl-ucb"),
    pytest.param("online", "pr1", id="online-pr1"),
    pytest.param("online", "bb_besa", id="online-bb-besa"),
]


@pytest.mark.parametrize(("architecture", "name"), AGREEMENT)
def test_fast_engine_agrees_in_distribution_with_the_event_simulation(
    architecture: str, name: str
) -> None:
    per_day = 300 if architecture == "batch" else 3000  # a day of batch ~ one tenth of the run
    scenario = _scenario(architecture, SMALL, per_day, 600, record_every=200)
    cell = Cell("agreement", scenario, make_policy(name))
    reps = 150
    event = simulate(cell, reps, seed=21, engine="event")
    fast = simulate(cell, reps, seed=22, engine="fast")
    np.testing.assert_array_equal(event.checkpoints, fast.checkpoints)
    for j in range(event.checkpoints.size):
        a, b = event.pseudo[:, j], fast.pseudo[:, j]
        se = np.sqrt(a.var(ddof=1) / reps + b.var(ddof=1) / reps) + 1e-9
        assert abs(a.mean() - b.mean()) < 4 * se
    assert sps.ks_2samp(event.pseudo[:, -1], fast.pseudo[:, -1]).pvalue > 1e-3
    assert sps.ks_2samp(event.realized[:, -1], fast.realized[:, -1]).pvalue > 1e-3


def test_period_counts_follow_the_intensity_and_stop_at_the_horizon() -> None:
    scenario = _scenario("batch", SMALL, 1000, 10_000, start_hour=None)
    counts = period_counts(scenario, 2000, np.random.default_rng(0))
    np.testing.assert_array_equal(counts.sum(axis=1), 10_000)
    full_days = counts[:, 1:5]  # after the random-hour first day, before the horizon
    assert full_days.mean() == pytest.approx(1000, rel=0.01)
    # a uniformly random start hour s leaves E[Λ(24h) - Λ(s)] = ∫ t λ(t) dt / 24h arrivals
    t = np.linspace(0, DAY, 100_001)
    left = np.sum(t * scenario.traffic.rate(t)) * (t[1] - t[0]) / DAY
    assert counts[:, 0].mean() == pytest.approx(left, rel=0.02)


def test_segments_cut_a_period_at_the_checkpoints() -> None:
    checkpoints = np.array([100, 200, 300])
    lengths = _segments(np.array([50, 200, 0]), np.array([200, 50, 100]), checkpoints)
    # row 0: 50 -> 250 crosses 100 and 200; row 1: 200 -> 250; row 2: 0 -> 100 ends on one
    np.testing.assert_array_equal(lengths, [[50, 100, 50], [50, 0, 0], [100, 0, 0]])


def test_results_do_not_depend_on_the_number_of_jobs() -> None:
    batch = _scenario("batch", SMALL, 500, 3000)
    online = _scenario("online", SMALL, 500, 2000)
    cells = [Cell("jobs", batch, make_policy(n)) for n in ("thompson_sampling", "kl_ucb")]
    cells.append(Cell("jobs-online", online, make_policy("bb_besa")))
    runs = []
    for jobs in (1, 2):
        seen: list[int] = []
        run = run_cells(cells, reps=30, seed=5, jobs=jobs, chunk_size=10, progress=seen.append)
        runs.append(run)
        assert sum(seen) == 30 * (3000 + 3000 + 2000)
    for a, b in zip(*runs, strict=True):
        np.testing.assert_array_equal(a.samples.pseudo, b.samples.pseudo)
        np.testing.assert_array_equal(a.samples.realized, b.samples.realized)


def test_an_error_in_one_task_stops_the_others_and_is_raised() -> None:
    scenario = _scenario("online", SMALL, 500, 20_000)
    cells = [Cell("stop", scenario, make_policy(n)) for n in ("ucb1", "bb_besa", "kl_ucb")]
    reports: list[int] = []

    def progress(units: int) -> None:
        reports.append(units)
        if len(reports) == 3:
            raise RuntimeError("the progress sink failed")

    with pytest.raises(RuntimeError, match="the progress sink failed"):
        run_cells(cells, reps=40, seed=1, jobs=2, chunk_size=10, progress=progress)
    # queued tasks never started, running ones stopped at their next report: far fewer
    # reports than the 12 tasks' blocks, and no thread of the run left behind
    assert len(reports) < 12
    assert not [t for t in threading.enumerate() if t.name.startswith("smartarm-study")]


def test_ctrl_c_stops_the_running_tasks_and_starts_no_more() -> None:
    # about a minute of work on two threads if nothing stopped it
    scenario = _scenario("online", BERN_M, 2000, 50_000)
    cells = [Cell("interrupt", scenario, make_policy(n)) for n in ("bb_besa", "bb_kl_ucb")]
    reports: list[int] = []

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, 1.0)  # Ctrl-C, a second into the run
    try:
        with pytest.raises(KeyboardInterrupt):
            run_cells(cells, reps=200, seed=1, jobs=2, chunk_size=25, progress=reports.append)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert 0 < sum(reports) < 0.25 * 200 * 50_000 * len(cells)
    assert not [t for t in threading.enumerate() if t.name.startswith("smartarm-study")]


def test_policies_of_a_cell_share_arrivals() -> None:
    scenario = _scenario("batch", SMALL, 500, 3000)
    ts = run_cells([Cell("crn", scenario, make_policy("thompson_sampling"))], reps=5, seed=9)[0]
    again = run_cells([Cell("crn", scenario, make_policy("thompson_sampling"))], reps=5, seed=9)[0]
    np.testing.assert_array_equal(ts.samples.realized, again.samples.realized)
