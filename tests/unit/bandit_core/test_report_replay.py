"""The report replay's data, without a database or a browser."""

from __future__ import annotations

import datetime as dt

import pytest

from bandit_core.report_data import ReportData
from bandit_core.report_replay import replay_payload, replay_section, segment_label

D1, D2 = dt.date(2026, 1, 1), dt.date(2026, 1, 2)


@pytest.mark.parametrize(
    ("segment", "label"),
    [
        pytest.param('{"age_band": "18-34"}', "age_band 18-34", id="one-attribute"),
        pytest.param('{"a": "x", "b": 2}', "a x, b 2", id="two-attributes"),
        pytest.param("{}", "all users", id="no-segmentation"),
        pytest.param("not json", "not json", id="verbatim"),
    ],
)
def test_segment_labels(segment: str, label: str) -> None:
    assert segment_label(segment) == label


def _data(**rows: list[tuple[object, ...]]) -> ReportData:
    fields: dict[str, object] = {
        "campaign_id": "c</script>",
        "name": "n",
        "policy": "thompson_sampling",
        "holdout_share": 0.1,
        "min_share": 0.0,
        "reward_event_type": "click",
        "attribution_days": 1,
        "templates": ("a", "b"),
        "regret_saved": None,
    }
    for name in (
        "shares",
        "posteriors",
        "regret",
        "lift",
        "allocations",
        "outcomes",
        "decisions",
        "windows",
        "validation",
        "sample_ratio",
    ):
        fields[name] = rows.get(name, [])
    return ReportData(**fields)  # type: ignore[arg-type]


def test_each_day_carries_the_allocation_and_the_posterior_it_was_made_from() -> None:
    data = _data(
        allocations=[
            (D1, "{}", "a", 0.5, 0.48, 48, 5),
            (D1, "{}", "b", 0.5, 0.52, 52, 5),
            (D2, "{}", "a", 0.9, 0.91, 91, 5),
            (D2, "{}", "b", 0.1, 0.09, 9, 5),
        ],
        # the state as of D1 is what the D2 allocation used
        posteriors=[
            (D1, "{}", "a", 0.3, 100, 30, 0.22, 0.39, 0.95, 105),
            (D1, "{}", "b", 0.2, 100, 20, 0.13, 0.29, 0.05, 105),
        ],
        outcomes=[(D1, "{}", "a", 53, 53, 15.0), (D1, "{}", "b", 57, 57, 12.0)],
        decisions=[(D2, "{}", "a", 0.95, 0.2, False, 5000.0, 50.0)],
    )
    payload = replay_payload(data)
    assert payload["dates"] == ["2026-01-01", "2026-01-02"]
    first, second = (day["segments"][0] for day in payload["days"])
    assert first["p"] == [0.5, 0.5] and first["mean"] == [None, None]
    assert second["p"] == [0.9, 0.1] and second["mean"] == [0.3, 0.2]
    assert second["low"] == [0.22, 0.13] and second["leader"] == "a" and second["vr"] == 0.2
    assert payload["days"][0]["cumRewards"] == 27.0 and payload["days"][1]["cumSends"] == 110
    assert payload["scaleMax"] == pytest.approx(0.39 * 1.05)


def test_the_embedded_data_cannot_close_its_script_element() -> None:
    data = _data(allocations=[(D1, '{"x": "</script><b>"}', "a", 1.0, 1.0, 1, 0)])
    html = replay_section(data)
    assert html.count("</script>") == 2  # the data element's and the code's own
