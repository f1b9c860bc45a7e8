"""The nightly DAG scheduled by a real Airflow on the CeleryExecutor, deployed as compose does.

An API server, a scheduler, a DAG processor and a Celery worker (concurrency 3) run as
separate processes with a PostgreSQL metadata database on the test server and a Redis broker
(``SMARTARM_TEST_REDIS_URL``, default ``redis://127.0.0.1:6379/15``; the test is skipped,
naming it, when no Redis answers there). Two campaigns have published yesterday's lists and
yesterday's events have landed; unpausing the DAG makes the scheduler run yesterday's window,
the one a deployment runs at 00:00. The campaigns' mapped tasks must run at the same time on
the worker, and the warehouse must hold both campaigns' lists for today.

Yesterday is the UTC date when the test starts: run within a minute of midnight UTC, the
scheduler may choose the next window and the test fails saying so.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis
from cryptography.fernet import Fernet

from bandit_core.db import connect
from bandit_core.expectations import sqlalchemy_url
from smartarm.airflow_runner import DAG_ID, DAGS_FOLDER, run_nightly
from smartarm.warehouse import airflow_connection
from tests.support import add_users, apply, campaign_config, write_events

AIRFLOW = Path(sys.executable).with_name("airflow")
USERS = 300
CAMPAIGNS = ("c1", "c2")
WAIT_SECONDS = 300


def _redis_url() -> str:
    url = os.environ.get("SMARTARM_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        pytest.skip(f"no Redis broker at {url} (SMARTARM_TEST_REDIS_URL): {exc}")
    return url


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Deployment:
    """Airflow's services as separate processes, configured like docker-compose.yaml."""

    def __init__(self, home: Path, metadata_url: str, warehouse_url: str, redis_url: str) -> None:
        self.home = home
        self.metadata_url = metadata_url
        self.queue = f"smartarm-test-{uuid.uuid4().hex[:8]}"
        self.redis_url = redis_url
        api_port = _free_port()
        with psycopg.connect(metadata_url) as conn:
            database = sqlalchemy_url(conn)
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")},
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": database,
            "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + database,
            "AIRFLOW__CELERY__BROKER_URL": redis_url,
            # two slots for the campaigns, one for the task before them: a slot stays taken
            # for up to a heartbeat interval after its task ends (docs/operations.md)
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": "3",
            "AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL": "1",
            "AIRFLOW__OPERATORS__DEFAULT_QUEUE": self.queue,
            "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "false",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "true",
            "AIRFLOW__CORE__FERNET_KEY": Fernet.generate_key().decode(),
            "AIRFLOW__API__PORT": str(api_port),
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{api_port}/execution/",
            "AIRFLOW__API_AUTH__JWT_SECRET": uuid.uuid4().hex,
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(_free_port()),
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
            "AIRFLOW_CONN_SMARTARM_WAREHOUSE": airflow_connection(warehouse_url),
            "GX_ANALYTICS_ENABLED": "false",
        }
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def airflow(self, *args: str) -> str:
        done = subprocess.run(
            [str(AIRFLOW), *args], env=self.env, capture_output=True, text=True, timeout=180
        )
        assert done.returncode == 0, f"airflow {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def start(self) -> None:
        self.airflow("db", "migrate")
        services = {
            "api-server": ("api-server",),
            "scheduler": ("scheduler",),
            "dag-processor": ("dag-processor",),
            "worker": ("celery", "worker", "--queues", self.queue),
        }
        for name, args in services.items():
            with (self.home / f"{name}.log").open("wb") as log:
                self.processes[name] = subprocess.Popen(
                    [str(AIRFLOW), *args],
                    env=self.env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # a process group, stopped whole
                )

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        # the broker keeps the queue's bindings (and any task left in it): remove them
        broker = redis.Redis.from_url(self.redis_url)
        leftovers = list(broker.scan_iter(match=f"*{self.queue}*"))
        if leftovers:
            broker.delete(*leftovers)

    def logs(self) -> str:
        tails = []
        for name in self.processes:
            text = (self.home / f"{name}.log").read_text(errors="replace")
            tails.append(f"--- {name} (last lines)\n" + "\n".join(text.splitlines()[-25:]))
        return "\n".join(tails)

    def query(self, statement: str, *params: Any) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.metadata_url) as conn:
            return conn.execute(statement, params).fetchall()

    def task_failures(self) -> str:
        """The log of every task that failed (one waiting for a retry included), if any."""
        failed = self.query(
            "select task_id from task_instance where state in ('failed', 'up_for_retry')"
        )
        texts = []
        for (task_id,) in failed:
            for path in sorted((self.home / "logs").rglob(f"task_id={task_id}/**/*.log")):
                texts.append(f"--- {path.relative_to(self.home)}\n{path.read_text()[-4000:]}")
        return "\n".join(texts) or "\n".join(task_id for (task_id,) in failed)

    def wait_for(self, what: str, check: Any) -> Any:
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            for name, process in self.processes.items():
                assert process.poll() is None, f"{name} exited\n{self.logs()}"
            # a task waiting for its retry would hold the run for its retry delay (5 minutes)
            failures = self.task_failures()
            assert not failures, f"a task failed while waiting for {what}:\n{failures}"
            if found := check():
                return found
            time.sleep(1)
        raise AssertionError(f"no {what} after {WAIT_SECONDS} s\n{self.logs()}")


