"""Bad input gets a clear answer and loses nothing: one fixture file per case, each with the
exact rows quarantined (and why) and the exact good remainder that still loads."""

from __future__ import annotations

import csv
import json
import shutil
import tracemalloc
from pathlib import Path
from typing import Any

import psycopg
import pytest

from bandit_core.errors import DataQualityError
from bandit_core.extract import extract_events, extract_users
from bandit_core.quality import Gates, validate_window
from bandit_core.window import Window
from tests.support import EVENT_HEADER, add_sends, add_users, apply, campaign_config, day

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
WINDOW = Window(day("2026-01-02"))
LENIENT = Gates(max_quarantine_share=1.0)


@pytest.fixture
def seeded(conn: psycopg.Connection[Any]) -> psycopg.Connection[Any]:
    """Campaign c1 (click within 2 days), c2 (read_seconds capped at 480), three users."""
    apply(conn, campaign_config(campaign_id="c1", templates=("a", "b"), attribution_days=2))
    c2 = campaign_config(campaign_id="c2", templates=("x", "y"), attribution_days=1, value_cap=480)
    spec = dict(c2.spec)
    spec["reward"] = {**spec["reward"], "event_type": "read_seconds"}
    from bandit_core.config import parse_campaign

    apply(conn, parse_campaign(json.dumps(spec)))
    add_users(conn, [("u1", {}), ("u2", {}), ("u3", {})])
    add_sends(
        conn,
        [
            ("s1", "2026-01-01", "u1", "a", "{}"),
            ("s2", "2026-01-02", "u2", "b", "{}"),
            ("s3", "2025-12-25", "u3", "a", "{}"),
        ],
    )
    add_sends(conn, [("s9", "2026-01-02", "u1", "x", "{}")], campaign_id="c2")
    return conn


def _land(landing_dir: Path, *names: str) -> None:
    folder = landing_dir / WINDOW.day.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        source = FIXTURES / "events" / name
        if source.is_dir():
            for file in source.iterdir():
                shutil.copy(file, folder / file.name)
        else:
            shutil.copy(source, folder / name)


def _loaded(conn: psycopg.Connection[Any]) -> set[str]:
    return {r[0] for r in conn.execute("select event_id from core.events")}


def _quarantined(conn: psycopg.Connection[Any]) -> int:
    row = conn.execute("select count(*) from quarantine.events").fetchone()
    assert row is not None
    return int(row[0])


CASES = [
    pytest.param("missing_column.csv", {"unparsable": 2}, set(), id="missing-column"),
    pytest.param("corrupt.parquet", {"unparsable": 1}, set(), id="unreadable-file"),
    pytest.param("export.xlsx", {"unparsable": 1}, set(), id="unsupported-file"),
    pytest.param(
        "wrong_types.csv", {"bad_timestamp": 1, "bad_value": 1}, {"w1", "w2"}, id="wrong-types"
    ),
    pytest.param("missing_values.csv", {"missing_field": 2}, {"n1"}, id="empty-required-fields"),
    pytest.param(
        "duplicate_in_file.csv", {"duplicate_event_id": 1}, {"d1", "d2"}, id="duplicate-in-file"
    ),
    pytest.param(
        "duplicate_across_files",
        {"duplicate_event_id": 1},
        {"f1", "f2", "f3"},
        id="duplicate-across-files",
    ),
    pytest.param(
        "unknown_references.csv",
        {
            "unknown_campaign": 1,
            "unknown_template": 1,
            "unknown_user": 1,
            "unknown_send": 1,
            "send_mismatch": 3,
        },
        {"r1"},
        id="unknown-campaign-template-user-send",
    ),
    pytest.param(
        "timing.csv",
        {"event_in_future": 1, "event_before_send": 1, "outside_attribution_window": 1},
        {"t1"},
        id="future-before-send-after-window",
    ),
    pytest.param(
        "values.csv",
        {"negative_value": 1, "value_not_finite": 2},
        {"v1", "v2"},  # 600 is above the cap of 480: it loads and counts as a full reward
        id="negative-nonfinite-above-cap",
    ),
    pytest.param(
        "event_types.csv", {"unknown_event_type": 2}, {"k1", "k3"}, id="unknown-event-types"
    ),
    pytest.param(
        "template_of_other_campaign.csv",
        {"unknown_template": 1, "send_mismatch": 1},
        {"x1"},
        id="template-of-another-campaign",
    ),
    pytest.param("latin1_line.csv", {"unparsable": 1}, {"l1", "l3"}, id="bad-encoding"),
    pytest.param("bom_crlf_quoted.csv", {}, {"b1", "b2"}, id="bom-crlf-quoting"),
    pytest.param(
        "stray_quotes.csv",
        {"unparsable": 1, "unknown_event_type": 1},
        {"q1", "q4"},
        id="stray-quotes",
    ),
    pytest.param("truncated_last_line.csv", {"unparsable": 1}, {"z1", "z2"}, id="truncated-line"),
    pytest.param("lines.jsonl", {"unparsable": 3}, {"j1", "j4"}, id="jsonl-bad-lines"),
]


