"""The clean-file reader's event times: Arrow's cast where it reads as ``parse_timestamp`` does,
``parse_timestamp`` itself everywhere else, with the same results either way."""

from __future__ import annotations

import random

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from bandit_core.fast_csv import _PLAIN_TIMESTAMP, _epoch_microseconds, _parse_timestamps
from bandit_core.parse import parse_timestamp


def _expected(texts: list[str | None]) -> list[int | None]:
    parsed = [None if t is None else parse_timestamp(t) for t in texts]
    return [None if p is None else _epoch_microseconds(p) for p in parsed]


def _read(texts: list[str | None]) -> list[int | None]:
    column = _parse_timestamps(pa.array(texts, pa.string()))
    assert column.type == pa.timestamp("us", tz="UTC")
    return column.cast(pa.int64()).to_pylist()


def _plain(rng: random.Random) -> str:
    sign = rng.choice("+-")
    offset = rng.choice(
        [
            "Z",
            "+00",
            f"{sign}{rng.randint(0, 23):02d}",
            f"{sign}{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}",
            f"{sign}{rng.randint(0, 23):02d}{rng.randint(0, 59):02d}",
        ]
    )
    digits = rng.randint(0, 6)
    fraction = "." + "".join(rng.choice("0123456789") for _ in range(digits)) if digits else ""
    return (
        f"{rng.choice([1, 9, 10, 99, 100, 999, 1969, 2026, 9999, rng.randint(1, 9999)]):04d}"
        f"-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}{rng.choice('T ')}"
        f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
        f"{fraction}{offset}"
    )


def test_plain_export_times_are_read_at_once_and_as_parse_timestamp_reads_them() -> None:
    rng = random.Random(7)
    texts: list[str | None] = [_plain(rng) for _ in range(20_000)]
    texts[::97] = [None] * len(texts[::97])  # empty fields
    column = pa.array(texts, pa.string())
    assert pc.all(pc.match_substring_regex(column, _PLAIN_TIMESTAMP), skip_nulls=True).as_py()
    assert _read(texts) == _expected(texts)


@pytest.mark.parametrize(
    "odd",
    [
        pytest.param("2026-02-30T10:00:00Z", id="impossible-date"),
        pytest.param("2026-01-01T10:00:00", id="no-offset"),
        pytest.param("2026-01-01", id="date-only"),
        pytest.param("2026-W01-4T10:00:00Z", id="week-date"),
        pytest.param("2026-01-01T10:00:00.1234567Z", id="seven-digits"),
        pytest.param("2026-01-01t10:00:00Z", id="lower-case-t"),
        pytest.param(" 2026-01-01T10:00:00Z", id="leading-space"),
        pytest.param("2026-01-01T24:00:00Z", id="hour-24"),
        pytest.param("0000-06-15T12:00:00Z", id="year-zero"),  # Arrow reads it, Python does not
        pytest.param("yesterday", id="words"),
    ],
)
def test_any_other_text_in_a_batch_reads_the_batch_text_by_text(odd: str) -> None:
    texts: list[str | None] = ["2026-01-01T09:00:00+01:00", odd, None, "2026-01-01 10:00:00Z"]
    # only the impossible date has the plain form; Arrow's cast refuses it
    plain = pc.match_substring_regex(pa.array([odd]), _PLAIN_TIMESTAMP)[0].as_py()
    assert plain == (odd == "2026-02-30T10:00:00Z")
    assert _read(texts) == _expected(texts)
