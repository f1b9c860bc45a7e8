"""Run ``smartarm_nightly`` for one window through Airflow, in this process (``dag.test``).

Airflow reads its settings when first imported, so ``configure_airflow`` must run before
anything imports ``airflow``; ``run_nightly`` does that itself. Airflow's own metadata lives in
a SQLite database under ``$SMARTARM_HOME/airflow`` (the warehouse stays in PostgreSQL).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from smartarm.warehouse import airflow_connection, database_url, smartarm_home

__all__ = ["DAG_ID", "DAGS_FOLDER", "NightlyRun", "configure_airflow", "run_nightly"]

DAG_ID = "smartarm_nightly"
DAGS_FOLDER = Path(__file__).resolve().parents[1] / "dags"

_metadata_ready = False


@dataclass(frozen=True, slots=True)
class NightlyRun:
    """The outcome of one DAG run."""

    day: dt.date
    run_id: str
    state: str
    failures: list[str] = field(default_factory=list)


def configure_airflow(url: str, *, airflow_home: Path | None = None) -> None:
    """Point Airflow at SmartArm's DAGs, a local metadata DB and the warehouse ``url``."""
    home = airflow_home or smartarm_home() / "airflow"
    home.mkdir(parents=True, exist_ok=True)
    if "airflow" not in sys.modules:
        os.environ.setdefault("AIRFLOW_HOME", str(home))
        os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(DAGS_FOLDER))
        os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
        os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    os.environ["AIRFLOW_CONN_SMARTARM_WAREHOUSE"] = airflow_connection(url)


def run_nightly(
    day: dt.date,
    *,
    landing_dir: str | Path | None = None,
    report_dir: str | Path | None = None,
    log_file: Path | None = None,
    url: str | None = None,
) -> NightlyRun:
    """Run the nightly DAG for the window ``[day 00:00, day+1 00:00)`` UTC on ``url``.

    ``url`` defaults to ``SMARTARM_DATABASE_URL`` or the embedded server. Airflow's task logs
    go to ``log_file`` (default ``$SMARTARM_HOME/logs/nightly-<day>.log``).
    """
    global _metadata_ready
    url = url or database_url()
    configure_airflow(url)
    log_file = log_file or smartarm_home() / "logs" / f"nightly-{day.isoformat()}.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    conf: dict[str, Any] = {}
    if landing_dir is not None:
        conf["landing_dir"] = str(landing_dir)
    if report_dir is not None:
        conf["report_dir"] = str(report_dir)

    with (
        open(log_file, "a", encoding="utf-8") as log,
        contextlib.redirect_stdout(log),
        contextlib.redirect_stderr(log),
    ):
        if not _metadata_ready:
            from airflow.utils import db as airflow_db

            airflow_db.initdb()
            _metadata_ready = True
        dag = load_dag()
        # a manual run covers the last whole interval ending at its logical date
        logical = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
        run = dag.test(logical_date=logical, run_conf=conf)
        failures = [
            f"task {ti.task_id}{'' if ti.map_index < 0 else f'[{ti.map_index}]'}: {ti.state}"
            for ti in run.get_task_instances()
            if ti.state not in ("success", "skipped", "upstream_failed")
        ]
    failures += _recorded_errors(url, run.run_id)
    return NightlyRun(day=day, run_id=run.run_id, state=str(run.state), failures=failures)


def load_dag() -> Any:
    """The parsed ``smartarm_nightly`` DAG (import errors raise)."""
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS_FOLDER / f"{DAG_ID}.py"))
    if bag.import_errors:
        details = "; ".join(f"{path}: {error}" for path, error in bag.import_errors.items())
        raise RuntimeError(f"the DAG file does not import: {details}")
    return bag.dags[DAG_ID]


def _recorded_errors(url: str, run_id: str) -> list[str]:
    from bandit_core import db

    with db.connect(url) as conn:
        rows = db.fetch_all(conn, "audit_failed_steps", {"dag_run_id": run_id})
    return [
        f"{step}{f' ({campaign})' if campaign else ''}: {error}" for step, campaign, error in rows
    ]