@pytest.mark.parametrize(("fixture", "rules", "good"), CASES)
def test_bad_rows_are_quarantined_and_the_rest_loads(
    seeded: psycopg.Connection[Any],
    landing_dir: Path,
    fixture: str,
    rules: dict[str, int],
    good: set[str],
) -> None:
    _land(landing_dir, fixture)
    extract_events(seeded, landing_dir, WINDOW)
    result = validate_window(seeded, WINDOW, LENIENT)
    assert {rule: n for rule, n in result.events.by_rule.items() if n} == rules
    assert _loaded(seeded) == good
    assert _quarantined(seeded) == result.events.quarantined
    assert result.events.rows == result.events.quarantined + len(good)
    # the quarantine keeps each row's rules, its file and line
    recorded = seeded.execute(
        "select r, count(*) from quarantine.events, unnest(rules) as r group by r"
    ).fetchall()
    assert dict(recorded) == rules


def test_an_event_naming_a_later_days_send_is_found_and_breaks_event_before_send(
    seeded: psycopg.Connection[Any], landing_dir: Path
) -> None:
    # tomorrow's list is published before today's events are validated: the rule query joins
    # only sends up to the window's day, and finds this one by its id
    add_sends(seeded, [("s4", "2026-01-03", "u1", "a", "{}")])
    folder = landing_dir / WINDOW.day.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tomorrow.csv").write_text(
        ",".join(EVENT_HEADER)
        + "\nn1,s4,c1,u1,a,open,2026-01-02T10:00:00Z,\nn2,s1,c1,u1,a,open,2026-01-02T11:00:00Z,\n",
        encoding="utf-8",
    )
    extract_events(seeded, landing_dir, WINDOW)
    result = validate_window(seeded, WINDOW, LENIENT)
    assert {rule: n for rule, n in result.events.by_rule.items() if n} == {"event_before_send": 1}
    assert _loaded(seeded) == {"n2"}


def test_unreadable_lines_keep_their_raw_text(
    seeded: psycopg.Connection[Any], landing_dir: Path
) -> None:
    _land(landing_dir, "stray_quotes.csv", "lines.jsonl")
    extract_events(seeded, landing_dir, WINDOW)
    validate_window(seeded, WINDOW, LENIENT)
    rows = seeded.execute(
        "select source_file, line_no, parse_error, raw_line from quarantine.events"
        " where rules = array['unparsable'] order by source_file, line_no"
    ).fetchall()
    assert rows[0] == (
        "lines.jsonl",
        2,
        "invalid JSON: Expecting ',' delimiter",
        '{"event_id": "j2", "send_id": "s1", "campaign_id": "c1"',
    )
    assert rows[-1][0:3] == ("stray_quotes.csv", 3, "malformed CSV: unexpected end of data")
    assert rows[-1][3].startswith("q2,s1,c1")


def test_a_loaded_window_is_frozen_so_index_scans_skip_its_table(
    seeded: psycopg.Connection[Any], landing_dir: Path
) -> None:
    _land(landing_dir, "event_types.csv")
    for _ in range(2):  # a first load fills a new partition, a rerun replaces its rows
        extract_events(seeded, landing_dir, WINDOW)
        validate_window(seeded, WINDOW, LENIENT)
        pages = seeded.execute(
            "select relpages, relallvisible from pg_class"
            " where oid = 'core.events_20260102'::regclass"
        ).fetchone()
        assert pages is not None and pages[0] > 0
        assert pages[1] == pages[0]  # every page all-visible
    with seeded.transaction():
        seeded.execute("set local enable_seqscan = off")
        seeded.execute("set local enable_bitmapscan = off")
        plan = "\n".join(
            row[0]
            for row in seeded.execute(
                "explain (analyze, costs off, timing off, summary off)"
                " select event_id from core.events_20260102 where event_id > ''"
            )
        )
    assert "Index Only Scan" in plan and "Heap Fetches: 0" in plan, plan


