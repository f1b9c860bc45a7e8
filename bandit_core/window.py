"""The nightly window: one whole UTC day ``[D 00:00, D+1 00:00)``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

__all__ = ["Window"]


@dataclass(frozen=True, slots=True)
class Window:
    """The day ``day`` as a half-open UTC interval; its run publishes the lists for ``day + 1``.

    Example:
        >>> Window(dt.date(2026, 1, 4)).send_date
        datetime.date(2026, 1, 5)
    """

    day: dt.date

    @property
    def start(self) -> dt.datetime:
        return dt.datetime.combine(self.day, dt.time(), tzinfo=dt.UTC)

    @property
    def end(self) -> dt.datetime:
        return self.start + dt.timedelta(days=1)

    @property
    def send_date(self) -> dt.date:
        """The date whose send lists this window's run publishes."""
        return self.day + dt.timedelta(days=1)

    @classmethod
    def from_interval(cls, start: dt.datetime | None, end: dt.datetime | None) -> Window:
        """The window of a data interval, which must be exactly one UTC day.

        Raises:
            ValueError: the interval is missing or is not ``[D 00:00, D+1 00:00)`` in UTC.
        """
        if start is None or end is None:
            raise ValueError(
                "the run has no data interval (a manual trigger without a logical date); "
                "run a window with `smartarm nightly --date YYYY-MM-DD`, "
                "`airflow dags test smartarm_nightly <D+1>` or `airflow backfill create`"
            )
        start_utc, end_utc = start.astimezone(dt.UTC), end.astimezone(dt.UTC)
        window = cls(start_utc.date())
        if start_utc != window.start or end_utc != window.end:
            raise ValueError(
                "expected a data interval of one whole UTC day [D 00:00, D+1 00:00), "
                f"found [{start_utc.isoformat()}, {end_utc.isoformat()})"
            )
        return window

    def __str__(self) -> str:
        return f"[{self.start:%Y-%m-%d %H:%M}, {self.end:%Y-%m-%d %H:%M}) UTC"
