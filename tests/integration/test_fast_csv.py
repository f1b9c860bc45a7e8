"""The columnar fast path for clean event files stages exactly what the line reader stages,
and declines every file that needs a line-by-line judgement."""

from __future__ import annotations

import gzip
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg
import pytest

from bandit_core import extract
from bandit_core.fast_csv import NotClean, read_clean_csv
from bandit_core.window import Window
from tests.support import EVENT_HEADER, day

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "events"
WINDOW = Window(day("2026-01-02"))

# every column of staging.events, so a difference anywhere shows (NaN compared as text)
STAGED = (
    "select source_file, line_no, event_id, send_id, campaign_id, user_id, template_id,"
    " event_type, event_ts, value, event_ts_parsed, value_parsed::text, parse_error, raw_line"
    " from staging.events where window_date = %s order by source_file, line_no"
)

CLEAN = (
    f"{','.join(EVENT_HEADER)}\n"
    "e1,s1,c1,u1,a,click,2026-01-01T10:00:00Z,\n"
    "e2,s1,c1,u1,a,read_seconds,2026-01-01T10:00:00+01:00,12.5\n"
    'e3,"s,2",c1,"u ""q""",a,open,2026-01-01 23:59:59.123456,NaN\n'
    "e4,s3,c1,u3,b,read_seconds,2026-01-01T10:00:00,-inf\n"
    "e5,s4,c1,u4,b,click,yesterday,twelve\n"
    "e6,s5,c1,u5,b,click,2026-01-01T10:00:00Z,1e308\n"
    "é7,s6,c1,ü6,b,click,2026-01-01T10:00:00-05:30,0.1\n"
)

EXPORT = (
    f"{','.join(EVENT_HEADER)}\n"
    "x1,s1,c1,u1,a,delivered,2026-01-01 13:51:13.956466+00,\n"
    "x2,s1,c1,u1,a,click,2026-01-01T23:59:59.5-05:30,\n"
    "x3,s2,c1,u2,b,open,2026-01-01T00:00:00Z,\n"
    "x4,s3,c1,u3,b,click,2026-01-02T01:02:03+0100,1\n"
)


def _staged(conn: psycopg.Connection[Any], landing: Path, *, fast: bool) -> list[Any]:
    with pytest.MonkeyPatch.context() as patch:
        if not fast:
            patch.setattr(extract, "read_clean_csv", lambda path, window_date: None)
        extract.extract_events(conn, landing, WINDOW)
    return conn.execute(STAGED, (WINDOW.day,)).fetchall()


def _fast_path_reads(path: Path) -> bool:
    """Whether the fast path takes the whole file (it may decline before or while streaming)."""
    clean = read_clean_csv(path, WINDOW.day)
    if clean is None:
        return False
    try:
        for _ in clean.csv_chunks():
            pass
    except NotClean:
        return False
    return True


def _folder(landing: Path) -> Path:
    folder = landing / WINDOW.day.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_clean_files_take_the_fast_path_and_stage_the_same_rows(
    conn: psycopg.Connection[Any], landing_dir: Path
) -> None:
    folder = _folder(landing_dir)
    (folder / "plain.csv").write_text(CLEAN, encoding="utf-8")
    (folder / "crlf_bom.csv").write_bytes(("\ufeff" + CLEAN).replace("\n", "\r\n").encode())
    with gzip.open(folder / "zipped.csv.gz", "wt", encoding="utf-8") as handle:
        handle.write(CLEAN.rstrip("\n"))  # no final line break
    reordered = "value,event_type,event_ts,user_id,campaign_id,send_id,event_id,template_id\n"
    reordered += "3,click,2026-01-01T10:00:00Z,u1,c1,s1,r1,a\n"
    (folder / "reordered.csv").write_text(reordered, encoding="utf-8")
    # an export's plain date-times with offsets: read by Arrow's cast, not text by text
    (folder / "export.csv").write_text(EXPORT, encoding="utf-8")
    for path in folder.iterdir():
        assert _fast_path_reads(path), path.name

    fast = _staged(conn, landing_dir, fast=True)
    slow = _staged(conn, landing_dir, fast=False)
    assert len(fast) == 3 * 7 + 1 + 4
    assert fast == slow
    # what validation later judges survived the fast path as it does the slow one
    by_id = {(row[0], row[2]): row for row in fast}
    assert by_id[("plain.csv", "e5")][10:12] == (None, None)  # unparsable timestamp and value
    assert by_id[("plain.csv", "e4")][11] == "-Infinity"
    assert by_id[("plain.csv", "e3")][11] == "NaN"
    assert by_id[("plain.csv", "e3")][3:6] == ("s,2", "c1", 'u "q"')


