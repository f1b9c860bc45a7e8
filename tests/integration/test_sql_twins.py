"""The SQL functions used set-based and their Python twins used in audits agree."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import psycopg
import pytest

from bandit_core.assignment import assignment_key, segment_key, unit_hash


@pytest.mark.parametrize(
    "key",
    [
        pytest.param("", id="empty"),
        pytest.param(
            assignment_key("c", "u1", dt.date(2026, 1, 2), 7, "template"), id="assignment"
        ),
        pytest.param("ünïcode ' ; -- \x1f", id="hostile"),
    ],
)
def test_unit_hash_matches_sql(conn: psycopg.Connection[Any], key: str) -> None:
    row = conn.execute("select bandit.unit_hash(%s)", (key,)).fetchone()
    assert row is not None
    assert row[0] == unit_hash(key)
    assert 0.0 <= row[0] < 1.0


@pytest.mark.parametrize(
    ("attributes", "names"),
    [
        pytest.param({"age_band": "18-34", "region": "north"}, ["age_band"], id="one"),
        pytest.param({"age_band": "18-34", "region": "north"}, ["region", "age_band"], id="two"),
        pytest.param({"b": 1, "aa": True, "ccc": 2.5}, ["ccc", "missing", "aa"], id="three"),
        pytest.param({"b": 1, "aa": True, "ccc": 2.5}, ["ccc", "b", "aa", "missing"], id="typed"),
        pytest.param({"x": "y"}, [], id="none"),
        pytest.param({"ünï": "q\"uote'"}, ["ünï"], id="unicode"),
        pytest.param({"a": None, "b": "x"}, ["b", "a", "b"], id="null-and-repeated"),
        pytest.param({"n": {"deep": [1, "two", None]}}, ["n"], id="nested"),
    ],
)
def test_segment_key_matches_sql(
    conn: psycopg.Connection[Any], attributes: dict[str, Any], names: list[str]
) -> None:
    row = conn.execute(
        "select bandit.segment_key(%s::jsonb, %s::text[])", (json.dumps(attributes), names)
    ).fetchone()
    assert row is not None
    assert row[0] == segment_key(attributes, names)


def test_segment_key_is_inlined_and_matches_the_loop(conn: psycopg.Connection[Any]) -> None:
    """Up to three names the key is one SQL expression that the planner inlines (it is
    computed for every user of every campaign each night); the loop covers what it does not."""
    plan = conn.execute(
        "explain (verbose, costs off)"
        " select bandit.segment_key(attributes, array['region', 'age_band']) from core.users"
    ).fetchall()
    assert "segment_key" not in "\n".join(row[0] for row in plan)
    attributes = json.dumps({"a": 1, "b": None, "c": [1, {"d": "e"}], "dd": "x"})
    for names in ("{}", "{a}", "{c,a}", "{dd,c,a}", "{a,b,c,dd}", "[0:1]={c,a}", "{a,a,zz}"):
        row = conn.execute(
            "select bandit.segment_key(%(a)s::jsonb, %(n)s::text[]),"
            " bandit.segment_key_loop(%(a)s::jsonb, %(n)s::text[])",
            {"a": attributes, "n": names},
        ).fetchone()
        assert row is not None
        assert row[0] == row[1], names


def test_unit_hash_is_uniform(conn: psycopg.Connection[Any]) -> None:
    rows = conn.execute(
        "select width_bucket(bandit.unit_hash('k' || g), 0, 1, 10), count(*)"
        " from generate_series(1, 20000) g group by 1 order by 1"
    ).fetchall()
    counts = [count for _, count in rows]
    assert len(counts) == 10
    # chi-square with 9 degrees of freedom: 27.9 is its 0.999 quantile
    expected = 2000
    assert sum((c - expected) ** 2 / expected for c in counts) < 27.9
