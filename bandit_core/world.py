"""The world simulator: synthetic users who answer published send lists with delayed events.

It plays the CRM system and the audience for the demo and the tests (never for the nightly
DAG): it delivers a user file with attributes, reads each day's list from ``crm.send_list_v1`` as a
CRM would, decides who opens, clicks and unsubscribes from hidden true rates per segment x
template, and writes the events, with delays, as CSV files under the landing folder of the day
they arrive. Because it knows the true click rates, it can report the true regret.

Click rates are probabilities of a click within the campaign's attribution window; delays are
drawn inside that window, so the rates are exactly what the bandit can learn. A share of the
events lands one day after it happened, as real exports do, so late events are exercised.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import logging
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import psycopg

from bandit_core import db

__all__ = ["DayOutcome", "World", "WorldConfig"]

log = logging.getLogger(__name__)

_HOUR = 3600.0
_REGIONS = ("north", "south", "east", "west")


@dataclass(frozen=True, slots=True, kw_only=True)
class WorldConfig:
    """The hidden truth of a simulated audience.

    Args:
        campaign_id: the campaign whose lists the world answers.
        users: number of users to create.
        segment_attribute: the user attribute the true rates depend on.
        segment_weights: share of users per value of that attribute.
        click_rates: value -> template -> P(click within the attribution window).
        attribution_days: the campaign's attribution window.
        open_rate: P(open) for a send without a click (a click always comes with an open).
        unsubscribe_rate: P(unsubscribe) per send.
        mean_click_delay_hours: mean of the (truncated) exponential click delay.
        late_share: share of events that land in the next day's folder.
        seed: seeds every draw; a day's draws depend only on (seed, send date).
    """

    campaign_id: str
    users: int
    segment_attribute: str
    segment_weights: Mapping[str, float]
    click_rates: Mapping[str, Mapping[str, float]]
    attribution_days: int
    open_rate: float = 0.35
    unsubscribe_rate: float = 0.001
    mean_click_delay_hours: float = 10.0
    late_share: float = 0.05
    seed: int = 7

    def __post_init__(self) -> None:
        if set(self.segment_weights) != set(self.click_rates):
            raise ValueError(
                "segment_weights and click_rates must name the same segments, found "
                f"{sorted(self.segment_weights)} and {sorted(self.click_rates)}"
            )
        templates = {frozenset(rates) for rates in self.click_rates.values()}
        if len(templates) != 1:
            raise ValueError("every segment needs a click rate for the same templates")
        for segment, rates in self.click_rates.items():
            for template, rate in rates.items():
                if not 0.0 <= rate <= 1.0:
                    raise ValueError(
                        f"click rate of {segment}/{template} must be in [0, 1], found {rate}"
                    )


@dataclass(frozen=True, slots=True)
class DayOutcome:
    """What happened to one day's send list, with the truth only a simulation knows."""

    send_date: dt.date
    sends: int
    clicks: int
    expected_clicks: float
    regret: float
    uniform_regret: float
    best_template_sends: int
    template_sends: Counter[str] = field(default_factory=Counter)