@pytest.mark.parametrize(
    "name", sorted(p.name for p in FIXTURES.iterdir() if p.name.endswith(".csv"))
)
def test_every_bad_input_fixture_stages_the_same_rows_either_way(
    conn: psycopg.Connection[Any], landing_dir: Path, name: str
) -> None:
    shutil.copy(FIXTURES / name, _folder(landing_dir) / name)
    assert _staged(conn, landing_dir, fast=True) == _staged(conn, landing_dir, fast=False)


@pytest.mark.parametrize(
    "name",
    [
        "empty.csv",
        "latin1_line.csv",
        "missing_column.csv",
        "stray_quotes.csv",
        "truncated_last_line.csv",
    ],
)
def test_files_needing_a_line_by_line_judgement_are_declined(name: str) -> None:
    assert not _fast_path_reads(FIXTURES / name)


def test_a_file_found_unclean_while_streaming_leaves_only_the_line_readers_rows(
    conn: psycopg.Connection[Any], landing_dir: Path
) -> None:
    """The bad line comes after the first block, so clean rows were already copied when the
    parser fails: they must be rolled back, not staged twice."""
    folder = _folder(landing_dir)
    good = "".join(f"g{i},s1,c1,u1,a,click,2026-01-01T10:00:00Z,\n" for i in range(400_000))
    text = f"{','.join(EVENT_HEADER)}\n{good}b1,s1,c1\n"
    (folder / "late_bad.csv").write_text(text, encoding="utf-8")
    clean = read_clean_csv(folder / "late_bad.csv", WINDOW.day)
    assert clean is not None  # the scan alone does not see the short row
    with pytest.raises(NotClean):
        for _ in clean.csv_chunks():
            pass
    staged = _staged(conn, landing_dir, fast=True)
    assert len(staged) == 400_001
    assert [row[13] for row in staged if row[12] is not None] == ["b1,s1,c1"]


def test_blank_nul_and_overlong_lines_are_declined(tmp_path: Path) -> None:
    lines = CLEAN.splitlines()
    cases = {
        "blank.csv": "\n".join([*lines[:2], "", *lines[2:]]) + "\n",
        "blank_crlf.csv": "\r\n".join([*lines[:2], "", *lines[2:]]) + "\r\n",
        "nul.csv": CLEAN.replace("e2", "e\x002"),
        "overlong.csv": CLEAN + "e9,s9,c1,u9,a,click,2026-01-01T10:00:00Z," + "9" * 1_100_000,
        "short_row.csv": CLEAN + "e9,s9,c1\n",
    }
    for name, text in cases.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        assert not _fast_path_reads(path), name


def test_the_fast_path_does_not_import_pandas(tmp_path: Path) -> None:
    # pyarrow imports pandas (0.25-0.4 s) the first time pa.array or pa.scalar runs
    path = tmp_path / "events.csv"
    path.write_text(CLEAN, encoding="utf-8")
    code = (
        "import sys, datetime as dt\n"
        "from pathlib import Path\n"
        "from bandit_core.fast_csv import read_clean_csv\n"
        f"clean = read_clean_csv(Path({str(path)!r}), dt.date(2026, 1, 2))\n"
        "assert clean is not None\n"
        "print(sum(len(chunk) for chunk in clean.csv_chunks()) > 0, 'pandas' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.stdout.split() == ["True", "False"]
