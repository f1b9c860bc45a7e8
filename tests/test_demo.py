"""`smartarm demo` as a user runs it: a fresh process, its own home, embedded or by URL."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _demo(tmp_path: Path, *, url: str | None, days: int = 4) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "SMARTARM"))}
    env["SMARTARM_HOME"] = str(tmp_path / "home")
    if url is not None:
        env["SMARTARM_DATABASE_URL"] = url
    done = subprocess.run(
        [sys.executable, "-m", "smartarm.cli", "demo", "--days", str(days), "--users", "1500"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _ratios(output: str) -> list[float]:
    return [float(m.group(1)) for m in re.finditer(r"\s(\d+\.\d\d)$", output, re.M)]


def test_demo_on_embedded_postgres_runs_the_loop_and_can_run_again(tmp_path: Path) -> None:
    first = _demo(tmp_path, url=None)
    ratios = _ratios(first)
    assert len(ratios) == 4, first
    assert ratios[0] == pytest.approx(1.0, abs=0.05)  # day 1 is an equal split
    assert ratios[-1] < 0.9, first  # learning from day 3 on
    report = re.search(r"report:\s+(\S+)", first)
    assert report is not None and Path(report.group(1)).is_file()
    assert (tmp_path / "home" / "pgdata").is_dir()
    second = _demo(tmp_path, url=None)
    assert _days(second) == _days(first)  # a fresh start with the same seed: the same days


def test_demo_on_a_server_given_by_url(tmp_path: Path, warehouse_url: str) -> None:
    output = _demo(tmp_path, url=warehouse_url, days=3)
    ratios = _ratios(output)
    assert len(ratios) == 3 and ratios[-1] < 0.95, output
    assert not (tmp_path / "home" / "pgdata").exists()  # no embedded server was started


def _days(output: str) -> list[str]:
    return [line for line in output.splitlines() if re.match(r"\s+\d+\s+2026-", line)]
