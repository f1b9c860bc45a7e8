"""Extract: copy a window's event files from the landing folder into ``staging.events``.

Every line of every file becomes one staging row, whatever is wrong with it: the raw text of
each contract column, the timestamp and value the extractor could parse, and a ``parse_error``
when the line itself could not be read (wrong field count, invalid JSON, undecodable bytes,
a missing column, an unsupported or unreadable file). Validation then decides what loads and
what goes to quarantine, so nothing is dropped here. Rerunning a window replaces its rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
import logging
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import psycopg

from bandit_core import db
from bandit_core.contract import EVENT_COLUMNS, REQUIRED_COLUMNS
from bandit_core.window import Window

__all__ = ["ExtractResult", "extract_events", "landing_files", "parse_timestamp"]

log = logging.getLogger(__name__)

SUFFIXES = (".csv", ".csv.gz", ".jsonl", ".jsonl.gz", ".parquet")

# (line_no, raw values per EVENT_COLUMNS, parsed event_ts, parsed value, parse_error, raw line)
_Record = tuple[
    int, tuple[str | None, ...], dt.datetime | None, float | None, str | None, str | None
]


@dataclass(frozen=True, slots=True)
class ExtractResult:
    """What one extract put into staging."""

    files: int
    rows: int
    unparsable: int


def landing_files(landing_dir: Path, window: Window) -> list[Path]:
    """The files of ``<landing_dir>/<YYYY-MM-DD>/``, without ``.hidden`` or ``_MARKER`` ones."""
    folder = landing_dir / window.day.isoformat()
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith((".", "_")))


def extract_events(
    conn: psycopg.Connection[Any], landing_dir: Path, window: Window
) -> ExtractResult:
    """Replace the window's staging rows with every line of its landing files, using COPY."""
    files = landing_files(landing_dir, window)
    rows = unparsable = 0
    with conn.transaction():
        db.execute(conn, "staging_delete_window", {"window_date": window.day})
        with conn.cursor() as cur, cur.copy(db.query_text("staging_copy_events")) as copy:
            for path in files:
                for line_no, raw, ts, value, error, raw_line in _read(path):
                    copy.write_row(
                        (window.day, path.name, line_no, *raw, ts, value, error, raw_line)
                    )
                    rows += 1
                    unparsable += error is not None
    log.info("extract %s: %d files, %d rows, %d unparsable", window, len(files), rows, unparsable)
    return ExtractResult(files=len(files), rows=rows, unparsable=unparsable)


def parse_timestamp(text: str | None) -> dt.datetime | None:
    """An ISO 8601 timestamp as an aware datetime (no offset means UTC), or None."""
    if text is None:
        return None
    try:
        ts = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return ts if ts.tzinfo is not None else ts.replace(tzinfo=dt.UTC)


def _parse_value(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        return None


def _read(path: Path) -> Iterator[_Record]:
    name = path.name.lower()
    try:
        if name.endswith((".csv", ".csv.gz")):
            with _open_text(path) as handle:
                yield from _read_csv(handle)
        elif name.endswith((".jsonl", ".jsonl.gz")):
            with _open_binary(path) as handle:
                yield from _read_jsonl(handle)
        elif name.endswith(".parquet"):
            yield from _read_parquet(path)
        else:
            yield _file_error(f"unsupported file type; expected one of {', '.join(SUFFIXES)}")
    except (OSError, EOFError) as exc:
        # a truncated gzip stream or an unreadable file: keep what was read, flag the rest
        yield _file_error(f"unreadable file: {exc}")


def _open_binary(path: Path) -> IO[bytes]:
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]  # GzipFile is a binary IO
    return path.open("rb")


def _open_text(path: Path) -> IO[str]:
    # surrogateescape keeps undecodable bytes visible so the line can be flagged, not lost
    return io.TextIOWrapper(
        _open_binary(path), encoding="utf-8", errors="surrogateescape", newline=""
    )


def _file_error(message: str) -> _Record:
    return _unreadable(0, message)


