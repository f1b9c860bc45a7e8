"""Reading landing files: CSV, JSON Lines and Parquet (optionally gzipped), record by record.

Every line becomes a ``Record``: its fields by lower-cased column name, or, when the line could
not be read, an ``error`` and the ``raw`` text. Nothing is skipped except blank lines, and a bad
line never takes its neighbours down with it:

* CSV needs a header row. Each physical line is one record (fields may be quoted but may not
  span lines), so a stray quote or a truncated last line spoils only that line.
* JSON Lines: one object per line.
* Parquet: one record per row.

Undecodable bytes, NUL bytes, lines over ``MAX_LINE_BYTES``, wrong field counts, invalid JSON,
unsupported or unreadable files are all errors of the line (or of line 0, for a whole file).
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import json
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

__all__ = ["MAX_LINE_BYTES", "SUFFIXES", "Record", "read_records"]

SUFFIXES = (".csv", ".csv.gz", ".jsonl", ".jsonl.gz", ".parquet")

# a line may be long (a long attribute), but not unbounded: longer ones are skipped, flagged
MAX_LINE_BYTES = 1_000_000
_CHUNK = 1 << 16


@dataclass(frozen=True, slots=True)
class Record:
    """One line of a landing file."""

    line_no: int
    fields: dict[str, str | None]
    error: str | None = None
    raw: str | None = None


def read_records(path: Path, *, required: Sequence[str]) -> Iterator[Record]:
    """Every record of ``path``; a header missing a ``required`` column spoils each line."""
    name = path.name.lower()
    try:
        if name.endswith((".csv", ".csv.gz")):
            with _open_binary(path) as handle:
                yield from _read_csv(handle, required)
        elif name.endswith((".jsonl", ".jsonl.gz")):
            with _open_binary(path) as handle:
                yield from _read_jsonl(handle, required)
        elif name.endswith(".parquet"):
            yield from _read_parquet(path, required)
        else:
            yield Record(0, {}, f"unsupported file type; expected one of {', '.join(SUFFIXES)}")
    except (OSError, EOFError) as exc:
        # e.g. a truncated gzip stream: what was read stays, the rest is flagged
        yield Record(0, {}, f"unreadable file: {exc}")


def _open_binary(path: Path) -> IO[bytes]:
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]  # GzipFile is a binary IO
    return path.open("rb")


def _lines(handle: IO[bytes]) -> Iterator[tuple[int, bytes, str | None]]:
    """Numbered lines without their line break; an overlong line is cut and flagged."""
    line_no = 0
    while True:
        line = handle.readline(MAX_LINE_BYTES + 1)
        if not line:
            return
        line_no += 1
        if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
            while True:  # read past the rest of the line without keeping it
                rest = handle.readline(_CHUNK)
                if not rest or rest.endswith(b"\n"):
                    break
            yield line_no, line[:1000], f"line longer than {MAX_LINE_BYTES:,} bytes"
            continue
        yield line_no, line.rstrip(b"\r\n"), None


def _decode(line: bytes) -> tuple[str, str | None]:
    """The line as text, and an error if it is not clean UTF-8."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return line.decode("utf-8", "replace"), "not valid UTF-8"
    if "\x00" in text:
        return text.replace("\x00", "\ufffd"), "contains NUL bytes"
    return text, None


def _header(names: Sequence[str], required: Sequence[str]) -> tuple[list[str], str | None]:
    keys = [n.strip().lstrip("\ufeff").strip().lower() for n in names]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        return keys, f"duplicate column(s) in header: {', '.join(duplicates)}"
    missing = [c for c in required if c not in keys]
    if missing:
        return keys, f"missing column(s): {', '.join(missing)}"
    return keys, None


def _split_csv(text: str) -> list[str]:
    if '"' not in text:
        return text.split(",")
    return next(csv.reader([text], strict=True))


def _read_csv(handle: IO[bytes], required: Sequence[str]) -> Iterator[Record]:
    header: list[str] | None = None
    header_error: str | None = None
    for line_no, line, too_long in _lines(handle):
        text, error = _decode(line)
        error = too_long or error
        if header is None:
            if error is not None:
                yield Record(line_no, {}, f"unreadable CSV header: {error}", text)
                return
            try:
                header, header_error = _header(_split_csv(text), required)
            except csv.Error as exc:
                yield Record(line_no, {}, f"unreadable CSV header: {exc}", text)
                return
            continue
        if not text.strip():
            continue
        if error is None:
            try:
                values = _split_csv(text)
            except csv.Error as exc:
                error = f"malformed CSV: {exc}"
        if error is not None:
            yield Record(line_no, {}, error, text)
            continue
        if header_error is not None or len(values) != len(header):
            message = header_error or f"expected {len(header)} fields, found {len(values)}"
            yield Record(line_no, {}, message, text)
            continue
        yield Record(
            line_no, {k: (v if v != "" else None) for k, v in zip(header, values, strict=True)}
        )


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value if value != "" else None
    if isinstance(value, bool | dict | list):
        return json.dumps(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dt.datetime):
        return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).isoformat()
    return str(value)


def _read_jsonl(handle: IO[bytes], required: Sequence[str]) -> Iterator[Record]:
    for line_no, line, too_long in _lines(handle):
        text, error = _decode(line)
        error = too_long or error
        if not text.strip():
            continue
        if error is not None:
            yield Record(line_no, {}, error, text)
            continue
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            yield Record(line_no, {}, f"invalid JSON: {exc.msg}", text)
            continue
        if not isinstance(obj, dict):
            yield Record(line_no, {}, "expected a JSON object per line", text)
            continue
        fields = {str(k).strip().lower(): _text(v) for k, v in obj.items()}
        missing = [c for c in required if c not in fields]
        if missing:
            yield Record(line_no, {}, f"missing column(s): {', '.join(missing)}", text)
            continue
        yield Record(line_no, fields)


def _read_parquet(path: Path, required: Sequence[str]) -> Iterator[Record]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        yield Record(0, {}, f"unreadable Parquet file: {exc}")
        return
    names = parquet.schema_arrow.names
    keys, header_error = _header(names, required)
    line_no = 0
    try:
        for batch in parquet.iter_batches(batch_size=65_536):
            columns = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
            for values in zip(*columns, strict=True):
                line_no += 1
                if header_error is not None:
                    yield Record(line_no, {}, header_error)
                else:
                    yield Record(line_no, {k: _text(v) for k, v in zip(keys, values, strict=True)})
    except (pa.ArrowException, OSError) as exc:
        yield Record(line_no + 1, {}, f"unreadable Parquet data: {exc}")
