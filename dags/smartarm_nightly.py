"""
### smartarm_nightly

Learns from the engagement events that arrived in the window `[D 00:00, D+1 00:00)` UTC and
publishes every active campaign's send list for `D+1`:

`extract → validate → (per campaign: update_posteriors → allocate → assign → publish) →
announce → report`

* **extract** copies `<landing_dir>/<D>/*` (events) and `<landing_dir>/<D>/users/*` (user
  updates), CSV, JSON Lines or Parquet, into staging, and removes staged windows older than
  the last `staging_keep_days`.
* **validate** tags rows with the rules they break, checks events, users and the stored
  config with Great Expectations (SQL pushdown), quarantines bad rows and loads the rest; a
  failed gate stops the run before learning, so yesterday's send lists stay in force.
* each campaign is a mapped task group; **publish** swaps its list in atomically and marks the
  batch ready in `crm.batches_v1`, then exports it as CSV/Parquet files if an export folder
  is set.
* **announce** emits the `smartarm_send_list` Asset event (send date, campaigns, row counts).
* **report** writes the HTML reports.

Every task is idempotent for its window; windows must run in order (`max_active_runs=1`).
Run one window with `smartarm nightly --date D`, or backfill with
`airflow backfill create --dag-id smartarm_nightly --from-date D1 --to-date D2`.
Settings: connection `smartarm_warehouse`; params or the environment variables
`SMARTARM_LANDING_DIR`, `SMARTARM_REPORT_DIR`, `SMARTARM_EXPORT_DIR`,
`SMARTARM_EXPORT_FORMATS` (default `csv,parquet`) and `SMARTARM_STAGING_KEEP_DAYS` (staged
windows kept, default 7: extract removes older ones).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pendulum
from airflow.sdk import (
    Asset,
    CronDataIntervalTimetable,
    ExceptionRetryPolicy,
    Param,
    RetryAction,
    RetryRule,
    dag,
    task,
    task_group,
)

CONN_ID = "smartarm_warehouse"
SEND_LIST = Asset(
    name="smartarm_send_list",
    uri="postgres://smartarm-warehouse:5432/smartarm/crm/send_list_v1",
    group="smartarm",
)

# Bad input or inconsistent state will fail again on retry; a lost connection may not.
RETRY_POLICY = ExceptionRetryPolicy(
    rules=[
        RetryRule(
            exception=[
                "bandit_core.errors.DataQualityError",
                "bandit_core.errors.ConfigError",
                "bandit_core.errors.StateError",
            ],
            action=RetryAction.FAIL,
            reason="bad input or state: fix it, then clear the task",
        ),
    ]
)


@contextmanager
def _warehouse() -> Iterator[Any]:
    from airflow.providers.postgres.hooks.postgres import PostgresHook

    from bandit_core.db import prepare

    conn = PostgresHook(postgres_conn_id=CONN_ID).get_conn()
    try:
        prepare(conn)
        yield conn
    finally:
        conn.close()


def _run(context: dict[str, Any]) -> Any:
    from bandit_core.audit import RunInfo
    from bandit_core.window import Window

    try:
        window = Window.from_interval(
            context.get("data_interval_start"), context.get("data_interval_end")
        )
    except ValueError as exc:
        from airflow.sdk.exceptions import AirflowFailException

        raise AirflowFailException(str(exc)) from None
    return RunInfo(context["run_id"], window, context["ti"].try_number)


def _setting(context: dict[str, Any], param: str, env: str) -> str | None:
    return context["params"].get(param) or os.environ.get(env) or None


@dag(
    dag_id="smartarm_nightly",
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args={
        "retries": 2,
        "retry_delay": pendulum.duration(minutes=5),
        "retry_policy": RETRY_POLICY,
    },
    params={
        "landing_dir": Param(None, type=["null", "string"], description="landing folder"),
        "report_dir": Param(None, type=["null", "string"], description="HTML report folder"),
        "max_quarantine_share": Param(
            0.05, type="number", minimum=0, maximum=1, description="largest share of bad rows"
        ),
        "volume_low": Param(
            0.2, type="number", minimum=0, maximum=1, description="fewest events vs median"
        ),
        "volume_high": Param(5.0, type="number", minimum=1, description="most events vs median"),
        "export_dir": Param(None, type=["null", "string"], description="send-list export folder"),
        "export_formats": Param(
            None, type=["null", "string"], description="export formats, e.g. csv,parquet"
        ),
        "staging_keep_days": Param(
            None,
            type=["null", "integer"],
            minimum=1,
            description="staged windows kept, this one included (default 7)",
        ),
    },
    doc_md=__doc__,
    tags=["smartarm"],
)
def smartarm_nightly() -> None:
    @task
    def extract(**context: Any) -> dict[str, Any]:
        from pathlib import Path

        from bandit_core import nightly
        from bandit_core.errors import ConfigError
        from bandit_core.extract import STAGING_KEEP_DAYS, staging_keep_days

        landing = _setting(context, "landing_dir", "SMARTARM_LANDING_DIR")
        if landing is None:
            raise ConfigError("no landing folder: set param landing_dir or SMARTARM_LANDING_DIR")
        keep = _setting(context, "staging_keep_days", "SMARTARM_STAGING_KEEP_DAYS")
        keep_days = staging_keep_days(STAGING_KEEP_DAYS if keep is None else keep)
        with _warehouse() as conn:
            return nightly.extract(conn, _run(context), Path(landing), keep_days)

    @task
    def validate(extracted: dict[str, Any], **context: Any) -> dict[str, Any]:
        from bandit_core import nightly
        from bandit_core.quality import Gates

        params = context["params"]
        gates = Gates(
            max_quarantine_share=float(params["max_quarantine_share"]),
            volume_low=float(params["volume_low"]),
            volume_high=float(params["volume_high"]),
        )
        with _warehouse() as conn:
            return nightly.validate(conn, _run(context), gates)

    @task
    def campaigns(validated: dict[str, Any], **context: Any) -> list[str]:
        from bandit_core import nightly

        with _warehouse() as conn:
            return nightly.campaigns(conn, _run(context))

    @task_group
    def per_campaign(campaign_id: str) -> Any:
        @task
        def update_posteriors(campaign_id: str, **context: Any) -> str:
            from bandit_core import nightly

            with _warehouse() as conn:
                nightly.update_posteriors(conn, _run(context), campaign_id)
            return campaign_id

        @task
        def allocate(campaign_id: str, **context: Any) -> dict[str, Any]:
            from bandit_core import nightly

            with _warehouse() as conn:
                return nightly.allocate(conn, _run(context), campaign_id)

        @task
        def assign(allocated: dict[str, Any], **context: Any) -> dict[str, Any]:
            from bandit_core import nightly

            with _warehouse() as conn:
                built = nightly.assign(conn, _run(context), allocated["campaign_id"])
            return {**built, "model_version": allocated["model_version"]}

        @task
        def publish(built: dict[str, Any], **context: Any) -> dict[str, Any]:
            from bandit_core import nightly
            from bandit_core.export import ExportConfig

            export = ExportConfig.parse(
                _setting(context, "export_dir", "SMARTARM_EXPORT_DIR"),
                _setting(context, "export_formats", "SMARTARM_EXPORT_FORMATS"),
            )
            with _warehouse() as conn:
                return nightly.publish(
                    conn,
                    _run(context),
                    built["campaign_id"],
                    expected_rows=built["rows"],
                    model_version=built["model_version"],
                    export=export,
                )

        return publish(assign(allocate(update_posteriors(campaign_id))))

    @task(outlets=[SEND_LIST])
    def announce(campaign_ids: list[str], **context: Any) -> dict[str, Any]:
        from bandit_core import nightly

        with _warehouse() as conn:
            extra = nightly.announce(conn, _run(context), campaign_ids)
        context["outlet_events"][SEND_LIST].extra = extra
        return extra

    @task
    def report(announced: dict[str, Any], **context: Any) -> dict[str, Any]:
        from pathlib import Path

        from bandit_core import nightly

        folder = _setting(context, "report_dir", "SMARTARM_REPORT_DIR")
        with _warehouse() as conn:
            return nightly.report(
                conn,
                _run(context),
                list(announced["campaigns"]),
                Path(folder) if folder else None,
            )

    ids = campaigns(validate(extract()))
    announced = announce(ids)
    per_campaign.expand(campaign_id=ids) >> announced
    report(announced)


smartarm_nightly()
