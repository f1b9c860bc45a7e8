"""The send-list file export: complete or absent, idempotent, verifiable (real PostgreSQL)."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import psycopg
import pytest

from bandit_core import db
from bandit_core.errors import ConfigError, StateError
from bandit_core.export import COLUMNS, ExportConfig, export_batch
from tests.support import add_sends, apply, campaign_config

D = dt.date(2026, 1, 6)


def _publish(conn: psycopg.Connection[Any], users: range, template: str = "a") -> None:
    """Replace the list of D with one send per user, and mark its batch ready."""
    conn.execute("delete from core.sends where send_date = %s", (D,))
    conn.commit()
    add_sends(conn, [(f"s{u}", D.isoformat(), f"u{u}", template, "{}") for u in users])
    db.execute(conn, "publish_batch", {"campaign_id": "c1", "send_date": D, "model_version": "v1"})
    conn.commit()


@pytest.fixture
def published(conn: psycopg.Connection[Any]) -> psycopg.Connection[Any]:
    apply(conn, campaign_config())
    _publish(conn, range(120))
    return conn


def _manifest(folder: Path) -> dict[str, Any]:
    return dict(json.loads((folder / "manifest.json").read_text(encoding="utf-8")))


def test_a_batch_is_exported_with_a_manifest_that_verifies_it(
    published: psycopg.Connection[Any], tmp_path: Path
) -> None:
    import pyarrow.parquet as pq

    result = export_batch(published, "c1", D, ExportConfig(folder=tmp_path))
    assert result.path == tmp_path / "c1" / D.isoformat() and not result.unchanged
    manifest = _manifest(result.path)
    batch = published.execute("select row_count, checksum from crm.batches_v1").fetchone()
    assert batch is not None
    assert (manifest["row_count"], manifest["batch_checksum"]) == batch
    assert manifest["contract"] == "crm.send_list_v1" and manifest["columns"] == list(COLUMNS)
    for entry in manifest["files"]:
        data = (result.path / entry["name"]).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert (entry["bytes"], entry["rows"]) == (len(data), 120)
    with (result.path / "send_list_v1.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    table = pq.read_table(result.path / "send_list_v1.parquet")
    listed = published.execute(
        "select send_id, propensity from crm.send_list_v1 order by send_id"
    ).fetchall()
    assert [(r["send_id"], float(r["propensity"])) for r in rows] == listed
    assert table.column_names == list(COLUMNS)
    pairs = zip(table["send_id"].to_pylist(), table["propensity"].to_pylist(), strict=True)
    assert list(pairs) == listed
    assert sorted(p.name for p in (tmp_path / "c1").iterdir()) == [D.isoformat()]  # no leftovers


def test_exporting_again_changes_nothing_until_the_list_changes(
    published: psycopg.Connection[Any], tmp_path: Path
) -> None:
    config = ExportConfig(folder=tmp_path, formats=("csv",))
    first = export_batch(published, "c1", D, config)
    stamp = (first.path / "send_list_v1.csv").stat().st_mtime_ns
    again = export_batch(published, "c1", D, config)
    assert again.unchanged and (again.path / "send_list_v1.csv").stat().st_mtime_ns == stamp

    _publish(published, range(80), template="b")  # republished: another list
    replaced = export_batch(published, "c1", D, config)
    assert not replaced.unchanged and replaced.rows == 80
    assert _manifest(replaced.path)["row_count"] == 80
    assert sorted(p.name for p in (tmp_path / "c1").iterdir()) == [D.isoformat()]


def test_a_failed_export_leaves_the_previous_batch_folder_whole(
    published: psycopg.Connection[Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bandit_core import export

    config = ExportConfig(folder=tmp_path)
    before = export_batch(published, "c1", D, config)
    files = {p.name: p.read_bytes() for p in before.path.iterdir()}
    _publish(published, range(50))

    def disk_full(*args: Any) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export, "_write_files", disk_full)
    with pytest.raises(OSError, match="No space left"):
        export_batch(published, "c1", D, config)
    assert {p.name: p.read_bytes() for p in before.path.iterdir()} == files
    assert sorted(p.name for p in (tmp_path / "c1").iterdir()) == [D.isoformat()]


def test_exporting_an_unpublished_date_says_so(
    published: psycopg.Connection[Any], tmp_path: Path
) -> None:
    with pytest.raises(StateError, match="no published batch of campaign 'c1' for 2026-01-07"):
        export_batch(published, "c1", D + dt.timedelta(days=1), ExportConfig(folder=tmp_path))
    assert not (tmp_path / "c1").exists() or not any((tmp_path / "c1").iterdir())


@pytest.mark.parametrize(
    ("folder", "formats", "expected"),
    [
        pytest.param(None, "csv", None, id="off"),
        pytest.param("", None, None, id="empty-folder"),
        pytest.param("/x", None, ("csv", "parquet"), id="default-formats"),
        pytest.param("/x", " Parquet ", ("parquet",), id="one-format"),
    ],
)
def test_export_settings(folder: str | None, formats: str | None, expected: Any) -> None:
    config = ExportConfig.parse(folder, formats)
    assert (config.formats if config else None) == expected


@pytest.mark.parametrize("formats", ["xlsx", "csv,csv", ","])
def test_bad_export_formats_are_named(formats: str) -> None:
    with pytest.raises(ConfigError, match="expected one or more of csv, parquet"):
        ExportConfig.parse("/x", formats)
