"""Runs can be interrupted and repeated: a run stopped at any task boundary, or killed inside a
task, recovers on the next run with exactly the state of a run that was never interrupted;
two runs never write the same campaign at once."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest

from bandit_core import nightly
from bandit_core.audit import RunInfo
from bandit_core.db import connect
from bandit_core.errors import RunConflict
from bandit_core.quality import Gates
from bandit_core.window import Window
from tests.support import START, WALL_CLOCK_COLUMNS, Loop, table_digests

WINDOW = START + dt.timedelta(days=1)
STEPS = ("extract", "validate", "update_posteriors", "allocate", "assign", "publish")


@pytest.fixture
def history(warehouse_url: str, tmp_path: Path, airflow_metadata: None) -> Loop:
    """Two answered nights; the files of the third night's window are already delivered."""
    loop = Loop(warehouse_url, tmp_path, users=300)
    loop.days(2)
    return loop


def _digests(url: str) -> dict[str, str]:
    with connect(url) as conn:
        return table_digests(conn, ignore=WALL_CLOCK_COLUMNS)


def _control(history: Loop, clone: Callable[[str], str]) -> dict[str, str]:
    url = clone(history.url)
    assert history.run(WINDOW, url=url).state == "success"
    return _digests(url)


def _run_steps(url: str, landing: Path, steps: tuple[str, ...]) -> None:
    """The first steps of the window, as its tasks would run them, then the process stops."""
    run = RunInfo("interrupted-run", Window(WINDOW))
    with connect(url) as conn:
        if "extract" in steps:
            nightly.extract(conn, run, landing)
        if "validate" in steps:
            nightly.validate(conn, run, Gates())
        for campaign_id in nightly.campaigns(conn, run):
            if "update_posteriors" in steps:
                nightly.update_posteriors(conn, run, campaign_id)
            if "allocate" in steps:
                allocated = nightly.allocate(conn, run, campaign_id)
            if "assign" in steps:
                built = nightly.assign(conn, run, campaign_id)
            if "publish" in steps:
                nightly.publish(
                    conn,
                    run,
                    campaign_id,
                    expected_rows=built["rows"],
                    model_version=allocated["model_version"],
                )


def test_a_run_stopped_at_any_task_boundary_recovers(
    history: Loop, clone_database: Callable[[str], str]
) -> None:
    control = _control(history, clone_database)
    for k in range(1, len(STEPS) + 1):
        url = clone_database(history.url)
        _run_steps(url, history.landing, STEPS[:k])
        assert history.run(WINDOW, url=url).state == "success", STEPS[k - 1]
        assert _digests(url) == control, f"stopped after {STEPS[k - 1]}"


def _kill_inside(url: str, landing: Path, home: Path, lock_sql: str) -> None:
    """Start `smartarm nightly` for the window, let it block on ``lock_sql``'s lock inside a
    task, kill the process, then release the lock and wait until its session is gone."""
    holder = psycopg.connect(url)
    holder.execute(lock_sql)  # held in an open transaction
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    env.update(SMARTARM_DATABASE_URL=url, SMARTARM_HOME=str(home))
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "smartarm.cli",
            "nightly",
            "--date",
            WINDOW.isoformat(),
            "--landing-dir",
            str(landing),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        with psycopg.connect(url, autocommit=True) as watcher:
            deadline = time.monotonic() + 300
            while True:
                waiting = watcher.execute(
                    "select count(*) from pg_stat_activity where datname = current_database()"
                    " and wait_event_type = 'Lock' and pid <> %s",
                    (holder.info.backend_pid,),
                ).fetchone()
                if waiting and waiting[0] > 0:
                    break
                assert process.poll() is None, "the run ended before reaching the lock"
                assert time.monotonic() < deadline, "the run never blocked on the lock"
                time.sleep(0.2)
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            holder.rollback()  # release: the dead run's statement proceeds, then aborts
            deadline = time.monotonic() + 60
            while watcher.execute(
                "select count(*) from pg_stat_activity where datname = current_database()"
                " and pid not in (pg_backend_pid(), %s) and backend_type = 'client backend'",
                (holder.info.backend_pid,),
            ).fetchone() != (0,):
                assert time.monotonic() < deadline, "the killed run's session did not end"
                time.sleep(0.2)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        holder.close()


