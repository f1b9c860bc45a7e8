"""The DAG parses, follows the house rules, and imports nothing heavy at parse time."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def dag() -> Any:
    from smartarm.airflow_runner import load_dag

    return load_dag()


def test_every_dag_file_imports_cleanly() -> None:
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(REPO / "dags"))
    assert bag.import_errors == {}
    assert sorted(bag.dag_ids) == ["smartarm_nightly"]


def test_schedule_is_a_daily_data_interval_run_one_at_a_time(dag: Any) -> None:
    from airflow.sdk import CronDataIntervalTimetable

    assert isinstance(dag.timetable, CronDataIntervalTimetable)
    assert dag.max_active_runs == 1
    assert dag.catchup is False
    assert "smartarm" in dag.tags
    assert dag.doc_md and "extract" in dag.doc_md


def test_tasks_run_in_the_documented_order(dag: Any) -> None:
    order = [
        "extract",
        "validate",
        "campaigns",
        "per_campaign.update_posteriors",
        "per_campaign.allocate",
        "per_campaign.assign",
        "per_campaign.publish",
        "announce",
        "report",
    ]
    assert sorted(dag.task_ids) == sorted(order)
    for upstream, downstream in zip(order, order[1:], strict=False):
        assert downstream in dag.get_task(upstream).downstream_task_ids, (upstream, downstream)


def test_every_task_retries_and_data_errors_do_not(dag: Any) -> None:
    for task in dag.tasks:
        assert task.retries >= 1, task.task_id
        rules = task.retry_policy.rules
        assert "bandit_core.errors.DataQualityError" in rules[0].exception


def test_parsing_the_dag_imports_no_heavy_module() -> None:
    probe = (
        "import sys, json, runpy\n"
        "import airflow.sdk\n"
        "before = set(sys.modules)\n"
        f"runpy.run_path({str(REPO / 'dags' / 'smartarm_nightly.py')!r})\n"
        "print(json.dumps(sorted(set(sys.modules) - before)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=REPO
    )
    loaded = set(json.loads(out.stdout.strip().splitlines()[-1]))
    heavy = {"great_expectations", "pandas", "numpy", "scipy", "psycopg", "pyarrow"}
    assert not {m.split(".")[0] for m in loaded} & heavy
    # the retry policy resolves SmartArm's exception classes, a module without imports
    assert {m for m in loaded if m.startswith("bandit_core")} <= {
        "bandit_core",
        "bandit_core.errors",
    }


def test_bandit_core_never_imports_airflow() -> None:
    probe = (
        "import sys, pkgutil, importlib, bandit_core\n"
        "for m in pkgutil.walk_packages(bandit_core.__path__, 'bandit_core.'):\n"
        "    importlib.import_module(m.name)\n"
        "print(sorted(n for n in sys.modules if n == 'airflow' or n.startswith('airflow.')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=REPO
    )
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_airflow_backfill_creates_one_run_per_window(airflow_metadata: None) -> None:
    """The README's backfill command: logical dates are the windows' days, --to-date included."""
    env = dict(os.environ)
    subprocess.run(
        [sys.executable, "-m", "airflow", "dags", "reserialize"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "airflow",
            "backfill",
            "create",
            "--dag-id",
            "smartarm_nightly",
            "--from-date",
            "2026-01-01",
            "--to-date",
            "2026-01-03",
            "--max-active-runs",
            "1",
            "--dry-run",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    dates = re.findall(r"\|\s*(\d{4}-\d\d-\d\d) 00:00:00\+00:00\s*\|", out.stdout)
    assert dates == ["2026-01-01", "2026-01-02", "2026-01-03"]