@pytest.mark.parametrize("fixture", ["empty.csv", "header_only.csv"])
def test_an_empty_file_when_events_are_due_fails_the_gate(
    seeded: psycopg.Connection[Any], landing_dir: Path, fixture: str
) -> None:
    _land(landing_dir, fixture)
    extract_events(seeded, landing_dir, WINDOW)
    with pytest.raises(DataQualityError, match=r"no event rows for window \[2026-01-02 00:00"):
        validate_window(seeded, WINDOW, LENIENT)


def test_duplicate_ids_across_days_are_quarantined_on_the_later_day(
    seeded: psycopg.Connection[Any], landing_dir: Path
) -> None:
    first = Window(day("2026-01-01"))
    folder = landing_dir / "2026-01-01"
    folder.mkdir()
    shutil.copy(FIXTURES / "events" / "duplicate_in_file.csv", folder / "day1.csv")
    extract_events(seeded, landing_dir, first)
    # the day-1 file's events happened on 01-02: in day 1 they are in the future
    assert validate_window(seeded, first, LENIENT).events.by_rule["event_in_future"] == 3
    (folder / "day1.csv").write_text(
        ",".join(EVENT_HEADER) + "\nd1,s1,c1,u1,a,open,2026-01-01T10:00:00Z,\n", encoding="utf-8"
    )
    extract_events(seeded, landing_dir, first)
    validate_window(seeded, first, LENIENT)
    _land(landing_dir, "duplicate_in_file.csv")
    extract_events(seeded, landing_dir, WINDOW)
    result = validate_window(seeded, WINDOW, LENIENT)
    assert result.events.by_rule["duplicate_event_id_earlier_window"] == 2  # both d1 rows
    assert _loaded(seeded) == {"d1", "d2"}


def test_a_late_event_repeated_after_the_horizon_is_still_a_duplicate(
    seeded: psycopg.Connection[Any], landing_dir: Path
) -> None:
    """Send s3 (2025-12-25) is older than the window's horizon, so its events take the
    lookup path of validation, not the horizon's join; a repeat must still be caught."""
    late = Window(day("2025-12-28"))
    line = "\nl1,s3,c1,u3,a,click,2025-12-25T10:00:00Z,\n"
    folder = landing_dir / "2025-12-28"
    folder.mkdir()
    (folder / "late.csv").write_text(",".join(EVENT_HEADER) + line, encoding="utf-8")
    extract_events(seeded, landing_dir, late)
    assert validate_window(seeded, late, LENIENT).events.quarantined == 0
    folder = landing_dir / WINDOW.day.isoformat()
    folder.mkdir()
    (folder / "again.csv").write_text(",".join(EVENT_HEADER) + line, encoding="utf-8")
    extract_events(seeded, landing_dir, WINDOW)
    result = validate_window(seeded, WINDOW, LENIENT)
    broken = {rule: n for rule, n in result.events.by_rule.items() if n}
    assert broken == {"duplicate_event_id_earlier_window": 1}
    rows = seeded.execute("select event_id, arrival_date from core.events").fetchall()
    assert rows == [("l1", day("2025-12-28"))]


def test_a_late_event_finds_its_send_outside_the_lists_joined_for_on_time_events(
    seeded: psycopg.Connection[Any], landing_dir: Path
) -> None:
    """Validation joins the lists an on-time event can answer (c1's two days up to the
    window's day); a late event's send is looked up by its event's own day, and any other
    send in every partition, so each row still meets its send and breaks only its own rules."""
    add_sends(seeded, [("s5", "2025-12-31", "u3", "b", "{}")])
    lines = [
        "l1,s5,c1,u3,b,click,2026-01-01T09:00:00Z,",  # late: happened the day before
        "l2,s5,c1,u3,b,click,2026-01-02T09:00:00Z,",  # after s5's two days
        "l3,s3,c1,u3,a,click,2026-01-02T09:00:00Z,",  # a send of a week before
        "l4,s2,c1,u1,b,click,2026-01-02T09:00:00Z,",  # on time, but s2 went to u2
    ]
    folder = landing_dir / WINDOW.day.isoformat()
    folder.mkdir()
    (folder / "late.csv").write_text(
        ",".join(EVENT_HEADER) + "".join("\n" + line for line in lines), encoding="utf-8"
    )
    extract_events(seeded, landing_dir, WINDOW)
    validate_window(seeded, WINDOW, LENIENT)
    rules = dict(seeded.execute("select event_id, rules from quarantine.events").fetchall())
    assert rules == {
        "l2": ["outside_attribution_window"],
        "l3": ["outside_attribution_window"],
        "l4": ["send_mismatch"],
    }
    assert _loaded(seeded) == {"l1"}