def _query(url: str, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with connect(url) as conn:
        return conn.execute(sql, params).fetchall()  # type: ignore[arg-type]


def test_a_run_killed_inside_publish_leaves_no_half_list_and_recovers(
    history: Loop, clone_database: Callable[[str], str], tmp_path: Path
) -> None:
    control = _control(history, clone_database)
    url = clone_database(history.url)
    before = _query(url, "select send_date, row_count, checksum from crm.batches_v1 order by 1")
    # publish swaps the list, then upserts its batch: it blocks there with the swap done
    _kill_inside(
        url, history.landing, tmp_path / "killed", "lock table crm.batches in exclusive mode"
    )
    assert (
        _query(url, "select send_date, row_count, checksum from crm.batches_v1 order by 1")
        == before
    )
    next_list = _query(
        url,
        "select count(*) from crm.send_list_v1 where send_date = %s",
        WINDOW + dt.timedelta(days=1),
    )
    assert next_list == [(0,)]  # the CRM sees no list for the next day, not half of one
    assert history.run(WINDOW, url=url).state == "success"
    assert _digests(url) == control
    steps = _query(
        url,
        "select status, error from audit.runs"
        " where step = 'publish' and window_date = %s order by run_key",
        WINDOW,
    )
    assert steps[0][0] == "failed" and steps[0][1].startswith("interrupted")
    assert steps[-1] == ("success", None)


def test_a_run_killed_inside_update_posteriors_counts_no_reward_twice(
    history: Loop, clone_database: Callable[[str], str], tmp_path: Path
) -> None:
    control = _control(history, clone_database)
    url = clone_database(history.url)
    _kill_inside(
        url, history.landing, tmp_path / "killed", "lock table bandit.arm_state in exclusive mode"
    )
    assert _query(url, "select count(*) from bandit.arm_state where as_of = %s", WINDOW) == [(0,)]
    assert history.run(WINDOW, url=url).state == "success"
    assert _digests(url) == control
    assert _query(url, "select count(*) from audit.runs where status = 'running'") == [(0,)]


def _hold_campaign_lock(url: str, campaign_id: str) -> psycopg.Connection[Any]:
    import zlib

    holder = psycopg.connect(url, autocommit=True)
    key = zlib.crc32(f"campaign:{campaign_id}".encode()) & 0x7FFFFFFF
    holder.execute("select pg_advisory_lock(%s, %s)", (0x536D4172, key))
    return holder


def test_a_second_writer_of_the_same_campaign_fails_clearly(history: Loop) -> None:
    holder = _hold_campaign_lock(history.url, "welcome_series")
    run = RunInfo("second-run", Window(WINDOW), lock_wait_seconds=1.0)
    try:
        with connect(history.url) as conn:
            with pytest.raises(
                RunConflict,
                match=rf"another run is writing campaign 'welcome_series' .* held by PostgreSQL "
                rf"backend pid {holder.info.backend_pid}",
            ):
                nightly.update_posteriors(conn, run, "welcome_series")
    finally:
        holder.close()


def test_a_second_writer_waits_for_the_first_to_finish(history: Loop) -> None:
    holder = _hold_campaign_lock(history.url, "welcome_series")
    releaser = threading.Timer(2.0, holder.close)
    releaser.start()
    run = RunInfo("second-run", Window(WINDOW), lock_wait_seconds=60.0)
    started = time.monotonic()
    with connect(history.url) as conn:
        nightly.update_posteriors(conn, run, "welcome_series")
    releaser.join()
    assert time.monotonic() - started >= 1.5  # it waited for the holder rather than failing
