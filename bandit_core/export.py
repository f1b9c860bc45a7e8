"""Optional file export of a published send list, for CRM systems that read files, not SQL.

Each batch (campaign x send date) becomes a folder ``<folder>/<campaign>/<send date>/`` with the
rows of ``crm.send_list_v1`` as ``send_list_v1.csv`` and/or ``send_list_v1.parquet`` and a
``manifest.json`` holding the row counts, the batch checksum of ``crm.batches_v1`` and each
file's size and SHA-256. The folder is built under a temporary name and renamed into place,
so a reader sees the whole batch or none of it (never a half-written file); a reader should
take a batch's presence from its manifest and can verify each file against it.

Exporting a batch again whose checksum and formats are unchanged leaves its folder untouched;
a republished list replaces the folder (old folder renamed aside, new one renamed in, old one
removed). Example::

    config = ExportConfig.parse("/srv/exports", "csv,parquet")
    export_batch(conn, "welcome_series", dt.date(2026, 1, 6), config)
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import logging
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from bandit_core import db
from bandit_core.errors import ConfigError, StateError

__all__ = ["COLUMNS", "FORMATS", "ExportConfig", "ExportedBatch", "export_batch"]

log = logging.getLogger(__name__)

FORMATS = ("csv", "parquet")
#: the columns of crm.send_list_v1, in order: the files carry exactly the view's contract
COLUMNS = (
    "send_id",
    "send_date",
    "campaign_id",
    "user_id",
    "template_id",
    "channel",
    "segment",
    "propensity",
    "is_holdout",
    "model_version",
    "published_at",
)
CONTRACT = "crm.send_list_v1"
_CHUNK = 50_000  # rows per fetch: bounds memory whatever the list's size


@dataclass(frozen=True, slots=True, kw_only=True)
class ExportConfig:
    """Where and how to export published send lists.

    Args:
        folder: the export root; each batch gets ``<campaign>/<send date>/`` under it.
        formats: any of ``csv`` and ``parquet``, at least one.
    """

    folder: Path
    formats: tuple[str, ...] = FORMATS

    def __post_init__(self) -> None:
        unknown = [f for f in self.formats if f not in FORMATS]
        if unknown or not self.formats or len(set(self.formats)) != len(self.formats):
            raise ConfigError(
                f"export formats: expected one or more of {', '.join(FORMATS)} without "
                f"repeats, found {', '.join(self.formats) or 'none'}"
            )

    @classmethod
    def parse(cls, folder: str | None, formats: str | None = None) -> ExportConfig | None:
        """The config of a folder setting and a comma-separated format list.

        Returns:
            None when ``folder`` is empty or None (export is off).

        Raises:
            ConfigError: a format is unknown.
        """
        if not folder:
            return None
        names = tuple(f.strip().lower() for f in (formats or ",".join(FORMATS)).split(","))
        return cls(folder=Path(folder), formats=tuple(n for n in names if n))


@dataclass(frozen=True, slots=True)
class ExportedBatch:
    """What ``export_batch`` did for one batch."""

    path: Path
    rows: int
    files: tuple[str, ...]
    unchanged: bool


def export_batch(
    conn: psycopg.Connection[Any],
    campaign_id: str,
    send_date: dt.date,
    config: ExportConfig,
) -> ExportedBatch:
    """Export the published list of ``campaign_id`` for ``send_date`` to ``config.folder``.

    The batch and its rows are read in one repeatable-read transaction, through the same
    views a CRM reads.

    Returns:
        the batch folder, its row count, the files written and whether it was unchanged.

    Raises:
        StateError: no batch is published for that campaign and date, or the list does not
            hold the batch's row count.
    """
    params = {"campaign_id": campaign_id, "send_date": send_date}
    campaign_dir = config.folder / _safe(campaign_id)
    target = campaign_dir / send_date.isoformat()
    conn.rollback()
    conn.execute("set transaction isolation level repeatable read")
    try:
        batch = db.fetch_one(conn, "export_batch", params)
        if batch is None:
            raise StateError(
                f"no published batch of campaign {campaign_id!r} for {send_date}: "
                "publish it before exporting"
            )
        row_count, holdout_count, checksum, model_version, published_at = batch
        if _unchanged(target, checksum, config.formats):
            log.info("export %s %s: unchanged at %s", campaign_id, send_date, target)
            return ExportedBatch(target, int(row_count), _files(config.formats), True)
        campaign_dir.mkdir(parents=True, exist_ok=True)
        building = campaign_dir / f".{send_date.isoformat()}.tmp-{uuid.uuid4().hex}"
        building.mkdir()
        try:
            rows = _write_files(conn, params, building, config.formats)
            if rows != row_count:
                raise StateError(
                    f"the send list of campaign {campaign_id!r} for {send_date} holds {rows} "
                    f"rows, but its batch says {row_count}"
                )
            manifest = {
                "contract": CONTRACT,
                "campaign_id": campaign_id,
                "send_date": send_date.isoformat(),
                "model_version": model_version,
                "published_at": published_at.isoformat(),
                "row_count": int(row_count),
                "holdout_count": int(holdout_count),
                "batch_checksum": checksum,
                "columns": list(COLUMNS),
                "files": [
                    _describe(building / name, fmt, rows)
                    for fmt, name in zip(config.formats, _files(config.formats), strict=True)
                ],
            }
            _write_atomically(building / "manifest.json", json.dumps(manifest, indent=2) + "\n")
            _swap(building, target)
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            raise
    finally:
        conn.rollback()
    log.info("export %s %s: %d rows to %s", campaign_id, send_date, rows, target)
    return ExportedBatch(target, rows, _files(config.formats), False)


def _files(formats: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(f"send_list_v1.{fmt}" for fmt in formats)


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name).lstrip(".") or "_"


def _unchanged(target: Path, checksum: str, formats: tuple[str, ...]) -> bool:
    try:
        manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return False
    names = [entry.get("name") for entry in manifest.get("files", [])]
    return (
        manifest.get("batch_checksum") == checksum
        and names == list(_files(formats))
        and all((target / name).is_file() for name in names)
    )


def _write_files(
    conn: psycopg.Connection[Any], params: dict[str, Any], folder: Path, formats: tuple[str, ...]
) -> int:
    """Stream the list into every requested format; return its row count."""
    csv_handle = None
    parquet = None
    rows = 0
    try:
        if "csv" in formats:
            csv_handle = open(folder / "send_list_v1.csv", "w", newline="", encoding="utf-8")
            writer = csv.writer(csv_handle)
            writer.writerow(COLUMNS)
        if "parquet" in formats:
            parquet = _ParquetSink(folder / "send_list_v1.parquet")
        with conn.cursor(name=f"export_{uuid.uuid4().hex}") as cur:
            cur.execute(db.query_text("export_send_list"), params)
            while chunk := cur.fetchmany(_CHUNK):
                rows += len(chunk)
                if csv_handle is not None:
                    writer.writerows(_csv_row(row) for row in chunk)
                if parquet is not None:
                    parquet.write(chunk)
    finally:
        if csv_handle is not None:
            csv_handle.flush()
            os.fsync(csv_handle.fileno())
            csv_handle.close()
        if parquet is not None:
            parquet.close()
    return rows


def _csv_row(row: tuple[Any, ...]) -> tuple[Any, ...]:
    # ISO dates and times, full-precision propensities, lower-case booleans
    return tuple(
        value.isoformat()
        if isinstance(value, dt.date)
        else ("true" if value else "false")
        if isinstance(value, bool)
        else repr(value)
        if isinstance(value, float)
        else value
        for value in row
    )


class _ParquetSink:
    """A Parquet file written chunk by chunk with the contract's column types."""

    def __init__(self, path: Path) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        self._pa = pa
        self.path = path
        self.schema = pa.schema(
            [
                ("send_id", pa.string()),
                ("send_date", pa.date32()),
                ("campaign_id", pa.string()),
                ("user_id", pa.string()),
                ("template_id", pa.string()),
                ("channel", pa.string()),
                ("segment", pa.string()),
                ("propensity", pa.float64()),
                ("is_holdout", pa.bool_()),
                ("model_version", pa.string()),
                ("published_at", pa.timestamp("us", tz="UTC")),
            ]
        )
        self.writer = pq.ParquetWriter(str(path), self.schema)

    def write(self, chunk: list[tuple[Any, ...]]) -> None:
        columns = list(zip(*chunk, strict=True))
        table = self._pa.Table.from_arrays(
            [
                self._pa.array(values, type=field.type)
                for values, field in zip(columns, self.schema, strict=True)
            ],
            schema=self.schema,
        )
        self.writer.write_table(table)

    def close(self) -> None:
        self.writer.close()
        with open(self.path, "rb") as handle:
            os.fsync(handle.fileno())


def _describe(path: Path, fmt: str, rows: int) -> dict[str, Any]:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return {
        "name": path.name,
        "format": fmt,
        "rows": rows,
        "bytes": path.stat().st_size,
        "sha256": digest.hexdigest(),
    }


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def _swap(building: Path, target: Path) -> None:
    """Rename ``building`` to ``target``, moving an existing ``target`` aside first."""
    for path in (building, *building.iterdir()):
        os.chmod(path, 0o755 if path.is_dir() else 0o644)  # exports are meant to be read
    aside = None
    if target.exists():
        aside = target.with_name(f".{target.name}.old-{uuid.uuid4().hex}")
        os.rename(target, aside)
    os.rename(building, target)
    if aside is not None:
        shutil.rmtree(aside, ignore_errors=True)