def test_an_event_id_is_compared_with_the_events_since_its_sends_day(
    seeded: psycopg.Connection[Any], landing_dir: Path
) -> None:
    """A repeated event arrives on or after its send's day, as its first copy did: ids are
    compared with the nights since the row's send's day, or since the horizon when the send
    is unknown."""
    first = Window(day("2026-01-01"))
    folder = landing_dir / "2026-01-01"
    folder.mkdir()
    night_one = "".join(
        f"\n{event_id},s1,c1,u1,a,click,2026-01-01T10:0{i}:00Z," for i, event_id in enumerate("xyz")
    )
    (folder / "first.csv").write_text(",".join(EVENT_HEADER) + night_one, encoding="utf-8")
    extract_events(seeded, landing_dir, first)
    assert validate_window(seeded, first, LENIENT).events.quarantined == 0

    folder = landing_dir / WINDOW.day.isoformat()
    folder.mkdir()
    lines = [
        "x,s1,c1,u1,a,click,2026-01-01T10:00:00Z,",  # a repeat: s1 is dated the night before
        "y,s2,c1,u2,b,click,2026-01-02T10:00:00Z,",  # s2 is dated the window's day: no repeat
        "z,s404,c1,u1,a,click,2026-01-02T10:00:00Z,",  # unknown send: the horizon's nights
    ]
    (folder / "again.csv").write_text(
        ",".join(EVENT_HEADER) + "".join("\n" + line for line in lines), encoding="utf-8"
    )
    extract_events(seeded, landing_dir, WINDOW)
    validate_window(seeded, WINDOW, LENIENT)
    rules = dict(
        seeded.execute(
            "select event_id, rules from quarantine.events where window_date = %s", (WINDOW.day,)
        ).fetchall()
    )
    assert rules == {
        "x": ["duplicate_event_id_earlier_window"],
        "z": ["unknown_send", "duplicate_event_id_earlier_window"],
    }
    loaded = seeded.execute(
        "select event_id, send_id from core.events where arrival_date = %s", (WINDOW.day,)
    ).fetchall()
    assert loaded == [("y", "s2")]