class World:
    """A simulated audience for one campaign."""

    def __init__(self, config: WorldConfig) -> None:
        self.config = config
        rng = np.random.default_rng([config.seed, 0])
        values = sorted(config.segment_weights)
        weights = np.array([config.segment_weights[v] for v in values], dtype=float)
        picks = rng.choice(len(values), size=config.users, p=weights / weights.sum())
        regions = rng.choice(len(_REGIONS), size=config.users)
        width = len(str(config.users))
        self.users = [
            (f"u{i:0{width}d}", values[picks[i]], _REGIONS[regions[i]]) for i in range(config.users)
        ]
        self.segment_of = {user_id: value for user_id, value, _ in self.users}

    def true_best(self, segment: str) -> str:
        """The template with the highest true click rate in a segment."""
        rates = self.config.click_rates[segment]
        return max(sorted(rates), key=lambda t: rates[t])

    def deliver_users(self, landing_dir: Path, day: dt.date) -> Path:
        """Write the users, with their attributes and contact data, as the user file of ``day``."""
        folder = landing_dir / day.isoformat() / "users"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "crm-users.csv"
        tmp = path.with_name("." + path.name + ".tmp")
        with tmp.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(("user_id", "email", self.config.segment_attribute, "region"))
            for user_id, value, region in self.users:
                writer.writerow((user_id, f"{user_id}@example.com", value, region))
        tmp.replace(path)
        return path

    def respond(
        self, conn: psycopg.Connection[Any], send_date: dt.date, landing_dir: Path
    ) -> DayOutcome:
        """Answer the published list for ``send_date``: write its events, return the truth."""
        rows = db.fetch_all(
            conn,
            "world_send_list",
            {"campaign_id": self.config.campaign_id, "send_date": send_date},
        )
        conn.commit()
        rng = np.random.default_rng([self.config.seed, send_date.toordinal()])
        n = len(rows)
        rates = self.config.click_rates
        segments = [self.segment_of.get(r[1], "") for r in rows]
        mu = np.array(
            [rates.get(s, {}).get(r[2], 0.0) for s, r in zip(segments, rows, strict=True)]
        )
        best = np.array([max(rates[s].values()) if s in rates else 0.0 for s in segments])
        mean = np.array([np.mean(list(rates[s].values())) if s in rates else 0.0 for s in segments])

        day_start = dt.datetime.combine(send_date, dt.time(), tzinfo=dt.UTC).timestamp()
        window_end = day_start + self.config.attribution_days * 24 * _HOUR
        sent_at = day_start + rng.uniform(8 * _HOUR, 20 * _HOUR, size=n)
        clicked = rng.random(n) < mu
        opened = clicked | (rng.random(n) < self.config.open_rate)
        unsubscribed = opened & (
            rng.random(n) < self.config.unsubscribe_rate / max(self.config.open_rate, 1e-9)
        )
        delivered_at = sent_at + rng.uniform(0, 600, size=n)
        click_at = delivered_at + _truncated_exponential(
            rng, self.config.mean_click_delay_hours * _HOUR, window_end - delivered_at
        )
        open_at = delivered_at + rng.uniform(0, 1, size=n) * (
            np.minimum(click_at, window_end) - delivered_at
        )
        unsubscribe_at = open_at + rng.uniform(0, 600, size=n)
        late = rng.random((n, 4)) < self.config.late_share

        events: list[tuple[float, bool, tuple[str, ...]]] = []
        for i, (send_id, user_id, template_id) in enumerate(rows):
            base = (send_id, self.config.campaign_id, user_id, template_id)
            events.append((delivered_at[i], late[i, 0], (*base, "delivered")))
            if opened[i]:
                events.append((open_at[i], late[i, 1], (*base, "open")))
            if clicked[i]:
                events.append((click_at[i], late[i, 2], (*base, "click")))
            if unsubscribed[i]:
                events.append((unsubscribe_at[i], late[i, 3], (*base, "unsubscribe")))
        self._write(events, send_date, landing_dir)
        counts: Counter[str] = Counter(r[2] for r in rows)
        return DayOutcome(
            send_date=send_date,
            sends=n,
            clicks=int(clicked.sum()),
            expected_clicks=float(mu.sum()),
            regret=float(np.sum(best - mu)),
            uniform_regret=float(np.sum(best - mean)),
            best_template_sends=sum(
                1
                for s, r in zip(segments, rows, strict=True)
                if s in rates and r[2] == self.true_best(s)
            ),
            template_sends=counts,
        )

    def _write(
        self,
        events: list[tuple[float, bool, tuple[str, ...]]],
        send_date: dt.date,
        landing_dir: Path,
    ) -> None:
        by_day: dict[dt.date, list[tuple[str, ...]]] = {}
        for ts, late, (send_id, campaign_id, user_id, template_id, event_type) in events:
            moment = dt.datetime.fromtimestamp(float(ts), tz=dt.UTC)
            arrival = moment.date() + dt.timedelta(days=1 if late else 0)
            event_id = hashlib.md5(f"{send_id}:{event_type}".encode()).hexdigest()
            by_day.setdefault(arrival, []).append(
                (
                    event_id,
                    send_id,
                    campaign_id,
                    user_id,
                    template_id,
                    event_type,
                    moment.isoformat(timespec="seconds"),
                    "",
                )
            )
        for arrival, rows in sorted(by_day.items()):
            folder = landing_dir / arrival.isoformat()
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"crm-export-sent-{send_date.isoformat()}.csv"
            tmp = path.with_name("." + path.name + ".tmp")
            with tmp.open("w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(
                    (
                        "event_id",
                        "send_id",
                        "campaign_id",
                        "user_id",
                        "template_id",
                        "event_type",
                        "event_ts",
                        "value",
                    )
                )
                ordered: list[tuple[str, ...]] = sorted(rows, key=_by_time_then_id)
                writer.writerows(ordered)
            tmp.replace(path)


def _by_time_then_id(row: tuple[str, ...]) -> tuple[str, str]:
    return row[6], row[0]


def _truncated_exponential(
    rng: np.random.Generator, mean: float, upper: np.ndarray[Any, np.dtype[np.float64]]
) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Exponential draws with the given mean, conditioned to fall below ``upper`` (inverse CDF)."""
    u = rng.random(upper.shape)
    mass = -np.expm1(-np.maximum(upper, 0.0) / mean)
    draws = np.minimum(-mean * np.log1p(-u * mass), np.maximum(upper - 1.0, 0.0))
    return np.asarray(draws, dtype=np.float64)
