"""``smartarm demo``: the whole nightly loop, day after day, against a simulated audience.

1. reset SmartArm's schemas in the database and apply migrations;
2. apply the example campaign; the simulated CRM delivers its users as a landing file;
3. for each day: run the real ``smartarm_nightly`` DAG through Airflow for the window before
   the send date, then let the world simulator answer the published list with delayed events;
4. print one line per day and, at the end, where the report and the data are.
"""

from __future__ import annotations

import datetime as dt
import shutil
import time
from pathlib import Path

from bandit_core.campaigns import apply_campaign
from bandit_core.config import load_campaign
from bandit_core.db import connect
from bandit_core.migrate import upgrade
from bandit_core.simulation_truth import record_truth
from bandit_core.world import World, WorldConfig
from smartarm.warehouse import database_url, drop_smartarm_schemas, smartarm_home

__all__ = ["DEMO_CONFIG", "demo_world", "run_demo"]

DEMO_CONFIG = Path(__file__).resolve().parents[1] / "examples" / "campaigns" / "welcome.yaml"

# The hidden truth: each age band has a different best template.
_CLICK_RATES = {
    "18-34": {
        "short_friendly": 0.040,
        "long_story": 0.030,
        "discount_first": 0.070,
        "checklist": 0.045,
    },
    "35-54": {
        "short_friendly": 0.050,
        "long_story": 0.040,
        "discount_first": 0.045,
        "checklist": 0.075,
    },
    "55+": {
        "short_friendly": 0.045,
        "long_story": 0.065,
        "discount_first": 0.030,
        "checklist": 0.050,
    },
}
_AGE_WEIGHTS = {"18-34": 0.40, "35-54": 0.35, "55+": 0.25}


def demo_world(campaign_id: str, *, users: int, attribution_days: int, seed: int) -> World:
    """The simulated audience the demo (and the end-to-end tests) answer lists with."""
    return World(
        WorldConfig(
            campaign_id=campaign_id,
            users=users,
            segment_attribute="age_band",
            segment_weights=_AGE_WEIGHTS,
            click_rates=_CLICK_RATES,
            attribution_days=attribution_days,
            seed=seed,
        )
    )


def run_demo(*, days: int, users: int, seed: int, config_path: str | None) -> int:
    """Run the demo; return the process exit code."""
    from smartarm.airflow_runner import run_nightly

    started = time.monotonic()
    home = smartarm_home()
    landing = home / "demo" / "landing"
    reports = home / "reports"
    shutil.rmtree(landing, ignore_errors=True)
    landing.mkdir(parents=True)
    url = database_url()
    config = load_campaign(config_path or DEMO_CONFIG)
    world = demo_world(
        config.campaign_id, users=users, attribution_days=config.reward.attribution_days, seed=seed
    )
    with connect(url) as conn:
        drop_smartarm_schemas(conn)
        upgrade(conn)
        apply_campaign(conn, config)
        record_truth(conn, world.config)  # only reporting.regret_true reads it
    # the simulated CRM delivers its users with the first night's files
    world.deliver_users(landing, config.start_date - dt.timedelta(days=1))
    print(f"SmartArm demo: campaign {config.campaign_id!r}, {users:,} users, {days} days")
    print(f"database: {_redact(url)}")
    print()
    print(
        f"{'day':>3}  {'send date':10}  {'sends':>6}  {'clicks':>6}  "
        f"{'leading template':<24}  {'best share':>10}  {'regret':>7}  {'uniform':>7}  {'ratio':>5}"
    )

    cumulative = uniform = 0.0
    first_window = config.start_date - dt.timedelta(days=1)
    for index in range(days + 1):
        window = first_window + dt.timedelta(days=index)
        run = run_nightly(window, landing_dir=landing, report_dir=reports)
        if run.state != "success":
            print(f"nightly run for {window} ended {run.state}:")
            for line in run.failures:
                print(f"  {line}")
            print(f"Airflow log: {home / 'logs' / f'nightly-{window.isoformat()}.log'}")
            return 1
        if index == days:
            break  # the last run learns from the last day; nobody answers its list
        send_date = window + dt.timedelta(days=1)
        with connect(url) as conn:
            outcome = world.respond(conn, send_date, landing)
        cumulative += outcome.regret
        uniform += outcome.uniform_regret
        leader, leader_sends = (
            outcome.template_sends.most_common(1)[0] if outcome.sends else ("-", 0)
        )
        share = leader_sends / outcome.sends if outcome.sends else 0.0
        best_share = outcome.best_template_sends / outcome.sends if outcome.sends else 0.0
        print(
            f"{index + 1:>3}  {send_date.isoformat():10}  "
            f"{outcome.sends:>6,}  {outcome.clicks:>6,}  "
            f"{f'{leader} {share:.0%}':<24}  {best_share:>10.0%}  {cumulative:>7.1f}  "
            f"{uniform:>7.1f}  {cumulative / uniform if uniform else 1.0:>5.2f}",
            flush=True,
        )

    print()
    print("regret: true expected clicks lost against each segment's best template, cumulative;")
    print("uniform: the same for an equal split; ratio < 1 means the bandit beats an A/B split.")
    print(f"finished in {time.monotonic() - started:.0f} s")
    print(f"report:      {reports / (config.campaign_id + '.html')}")
    print("send lists:  select * from crm.send_list_v1   (role smartarm_crm)")
    print("analytics:   select * from reporting.regret_estimate   (role smartarm_analyst)")
    print(f"event files: {landing}")
    print(f"database:    {_redact(url)}   (embedded unless SMARTARM_DATABASE_URL is set)")
    return 0


def _redact(url: str) -> str:
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    params = conninfo_to_dict(url)
    if params.get("password"):
        params["password"] = "***"
    return make_conninfo(**{k: v for k, v in params.items() if v is not None})