def _record(
    line_no: int, values: Sequence[str | None], error: str | None, raw_line: str | None = None
) -> _Record:
    if error is None and not all(_valid_utf8(v) for v in values):
        error = "not valid UTF-8"
    if error is None and any(v is not None and "\x00" in v for v in values):
        error = "contains NUL bytes"
    raw = tuple(_clean(v) for v in values)
    ts = parse_timestamp(raw[6])
    value = _parse_value(raw[7])
    return (line_no, raw, ts, value, error, _clean(raw_line) if error is not None else None)


def _valid_utf8(value: str | None) -> bool:
    if value is None:
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _clean(value: str | None) -> str | None:
    """Empty text is missing; undecodable bytes and NULs become visible replacement marks."""
    if value is None or value == "":
        return None
    if not _valid_utf8(value):
        value = value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return value.replace("\x00", "\ufffd") if "\x00" in value else value


def _unreadable(line_no: int, error: str, raw_line: str | None = None) -> _Record:
    return (line_no, (None,) * len(EVENT_COLUMNS), None, None, error, _clean(raw_line))


def _header_map(names: Iterable[str]) -> tuple[dict[str, int], str | None]:
    columns: dict[str, int] = {}
    duplicates = []
    for i, name in enumerate(names):
        key = name.strip().lstrip("\ufeff").strip().lower()
        if key in columns:
            duplicates.append(key)
        columns.setdefault(key, i)
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if duplicates:
        return columns, f"duplicate column(s) in header: {', '.join(duplicates)}"
    if missing:
        return columns, f"missing column(s): {', '.join(missing)}"
    return columns, None


def _read_csv(handle: IO[str]) -> Iterator[_Record]:
    reader = csv.reader(handle, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        yield _unreadable(1, f"unreadable CSV header: {exc}")
        return
    columns, header_error = _header_map(header)
    positions = [columns.get(c) for c in EVENT_COLUMNS]
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield _unreadable(reader.line_num, f"malformed CSV: {exc}")
            continue
        if not fields:
            continue  # blank line
        values = [fields[p] if p is not None and p < len(fields) else None for p in positions]
        error = header_error
        if error is None and len(fields) != len(header):
            error = f"expected {len(header)} fields, found {len(fields)}"
        yield _record(reader.line_num, values, error, json.dumps(fields, ensure_ascii=False))


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or isinstance(value, dict | list):
        return json.dumps(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dt.datetime):
        return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).isoformat()
    return str(value)


def _read_jsonl(handle: IO[bytes]) -> Iterator[_Record]:
    for line_no, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            yield _unreadable(line_no, "not valid UTF-8", line.decode("utf-8", "replace"))
            continue
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            yield _unreadable(line_no, f"invalid JSON: {exc.msg}", text.rstrip("\r\n"))
            continue
        if not isinstance(obj, dict):
            yield _unreadable(line_no, "expected a JSON object per line", text.rstrip("\r\n"))
            continue
        lowered = {str(k).strip().lower(): v for k, v in obj.items()}
        missing = [c for c in REQUIRED_COLUMNS if c not in lowered]
        error = f"missing column(s): {', '.join(missing)}" if missing else None
        values = [_text(lowered.get(c)) for c in EVENT_COLUMNS]
        yield _record(line_no, values, error, text.rstrip("\r\n"))


def _read_parquet(path: Path) -> Iterator[_Record]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        yield _file_error(f"unreadable Parquet file: {exc}")
        return
    columns, header_error = _header_map(parquet.schema_arrow.names)
    line_no = 0
    try:
        for batch in parquet.iter_batches(batch_size=65_536):
            data = batch.to_pydict()
            names = list(data)
            width = batch.num_rows
            per_column = [
                data[names[columns[c]]] if c in columns else [None] * width for c in EVENT_COLUMNS
            ]
            for values in zip(*per_column, strict=True):
                line_no += 1
                yield _record(line_no, [_text(v) for v in values], header_error)
    except (pa.ArrowException, OSError) as exc:
        yield _unreadable(line_no + 1, f"unreadable Parquet data: {exc}")
