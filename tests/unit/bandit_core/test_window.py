from __future__ import annotations

import datetime as dt

import pytest

from bandit_core.window import Window

UTC = dt.UTC


def test_window_is_one_utc_day_publishing_the_next() -> None:
    window = Window(dt.date(2026, 3, 1))
    assert window.start == dt.datetime(2026, 3, 1, tzinfo=UTC)
    assert window.end == dt.datetime(2026, 3, 2, tzinfo=UTC)
    assert window.send_date == dt.date(2026, 3, 2)
    assert str(window) == "[2026-03-01 00:00, 2026-03-02 00:00) UTC"


def test_window_from_an_airflow_interval() -> None:
    cet = dt.timezone(dt.timedelta(hours=1))
    window = Window.from_interval(
        dt.datetime(2026, 3, 1, 1, tzinfo=cet), dt.datetime(2026, 3, 2, 1, tzinfo=cet)
    )
    assert window.day == dt.date(2026, 3, 1)


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        pytest.param(None, None, "has no data interval", id="manual-trigger"),
        pytest.param(
            dt.datetime(2026, 3, 1, 2, tzinfo=UTC),
            dt.datetime(2026, 3, 2, 2, tzinfo=UTC),
            r"expected a data interval of one whole UTC day .* found \[2026-03-01T02:00:00\+00:00",
            id="not-midnight",
        ),
        pytest.param(
            dt.datetime(2026, 3, 1, tzinfo=UTC),
            dt.datetime(2026, 3, 3, tzinfo=UTC),
            "one whole UTC day",
            id="two-days",
        ),
    ],
)
def test_other_intervals_are_refused(
    start: dt.datetime | None, end: dt.datetime | None, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        Window.from_interval(start, end)
