"""Extract and validate: every line lands in staging, bad rows are quarantined by rule, good
rows load, and a failing gate loads nothing."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import psycopg
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bandit_core.errors import DataQualityError
from bandit_core.extract import extract_events
from bandit_core.quality import validate_events
from bandit_core.window import Window
from tests.support import add_sends, add_users, apply, campaign_config, day, write_events

WINDOW = Window(day("2026-01-02"))


@pytest.fixture
def seeded(conn: psycopg.Connection[Any]) -> psycopg.Connection[Any]:
    apply(conn, campaign_config())
    add_users(conn, [("u1", {}), ("u2", {}), ("u3", {})])
    add_sends(
        conn,
        [
            ("s1", "2026-01-01", "u1", "a", "{}"),
            ("s2", "2026-01-02", "u2", "b", "{}"),
            ("s3", "2025-12-25", "u3", "a", "{}"),
        ],
    )
    return conn


def _good(
    event_id: str,
    send: str = "s1",
    user: str = "u1",
    template: str = "a",
    event_type: str = "click",
    ts: str = "2026-01-02T10:00:00Z",
    value: str = "",
) -> list[str]:
    return [event_id, send, "c1", user, template, event_type, ts, value]


def test_bad_rows_are_quarantined_by_rule_and_good_rows_load(
    seeded: psycopg.Connection[Any], landing_dir: Path
) -> None:
    conn = seeded
    folder = landing_dir / "2026-01-02"
    write_events(
        folder / "a.csv",
        [
            _good("e1"),
            _good("e2", event_type="open"),
            _good("e3", send="s2", user="u2", template="b", event_type="delivered"),
            _good("e4", ts="yesterday"),  # bad_timestamp
            _good("e5", value="-3"),  # negative_value
            _good("e6", event_type="teleport"),  # unknown_event_type
            _good("e7", send="nope"),  # unknown_send
            _good("e8", template="z"),  # unknown_template, send_mismatch
            _good("e9", ts="2026-01-03T00:00:00Z"),  # event_in_future, outside_attribution_window
            _good("e10", send="s3", user="u3"),  # outside_attribution_window
            _good("e1"),  # duplicate_event_id
            _good("e11", user="u2"),  # send_mismatch
            ["e12", "s1", "c1", "u1"],  # unparsable (4 fields)
        ],
    )
    # a second format in the same window: JSON Lines, one bad line
    (folder / "b.jsonl").write_text(
        json.dumps(
            dict(
                zip(
                    [
                        "event_id",
                        "send_id",
                        "campaign_id",
                        "user_id",
                        "template_id",
                        "event_type",
                        "event_ts",
                    ],
                    _good("e13", event_type="open")[:7],
                    strict=True,
                )
            )
        )
        + "\n{not json\n",
        encoding="utf-8",
    )
    extracted = extract_events(conn, landing_dir, WINDOW)
    assert (extracted.files, extracted.rows, extracted.unparsable) == (2, 15, 2)

    result = validate_events(conn, WINDOW, max_quarantine_share=1.0)
    assert result.rows == 15
    assert result.loaded == 4
    assert result.quarantined == 11
    assert {rule: n for rule, n in result.by_rule.items() if n} == {
        "bad_timestamp": 1,
        "negative_value": 1,
        "unknown_event_type": 1,
        "unknown_send": 1,
        "unknown_template": 1,
        "event_in_future": 1,
        "outside_attribution_window": 2,
        "duplicate_event_id": 1,
        "send_mismatch": 2,
        "unparsable": 2,
    }
    loaded = [r[0] for r in conn.execute("select event_id from core.events order by event_id")]
    assert loaded == ["e1", "e13", "e2", "e3"]
    quarantined = conn.execute(
        "select count(*), count(*) filter (where raw_line is not null) from quarantine.events"
    ).fetchone()
    assert quarantined == (11, 2)
    recorded = conn.execute(
        "select observed from audit.validation_results where check_name = 'unknown_send'"
    ).fetchone()
    assert recorded == (1.0,)


def test_parquet_and_gzip_files_are_read(
    seeded: psycopg.Connection[Any], landing_dir: Path
) -> None:
    folder = landing_dir / "2026-01-02"
    folder.mkdir()
    table = pa.table(
        {
            "event_id": ["p1", "p2"],
            "send_id": ["s1", "s1"],
            "campaign_id": ["c1", "c1"],
            "user_id": ["u1", "u1"],
            "template_id": ["a", "a"],
            "event_type": ["open", "click"],
            "event_ts": pa.array(
                [1767348000_000000, 1767351600_000000], type=pa.timestamp("us", tz="UTC")
            ),
            "value": [None, 1.0],
        }
    )
    pq.write_table(table, folder / "events.parquet")
    with gzip.open(folder / "more.csv.gz", "wt", newline="", encoding="utf-8") as handle:
        handle.write("EVENT_ID,send_id,campaign_id,user_id,template_id,event_type,event_ts\n")
        handle.write("g1,s1,c1,u1,a,delivered,2026-01-02 09:00:00\n")
    (folder / "notes.txt").write_text("not events")
    (folder / "_SUCCESS").write_text("")
    extracted = extract_events(seeded, landing_dir, WINDOW)
    assert (extracted.files, extracted.rows, extracted.unparsable) == (3, 4, 1)
    result = validate_events(seeded, WINDOW, max_quarantine_share=0.5)
    assert result.loaded == 3
    rows = seeded.execute(
        "select event_id, event_ts, value from core.events order by event_id"
    ).fetchall()
    assert [r[0] for r in rows] == ["g1", "p1", "p2"]
    assert rows[0][1].isoformat() == "2026-01-02T09:00:00+00:00"  # no offset means UTC
    assert rows[2][2] == 1.0


def test_rerunning_a_window_replaces_its_rows(
    seeded: psycopg.Connection[Any], landing_dir: Path
) -> None:
    write_events(landing_dir / "2026-01-02" / "a.csv", [_good("e1"), _good("e2", value="x")])
    for _ in range(2):
        extract_events(seeded, landing_dir, WINDOW)
        validate_events(seeded, WINDOW, max_quarantine_share=1.0)
    counts = seeded.execute(
        "select (select count(*) from staging.events), (select count(*) from core.events),"
        " (select count(*) from quarantine.events)"
    ).fetchone()
    assert counts == (2, 1, 1)


def test_event_id_loaded_by_an_earlier_window_is_a_duplicate(
    seeded: psycopg.Connection[Any], landing_dir: Path
) -> None:
    write_events(landing_dir / "2026-01-01" / "a.csv", [_good("e1", ts="2026-01-01T10:00:00Z")])
    write_events(landing_dir / "2026-01-02" / "a.csv", [_good("e1"), _good("e2")])
    extract_events(seeded, landing_dir, Window(day("2026-01-01")))
    validate_events(seeded, Window(day("2026-01-01")), max_quarantine_share=0.0)
    extract_events(seeded, landing_dir, WINDOW)
    result = validate_events(seeded, WINDOW, max_quarantine_share=1.0)
    assert result.by_rule["duplicate_event_id_earlier_window"] == 1
    assert result.loaded == 1


def test_too_many_bad_rows_stop_the_run_and_load_nothing(
    seeded: psycopg.Connection[Any], landing_dir: Path
) -> None:
    write_events(
        landing_dir / "2026-01-02" / "a.csv",
        [_good("e1"), _good("e2", send="x"), _good("e3", send="y")],
    )
    extract_events(seeded, landing_dir, WINDOW)
    with pytest.raises(
        DataQualityError, match=r"2 of 3 rows \(66\.7%\) broke a rule .* limit of 10\.0%"
    ):
        validate_events(seeded, WINDOW, max_quarantine_share=0.1)
    assert seeded.execute("select count(*) from core.events").fetchone() == (0,)
    assert seeded.execute("select count(*) from quarantine.events").fetchone() == (2,)
    gate = seeded.execute(
        "select success, observed from audit.validation_results"
        " where check_name = 'quarantine_share'"
    ).fetchone()
    assert gate is not None and gate[0] is False and gate[1] == pytest.approx(2 / 3)


def test_no_events_when_sends_await_them_stops_the_run(
    seeded: psycopg.Connection[Any], landing_dir: Path
) -> None:
    extract_events(seeded, landing_dir, WINDOW)
    with pytest.raises(DataQualityError, match="no event rows for window"):
        validate_events(seeded, WINDOW, max_quarantine_share=0.05)


def test_no_events_before_anything_was_sent_is_fine(
    conn: psycopg.Connection[Any], landing_dir: Path
) -> None:
    apply(conn, campaign_config())
    extract_events(conn, landing_dir, Window(day("2025-12-31")))
    result = validate_events(conn, Window(day("2025-12-31")), max_quarantine_share=0.05)
    assert (result.rows, result.loaded, result.passed) == (0, 0, True)
