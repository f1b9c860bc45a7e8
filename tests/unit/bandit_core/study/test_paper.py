"""The paper's tables, scenarios and the low-traffic batch cells that must reproduce."""

from __future__ import annotations

import pytest

from bandit_core.policies import BESA, DMED, BlackBox
from bandit_core.study.delays import ExponentialDelay, ReadingDelay
from bandit_core.study.paper import (
    PUBLISHED,
    ROWS,
    PaperOptions,
    paper_columns,
    paper_policy,
    row_label,
)
from bandit_core.study.rewards import ReadingTimeArms
from bandit_core.study.runner import run_cells


@pytest.mark.parametrize(
    ("table", "column", "row", "value"),
    [
        pytest.param(3, "Bern_M/low", "ucb", (874.81, 167.24), id="t3-ucb-low"),
        pytest.param(3, "Bern_M/high", "pr2", (391.92, 145.55), id="t3-pr2-high"),
        pytest.param(3, "Bern_V/high", "bb_pr3", (538.77, 143.96), id="t3-bb-pr3"),
        pytest.param(2, "Bern_V/very_high", "besa", (305.72, 350.99), id="t2-besa"),
        pytest.param(2, "Bern_M/low", "pr3", None, id="t2-pr3-dash"),
    ],
)
def test_published_numbers_are_transcribed(
    table: int, column: str, row: str, value: tuple[float, float] | None
) -> None:
    assert PUBLISHED[(table, column)][row] == value


def test_bb_ucb_kl_ucb_and_kl_ucb_plus_coincide_in_the_published_bern_m_batch_cells() -> None:
    for column in ("Bern_M/low", "Bern_M/high"):
        cells = PUBLISHED[(3, column)]
        assert cells["bb_ucb"] == cells["bb_kl_ucb"] == cells["bb_kl_ucb_plus"]


def test_columns_and_their_defaults() -> None:
    online = paper_columns(2)
    keys = [c.key for c in online]
    assert keys == [f"{r}/{t}" for r in ("Bern_M", "Bern_V") for t in ("low", "high", "very_high")]
    assert "pr3" not in online[0].rows and "pr3" in online[3].rows
    assert online[0].scenario.decisions == 50_000 and online[3].scenario.decisions == 120_000
    assert isinstance(online[0].scenario.delay, ExponentialDelay)
    assert isinstance(online[3].scenario.delay, ReadingDelay)
    batch = paper_columns(3)
    assert all(c.scenario.decisions == 50_000 and c.scenario.architecture == "batch" for c in batch)
    assert batch[0].scenario.start_hour == 0.0


def test_options_reach_the_scenarios_and_policies() -> None:
    options = PaperOptions(
        decisions=1000,
        reading="truncated",
        reading_mean=180.0,
        dmed_tie="random",
        besa_tournament="tree",
    )
    column = paper_columns(3, options)[2]
    assert column.scenario.decisions == 1000
    assert isinstance(column.scenario.arms, ReadingTimeArms)
    assert (
        column.scenario.arms.reading == "truncated" and column.scenario.arms.reading_mean == 180.0
    )
    bb_dmed = paper_policy("bb_dmed", options)
    assert isinstance(bb_dmed, BlackBox) and bb_dmed.base == DMED(tie_rule="random")
    assert paper_policy("besa", options) == BESA(tournament="tree")
    assert [row_label(r) for r in ROWS[:4]] == ["UCB", "BB-UCB", "DMED", "BB-DMED"]
    assert row_label("pr2") == "PR2 (TS)"


def test_low_traffic_bern_m_batch_cells_land_within_20_percent_of_the_paper() -> None:
    # the paper's stated setting: n = 50,000, nightly updates at 00:00, low traffic
    column = paper_columns(3, rows=("ucb", "kl_ucb", "kl_ucb_plus", "pr2"))[0]
    results = run_cells(column.cells(PaperOptions()), reps=100, seed=3)
    for row, result in zip(column.rows, results, strict=True):
        published, _ = column.published(row)  # type: ignore[misc]
        ours = result.samples.summary()["realized_regret_mean"]
        assert abs(ours / published - 1) < 0.2, (row, ours, published)