def test_a_huge_file_streams_and_loads_exactly(
    seeded: psycopg.Connection[Any], landing_dir: Path
) -> None:
    folder = landing_dir / WINDOW.day.isoformat()
    folder.mkdir()
    rows = 100_000
    with (folder / "huge.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(EVENT_HEADER)
        for i in range(rows):
            writer.writerow((f"h{i}", "s1", "c1", "u1", "a", "open", "2026-01-02T10:00:00Z", ""))
        writer.writerow(("h-big", "s1", "c1", "u1", "a", "open", "x" * 3_000_000, ""))
        writer.writerow(("h-bad", "s1", "c1", "u1", "a", "open", "2026-01-02T10:00:00Z", "-1"))
    tracemalloc.start()
    extracted = extract_events(seeded, landing_dir, WINDOW)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # streaming: memory stays far below the ~100 MB that holding 100,000 rows would take
    assert peak < 40_000_000
    assert (extracted.rows, extracted.unparsable) == (rows + 2, 1)
    result = validate_window(seeded, WINDOW, LENIENT)
    assert result.events.by_rule["unparsable"] == 1
    assert result.events.by_rule["negative_value"] == 1
    too_long = seeded.execute(
        "select line_no, parse_error, length(raw_line) from quarantine.events"
        " where rules = array['unparsable']"
    ).fetchone()
    assert too_long == (rows + 2, "line longer than 1,000,000 bytes", 1000)
    assert len(_loaded(seeded)) == rows


def test_user_files_are_validated_and_upserted(
    seeded: psycopg.Connection[Any], landing_dir: Path
) -> None:
    folder = landing_dir / WINDOW.day.isoformat() / "users"
    folder.mkdir(parents=True)
    shutil.copy(FIXTURES / "users" / "users_mixed.csv", folder / "users.csv")
    _land(landing_dir, "wrong_types.csv")
    extract_users(seeded, landing_dir, WINDOW)
    extract_events(seeded, landing_dir, WINDOW)
    result = validate_window(seeded, WINDOW, LENIENT)
    assert {r: n for r, n in result.users.by_rule.items() if n} == {
        "bad_email": 1,
        "missing_user_id": 1,
        "duplicate_user_id": 1,
        "bad_timestamp": 1,
        "unsubscribed_in_future": 1,
    }
    users = dict(
        seeded.execute(
            "select user_id, attributes from core.users where updated_window is not null"
        ).fetchall()
    )
    assert users == {
        "u10": {"age_band": "18-34"},
        "u1": {"age_band": "55+"},
        "u14": {"age_band": "35-54"},
    }
    contacts = dict(seeded.execute("select user_id, email from core.user_contacts").fetchall())
    assert contacts == {"u10": "new.user@example.com", "u1": "u1.changed@example.com"}
    unsubscribed = seeded.execute(
        "select unsubscribed_at from core.users where user_id = 'u14'"
    ).fetchone()
    assert unsubscribed is not None and unsubscribed[0].isoformat() == "2026-01-02T08:00:00+00:00"
    assert _quarantined(seeded) == 2 and len(_loaded(seeded)) == 2  # events still load


def test_too_many_bad_rows_stop_the_run_and_load_nothing(
    seeded: psycopg.Connection[Any], landing_dir: Path
) -> None:
    _land(landing_dir, "unknown_references.csv")
    extract_events(seeded, landing_dir, WINDOW)
    with pytest.raises(
        DataQualityError, match=r"4 of 5 events rows \(80\.0%\) broke a rule .* limit of 10\.0%"
    ):
        validate_window(seeded, WINDOW, Gates(max_quarantine_share=0.1))
    assert _loaded(seeded) == set()
    assert _quarantined(seeded) == 4  # visible although nothing loaded
    gate = seeded.execute(
        "select success, observed, threshold from audit.validation_results"
        " where source = 'events' and check_name = 'quarantine_share'"
    ).fetchone()
    assert gate == (False, 0.8, 0.1)


def test_event_volume_far_from_recent_history_stops_the_run(
    seeded: psycopg.Connection[Any], landing_dir: Path
) -> None:
    seeded.execute(
        "insert into audit.validation_results (window_date, source, check_name, kind, success,"
        " observed, threshold) select d::date, 'events', 'events_present', 'table', true, 100, 1"
        " from generate_series('2025-12-20'::date, '2025-12-31'::date, '1 day') d"
    )
    seeded.commit()
    _land(landing_dir, "wrong_types.csv")  # 4 rows against a median of 100
    extract_events(seeded, landing_dir, WINDOW)
    with pytest.raises(
        DataQualityError,
        match=r"4 event rows in window .* outside \[20, 500\] \(0.2x to 5x the median 100 of "
        r"the last 7 windows\)",
    ):
        validate_window(seeded, WINDOW, LENIENT)
    assert _loaded(seeded) == set()


def test_a_config_broken_in_sql_is_caught_before_learning(
    seeded: psycopg.Connection[Any], landing_dir: Path
) -> None:
    seeded.execute("update config.templates set active = false where template_id = 'y'")
    seeded.commit()
    _land(landing_dir, "wrong_types.csv")
    extract_events(seeded, landing_dir, WINDOW)
    with pytest.raises(
        DataQualityError, match=r"fewer_than_two_templates fails for campaign\(s\) 'c2'"
    ):
        validate_window(seeded, WINDOW, LENIENT)


def test_rerunning_a_window_replaces_its_rows(
    seeded: psycopg.Connection[Any], landing_dir: Path
) -> None:
    _land(landing_dir, "wrong_types.csv")
    for _ in range(2):
        extract_events(seeded, landing_dir, WINDOW)
        validate_window(seeded, WINDOW, LENIENT)
    counts = seeded.execute(
        "select (select count(*) from staging.events), (select count(*) from core.events),"
        " (select count(*) from quarantine.events)"
    ).fetchone()
    assert counts == (4, 2, 2)


def test_nothing_due_and_nothing_delivered_is_fine(
    conn: psycopg.Connection[Any], landing_dir: Path
) -> None:
    apply(conn, campaign_config())
    window = Window(day("2025-12-31"))
    extract_events(conn, landing_dir, window)
    result = validate_window(conn, window, Gates())
    assert (result.events.rows, result.passed) == (0, True)


def test_a_check_that_cannot_run_is_named(conn: psycopg.Connection[Any]) -> None:
    from bandit_core.expectations import CheckSet, count_unexpected

    broken = CheckSet(
        name="events",
        query="select * from staging.events",
        checks={"no_such_column": "select * from {batch} where no_such_column > 0"},
    )
    with pytest.raises(RuntimeError, match=r"expectation no_such_column could not run: .*column"):
        count_unexpected(conn, [broken])