def _world(url: str, landing: Path, reports: Path, yesterday: dt.date) -> None:
    """Two campaigns that published yesterday's lists, and yesterday's events landed."""
    with connect(url) as conn:
        for campaign_id in CAMPAIGNS:
            apply(conn, campaign_config(campaign_id=campaign_id, start="2026-01-01"))
        add_users(conn, ((f"u{i:04d}", {}) for i in range(USERS)))
    before = run_nightly(
        yesterday - dt.timedelta(days=1), landing_dir=landing, report_dir=reports, url=url
    )
    assert before.state == "success", before.failures
    with connect(url) as conn:
        sends = conn.execute(
            "select send_id, campaign_id, user_id, template_id from crm.send_list_v1"
            " where send_date = %s order by send_id",
            (yesterday,),
        ).fetchall()
    assert len(sends) == USERS * len(CAMPAIGNS)
    at = dt.datetime.combine(yesterday, dt.time(10), tzinfo=dt.UTC)
    rows = []
    for n, (send_id, campaign_id, user_id, template_id) in enumerate(sends):
        rows.append(
            (
                f"d-{send_id}",
                send_id,
                campaign_id,
                user_id,
                template_id,
                "delivered",
                at.isoformat(),
                "",
            )
        )
        if n % 4 == 0:
            rows.append(
                (
                    f"c-{send_id}",
                    send_id,
                    campaign_id,
                    user_id,
                    template_id,
                    "click",
                    (at + dt.timedelta(hours=1)).isoformat(),
                    "",
                )
            )
    write_events(landing / yesterday.isoformat() / "events.csv", rows)


def test_scheduled_run_on_celery_runs_campaigns_in_parallel(
    warehouse_url: str, empty_database_url: str, tmp_path: Path, airflow_metadata: None
) -> None:
    # Airflow's metadata: an empty database on the test server (Celery cannot share SQLite)
    metadata_url = empty_database_url
    redis_url = _redis_url()
    yesterday = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    landing, reports = tmp_path / "landing", tmp_path / "reports"
    _world(warehouse_url, landing, reports, yesterday)

    home = tmp_path / "airflow"
    home.mkdir()
    deployment = Deployment(home, metadata_url, warehouse_url, redis_url)
    deployment.env["SMARTARM_LANDING_DIR"] = str(landing)
    deployment.env["SMARTARM_REPORT_DIR"] = str(reports)
    try:
        deployment.start()
        deployment.wait_for(
            "parsed DAG", lambda: deployment.query("select 1 from dag where dag_id = %s", DAG_ID)
        )
        deployment.airflow("dags", "unpause", DAG_ID)
        finished = (
            "select run_id, run_type, state, data_interval_start from dag_run"
            " where state in ('success', 'failed')"
        )
        run_id, run_type, state, start = deployment.wait_for(
            "finished DAG run", lambda: deployment.query(finished)
        )[0]
        instances = deployment.query(
            "select task_id, map_index, state, hostname, queue, start_date, end_date"
            " from task_instance where run_id = %s order by task_id, map_index",
            run_id,
        )
    finally:
        deployment.stop()
        shutil.rmtree(home / "logs", ignore_errors=True)

    assert start.date() == yesterday, (
        f"the scheduler ran the window of {start.date()}, not {yesterday}"
    )
    assert (run_type, state) == ("scheduled", "success"), instances
    assert all(i[2] == "success" and i[3] and i[4] == deployment.queue for i in instances), (
        instances
    )

    # every step of the campaigns' group ran once per campaign, and the two campaigns' tasks
    # ran side by side: some task of one campaign ran while a task of the other did
    mapped: dict[str, list[tuple[dt.datetime, dt.datetime]]] = {}
    by_campaign: dict[int, list[tuple[dt.datetime, dt.datetime]]] = {}
    for task_id, map_index, *_, started, ended in instances:
        if map_index >= 0:
            mapped.setdefault(task_id, []).append((started, ended))
            by_campaign.setdefault(map_index, []).append((started, ended))
    assert sorted(mapped) == [
        "per_campaign.allocate",
        "per_campaign.assign",
        "per_campaign.publish",
        "per_campaign.update_posteriors",
    ]
    assert all(len(spans) == len(CAMPAIGNS) for spans in mapped.values()), mapped
    overlapping = [
        (a, b) for a in by_campaign[0] for b in by_campaign[1] if a[0] < b[1] and b[0] < a[1]
    ]
    assert overlapping, f"the campaigns' tasks never ran at the same time: {mapped}"

    # what the CRM pulls: both campaigns' complete lists for today, marked ready
    with connect(warehouse_url) as conn:
        batches = conn.execute(
            "select campaign_id, row_count, (select count(*) from crm.send_list_v1 l"
            " where l.campaign_id = b.campaign_id and l.send_date = b.send_date)"
            " from crm.batches_v1 b where send_date = %s order by 1",
            (yesterday + dt.timedelta(days=1),),
        ).fetchall()
        learned = conn.execute(
            "select campaign_id, sum(sends) from bandit.arm_state where as_of = %s group by 1"
            " order by 1",
            (yesterday,),
        ).fetchall()
    assert batches == [(c, USERS, USERS) for c in CAMPAIGNS]
    assert [c for c, _ in learned] == list(CAMPAIGNS)
